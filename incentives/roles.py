"""The incentive step's role groups, built from the centre's (rollout/access.py).

Everyone may thank a colleague, see the leaderboard and the badges, and claim points; managers and
admins run the plan, the rules, the ledger, badges, seasons and objectives.
"""

from rollout.access import EDITORS, EVERYONE, STAFF
from rollout.models import Role

# Named leaders (role leader): the people "Lead by example" counts and who may agree to be seen.
NAMED_LEADERS = frozenset({Role.LEADER})

__all__ = ["EDITORS", "EVERYONE", "NAMED_LEADERS", "STAFF"]

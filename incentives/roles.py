"""The incentive step's role groups, built from the centre's (rollout/access.py).

Everyone may thank a colleague, see the leaderboard and the badges, and claim points; managers and
admins run the plan, the rules, the ledger, badges, seasons and objectives.
"""

from rollout.access import EDITORS, EVERYONE, STAFF

__all__ = ["EDITORS", "EVERYONE", "STAFF"]

"""Role groups of Engage part 2, built from the centre's (rollout/access.py)."""

from rollout.access import EDITORS, STAFF
from rollout.models import Role

# Read the conversations, the queue, response times, momentum and pulse results.
READERS = STAFF
# Work the queue (claim, mark answered, hand on) and log questions by hand.
WORKERS = EDITORS | {Role.CHAMPION}

__all__ = ["EDITORS", "READERS", "STAFF", "WORKERS"]

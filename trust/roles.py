"""The trust step's role groups, built from the centre's (rollout/access.py)."""

from rollout.access import EDITORS, EVERYONE, STAFF

# Guidelines, training, boundaries and the incident register are run by managers and admins;
# everyone reads, acknowledges and takes training on their own page.
MANAGERS = EDITORS
# The rollout's trust page (rates, training completion; incidents only for MANAGERS).
READERS = STAFF

__all__ = ["EVERYONE", "MANAGERS", "READERS"]

"""The champion step's role groups, built from the centre's (rollout/access.py)."""

from rollout.access import EDITORS, EVERYONE, STAFF
from rollout.models import Role

# Log support sessions: champions log their own, managers and admins on anyone's behalf.
LOGGERS = EDITORS | {Role.CHAMPION}
# Read the activity report and its export.
READERS = EDITORS | {Role.LEADER}
# Nominate: managers nominate anyone, anyone else nominates themselves.
NOMINATORS = EVERYONE

__all__ = ["EDITORS", "LOGGERS", "NOMINATORS", "READERS", "STAFF"]

"""Views of the activity imports and metrics (Engage, part 1). Pages are grouped by concern:
activity.py (the step's page, accounts, cadence) and imports.py (upload, check, confirm, history)."""

from rollout.access import EDITORS, STAFF

# Managers and admins import and set the band; leaders and champions read; members do not.
IMPORTERS = EDITORS
READERS = STAFF

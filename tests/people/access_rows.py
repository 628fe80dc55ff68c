"""The employee's side's rows of the access matrix (tests/test_access_matrix.py): every role has
a page of their own; the outsider sees their own, in their own organization."""

from ..access import ROLES, page

ROWS = {
    "people:me": page(ROLES),
    "people:figures": page(ROLES),
    "people:download": page(ROLES),
    "people:you_said": page(ROLES),
}

"""Settings → Import people in the access matrix (tests/test_access_matrix.py): admins only; an
import of another organization is a 404."""

from rollout.directory.models import PeopleImport

from ..access import ADMINS, page


def import_kwargs(p):
    people_import = PeopleImport.objects.create(
        organization=p.org, file_name="people.csv", file="people_imports/none.csv", sha256="0" * 64,
        status=PeopleImport.Status.REFUSED,
    )  # fmt: skip
    return {"pk": people_import.pk}


ROWS = {
    "people_import:upload": page(ADMINS),
    "people_import:template": page(ADMINS),
    "people_import:detail": page(ADMINS, import_kwargs),
    "people_import:status": page(ADMINS, import_kwargs),
    # A refused file cannot be confirmed: the page says so and goes back to it.
    "people_import:confirm": page(ADMINS, import_kwargs, ok=302, method="post"),
    "people_import:cancel": page(ADMINS, import_kwargs, ok=302, method="post"),
}

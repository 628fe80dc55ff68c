"""The Engage page, the import history and an import's page cost the same number of queries with
a little activity data and with a lot (more people, units, weeks, imports, accounts and problems),
right after a write and opened again."""

from datetime import date, timedelta

import pytest
from django.urls import reverse

from engage.models import ImportBatch, OfficialAccount
from tests.factories import MembershipFactory, UnitFactory
from tests.pages import query_counts

from . import files
from .conftest import import_now, upload

pytestmark = pytest.mark.django_db

END = date(2026, 5, 31)


def grow(personas, units, people_each, weeks, accounts, bad_rows, tag):
    """Members in new units, one Viva Engage export per week, official accounts and a refused file."""
    emails = []
    for u in range(units):
        unit = UnitFactory(organization=personas.org, name=f"Unit {tag}{u}", headcount=40)
        for p in range(people_each):
            email = f"p{tag}{u}-{p}@acme.example"
            MembershipFactory(organization=personas.org, unit=unit, user__email=email)
            emails.append(email)
    for week in range(weeks):
        refresh = (END - timedelta(days=7 * week)).isoformat()
        rows = [
            files.viva_row(email, email.split("@")[0], i % 4, 10 + i, i % 3, refresh=refresh)
            for i, email in enumerate(emails)
        ]
        import_now(upload(personas.rollout, files.viva_file(rows), personas.manager), personas.manager)
    for email in emails[:accounts]:
        OfficialAccount.objects.create(rollout=personas.rollout, person_key=email, label=email)
    bad = [files.viva_row(email, "x", "lots", 1, 1) for email in emails[: max(1, bad_rows)]]
    refused = upload(personas.rollout, files.viva_file(bad), personas.manager, name=f"bad-{tag}.csv")
    assert refused.status == ImportBatch.Status.INVALID
    return refused


def pages(personas, refused):
    done = ImportBatch.objects.filter(status=ImportBatch.Status.DONE).latest("pk")
    return {
        "engage:home": reverse("engage:home", args=[personas.rollout.pk]),
        "engage:imports": reverse("engage:imports", args=[personas.rollout.pk]),
        "import done": reverse("engage:import_detail", args=[personas.rollout.pk, done.pk]),
        "import refused": reverse("engage:import_detail", args=[personas.rollout.pk, refused.pk]),
    }


@pytest.mark.parametrize("page", ["engage:home", "engage:imports", "import done", "import refused"])
@pytest.mark.parametrize("role", ["manager", "leader"])
def test_query_count_does_not_grow_with_activity_data(client_as, personas, page, role):
    client = client_as(personas.users[role])

    refused = grow(personas, units=1, people_each=6, weeks=1, accounts=1, bad_rows=1, tag="a")
    small = query_counts(client, pages(personas, refused)[page])
    refused = grow(personas, units=6, people_each=8, weeks=6, accounts=5, bad_rows=40, tag="b")
    assert query_counts(client, pages(personas, refused)[page]) == small

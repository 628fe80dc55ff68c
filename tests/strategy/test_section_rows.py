"""services.save_section() takes the section's cleaned values and its rows' changes (RowChanges)."""

import pytest
from django.urls import reverse

from strategy import services
from strategy.models import Objective, Stakeholder, Worksheet

pytestmark = pytest.mark.django_db


def test_rows_are_added_changed_and_deleted_from_plain_values(personas, worksheet):
    kept = Stakeholder.objects.create(worksheet=worksheet, name="CFO", need="Numbers")
    gone = Stakeholder.objects.create(worksheet=worksheet, name="Legal", need="No surprises")
    changes = services.RowChanges(
        Stakeholder,
        saved=[
            {"id": kept, "name": "CFO", "need": "Monthly numbers", "influence": "high"},
            {"id": None, "name": "Works council", "need": "A say", "worksheet": "ignored"},
        ],
        deleted=[gone],
    )
    services.save_section(worksheet, None, [changes])
    rows = {row.name: row for row in worksheet.stakeholders.all()}
    assert set(rows) == {"CFO", "Works council"}
    assert (rows["CFO"].pk, rows["CFO"].need, rows["CFO"].influence) == (kept.pk, "Monthly numbers", "high")
    assert rows["Works council"].worksheet == worksheet


def test_a_row_of_another_worksheet_is_refused_and_nothing_is_saved(personas, worksheet):
    theirs = Worksheet.objects.create(rollout=personas.other_rollout)
    foreign = Objective.objects.create(worksheet=theirs, title="Their objective")
    with pytest.raises(ValueError):
        services.save_section(
            worksheet,
            {"purpose_notes": "Changed"},
            [services.RowChanges(Objective, saved=[{"id": foreign, "title": "Taken over"}])],
        )
    foreign.refresh_from_db()
    worksheet.refresh_from_db()
    assert (foreign.title, foreign.worksheet, worksheet.purpose_notes) == ("Their objective", theirs, "")


def test_a_post_naming_another_worksheets_row_leaves_it_alone(client_as, personas, worksheet):
    theirs = Worksheet.objects.create(rollout=personas.other_rollout)
    foreign = Stakeholder.objects.create(worksheet=theirs, name="Their CFO", need="Numbers")
    data = {
        "stakeholders-TOTAL_FORMS": "1",
        "stakeholders-INITIAL_FORMS": "1",
        "stakeholders-MIN_NUM_FORMS": "0",
        "stakeholders-MAX_NUM_FORMS": "1000",
        "stakeholders-0-id": foreign.pk,
        "stakeholders-0-name": "Taken over",
        "stakeholders-0-need": "Anything",
        "stakeholders-0-influence": "high",
        "stakeholders-0-interest": "low",
    }
    client_as(personas.manager).post(
        reverse("strategy:section", args=[personas.rollout.pk, "stakeholders"]), data
    )
    foreign.refresh_from_db()
    assert (foreign.name, foreign.worksheet) == ("Their CFO", theirs)
    assert not worksheet.stakeholders.exists()

"""Participation per audience: a tenant-wide export never inflates a rate; the people outside the
audiences and those matched to no member are shown apart (docs/metrics.md)."""

import csv
import io
from datetime import date
from decimal import Decimal

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from engage import figures, matching
from engage.models import ActivityWindow
from rollout.steps import Status, registry
from strategy.models import Audience, SuccessMetric, Worksheet
from tests.factories import MembershipFactory, UnitFactory

from . import files
from .conftest import import_now, upload

DAY = date(2026, 5, 31)


@pytest.fixture
def tenant(personas):
    """Acme: 20 active in Sales (headcount 60, the audience), 50 active in Warehouse (no
    audience) and 40 contractors on acme.onmicrosoft.com who are no member's email."""
    warehouse = UnitFactory(organization=personas.org, name="Warehouse", headcount=200)
    rows = []
    for index in range(20):
        MembershipFactory(
            organization=personas.org, unit=personas.unit, user__email=f"seller{index}@acme.example"
        )
        rows.append(files.viva_row(f"seller{index}@acme.example", f"Seller {index}", 1, 3, 0))
    for index in range(50):
        MembershipFactory(
            organization=personas.org, unit=warehouse, user__email=f"picker{index}@acme.example"
        )
        rows.append(files.viva_row(f"picker{index}@acme.example", f"Picker {index}", 0, 2, 1))
    for index in range(40):
        rows.append(files.viva_row(f"temp{index}@acme.onmicrosoft.com", f"Temp {index}", 0, 1, 0))
    worksheet = Worksheet.objects.create(rollout=personas.rollout)
    audience = Audience.objects.create(worksheet=worksheet, name="Sales team", unit=personas.unit)
    SuccessMetric.objects.create(
        worksheet=worksheet,
        metric_key="participation_rate",
        audience=audience,
        baseline=Decimal("5"),
        target=Decimal("60"),
    )
    return {"file": files.viva_file(rows), "warehouse": warehouse, "audience": audience}


def imported(personas, content):
    manager = personas.users["manager"]
    return import_now(upload(personas.rollout, content, manager), manager)


def test_a_tenant_wide_export_gives_the_audiences_true_rate_and_shows_the_rest_apart(
    personas, tenant, client_as
):
    client = client_as(personas.users["manager"])
    response = client.post(
        reverse("engage:upload", args=[personas.rollout.pk]),
        {"file": SimpleUploadedFile("tenant.csv", tenant["file"])},
    )
    assert response.status_code == 302
    batch = personas.rollout.activity_imports.get()
    import_now(batch, personas.users["manager"])

    page = client.get(reverse("engage:home", args=[personas.rollout.pk])).content.decode()

    assert "33.3%" in page  # 20 of the 60 in Sales, not 110 of 60
    assert "20 active of the 60 people in Sales team (the headcount of Sales)" in page
    assert "Outside the rollout's audiences:" in page and ">50</a>" in page
    assert "Matched to no member:" in page and ">40</a>" in page
    for rate in ("183", "183.3"):
        assert f"{rate}%" not in page


def test_the_groups_add_up_to_the_active_users(personas, tenant):
    imported(personas, tenant["file"])
    share = figures.participation(personas.rollout, DAY)

    assert (share.active_users, share.in_audiences, share.outside, share.unmatched) == (110, 20, 50, 40)
    assert share.in_audiences + share.outside + share.unmatched + share.concealed == share.active_users
    assert share.rate == 33.3
    assert share.text == (
        "Participation 33.3%: 20 active of the 60 people in Sales team (the headcount of Sales), 28 days to 31 May 2026."
    )


def test_a_headcount_below_the_active_people_gives_no_rate_and_says_what_to_correct(personas, tenant):
    personas.unit.headcount = 12
    personas.unit.save()
    imported(personas, tenant["file"])

    share = figures.participation(personas.rollout, DAY)

    assert share.rate is None
    assert (
        "20 active people but Sales team has 12 (the headcount of Sales): the size is out of date"
        in share.text
    )
    assert "Set the headcount of Sales" in share.headline.unknown


def test_a_listed_audience_counts_exactly_its_people(personas, tenant):
    listed = Audience.objects.create(
        worksheet=tenant["audience"].worksheet,
        name="Shift leads",
        people="picker0@acme.example\npicker1@acme.example\nTEMP0@acme.onmicrosoft.com\nnobody@acme.example\n"
        "picker2@acme.example",
    )
    imported(personas, tenant["file"])

    share = figures.participation(personas.rollout, DAY)
    row = next(a for a in share.audiences if a.audience_id == listed.pk)

    assert (row.active, row.size, row.rate) == (4, 5, 80.0)
    # Three pickers move from "outside" into an audience, the listed contractor from "unmatched".
    assert (share.in_audiences, share.outside, share.unmatched) == (24, 47, 39)


def test_an_audience_of_the_whole_organization_leaves_nobody_outside(personas, tenant):
    Audience.objects.create(worksheet=tenant["audience"].worksheet, name="Everyone", size=500)
    imported(personas, tenant["file"])

    share = figures.participation(personas.rollout, DAY)
    everyone = next(a for a in share.audiences if a.name == "Everyone")

    assert (everyone.active, everyone.size, everyone.rate) == (70, 500, 14.0)
    assert (share.outside, share.unmatched) == (0, 40)


def test_an_audience_without_members_says_it_cannot_be_measured(personas, tenant):
    Audience.objects.create(
        worksheet=tenant["audience"].worksheet, name="Customers", kind=Audience.Kind.CUSTOMERS, size=1000
    )
    imported(personas, tenant["file"])

    customers = next(
        a for a in figures.participation(personas.rollout, DAY).audiences if a.name == "Customers"
    )

    assert customers.rate is None
    assert "Who belongs to Customers is not said" in customers.unknown


def test_a_domain_match_turns_the_contractors_into_members_of_their_units(personas, tenant):
    storage = UnitFactory(organization=personas.org, name="Storage", headcount=80)
    for index in range(40):
        MembershipFactory(organization=personas.org, unit=storage, user__email=f"temp{index}@acme.example")
    imported(personas, tenant["file"])
    assert figures.participation(personas.rollout, DAY).unmatched == 40

    matching.add_match(personas.org, export_key="@ACME.onmicrosoft.com", member_domain="acme.example")
    changed = matching.apply_matches(personas.org)

    share = figures.participation(personas.rollout, DAY)
    assert changed == 40
    assert (share.unmatched, share.outside) == (0, 90)
    window = ActivityWindow.objects.get(rollout=personas.rollout, day=DAY)
    assert window.by_unit[str(storage.pk)] == 40


def test_a_later_import_matches_through_the_domain_and_removing_the_match_undoes_it(personas, tenant):
    for index in range(40):
        MembershipFactory(
            organization=personas.org, unit=personas.unit, user__email=f"temp{index}@acme.example"
        )
    match = matching.add_match(personas.org, export_key="acme.onmicrosoft.com", member_domain="acme.example")
    imported(personas, tenant["file"])
    assert figures.participation(personas.rollout, DAY).unmatched == 0

    match.delete()
    matching.apply_matches(personas.org)

    assert figures.participation(personas.rollout, DAY).unmatched == 40


def test_viva_engage_says_why_there_is_no_dialogue_ratio(personas, tenant, client_as):
    imported(personas, tenant["file"])

    dialogue = figures.dialogue_ratio(personas.rollout, DAY)
    page = (
        client_as(personas.users["leader"])
        .get(reverse("engage:home", args=[personas.rollout.pk]))
        .content.decode()
    )

    assert dialogue.rate is None
    assert dialogue.text.startswith("Dialogue ratio: Not available from this source: Viva Engage")
    assert "Not available from this source: Viva Engage&#x27;s user activity export counts posts" in page


def test_the_page_the_digest_the_csv_and_the_api_read_the_same_figures(personas, tenant, client_as):
    imported(personas, tenant["file"])
    share = figures.participation(personas.rollout, DAY)
    dialogue = figures.dialogue_ratio(personas.rollout, DAY)
    manager = personas.users["manager"]
    client = client_as(manager)

    page = client.get(reverse("engage:home", args=[personas.rollout.pk])).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(reverse("engage:figures_csv", args=[personas.rollout.pk])).content.decode()
            )
        )
    )
    api = client.get(reverse("api:engage-figures-detail", args=[personas.rollout.pk])).json()
    membership = personas.org.memberships.get(user=manager)
    section = registry.get("engage").digest_section(personas.rollout, membership, timezone.now())

    assert share.text in section.lines and dialogue.text in section.lines
    assert ["Participation rate", "2026-05-04", "2026-05-31", "33.3%", "20", "60", share.text] in rows
    assert api["participation"]["text"] == share.text and api["participation"]["rate"] == 33.3
    assert api["participation"]["outside"] == 50 and api["participation"]["unmatched"] == 40
    assert api["dialogue_ratio"]["text"] == dialogue.text and api["dialogue_ratio"]["rate"] is None
    assert "33.3%" in page and "20 active of the 60 people in Sales team (the headcount of Sales)" in page


def test_the_rows_behind_the_outside_figure_are_its_people_with_a_csv(personas, tenant, client_as):
    imported(personas, tenant["file"])
    client = client_as(personas.users["manager"])
    url = reverse("engage:people", args=[personas.rollout.pk])

    page = client.get(url, {"group": "outside"}).content.decode()
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(
                    reverse("engage:people_csv", args=[personas.rollout.pk]), {"group": "outside"}
                ).content.decode()
            )
        )
    )

    assert "50 people, 28 days to 31 May 2026" in page
    assert 'href="?group=outside&amp;page=2"' in page  # the next page keeps the group
    assert "picker0@acme.example" in page and "seller0@acme.example" not in page
    assert len(rows) == 2 + 50 and {row[0] for row in rows[2:]} == {
        f"picker{i}@acme.example" for i in range(50)
    }
    assert all(row[2] == "Warehouse" and row[5] == "" for row in rows[2:])


def test_the_unmatched_list_suggests_the_domain_and_a_manager_matches_it(personas, tenant, client_as):
    for index in range(40):
        MembershipFactory(
            organization=personas.org, unit=personas.unit, user__email=f"temp{index}@acme.example"
        )
    imported(personas, tenant["file"])
    client = client_as(personas.users["manager"])
    url = reverse("engage:people", args=[personas.rollout.pk])

    page = client.get(url, {"group": "unmatched"}).content.decode()
    wrong = client.post(
        reverse("engage:match_add", args=[personas.rollout.pk]), {"export_key": "acme.onmicrosoft.com"}
    )
    right = client.post(
        reverse("engage:match_add", args=[personas.rollout.pk]),
        {"export_key": "acme.onmicrosoft.com", "member_domain": "acme.example"},
    )
    matching.apply_matches(personas.org)  # the worker's job

    assert "<strong>@acme.onmicrosoft.com</strong> (40)" in page
    # Refused with the reason, and what was typed is still there to correct.
    assert wrong.status_code == 400
    assert "Give either the members&#x27; domain" in wrong.content.decode()
    assert 'value="acme.onmicrosoft.com"' in wrong.content.decode()
    assert right.status_code == 302
    assert figures.participation(personas.rollout, DAY).unmatched == 0


@pytest.mark.parametrize(
    "headcount, status, first_driver",
    [
        (30, "on_track", None),  # 20 of 30 (66.7%) against the 60% target: full marks
        (60, "at_risk", "Participation of Sales team 33%"),  # 33.3%: over half the target, under it
        (100, "off_track", "Participation is under half the 60% expected by now."),  # 20%: capped
        (12, "at_risk", "Participation of Sales team is not known."),  # more active than the headcount
    ],
)
def test_the_engage_health_follows_the_participation_and_names_what_moved_it(
    personas, tenant, headcount, status, first_driver
):
    personas.unit.headcount = headcount
    personas.unit.save()
    imported(personas, tenant["file"])

    with time_machine.travel(date(2026, 6, 1), tick=False):
        health = registry.get("engage").health([personas.rollout])[personas.rollout.pk]

    assert health.status == status
    assert Status.from_score(health.score) == health.status
    if first_driver is None:
        assert health.drivers == ()
    else:
        assert health.drivers[0].fact.startswith(first_driver)


@pytest.mark.parametrize(
    "data, field, message",
    [
        (
            {"name": "Leads", "people": "ana@acme.example\nnot-an-email"},
            "people",
            "'not-an-email' is not an email",
        ),
        ({"name": "Leads", "people": "ana@acme.example", "unit": "sales"}, "people", "Choose a unit or list"),
    ],
)
def test_an_audience_list_with_a_wrong_entry_or_a_unit_too_is_refused(personas, data, field, message):
    from strategy.forms import AudienceForm

    worksheet = Worksheet.objects.create(rollout=personas.rollout)
    if data.get("unit") == "sales":
        data = {**data, "unit": personas.unit.pk}
    form = AudienceForm(
        {"kind": "employees", **data},
        worksheet=worksheet,
        rollout=personas.rollout,
        scope=personas_scope(personas),
    )

    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_an_audience_list_is_kept_one_person_a_line_each_once(personas):
    from strategy.forms import AudienceForm

    worksheet = Worksheet.objects.create(rollout=personas.rollout)
    form = AudienceForm(
        {
            "kind": "employees",
            "name": "Leads",
            "people": "Ana@Acme.example, bo@acme.example;ana@acme.example",
        },
        worksheet=worksheet,
        rollout=personas.rollout,
        scope=personas_scope(personas),
    )

    assert form.is_valid(), form.errors
    assert form.cleaned_data["people"] == "ana@acme.example\nbo@acme.example"


def personas_scope(personas):
    from rollout.access import Scope

    return Scope(personas.manager, personas.org.memberships.get(user=personas.manager))

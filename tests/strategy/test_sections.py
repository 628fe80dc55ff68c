from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from strategy.models import Audience, AwarenessChannel, Objective, Stakeholder, SuccessMetric, Worksheet

from ..factories import RolloutFactory, UnitFactory

pytestmark = pytest.mark.django_db


def section_url(rollout, key):
    return reverse("strategy:section", args=[rollout.pk, key])


def management(prefix, total, initial=0):
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def test_a_manager_saves_section_one_and_continues(client_as, personas):
    data = {
        "main_purpose": "knowledge_sharing",
        "purpose_notes": "Find answers faster.",
        **management("objectives", 2),
        "objectives-0-title": "Answers in a day",
        "objectives-0-description": "",
        "objectives-1-title": "Fewer emails",
        **management("allowances", 1),
        "allowances-0-audience": "Sales",
        "allowances-0-hours_per_week": "1.5",
        "continue": "1",
    }
    response = client_as(personas.manager).post(section_url(personas.rollout, "purpose"), data)
    assert response.status_code == 302
    assert response["Location"] == section_url(personas.rollout, "stakeholders")
    ws = Worksheet.objects.get(rollout=personas.rollout)
    assert ws.main_purpose == "knowledge_sharing"
    assert list(ws.objectives.values_list("title", flat=True)) == ["Answers in a day", "Fewer emails"]
    assert str(ws.time_allowances.get().hours_per_week) == "1.5"


def test_one_bad_row_saves_nothing_of_the_section(client_as, personas):
    data = {
        "main_purpose": "other",
        "purpose_notes": "",
        **management("objectives", 1),
        "objectives-0-title": "A good objective",
        **management("allowances", 1),
        "allowances-0-audience": "Sales",
        "allowances-0-hours_per_week": "-2",
    }
    response = client_as(personas.manager).post(section_url(personas.rollout, "purpose"), data)
    assert response.status_code == 400
    assert "say in a sentence what the purpose is" in response.text
    assert "greater than or equal to 0" in response.text
    assert not Objective.objects.exists()
    assert not Worksheet.objects.filter(rollout=personas.rollout).exists()


def test_rows_are_removed_with_the_remove_box(client_as, personas, worksheet):
    stakeholder = Stakeholder.objects.create(worksheet=worksheet, name="CFO", need="Numbers")
    data = {
        **management("stakeholders", 1, initial=1),
        "stakeholders-0-id": stakeholder.pk,
        "stakeholders-0-name": "CFO",
        "stakeholders-0-need": "Numbers",
        "stakeholders-0-influence": "high",
        "stakeholders-0-interest": "low",
        "stakeholders-0-DELETE": "on",
    }
    response = client_as(personas.manager).post(section_url(personas.rollout, "stakeholders"), data)
    assert response.status_code == 302
    assert not Stakeholder.objects.exists()


def test_audiences_take_units_of_the_organization_only(client_as, personas, worksheet):
    foreign = UnitFactory(organization=personas.other_org)
    audience = worksheet.audiences.get()
    data = {
        **management("audiences", 1, initial=1),
        "audiences-0-id": audience.pk,
        "audiences-0-kind": "employees",
        "audiences-0-name": "Sales team",
        "audiences-0-unit": foreign.pk,
        "audiences-0-size": "60",
        **management("channels", 0),
    }
    response = client_as(personas.manager).post(section_url(personas.rollout, "audiences"), data)
    assert response.status_code == 400
    audience.refresh_from_db()
    assert audience.unit == personas.unit


def test_a_channel_is_planned_for_a_saved_audience(client_as, personas, worksheet):
    audience = worksheet.audiences.get()
    data = {
        **management("audiences", 1, initial=1),
        "audiences-0-id": audience.pk,
        "audiences-0-kind": "employees",
        "audiences-0-name": "Sales team",
        "audiences-0-size": "60",
        **management("channels", 1),
        "channels-0-audience": audience.pk,
        "channels-0-channel": "town_hall",
        "channels-0-planned_date": "2027-01-10",
    }
    assert (
        client_as(personas.manager).post(section_url(personas.rollout, "audiences"), data).status_code == 302
    )
    assert AwarenessChannel.objects.get().audience == audience


@pytest.mark.parametrize(
    "row, field, message",
    [
        ({"target": "5"}, "target", "must differ from the baseline"),
        ({"target_date": "2026-12-01"}, "target_date", "must come after the rollout's start"),
        ({"metric_key": "custom"}, "custom_name", "Name the custom metric"),
        ({"metric_key": "no_such_metric"}, "metric_key", "Select a valid choice"),
    ],
)
def test_bad_success_metrics_are_refused_next_to_the_field(
    client_as, personas, worksheet, row, field, message
):
    data = {
        "review_cadence": "monthly",
        **management("metrics", 1),
        "metrics-0-metric_key": "active_users",
        "metrics-0-baseline": "5",
        "metrics-0-target": "50",
        "metrics-0-target_date": "2027-06-30",
    }
    data.update({f"metrics-0-{key}": value for key, value in row.items()})
    response = client_as(personas.manager).post(section_url(personas.rollout, "evaluation"), data)
    assert response.status_code == 400
    formset = response.context["parts"][0][1]
    assert message in " ".join(formset.forms[0].errors[field])
    assert SuccessMetric.objects.count() == 1


def test_budget_and_time_zones_are_validated(client_as, personas):
    client = client_as(personas.manager)
    response = client.post(
        section_url(personas.rollout, "ownership"), {"budget_amount": "-10", "budget_currency": "euro"}
    )
    assert set(response.context["form"].errors) == {"budget_amount", "budget_currency"}
    response = client.post(
        section_url(personas.rollout, "operating"),
        {
            "coverage": "business_hours",
            "coverage_time_zones": "Europe/London, Mars/Base",
            "response_target_hours": "8",
        },
    )
    assert "Not a time zone: Mars/Base" in response.text


def test_the_operating_model_is_readable_by_other_apps(client_as, personas):
    from strategy.selectors import operating_model

    assert operating_model(personas.rollout) is None
    client_as(personas.manager).post(
        section_url(personas.rollout, "operating"),
        {
            "coverage": "24_7",
            "coverage_time_zones": "Europe/London,Asia/Tokyo",
            "response_target_hours": "8",
            "moderation": "reactive",
        },
    )
    model = operating_model(personas.rollout)
    assert (
        model.is_24_7
        and model.time_zones == ["Europe/London", "Asia/Tokyo"]
        and model.response_target_hours == 8
    )


def test_the_completeness_meter_follows_what_is_saved(client_as, personas, worksheet):
    response = client_as(personas.leader).get(reverse("strategy:worksheet", args=[personas.rollout.pk]))
    sections = {section.key: percent for section, percent, _ in response.context["sections"]}
    # purpose: main purpose + one objective, no time allowance -> 2 of 3
    assert sections["purpose"] == 67
    assert sections["ownership"] == 0
    assert response.context["missing"].label == "Say how much time people are expected to spend on it"


def test_a_leader_reads_but_cannot_edit(client_as, personas, worksheet):
    client = client_as(personas.leader)
    response = client.get(reverse("strategy:worksheet", args=[personas.rollout.pk]))
    assert "Answers in a day" in response.text
    assert section_url(personas.rollout, "purpose") not in response.text
    assert client.post(section_url(personas.rollout, "purpose"), {}).status_code == 403


def test_an_unknown_section_is_404(client_as, personas):
    assert client_as(personas.manager).get(section_url(personas.rollout, "budgets")).status_code == 404


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["strategy:worksheet", "strategy:print", "strategy:history"])
def test_query_counts_do_not_grow_with_the_number_of_rows(client_as, personas, worksheet, url_name):
    client = client_as(personas.manager)
    url = reverse(url_name, args=[personas.rollout.pk])
    few = _count_queries(client, url)
    for n in range(15):
        audience = Audience.objects.create(worksheet=worksheet, name=f"Audience {n}", size=10)
        AwarenessChannel.objects.create(
            worksheet=worksheet, audience=audience, channel="intranet", planned_date=date(2027, 2, 1)
        )
        Objective.objects.create(worksheet=worksheet, title=f"Objective {n}")
        Stakeholder.objects.create(worksheet=worksheet, name=f"Stakeholder {n}", need="x")
        SuccessMetric.objects.create(
            worksheet=worksheet, metric_key="active_users", baseline=n, target=n + 10
        )
    assert _count_queries(client, url) == few


def test_section_query_count_does_not_grow_with_rows(client_as, personas, worksheet):
    client = client_as(personas.manager)
    url = section_url(personas.rollout, "audiences")
    few = _count_queries(client, url)
    for n in range(15):
        audience = Audience.objects.create(worksheet=worksheet, name=f"Audience {n}", size=10)
        AwarenessChannel.objects.create(worksheet=worksheet, audience=audience, channel="intranet")
    assert _count_queries(client, url) == few


def test_strategy_health_for_many_rollouts_is_one_query(personas, worksheet):
    from rollout.steps import registry

    step = registry.get("strategize")
    rollouts = [personas.rollout, *RolloutFactory.create_batch(5, organization=personas.org)]
    with CaptureQueriesContext(connection) as queries:
        health = step.health(rollouts)
    assert len(queries) == 1
    assert health[personas.rollout.pk].score > 0
    assert not health[rollouts[1].pk].started

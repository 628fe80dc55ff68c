"""The worksheet page at scale: at most 15 queries, cold or warm, with few or many rows; the cached
worksheet follows every save."""

from datetime import date

import pytest
from django.urls import reverse

from strategy.models import Audience, AwarenessChannel, Objective, Stakeholder, SuccessMetric

from ..pages import query_counts

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("role", ["manager", "champion"])
def test_the_worksheet_costs_at_most_15_queries_with_few_or_many_rows(client_as, personas, worksheet, role):
    client = client_as(personas.users[role])
    url = reverse("strategy:worksheet", args=[personas.rollout.pk])
    small = query_counts(client, url)
    for n in range(30):
        audience = Audience.objects.create(
            worksheet=worksheet, name=f"Audience {n}", size=10, unit=personas.unit
        )
        AwarenessChannel.objects.create(
            worksheet=worksheet, audience=audience, channel="intranet", planned_date=date(2027, 2, 1)
        )
        Objective.objects.create(worksheet=worksheet, title=f"Objective {n}")
        Stakeholder.objects.create(worksheet=worksheet, name=f"Stakeholder {n}", need="x")
        SuccessMetric.objects.create(
            worksheet=worksheet, metric_key="active_users", baseline=n, target=n + 10
        )
    large = query_counts(client, url)
    assert small == large
    assert large[1] <= 15


def test_the_cached_worksheet_follows_a_saved_section(client_as, personas, worksheet):
    client = client_as(personas.manager)
    url = reverse("strategy:worksheet", args=[personas.rollout.pk])
    assert "Answers in a day" in client.get(url).text
    data = {
        "main_purpose": "knowledge_sharing",
        "purpose_notes": "",
        "objectives-TOTAL_FORMS": "2",
        "objectives-INITIAL_FORMS": "1",
        "objectives-MIN_NUM_FORMS": "0",
        "objectives-MAX_NUM_FORMS": "1000",
        "objectives-0-id": str(worksheet.objectives.get().pk),
        "objectives-0-title": "Answers within the hour",
        "objectives-0-description": "",
        "objectives-1-title": "Fewer e-mails",
        "objectives-1-description": "",
        "allowances-TOTAL_FORMS": "0",
        "allowances-INITIAL_FORMS": "0",
        "allowances-MIN_NUM_FORMS": "0",
        "allowances-MAX_NUM_FORMS": "1000",
    }
    response = client.post(reverse("strategy:section", args=[personas.rollout.pk, "purpose"]), data)
    assert response.status_code == 302, response.context and response.context.get("form").errors
    text = client.get(url).text
    assert "Answers within the hour" in text and "Fewer e-mails" in text and "Answers in a day" not in text


def test_each_rollout_reads_its_own_cached_worksheet(client_as, personas, worksheet):
    from ..factories import RolloutFactory

    other = RolloutFactory(organization=personas.org, platform=personas.platform, name="Second wave")
    client = client_as(personas.manager)
    assert "Answers in a day" in client.get(reverse("strategy:worksheet", args=[personas.rollout.pk])).text
    assert "Answers in a day" not in client.get(reverse("strategy:worksheet", args=[other.pk])).text

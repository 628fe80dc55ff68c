"""The leaders' portfolio, its export, and a rollout's trends and report."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from rollout import portfolio
from rollout.models import HealthSnapshot, Rollout
from rollout.steps import registry

from .factories import PlatformFactory, RolloutFactory, UnitFactory
from .pages import query_counts, worker_catches_up

pytestmark = pytest.mark.django_db


def rows_of(response):
    return [row.rollout.name for row in response.context["page"]]


def test_steps_without_data_count_as_not_started_and_overall_uses_the_scored_ones(personas):
    [row] = portfolio.rows_for([personas.rollout])
    assert [step.key for step, _ in row.healths] == [s.key for s in registry.steps()]
    assert all(not health.started for _, health in row.healths)
    assert row.overall is None


def test_leaders_see_every_rollout_worst_first(client_as, personas):
    from strategy.models import Objective, Worksheet

    better = RolloutFactory(organization=personas.org, name="Better", platform=personas.platform)
    ws = Worksheet.objects.create(rollout=better, main_purpose="knowledge_sharing", status="approved")
    Objective.objects.create(worksheet=ws, title="One")
    worse = RolloutFactory(organization=personas.org, name="Worse", platform=personas.platform)
    Worksheet.objects.create(rollout=worse)
    response = client_as(personas.leader).get(reverse("rollout:portfolio"))
    assert rows_of(response) == ["Worse", "Better", "Engage for all"]  # not started last
    response = client_as(personas.leader).get(reverse("rollout:portfolio"), {"sort": "best"})
    assert rows_of(response)[:2] == ["Better", "Worse"]
    assert "Globex chat" not in response.text


def test_filters_by_status_platform_and_unit(client_as, personas):
    from strategy.models import Audience, Worksheet

    other_platform = PlatformFactory(organization=personas.org, name="Slack")
    RolloutFactory(
        organization=personas.org, name="Slack pilot", platform=other_platform, status=Rollout.Status.PILOT
    )
    ws = Worksheet.objects.create(rollout=personas.rollout)
    Audience.objects.create(worksheet=ws, name="Sales", unit=personas.unit, size=60)
    client = client_as(personas.manager)
    assert rows_of(client.get(reverse("rollout:portfolio"), {"status": "pilot"})) == ["Slack pilot"]
    assert rows_of(client.get(reverse("rollout:portfolio"), {"platform": other_platform.pk})) == [
        "Slack pilot"
    ]
    assert rows_of(client.get(reverse("rollout:portfolio"), {"unit": personas.unit.pk})) == ["Engage for all"]


def test_units_below_the_privacy_threshold_are_not_offered_one_by_one(client_as, personas):
    from strategy.models import Audience, Worksheet

    tiny = UnitFactory(organization=personas.org, name="Board office", headcount=3)
    ws = Worksheet.objects.create(rollout=personas.rollout)
    Audience.objects.create(worksheet=ws, name="Board", unit=tiny, size=3)
    client = client_as(personas.leader)
    response = client.get(reverse("rollout:portfolio"))
    choices = dict(response.context["form"].fields["unit"].choices)
    assert "Sales" in choices.values() and "Board office" not in choices.values()
    assert rows_of(client.get(reverse("rollout:portfolio"), {"unit": "other"})) == ["Engage for all"]
    assert client.get(reverse("rollout:portfolio"), {"unit": tiny.pk}).context["form"].errors["unit"]


def test_a_change_of_ten_points_since_last_month_is_marked(client_as, personas):
    from strategy.models import Objective, Worksheet

    ws = Worksheet.objects.create(
        rollout=personas.rollout, main_purpose="knowledge_sharing", status="approved"
    )
    Objective.objects.create(worksheet=ws, title="One")
    HealthSnapshot.objects.create(
        rollout=personas.rollout, day=timezone.localdate() - timedelta(days=30), overall=10
    )
    response = client_as(personas.leader).get(reverse("rollout:portfolio"))
    [row] = [row for row in response.context["page"] if row.rollout == personas.rollout]
    assert row.change.direction == "up" and row.change.delta == row.overall - 10
    assert "▲" in response.text


def test_the_daily_snapshot_records_each_rollout_once_a_day(personas):
    from rollout.tasks import snapshot_health

    snapshot_health()
    snapshot_health()
    assert HealthSnapshot.objects.filter(rollout=personas.rollout).count() == 1


def test_the_csv_export_is_formula_safe_and_keeps_numbers(client_as, personas):
    RolloutFactory(organization=personas.org, name='=HYPERLINK("http://evil")', platform=personas.platform)
    response = client_as(personas.leader).get(reverse("rollout:portfolio_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:3] == ["Rollout", "Status", "Platform"]
    names = [row[0] for row in rows[1:]]
    assert '\'=HYPERLINK("http://evil")' in names


def test_the_cached_figures_follow_a_change_of_data(client_as, personas):
    from strategy.models import Worksheet

    """Another person's write shows at once as "updating", and its figures once the worker has
    recomputed them."""
    client = client_as(personas.leader)
    url = reverse("rollout:portfolio")
    response = client.get(url)
    assert response.context["page"][0].overall is None
    assert "data-figures-updating" not in response.text
    Worksheet.objects.create(rollout=personas.rollout, main_purpose="knowledge_sharing")
    response = client.get(url)
    assert response.context["page"][0].overall is None  # as stored, before the write ...
    assert "data-figures-updating" in response.text  # ... and said to be updating
    worker_catches_up()
    response = client.get(url)
    assert response.context["page"][0].overall is not None
    assert "data-figures-updating" not in response.text


def test_portfolio_queries_do_not_grow_from_3_to_60_rollouts(client_as, personas):
    from django.core.management import call_command

    call_command("seed_demo", stdout=io.StringIO())  # every step has data to compute
    client = client_as(personas.leader)
    url = reverse("rollout:portfolio")
    RolloutFactory.create_batch(2, organization=personas.org, platform=personas.platform)
    cold_3, warm_3 = query_counts(client, url)
    RolloutFactory.create_batch(57, organization=personas.org)
    cold_60, warm_60 = query_counts(client, url)
    assert (cold_3, warm_3) == (cold_60, warm_60)
    assert warm_60 <= 15


def test_a_leader_sees_the_trends_with_a_table_behind_each_chart(client_as, db):
    from django.core.management import call_command

    from rollout.models import User

    call_command("seed_demo", stdout=io.StringIO())
    leader = User.objects.get(email="leader@northwind.example")
    live = Rollout.objects.get(name="Viva Engage for all staff")
    response = client_as(leader).get(reverse("rollout:trends", args=[live.pk]))
    trends = {trend.key: trend for trend in response.context["trends"]}
    assert trends["support-sessions"].has_data
    assert any(key.startswith("kpi-") and trend.has_data for key, trend in trends.items())
    assert trends["participation"].has_data  # six months of demo activity
    assert 'id="trend-data-support-sessions"' in response.text and "<summary" in response.text
    assert "chart.umd.min.js" in response.text


def test_the_one_page_report_prints(client_as, personas):
    response = client_as(personas.manager).get(reverse("rollout:report", args=[personas.rollout.pk]))
    assert "Rollout report" in response.text and "data-print" in response.text
    assert "The six steps" in response.text

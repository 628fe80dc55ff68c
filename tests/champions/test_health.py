from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout.metrics import catalogue
from rollout.steps import registry

from ..factories import RolloutFactory, UnitFactory
from .factories import ChampionFactory, SupportSessionFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 15, 12, 0, tzinfo=UTC)
step = registry.get("champion")


def test_a_rollout_without_champions_has_not_started_and_links_to_the_champion_home(personas):
    health = step.health([personas.rollout])[personas.rollout.pk]
    assert not health.started
    assert health.next_action == "Nominate the first champions"
    assert health.next_url == reverse("champions:home", args=[personas.rollout.pk])


@time_machine.travel(NOW, tick=False)
def test_health_weighs_coverage_activity_and_trend_and_names_the_worst_gap(personas):
    nursing = UnitFactory(organization=personas.org, name="Nursing", headcount=140)
    UnitFactory(organization=personas.org, name="Finance", headcount=40)
    active = ChampionFactory(rollout=personas.rollout, units=[personas.unit])  # Sales, 60 people
    ChampionFactory(rollout=personas.rollout, units=[personas.unit])
    SupportSessionFactory(champion=active, happened_at=NOW - timedelta(days=3))
    SupportSessionFactory(champion=active, happened_at=NOW - timedelta(days=40))
    SupportSessionFactory(champion=active, happened_at=NOW - timedelta(days=45))
    health = step.health([personas.rollout])[personas.rollout.pk]
    # Coverage: 60 of 240 people (Sales) = 0.25; active in 30 days: 1 of 2; trend: 1 session vs 2.
    assert health.score == round(100 * (0.5 * 0.25 + 0.3 * 0.5 + 0.2 * 0.5))
    assert health.status == "off_track"
    assert health.next_action == f"Appoint a champion for {nursing.name} (140 people, none yet)"
    assert health.next_url == reverse("champions:coverage", args=[personas.rollout.pk])
    assert (
        "25% of people covered at the target of 1 per 50 (2 units without an active champion)."
        in health.reasons
    )
    assert "1 of 2 active champions logged a session in the last 30 days." in health.reasons


@time_machine.travel(NOW, tick=False)
def test_with_every_unit_covered_the_next_action_names_the_unit_furthest_from_target(personas):
    ChampionFactory(rollout=personas.rollout, units=[personas.unit])  # Sales: 1 per 60, target 50
    health = step.health([personas.rollout])[personas.rollout.pk]
    assert health.next_action == "Add a champion in Sales (1 per 60, target 1 per 50)"


def test_health_for_many_rollouts_costs_the_same_queries(personas):
    def make(n):
        rollouts = RolloutFactory.create_batch(n, organization=personas.org, platform=personas.platform)
        for rollout in rollouts:
            champion = ChampionFactory(rollout=rollout, units=[personas.unit])
            SupportSessionFactory(champion=champion)
        return rollouts

    few = make(2)
    with CaptureQueriesContext(connection) as small:
        step.health(few)
    many = few + make(12)
    with CaptureQueriesContext(connection) as large:
        result = step.health(many)
    assert len(small) == len(large)
    assert set(result) == {r.pk for r in many}


@time_machine.travel(NOW, tick=False)
def test_the_support_sessions_metric_counts_the_30_days_up_to_the_date(personas):
    champion = ChampionFactory(rollout=personas.rollout)
    for days in (0, 10, 29, 30, 200):
        SupportSessionFactory(champion=champion, happened_at=NOW - timedelta(days=days))
    metric = catalogue.get("support_sessions")
    assert metric.compute(personas.rollout, date(2026, 6, 15)) == 3
    assert metric.compute(personas.rollout, date(2026, 1, 1)) == 0
    assert "support_sessions" in dict(catalogue.choices())

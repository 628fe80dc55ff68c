"""The champion's home at scale: at most 15 queries, cold or warm, with few or many sessions and
follow-ups; its figures (coverage, and the stored health once the worker has recomputed it) follow
every write."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from champions import services
from champions.models import Champion

from ..factories import UnitFactory
from ..pages import query_counts, worker_catches_up
from .factories import ChampionFactory, SupportSessionFactory

pytestmark = pytest.mark.django_db


def log_sessions(champion, skills, count):
    for i in range(count):
        SupportSessionFactory(
            champion=champion,
            happened_at=timezone.now() - timedelta(days=i % 60, hours=1),
            topics=skills[: 1 + i % 3],
            outcome="follow_up" if i % 2 else "resolved",
            follow_up_on=timezone.localdate() + timedelta(days=i % 5) if i % 2 else None,
            helped_unit=champion.units.first(),
        )


@pytest.mark.parametrize("role", ["champion", "manager"])
def test_the_home_costs_at_most_15_queries_with_few_or_many_sessions(
    client_as, personas, champion, skills, role
):
    client = client_as(personas.users[role])
    url = reverse("champions:home", args=[personas.rollout.pk])
    log_sessions(champion, skills, 3)
    small = query_counts(client, url)
    log_sessions(champion, skills, 40)  # ten open follow-ups shown, each with topics and a unit
    for _ in range(20):
        ChampionFactory(
            rollout=personas.rollout, units=[UnitFactory(organization=personas.org, headcount=40)]
        )
    large = query_counts(client, url)
    assert small == large
    assert large[1] <= 15


def test_the_coverage_follows_a_new_champion_and_a_decided_nomination(client_as, personas, champion):
    client = client_as(personas.champion)
    url = reverse("champions:home", args=[personas.rollout.pk])
    assert client.get(url).context["summary"]["active"] == 1
    ChampionFactory(rollout=personas.rollout, units=[personas.unit])
    assert client.get(url).context["summary"]["active"] == 2
    nominee = ChampionFactory(
        rollout=personas.rollout, user=personas.member, status=Champion.Status.NOMINATED
    )
    assert client.get(url).context["summary"]["active"] == 2
    services.decide(nominee, approve=True, decided_by=personas.manager)  # a conditional update()
    response = client.get(url)
    assert response.context["summary"]["active"] == 3
    # Another person's write: the stored health is shown as it was ...
    assert not any("of 3 active champions" in reason for reason in response.context["health"].reasons)
    worker_catches_up()  # ... until the worker has recomputed it
    response = client.get(url)
    assert any("of 3 active champions" in reason for reason in response.context["health"].reasons)


def test_my_units_coverage_follows_a_change_of_my_units(client_as, personas, champion):
    client = client_as(personas.champion)
    url = reverse("champions:home", args=[personas.rollout.pk])
    assert [row.unit.name for row in client.get(url).context["my_coverage"]] == ["Sales"]
    champion.units.add(UnitFactory(organization=personas.org, name="Support", headcount=20))
    assert sorted(row.unit.name for row in client.get(url).context["my_coverage"]) == ["Sales", "Support"]


def test_a_session_logged_by_another_champion_shows_in_my_week_and_leaves_the_coverage_cached(
    client_as, personas, champion, skills, monkeypatch
):
    from champions.views import home

    client = client_as(personas.champion)
    url = reverse("champions:home", args=[personas.rollout.pk])
    client.get(url)
    summaries = []
    original = home.coverage_summary
    monkeypatch.setattr(home, "coverage_summary", lambda *args: summaries.append(1) or original(*args))
    other = ChampionFactory(
        rollout=personas.rollout, units=[personas.unit]
    )  # a new champion: coverage changes
    client.get(url)
    assert len(summaries) == 1
    SupportSessionFactory(champion=other, topics=skills[:1])  # their session: coverage does not change
    log_sessions(champion, skills, 1)  # ...and mine shows in my week at once
    page = client.get(url)
    assert len(summaries) == 1
    assert len(page.context["recent_sessions"]) == 1

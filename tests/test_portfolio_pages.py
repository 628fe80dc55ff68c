"""The pages that read the portfolio's cached figures (the portfolio, a rollout's overview): at most
15 queries, the same with 3 or 40 rollouts, and always the figures after the latest write, also a
write that sends no signal."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout import portfolio
from rollout.models import HealthSnapshot, Organization, Role, Rollout, User

from .champions.factories import ChampionFactory
from .factories import MembershipFactory, RolloutFactory
from .pages import query_counts

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=io.StringIO())  # every step has data to compute
    organization = Organization.objects.get(slug="northwind-health")
    return organization, organization.rollouts.get(status=Rollout.Status.LIVE)


@pytest.mark.parametrize("url_name, role", [("rollout:portfolio", "leader"), ("rollout:overview", "manager")])
def test_at_most_15_queries_the_same_with_3_or_40_rollouts(client, demo, url_name, role):
    organization, live = demo
    client.force_login(User.objects.get(email=f"{role}@northwind.example"))
    url = reverse(url_name, **({"args": [live.pk]} if url_name == "rollout:overview" else {}))
    small = query_counts(client, url)
    for rollout in RolloutFactory.create_batch(37, organization=organization):
        ChampionFactory(rollout=rollout)
    large = query_counts(client, url)
    assert small == large
    assert large[1] <= 15


def test_a_write_that_sends_no_signal_still_shows(client_as, personas):
    """Deciding a nomination is a conditional update(); the champion step's health follows it."""
    from champions import services
    from champions.models import Champion

    nominee = ChampionFactory(
        rollout=personas.rollout, user=personas.member, status=Champion.Status.NOMINATED
    )
    client = client_as(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    before = dict(client.get(url).context["healths"])
    assert "1 nomination waiting for a decision." in before[_step("champion")].reasons
    assert services.decide(nominee, approve=True, decided_by=personas.manager)
    after = dict(client.get(url).context["healths"])
    assert "1 nomination waiting for a decision." not in after[_step("champion")].reasons
    assert any("of 1 active champion" in reason for reason in after[_step("champion")].reasons)


def _step(key):
    from rollout.steps import registry

    return registry.get(key)


def test_the_cached_portfolio_of_one_organization_is_never_shown_to_another(client, personas):
    leader = MembershipFactory(organization=personas.other_org, role=Role.LEADER).user
    client.force_login(personas.leader)
    assert "Engage for all" in client.get(reverse("rollout:portfolio")).text
    client.force_login(leader)
    text = client.get(reverse("rollout:portfolio")).text
    assert "Globex chat" in text and "Engage for all" not in text


def test_every_leader_of_the_organization_reads_the_same_cached_page(client, personas):
    client.force_login(personas.leader)
    first = client.get(reverse("rollout:portfolio"), {"sort": "name"})
    client.force_login(personas.manager)
    with CaptureQueriesContext(connection) as queries:
        second = client.get(reverse("rollout:portfolio"), {"sort": "name"})
    assert not any("rollout_rollout" in query["sql"] for query in queries.captured_queries)
    main = [response.text.split('<main id="main"')[1] for response in (first, second)]
    assert main[0] == main[1]


def test_a_new_snapshot_shows_on_the_cached_portfolio(client_as, personas):
    from strategy.models import Objective, Worksheet

    ws = Worksheet.objects.create(
        rollout=personas.rollout, main_purpose="knowledge_sharing", status="approved"
    )
    Objective.objects.create(worksheet=ws, title="One")
    client = client_as(personas.leader)
    assert "▲" not in client.get(reverse("rollout:portfolio")).text
    HealthSnapshot.objects.create(
        rollout=personas.rollout, day=timezone.localdate() - timedelta(days=30), overall=5
    )
    assert "▲" in client.get(reverse("rollout:portfolio")).text


def test_figures_cached_before_the_cache_was_cleared_are_never_read_again(personas):
    """After a cache flush the data version starts from a number never used before."""
    first = portfolio.data_version()
    cache.clear()
    assert portfolio.data_version() != first


def test_with_the_cache_down_every_page_computes_its_figures_afresh(client_as, personas, monkeypatch):
    """No data version can be read, so nothing is kept, not even in this process's own copies."""
    from django.core.cache.backends.dummy import DummyCache

    from strategy.models import Worksheet

    monkeypatch.setattr(portfolio, "cache", DummyCache("down", {}))
    ws = Worksheet.objects.create(rollout=personas.rollout)
    client = client_as(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    before = dict(client.get(url).context["healths"])[_step("strategize")].score
    Worksheet.objects.filter(pk=ws.pk).update(main_purpose="knowledge_sharing")  # no signal
    after = dict(client.get(url).context["healths"])[_step("strategize")].score
    assert after > before

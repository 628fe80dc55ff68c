"""The pages that read the rollouts' stored figures (the portfolio, a rollout's overview): at most
15 queries, the same with 3 or 40 rollouts; the figures after the latest write, also a write that
sends no signal, at once for the person who made it and for everyone else once the worker has
recomputed them (until then shown as stored, "updating"); and the pages work with the cache down."""

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from rollout import data_versions, figures
from rollout.models import HealthSnapshot, Organization, Role, Rollout, User

from .champions.factories import ChampionFactory
from .factories import MembershipFactory, RolloutFactory
from .pages import query_counts, worker_catches_up

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


def test_after_a_write_the_portfolio_reads_the_figures_of_that_rollout_alone(client, demo):
    """The other rows are rendered from the cache: their stored documents are not read at all."""
    organization, live = demo
    for rollout in RolloutFactory.create_batch(5, organization=organization):
        ChampionFactory(rollout=rollout)
    figures.recompute(organization.rollouts.all())
    client.force_login(User.objects.get(email="leader@northwind.example"))
    url = reverse("rollout:portfolio")
    client.get(url)  # every row rendered and cached
    ChampionFactory(rollout=live)  # a write to the live rollout: its figures change version
    figures.recompute([live])
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    documents = [query["sql"] for query in queries if '"rollout_rolloutfigures"."data"' in query["sql"]]
    assert len(documents) == 1 and f"IN ({live.pk})" in documents[0], documents


def test_a_write_that_sends_no_signal_still_shows(client_as, personas):
    """Deciding a nomination is a conditional update(); the champion step's health follows it: at once
    for the manager who decided, and until then another person sees the stored health, updating."""
    from champions import services
    from champions.models import Champion

    nominee = ChampionFactory(
        rollout=personas.rollout, user=personas.member, status=Champion.Status.NOMINATED
    )
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    before = dict(client_as(personas.manager).get(url).context["healths"])
    assert "1 nomination waiting for a decision." in before[_step("champion")].reasons
    with figures.changes_by(personas.manager):  # the manager's own request
        assert services.decide(nominee, approve=True, decided_by=personas.manager)
    response = client_as(personas.leader).get(url)  # another person, before the worker
    shown = dict(response.context["healths"])
    assert "1 nomination waiting for a decision." in shown[_step("champion")].reasons
    assert "data-figures-updating" in response.text
    response = client_as(personas.manager).get(url)
    after = dict(response.context["healths"])
    assert "1 nomination waiting for a decision." not in after[_step("champion")].reasons
    assert any("of 1 active champion" in reason for reason in after[_step("champion")].reasons)
    assert "data-figures-updating" not in response.text


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
    """Every leader reads the same stored figures: computed once, then read, not computed again,
    also while a write by someone else waits for the worker."""
    url = reverse("rollout:portfolio")

    def read_by_a_leader_then_the_manager():
        """[(the page's main content, whether it wrote figures)] for each of them."""
        read = []
        for user in (personas.leader, personas.manager):
            client.force_login(user)
            with CaptureQueriesContext(connection) as queries:
                response = client.get(url, {"sort": "name"})
            computed = any(
                "rollout_rolloutfigures" in query["sql"] and not query["sql"].startswith("SELECT")
                for query in queries.captured_queries
            )
            read.append((response.text.split('<main id="main"')[1], computed))
        return read

    (first, computed_first), (second, computed_second) = read_by_a_leader_then_the_manager()
    assert computed_first and not computed_second  # never computed: computed once, then read
    assert first == second
    ChampionFactory(rollout=personas.rollout)  # another person's write, the worker not yet done
    (first, computed_first), (second, computed_second) = read_by_a_leader_then_the_manager()
    assert not computed_first and not computed_second
    assert first == second and "data-figures-updating" in first


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
    """After a cache flush the data version (of the values cached besides the stored figures) starts
    from a number never used before."""
    first = data_versions.data_version()
    cache.clear()
    assert data_versions.data_version() != first


def test_with_the_cache_down_every_page_computes_its_figures_afresh(client_as, personas, settings):
    """With the cache (Redis) down, whose misses are answered as misses: nothing is kept in it, yet
    the pages answer and show the stored figures; a write marks them out of date and the worker's
    recomputation shows it."""
    from strategy.models import Worksheet

    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    assert data_versions.data_version() is None  # the cache cannot be read
    ws = Worksheet.objects.create(rollout=personas.rollout)
    client = client_as(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])

    def shown():
        response = client.get(url)
        assert response.status_code == 200
        return dict(response.context["healths"])[_step("strategize")].score, response.text

    before, _ = shown()
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    Worksheet.objects.filter(pk=ws.pk).update(main_purpose="knowledge_sharing")  # no signal ...
    data_versions.new_data_version(personas.org.pk, rollout=personas.rollout.pk)  # ... so said so
    score, text = shown()
    assert score == before and "data-figures-updating" in text
    worker_catches_up()
    score, text = shown()
    assert score > before and "data-figures-updating" not in text

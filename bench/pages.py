"""Pages: server time of each page against the baseline view, alternating, in the same run.

`ratio` and `queries` are a page opened again with nothing changed since (what most requests are);
`after_write_*` is the page opened right after a write to its rollout by someone else (a support
session logged by another champion): the stored step figures are then out of date and the page
shows them with their time, while the values a write makes stale (data versions) are computed
again. Nothing serves a whole page from a cache."""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout import enterprise
from rollout.access import SESSION_KEY
from rollout.models import Organization, Role, User

WARMUP = 3


def page_urls():
    """(organization, rollout, {name: (login role, url)}) for the enterprise organization."""
    from champions.models import Champion

    organization = Organization.objects.get(slug=enterprise.SLUG)
    champion = User.objects.get(email=enterprise.login_email(Role.CHAMPION))
    rollout = Champion.objects.filter(user=champion, rollout__organization=organization).first().rollout
    urls = {
        "portfolio": (Role.LEADER, reverse("rollout:portfolio")),
        "overview": (Role.MANAGER, reverse("rollout:overview", args=[rollout.pk])),
        "worksheet": (Role.MANAGER, reverse("strategy:worksheet", args=[rollout.pk])),
        "champion_home": (Role.CHAMPION, reverse("champions:home", args=[rollout.pk])),
        "engage": (Role.CHAMPION, reverse("engage:home", args=[rollout.pk])),
        "unanswered": (Role.CHAMPION, reverse("engage:queue", args=[rollout.pk])),
    }
    return organization, rollout, urls


def client_for(role, organization):
    client = Client()
    client.force_login(User.objects.get(email=enterprise.login_email(role)))
    session = client.session
    session[SESSION_KEY] = organization.pk
    session.save()
    return client


def _timed(client, url):
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    if response.status_code != 200:
        raise RuntimeError(f"{url} answered {response.status_code}")
    return elapsed


def another_champion(rollout):
    """An active champion of `rollout` who is not the bench's champion login: the writer."""
    from champions.models import Champion

    return (
        Champion.objects.filter(rollout=rollout, status=Champion.Status.ACTIVE)
        .exclude(user__email=enterprise.login_email(Role.CHAMPION))
        .select_related("rollout__organization")
        .first()
    )


def log_a_session(champion):
    """A support session logged by `champion`, as the champion's form does (a save: its signal marks
    the rollout's figures out of date and makes a new data version)."""
    from champions.models import SupportSession

    SupportSession.objects.create(
        rollout_id=champion.rollout_id, champion=champion, minutes=15, people_helped=1
    )


def _counted(client, url):
    """(seconds, queries) of one request."""
    # The log keeps at most 9,000 queries: once full, a capture would count none.
    connection.queries_log.clear()
    with CaptureQueriesContext(connection) as queries:
        elapsed = _timed(client, url)
    return elapsed, len(queries)


def _after_a_write(client, url, writer):
    log_a_session(writer)
    return _counted(client, url)


def measure(results, rounds=30, after_write_rounds=10):
    organization, rollout, urls = page_urls()
    writer = another_champion(rollout)
    baseline_url = reverse("bench_baseline")
    anonymous = Client()
    baseline_times = []
    for name, (role, url) in urls.items():
        client = client_for(role, organization)
        for _ in range(WARMUP):
            _timed(client, url)
            _timed(anonymous, baseline_url)
        page, base, after = [], [], []
        for _ in range(rounds):
            page.append(_timed(client, url))
            base.append(_timed(anonymous, baseline_url))
        _, queries = _counted(client, url)
        for _ in range(after_write_rounds):
            after.append(_after_a_write(client, url, writer))
            base.append(_timed(anonymous, baseline_url))
        baseline_times.extend(base)
        median_base = statistics.median(base)
        results["pages"][name] = {
            "ratio": round(statistics.median(page) / median_base, 2),
            "queries": queries,
            "median_ms": round(statistics.median(page) * 1000, 2),
            "after_write_ratio": round(statistics.median(t for t, _ in after) / median_base, 1),
            "after_write_queries": max(n for _, n in after),
            "after_write_ms": round(statistics.median(t for t, _ in after) * 1000, 1),
        }
    results["baseline_median_ms"] = round(statistics.median(baseline_times) * 1000, 2)
    return results

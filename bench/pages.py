"""Pages: server time of each page against the baseline view, alternating, in the same run.

`ratio` and `queries` are the page opened again (warm: what most requests are, served whole
from the page cache while nothing changed); `rendered_*` is the page as the first person after
a write sees it (a new data version: the page and every figure on it computed afresh)."""

import statistics
import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout import enterprise
from rollout.access import SESSION_KEY
from rollout.models import Organization, Role, User
from rollout.portfolio import new_data_version

WARMUP = 3


def page_urls():
    """{name: (login role, url)} for the enterprise organization."""
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
    return organization, urls


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


def _after_a_write(client, url, organization):
    """(seconds, queries) of the page as the first person after a write sees it: a new data
    version, so neither the page nor any figure it shows is in the cache."""
    new_data_version(organization.pk)
    with CaptureQueriesContext(connection) as queries:
        elapsed = _timed(client, url)
    return elapsed, len(queries)


def measure(results, rounds=30, rendered_rounds=5):
    organization, urls = page_urls()
    baseline_url = reverse("bench_baseline")
    anonymous = Client()
    baseline_times = []
    for name, (role, url) in urls.items():
        client = client_for(role, organization)
        for _ in range(WARMUP):
            _timed(client, url)
            _timed(anonymous, baseline_url)
        page, base = [], []
        for _ in range(rounds):
            page.append(_timed(client, url))
            base.append(_timed(anonymous, baseline_url))
        with CaptureQueriesContext(connection) as queries:
            _timed(client, url)
        rendered = [_after_a_write(client, url, organization) for _ in range(rendered_rounds)]
        baseline_times.extend(base)
        results["pages"][name] = {
            "ratio": round(statistics.median(page) / statistics.median(base), 2),
            "queries": len(queries),
            "median_ms": round(statistics.median(page) * 1000, 2),
            "rendered_ratio": round(statistics.median(t for t, _ in rendered) / statistics.median(base), 1),
            "rendered_queries": max(n for _, n in rendered),
            "rendered_ms": round(statistics.median(t for t, _ in rendered) * 1000, 1),
        }
    results["baseline_median_ms"] = round(statistics.median(baseline_times) * 1000, 2)
    return results

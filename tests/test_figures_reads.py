"""A rollout's figures after a write reuse the steps' parts that the write did not touch
(Step.figures_read, rollout/figures.py): each step reads only what it declares, and the figures a
reuse stores are the figures a full computation would store."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from champions.models import Champion, SupportSession
from rollout import figures
from rollout.models import RolloutFigures
from rollout.steps import registry
from trust.models import Acknowledgement, GuidelineVersion

from .test_portfolio_figures_queries import rollouts_of

pytestmark = pytest.mark.django_db

TABLE = re.compile(r'"([a-z0-9_]+)"')


def _topics_by_table():
    """{table: the data topic a write to it bumps (its model's DATA_TOPIC, else its app)}; the
    centre's tables ("rollout") are read by every step."""
    found = {}
    for model in apps.get_models(include_auto_created=True):
        found[model._meta.db_table] = getattr(model, "DATA_TOPIC", None) or model._meta.app_label
    return found


def test_every_step_declares_what_its_figures_read(northwind):
    topics = _topics_by_table()
    rollouts = rollouts_of(northwind)
    for step in registry.steps():
        assert step.figures_read is not None, f"{step.key} declares no figures_read"
        with CaptureQueriesContext(connection) as queries:
            step.portfolio_figures(rollouts)
        read = {topics[name] for query in queries for name in TABLE.findall(query["sql"]) if name in topics}
        undeclared = read - step.figures_read - {"rollout"}
        assert not undeclared, f"{step.key} reads {sorted(undeclared)} without declaring it"


def _stored(rollout):
    return RolloutFigures.objects.get(rollout=rollout)


def _log_a_session(rollout):
    champion = Champion.objects.filter(rollout=rollout, status=Champion.Status.ACTIVE).first()
    SupportSession.objects.create(rollout=rollout, champion=champion, minutes=20, people_helped=3)


def test_a_session_recomputes_the_champion_part_and_reuses_the_others(northwind):
    rollout = next(r for r in rollouts_of(northwind) if Champion.objects.filter(rollout=r).exists())
    figures.recompute([rollout], reuse=True)  # every part computed, and kept
    _log_a_session(rollout)
    with CaptureQueriesContext(connection) as reused:
        figures.recompute([rollout], reuse=True)
    after_reuse = _stored(rollout)
    with CaptureQueriesContext(connection) as fresh:
        figures.recompute([rollout])
    after_fresh = _stored(rollout)

    assert after_reuse.data == after_fresh.data  # the same figures, the session counted in
    assert after_reuse.overall == after_fresh.overall and after_reuse.units == after_fresh.units
    tables = " ".join(query["sql"] for query in reused)
    assert "champions_supportsession" in tables  # the champion part was computed again...
    assert "trust_acknowledgement" not in tables and "engage_activityrollup" not in tables  # ...not these
    assert len(reused) < len(fresh) / 2


def test_a_write_to_what_a_step_reads_computes_its_part_again(northwind):
    rollout = rollouts_of(northwind)[0]
    figures.recompute([rollout], reuse=True)
    version = GuidelineVersion.objects.filter(guideline__organization=northwind).order_by("-pk").first()
    acknowledged = set(Acknowledgement.objects.filter(version=version).values_list("user_id", flat=True))
    person = northwind.memberships.exclude(user_id__in=acknowledged).first().user
    Acknowledgement.objects.create(version=version, user=person, acknowledged_at=timezone.now())

    figures.recompute([rollout], reuse=True)
    after_reuse = _stored(rollout).data["health"]["trust"]
    figures.recompute([rollout])
    assert after_reuse == _stored(rollout).data["health"]["trust"]


def test_figures_made_of_reused_parts_are_as_of_their_oldest_part(northwind):
    rollout = next(r for r in rollouts_of(northwind) if Champion.objects.filter(rollout=r).exists())
    start = timezone.now().replace(microsecond=0)
    with time_machine.travel(start, tick=False):
        figures.recompute([rollout], reuse=True)
    with time_machine.travel(start + timedelta(minutes=5), tick=False):
        _log_a_session(rollout)
        figures.recompute([rollout], reuse=True)
        assert _stored(rollout).computed_at == start  # five of six parts are from then
        figures.recompute([rollout])
        assert _stored(rollout).computed_at == start + timedelta(minutes=5)
    # Past PART_SECONDS nothing is reused: time windows move with the clock.
    with time_machine.travel(start + timedelta(seconds=figures.PART_SECONDS + 60), tick=False):
        _log_a_session(rollout)
        figures.recompute([rollout], reuse=True)
        assert _stored(rollout).computed_at == start + timedelta(seconds=figures.PART_SECONDS + 60)


def test_a_step_page_loads_the_health_of_its_own_step_alone(northwind, client, monkeypatch):
    """The stored document holds six steps' sentences; the champion home reads the Champion step's."""
    from rollout.models import User

    rollout = next(r for r in rollouts_of(northwind) if Champion.objects.filter(rollout=r).exists())
    figures.recompute([rollout])
    champion = Champion.objects.filter(rollout=rollout, status=Champion.Status.ACTIVE).first()
    client.force_login(User.objects.get(pk=champion.user_id))
    loaded, original = [], figures._loaded_health
    monkeypatch.setattr(figures, "_loaded_health", lambda found: loaded.append(found) or original(found))
    response = client.get(reverse("champions:home", args=[rollout.pk]))
    assert response.status_code == 200
    assert len(loaded) == 1

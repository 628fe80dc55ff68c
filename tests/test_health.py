from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app as celery_app
from rollout import tasks
from rollout.models import Heartbeat

pytestmark = pytest.mark.django_db


def test_healthz_is_green_with_a_recent_heartbeat(client):
    tasks.heartbeat()
    response = client.get(reverse("healthz"))
    body = response.json()
    assert response.status_code == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["heartbeat"]["age_seconds"] < 5
    assert body["checks"]["database"]["ok"] and body["checks"]["broker"]["ok"]


def test_healthz_is_red_without_a_heartbeat(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert "is a worker running" in response.json()["checks"]["heartbeat"]["error"]


def test_healthz_is_red_when_the_heartbeat_is_stale(client, settings):
    Heartbeat.objects.create(
        name="worker", beat_at=timezone.now() - timedelta(seconds=settings.HEARTBEAT_MAX_AGE_SECONDS + 1)
    )
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json()["checks"]["heartbeat"]["ok"] is False


def test_healthz_is_red_when_the_broker_is_down(client, monkeypatch):
    tasks.heartbeat()
    # Nothing listens on port 1: the broker check must fail fast and say why, not raise a 500.
    monkeypatch.setitem(celery_app.conf, "broker_url", "redis://127.0.0.1:1/0")
    monkeypatch.setitem(celery_app.conf, "broker_transport_options", {})
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    broker = response.json()["checks"]["broker"]
    assert broker == {"ok": False, "error": "unavailable"}  # no host names for anonymous visitors


def test_the_heartbeat_task_updates_one_row(db):
    tasks.heartbeat()
    tasks.heartbeat()
    assert Heartbeat.objects.count() == 1


def test_enqueue_on_commit_survives_a_broker_that_is_down(
    django_capture_on_commit_callbacks, monkeypatch, caplog
):
    def down(*args):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.heartbeat, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        tasks.enqueue_on_commit(tasks.heartbeat)
    assert "periodic sweep will pick it up" in caplog.text


def test_beat_schedules_the_heartbeat_every_minute(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["heartbeat"]
    assert entry["task"] == tasks.heartbeat.name
    assert entry["schedule"] == 60.0

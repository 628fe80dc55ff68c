"""A real Celery worker on the real broker (Redis with REDIS_URL, else the filesystem transport)."""

import time
import uuid

import pytest
from celery.contrib.testing.worker import start_worker
from celery.worker import state as worker_state
from django.core import mail

from config.celery_app import app
from rollout import tasks
from rollout.models import Heartbeat, Invitation

from .conftest import IN_CI
from .factories import InvitationFactory

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker_queue(settings):
    """A worker thread consuming a queue of its own, so that no other worker takes our tasks."""
    if IN_CI:
        assert settings.REDIS_URL, "CI must run the worker test against Redis"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=20):
        yield queue


def wait_for(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_task_sent_through_the_broker_runs_and_commits(worker_queue):
    tasks.heartbeat.apply_async(queue=worker_queue)
    assert wait_for(lambda: Heartbeat.objects.filter(name="worker").exists())


def test_the_worker_sends_an_invitation_email_exactly_once(worker_queue):
    invitation = InvitationFactory()
    name = tasks.send_invitation.name
    done_before = worker_state.total_count.get(name, 0)
    for _ in range(3):  # a retry storm: the claim lets only one through
        tasks.send_invitation.apply_async(args=[invitation.pk], queue=worker_queue)
    assert wait_for(lambda: worker_state.total_count.get(name, 0) >= done_before + 3)
    assert Invitation.objects.get(pk=invitation.pk).email_sent_at is not None
    assert len([m for m in mail.outbox if m.to == [invitation.email]]) == 1

"""The outbox against real services: a real SMTP server (aiosmtpd, on a free local port), a real
Celery worker on the real broker, and a worker process killed with SIGKILL mid-batch (the
dispatcher hands out chunks of ids; a worker sends each chunk over one SMTP connection).

Each notification is a real weekly digest of the personas' live rollout, so the worker renders
exactly what production renders.
"""

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from celery.contrib.testing.worker import start_worker
from django.db import connection
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from config.celery_app import app
from rollout import outbox, tasks
from rollout.models import Notification

from .conftest import IN_CI, skip_unless_ci
from .factories import NotificationFactory
from .smtp import smtp_server

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]
ROOT = Path(__file__).resolve().parent.parent


class Mailbox:
    """An aiosmtpd handler that records what it accepts and can refuse on demand."""

    def __init__(self):
        self.received = []  # the X-Rollout-Key-free identity: (to, subject, notification key)
        self.lock = threading.Lock()
        self.data_answers = []  # answers to give to the next DATA commands, e.g. ["421 ..."]
        self.rcpt_answer = None  # e.g. "550 5.1.1 No such user"
        self.delay = 0.0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.rcpt_answer:
            return self.rcpt_answer
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.data_answers:
                return self.data_answers.pop(0)
        if self.delay:
            time.sleep(self.delay)
        text = envelope.content.decode("utf8", errors="replace")
        key = next(
            (
                line.split(":", 1)[1].strip()
                for line in text.splitlines()
                if line.startswith("X-Rollout-Key:")
            ),
            "",
        )
        with self.lock:
            self.received.append(key)
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    with smtp_server(settings, mailbox) as port:
        mailbox.port = port
        yield mailbox


@pytest.fixture
def worker(settings):
    if IN_CI:
        assert settings.REDIS_URL, "CI runs these tests against Redis"
    queue = f"test-{uuid.uuid4().hex[:12]}"
    with start_worker(app, pool="solo", perform_ping_check=False, queues=[queue], shutdown_timeout=30):
        yield queue


def make_digests(personas, count):
    return [
        NotificationFactory(
            organization=personas.org,
            recipient=personas.manager,
            kind="digest",
            key=f"digest-test:{n}",
            payload={"rollout": personas.rollout.pk, "week": "2026-W48"},
        )
        for n in range(count)
    ]


def dispatch(queue, now=None):
    """The dispatcher's hand-out step (chunks of ids, one send_notifications task each), aimed at
    the test's queue."""
    now = now or timezone.now()
    outbox.release_stuck(now)
    ids = outbox.take_ready(now)
    for start in range(0, len(ids), outbox.CHUNK):
        tasks.send_notifications.apply_async((ids[start : start + outbox.CHUNK],), queue=queue)
    return ids


def wait_for(condition, seconds=30):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def settled():
    return not Notification.objects.filter(
        status__in=["pending", "sending"], next_attempt_at__lte=timezone.now()
    ).exists()


def test_every_due_notification_arrives_exactly_once(personas, smtp, worker):
    rows = make_digests(personas, 12)
    dispatch(worker)
    dispatch(
        worker, timezone.now() + outbox.QUEUED_TIMEOUT + timedelta(seconds=1)
    )  # a second dispatcher pass
    assert wait_for(lambda: Notification.objects.filter(status="sent").count() == len(rows))
    assert wait_for(settled)
    assert Counter(smtp.received) == Counter({row.key: 1 for row in rows})


def test_a_notification_queued_one_by_one_before_chunks_is_still_sent(personas, smtp, worker):
    [row] = make_digests(personas, 1)
    tasks.send_notification.apply_async((row.pk,), queue=worker)
    assert wait_for(lambda: Notification.objects.get(pk=row.pk).status == "sent")
    assert smtp.received == [row.key]


def test_a_421_is_retried_and_then_delivered(personas, smtp, worker, monkeypatch):
    monkeypatch.setattr(outbox, "backoff", lambda attempts: timedelta(0))
    smtp.data_answers = ["421 4.3.2 Try again later", "421 4.3.2 Try again later"]
    [row] = make_digests(personas, 1)
    for _ in range(5):
        dispatch(worker, timezone.now() + outbox.QUEUED_TIMEOUT + timedelta(seconds=1))
        wait_for(lambda: Notification.objects.get(pk=row.pk).status != "sending" and settled(), 10)
        if Notification.objects.get(pk=row.pk).status == "sent":
            break
    row.refresh_from_db()
    assert (row.status, row.attempts) == ("sent", 3)
    assert smtp.received == [row.key]


def test_a_550_fails_without_retry_and_shows_on_the_outbox_page(personas, smtp, worker, client_as):
    smtp.rcpt_answer = "550 5.1.1 No such user here"
    [row] = make_digests(personas, 1)
    dispatch(worker)
    assert wait_for(lambda: Notification.objects.get(pk=row.pk).status == "failed")
    dispatch(worker, timezone.now() + timedelta(hours=3))
    time.sleep(0.5)
    row.refresh_from_db()
    assert row.attempts == 1 and "550" in row.last_error and smtp.received == []
    response = client_as(personas.admin).get(reverse("rollout:outbox"), {"status": "failed"})
    assert "No such user here" in response.text


def start_worker_process(queue, port):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "SECRET_KEY": "worker-test-secret-key-" + "x" * 40,
        "DATABASE_URL": _database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{port}",
        "DJANGO_DEBUG": "0",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-Q",
            queue,
            "--concurrency",
            "1",
            "--loglevel",
            "WARNING",
            "--without-gossip",
            "--without-mingle",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _database_url():
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST']}:{s['PORT']}/{s['NAME']}"


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_at_most_the_message_in_flight(
    personas, smtp, settings
):
    if connection.vendor != "postgresql" or not settings.REDIS_URL:
        skip_unless_ci("a worker process shares the test database only on PostgreSQL, over Redis")
    smtp.delay = 0.3  # about three messages a second, so the kill lands mid-batch
    rows = make_digests(personas, 15)
    queue = f"kill-{uuid.uuid4().hex[:12]}"
    first = start_worker_process(queue, smtp.port)
    try:
        dispatch(queue)
        assert wait_for(lambda: len(smtp.received) >= 3, 60), "the worker never started sending"
        os.killpg(first.pid, signal.SIGKILL)
        first.wait(10)
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
    delivered_before = len(smtp.received)
    assert delivered_before < len(rows), "the batch finished before the kill; nothing was tested"
    second = start_worker_process(queue, smtp.port)
    try:
        # Let the sending timeout pass (rather than wait ten minutes, move the claims back in time),
        # then the next dispatcher tick hands out what the dead worker left.
        gone_by = outbox.SENDING_TIMEOUT + outbox.QUEUED_TIMEOUT + timedelta(seconds=5)
        Notification.objects.filter(status="sending").update(claimed_at=F("claimed_at") - gone_by)
        Notification.objects.exclude(queued_at=None).update(queued_at=F("queued_at") - gone_by)
        dispatch(queue)
        assert wait_for(lambda: Notification.objects.filter(status="sent").count() == len(rows), 90)
    finally:
        os.killpg(second.pid, signal.SIGKILL)
        second.wait(10)
    counts = Counter(smtp.received)
    assert set(counts) == {row.key for row in rows}, "a notification was lost"
    duplicates = [key for key, n in counts.items() if n > 1]
    assert len(duplicates) <= 1  # at most the one message in flight when the worker died
    for key in duplicates:
        assert Notification.objects.get(key=key).attempts >= 2  # and it says so

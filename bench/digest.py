"""Digest: weekly digests rendered and delivered through the real outbox to a local SMTP server
(aiosmtpd), against plain smtplib sending as many pre-rendered messages to the same server."""

import itertools
import os
import signal
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.db import connection
from django.db.models import Q
from django.test.utils import override_settings
from django.utils import timezone

from rollout import digest as digests  # noqa: F401  (registers the digest kinds)
from rollout import enterprise, outbox, portfolio
from rollout.models import Membership, Notification, Organization, Rollout

ROOT = Path(__file__).resolve().parent.parent


class Counter:
    """Counts messages; accepts everything, keeps nothing."""

    def __init__(self):
        self.received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        self.received += 1
        return "250 OK"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QueryCounter:
    def __init__(self):
        self.count = 0

    def __call__(self, execute, sql, params, many, context):
        self.count += 1
        return execute(sql, params, many, context)


def _digest_rows(organization, count, run):
    """`count` pending digests, one per (rollout, recipient) pair, repeated over the week label."""
    rollouts = list(
        Rollout.objects.filter(organization=organization, status__in=digests.DIGEST_STATUSES).values_list(
            "pk", flat=True
        )
    )
    people = list(
        Membership.objects.filter(organization=organization, role__in=digests.ROLLOUT_ROLES)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    now = timezone.now()
    rows = [
        Notification(
            organization=organization,
            kind="digest",
            key=f"bench-digest:{run}:{index}",
            recipient_id=people[index % len(people)],
            payload={"rollout": rollouts[index % len(rollouts)], "week": "bench"},
            scheduled_for=now,
            next_attempt_at=now,
        )
        for index in range(count)
    ]
    Notification.objects.bulk_create(rows, batch_size=2000)
    return list(
        Notification.objects.filter(key__startswith=f"bench-digest:{run}:")
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _send_in_process(ids):
    """The chunks sent one after the other by `outbox.send_many` in this process, as one
    send_notifications task after another would: (seconds, query counts at halfway and at the end)."""
    chunks = [ids[start : start + outbox.CHUNK] for start in range(0, len(ids), outbox.CHUNK)]
    counter, halfway = QueryCounter(), len(chunks) // 2
    started = time.perf_counter()
    with connection.execute_wrapper(counter):
        for position, chunk in enumerate(chunks):
            if position == halfway:
                first = (counter.count, position * outbox.CHUNK)
            _all_sent(outbox.send_many(chunk))
    return time.perf_counter() - started, first, counter.count


def _all_sent(statuses):
    unsent = {pk: status for pk, status in statuses.items() if status != Notification.Status.SENT}
    if unsent:
        raise RuntimeError(f"digests not sent: {unsent}")


def _send_by_worker(ids, port, run):
    """The chunks queued as the dispatcher queues them and sent by a real Celery worker with the
    Procfile's concurrency (CELERY_CONCURRENCY, 2 by default), which the bench starts and stops:
    the seconds from queuing the first chunk until every row is marked sent.

    The worker has a name and a queue of this run's own, so no other worker on the same Redis takes
    the chunks or answers for it, and nothing else in that Redis is touched."""
    from rollout.tasks import send_notifications

    concurrency = os.environ.get("CELERY_CONCURRENCY", "2")
    queue, name = f"bench-digest-{run}", f"bench-digest-{run}@{socket.gethostname()}"
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", EMAIL_URL=f"smtp://127.0.0.1:{port}")
    command = [
        str(Path(sys.executable).with_name("celery")),
        *("-A", "config", "worker", "--concurrency", concurrency, "--queues", queue, "--hostname", name),
        *("--without-gossip", "--without-mingle", "--loglevel", "WARNING"),
    ]
    with tempfile.TemporaryFile() as log:
        # Its own process group, so that stopping it stops its pool processes too.
        worker = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            _wait_for_worker(worker, name)
            started = time.perf_counter()
            for start in range(0, len(ids), outbox.CHUNK):  # as rollout.tasks.dispatch_notifications does
                send_notifications.apply_async((ids[start : start + outbox.CHUNK],), queue=queue)
            _wait_until_sent(worker, ids)
            return time.perf_counter() - started, int(concurrency)
        except Exception:
            _stop(worker)
            log.seek(0)
            print(
                f"The bench's Celery worker said:\n{log.read()[-4000:].decode(errors='replace')}", flush=True
            )
            raise
        finally:
            _stop(worker)


def _wait_for_worker(worker, name):
    from config.celery_app import app

    deadline = time.monotonic() + 60
    while not app.control.ping(destination=[name], timeout=0.5):
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the bench's Celery worker did not start")


def _wait_until_sent(worker, ids, limit=600):
    """Until every row is sent; an error as soon as one is not going to be (failed, or back to
    pending after an error: the bench runs no dispatcher to send it again)."""
    rows = Notification.objects.filter(pk__gte=ids[0], pk__lte=ids[-1])
    unsent = rows.filter(status__in=[Notification.Status.PENDING, Notification.Status.SENDING])
    stuck = rows.filter(
        Q(status=Notification.Status.FAILED) | Q(status=Notification.Status.PENDING, attempts__gt=0)
    )
    deadline = time.monotonic() + limit
    for tick in itertools.count():
        if not unsent.exists():
            return
        if tick % 50 == 0 and (problem := stuck.values_list("status", "last_error").first()):
            raise RuntimeError(f"a digest was not sent: {problem}")
        if worker.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the bench's Celery worker stopped, or took more than ten minutes")
        time.sleep(0.02)


def _stop(worker):
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()


def measure(results, count=10_000):
    """Three runs against one SMTP server: smtplib sending pre-rendered messages (the baseline);
    the real worker sending the digests (the headline figure: what a deployment runs); and one
    process sending them chunk after chunk (the cost of one sender, and the queries per digest)."""
    from aiosmtpd.controller import Controller

    organization = Organization.objects.get(slug=enterprise.SLUG)
    handler = Counter()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    run = uuid.uuid4().hex[:8]
    try:
        worker_ids = _digest_rows(organization, count, f"{run}w")
        ids = _digest_rows(organization, count, run)
        with override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=port,
            EMAIL_USE_TLS=False,
            EMAIL_USE_SSL=False,
            EMAIL_HOST_USER="",
            EMAIL_HOST_PASSWORD="",
        ):
            # The pre-rendered messages of the baseline: the first digest, rendered once.
            sample = outbox.build_message(
                Notification.objects.select_related("recipient", "organization").get(pk=ids[0])
            )
            # CRLF line ends, as Django's SMTP backend sends them (SMTP servers refuse bare LF).
            payload = sample.message().as_bytes(linesep="\r\n")
            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for _ in ids:
                    smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [sample.to[0]], payload)
            smtplib_seconds = time.perf_counter() - started
            # Each run starts from cold figures, as a week's first digests do.
            portfolio.new_data_version(organization.pk)
            outbox_seconds, (first_queries, first_count), queries = _send_in_process(ids)
            portfolio.new_data_version(organization.pk)
            worker_seconds, concurrency = _send_by_worker(worker_ids, port, run)
    finally:
        controller.stop()
        Notification.objects.filter(key__startswith=f"bench-digest:{run}").delete()
    second_queries, second_count = queries - first_queries, len(ids) - first_count
    results["digest"] = {
        "ratio_vs_smtplib": round(smtplib_seconds / worker_seconds, 3),
        "per_second": round(len(ids) / worker_seconds, 1),
        "worker_concurrency": concurrency,
        "one_sender_ratio_vs_smtplib": round(smtplib_seconds / outbox_seconds, 3),
        "one_sender_per_second": round(len(ids) / outbox_seconds, 1),
        "queries_per_email": round(queries / len(ids), 2),
        "queries_per_email_first_half": round(first_queries / max(first_count, 1), 2),
        "queries_per_email_second_half": round(second_queries / max(second_count, 1), 2),
        "smtplib_per_second": round(len(ids) / smtplib_seconds, 1),
        "count": len(ids),
        "received": handler.received,
    }
    return results

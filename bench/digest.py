"""Digest: weekly digests rendered and delivered through the real outbox to a local SMTP server
(aiosmtpd), against plain smtplib sending as many pre-rendered messages to the same server."""

import smtplib
import socket
import time
import uuid

from django.conf import settings
from django.db import connection
from django.test.utils import override_settings
from django.utils import timezone

from rollout import digest as digests  # noqa: F401  (registers the digest kinds)
from rollout import enterprise, outbox
from rollout.models import Membership, Notification, Organization, Rollout


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


def measure(results, count=10_000):
    from aiosmtpd.controller import Controller

    organization = Organization.objects.get(slug=enterprise.SLUG)
    handler = Counter()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    run = uuid.uuid4().hex[:8]
    try:
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
            # What production runs: the dispatcher's chunks, each sent by one send_notifications task.
            chunks = [ids[start : start + outbox.CHUNK] for start in range(0, len(ids), outbox.CHUNK)]
            counter, halfway = QueryCounter(), len(chunks) // 2
            started = time.perf_counter()
            with connection.execute_wrapper(counter):
                for position, chunk in enumerate(chunks):
                    if position == halfway:
                        first_queries, first_count = counter.count, position * outbox.CHUNK
                    statuses = outbox.send_many(chunk)
                    unsent = {
                        pk: status for pk, status in statuses.items() if status != Notification.Status.SENT
                    }
                    if unsent:
                        raise RuntimeError(f"digests not sent: {unsent}")
            outbox_seconds = time.perf_counter() - started
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", port) as smtp:
            for _ in ids:
                smtp.sendmail(settings.DEFAULT_FROM_EMAIL, [sample.to[0]], payload)
        smtplib_seconds = time.perf_counter() - started
    finally:
        controller.stop()
        Notification.objects.filter(key__startswith=f"bench-digest:{run}:").delete()
    second_queries, second_count = counter.count - first_queries, len(ids) - first_count
    results["digest"] = {
        "ratio_vs_smtplib": round(smtplib_seconds / outbox_seconds, 3),
        "queries_per_email": round(counter.count / len(ids), 2),
        "queries_per_email_first_half": round(first_queries / max(first_count, 1), 2),
        "queries_per_email_second_half": round(second_queries / max(second_count, 1), 2),
        "per_second": round(len(ids) / outbox_seconds, 1),
        "smtplib_per_second": round(len(ids) / smtplib_seconds, 1),
        "count": len(ids),
        "received": handler.received,
    }
    return results

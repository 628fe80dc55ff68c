"""Outgoing webhooks: an organization's endpoints hear of what happens in Rollout (docs/api.md,
"Webhooks").

Step apps call `emit(organization_id, event, payload, key=...)` where the event happens, inside
its transaction: one `WebhookDelivery` row per subscribed endpoint, committed with the event or
not at all (an outbox). `(endpoint, key)` is unique, so an event emitted twice (a retried task, a
periodic check that sees the same late question again) is delivered once.

The sender (`deliver_due`, the `deliver_webhooks` task every minute and right after an emit)
works like the notifications outbox (rollout/outbox.py): it claims due rows with one
`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING id` (outbox.claim_rows, shared),
so each row goes to exactly one of many senders, then POSTs each body signed with HMAC-SHA256. A network error, a
5xx or a 429 leaves the row pending with a backoff (a 429's or 503's Retry-After is honoured);
any other answer is final. After MAX_ATTEMPTS the row fails for good. The claim is hand-written
SQL for the outbox's reason: the ORM's update() returns a count, not the ids it changed.
"""

import hashlib
import hmac
import ipaddress
import json
import logging
import random
import secrets
import socket
from datetime import timedelta
from urllib.parse import urlsplit

import requests
from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .models import WebhookDelivery, WebhookEndpoint
from .outbox import claim_rows

log = logging.getLogger(__name__)

EVENTS = {
    "import.finished": _("An activity import finished (imported or failed)"),
    "question.late": _("A question is waiting past its response target"),
    "review.completed": _("A review was completed"),
    "incident.opened": _("An incident was opened"),
}
MAX_ATTEMPTS = 8
SENDING_TIMEOUT = timedelta(minutes=5)
MAX_RETRY_AFTER = timedelta(hours=6)
BATCH = 100
USER_AGENT = "Rollout-Webhooks/1"


def new_secret():
    return f"whsec_{secrets.token_urlsafe(32)}"


def absolute(path):
    """A URL back into Rollout."""
    return settings.SITE_URL + path


def rollout_ref(rollout):
    """The rollout as every payload names it: id, name and its overview page."""
    return {
        "id": rollout.pk,
        "name": rollout.name,
        "url": absolute(reverse("rollout:overview", args=[rollout.pk])),
    }


def emit(organization_id, event, payload, *, key):
    """Queue `event` for every active endpoint of the organization that listens to it. Call it
    inside the transaction that makes the event true. `key` names the event once and for all
    (e.g. "review.completed:12"): emitting the same key again delivers nothing more."""
    if event not in EVENTS:
        raise ValueError(f"Unknown webhook event {event!r}.")
    endpoints = [
        endpoint.pk
        for endpoint in WebhookEndpoint.objects.filter(organization_id=organization_id, active=True).only(
            "pk", "events"
        )
        if event in endpoint.events
    ]
    if not endpoints:
        return 0
    now = timezone.now()
    body = {"event": event, "occurred_at": now.isoformat(), "organization": organization_id, "data": payload}
    rows = [
        WebhookDelivery(
            endpoint_id=pk, event=event, key=key, payload=body, next_attempt_at=now, created_at=now
        )
        for pk in endpoints
    ]
    # ignore_conflicts: the unique (endpoint, key) makes a second emit of the same event a no-op.
    WebhookDelivery.objects.bulk_create(rows, ignore_conflicts=True)
    from .tasks import deliver_webhooks, enqueue_on_commit

    enqueue_on_commit(deliver_webhooks)  # at once; if the broker is down, beat's next tick
    return len(rows)


def sign(secret, body):
    """The X-Rollout-Signature value of `body` (bytes)."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def release_stuck(now):
    """Rows claimed longer than SENDING_TIMEOUT ago belong to a sender that died: pending again."""
    return WebhookDelivery.objects.filter(
        status=WebhookDelivery.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=now)


def due_ids(now, limit=BATCH):
    return list(
        WebhookDelivery.objects.filter(status=WebhookDelivery.Status.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )


def claim_many(pks, now=None):
    """Take these deliveries for sending in one statement (the outbox's claim); returns the ids
    this caller took."""
    return claim_rows(WebhookDelivery, pks, now)


def deliver_due(now=None):
    """Release dead claims, then claim and send what is due. Returns {status: count}."""
    now = now or timezone.now()
    release_stuck(now)
    outcome = {}
    for pk in claim_many(due_ids(now), now):
        status = send(pk)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome


def private_address(url):
    """Why `url` may not be called: its host is, or resolves to, an address inside Rollout's own
    network (loopback, private, link-local, reserved); "" when it may (or does not resolve yet: the
    delivery then fails and is retried like any unreachable host). WEBHOOK_ALLOW_PRIVATE_ADDRESSES
    lifts the rule for receivers on a private network."""
    if settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
        return ""
    host = urlsplit(url).hostname or ""
    try:
        found = {info[4][0] for info in socket.getaddrinfo(host, None)}
    except (socket.gaierror, UnicodeError):
        return ""
    for text in sorted(found):
        address = ipaddress.ip_address(text.split("%")[0])
        if not address.is_global or address.is_multicast:
            return gettext(
                "%(host)s is a private or local address (%(address)s): Rollout does not call into its own network."
            ) % {"host": host, "address": address}
    return ""


def send(pk):
    """POST one claimed delivery and record the answer. Returns the row's new status."""
    delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=pk)
    with translation.override("en"):  # kept in the delivery log as written
        refusal = private_address(delivery.endpoint.url)
    if refusal:
        log.warning("Webhook delivery %s refused: %s", delivery.pk, refusal)
        _finish(delivery, status=WebhookDelivery.Status.FAILED, code=None, error=refusal)
        return WebhookDelivery.Status.FAILED
    body = json.dumps(delivery.payload, separators=(",", ":"), sort_keys=True).encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Rollout-Event": delivery.event,
        "X-Rollout-Delivery": str(delivery.delivery_id),
        "X-Rollout-Timestamp": str(int(timezone.now().timestamp())),
        "X-Rollout-Signature": sign(delivery.endpoint.secret, body),
    }
    try:
        response = requests.post(
            delivery.endpoint.url,
            data=body,
            headers=headers,
            timeout=settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
        )
    except requests.RequestException as error:
        return _retry_or_fail(delivery, None, f"{error.__class__.__name__}: {error}", None)
    code = response.status_code
    if 200 <= code < 300:
        _finish(
            delivery,
            status=WebhookDelivery.Status.DELIVERED,
            delivered_at=timezone.now(),
            code=code,
            error="",
        )
        return WebhookDelivery.Status.DELIVERED
    refusal = f"HTTP {code}: {response.text[:200]}"
    if code >= 500 or code == 429:
        return _retry_or_fail(delivery, code, refusal, _retry_after(response))
    log.warning("Webhook delivery %s refused for good: %s", delivery.pk, refusal)
    _finish(delivery, status=WebhookDelivery.Status.FAILED, code=code, error=refusal)
    return WebhookDelivery.Status.FAILED


def _retry_after(response):
    """The Retry-After of a 429 or 503 in seconds (the delay form; a date is read as absent)."""
    value = response.headers.get("Retry-After", "").strip()
    return timedelta(seconds=min(int(value), MAX_RETRY_AFTER.total_seconds())) if value.isdigit() else None


def backoff(attempts):
    """About 1, 2, 4, 8 ... minutes with jitter, capped at 2 hours (as the email outbox)."""
    return timedelta(seconds=min(60 * 2 ** (attempts - 1), 7200) * random.uniform(0.8, 1.2))


def _retry_or_fail(delivery, code, error, retry_after):
    if delivery.attempts >= MAX_ATTEMPTS:
        log.warning(
            "Webhook delivery %s failed for good after %s attempts: %s", delivery.pk, delivery.attempts, error
        )
        _finish(delivery, status=WebhookDelivery.Status.FAILED, code=code, error=error)
        return WebhookDelivery.Status.FAILED
    wait = retry_after if retry_after is not None else backoff(delivery.attempts)
    _finish(
        delivery,
        status=WebhookDelivery.Status.PENDING,
        code=code,
        error=error,
        next_attempt_at=timezone.now() + wait,
    )
    return WebhookDelivery.Status.PENDING


def _finish(delivery, *, status, code, error, **changes):
    """Record the outcome, if the row is still this sender's claim."""
    WebhookDelivery.objects.filter(pk=delivery.pk, status=WebhookDelivery.Status.SENDING).update(
        status=status, last_response_code=code, last_error=error[:1000], **changes
    )


def send_again(delivery):
    """An admin's "Send again" of a delivered or failed delivery: pending, due now, with the same
    X-Rollout-Delivery id (a receiver that keeps ids can tell it is the same event)."""
    return WebhookDelivery.objects.filter(
        pk=delivery.pk, status__in=[WebhookDelivery.Status.DELIVERED, WebhookDelivery.Status.FAILED]
    ).update(status=WebhookDelivery.Status.PENDING, next_attempt_at=timezone.now(), attempts=0, last_error="")

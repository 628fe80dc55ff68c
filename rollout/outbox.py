"""Dispatching and sending the notifications outbox (see rollout/notifications.py).

The life of a row: pending -> sending (claimed by exactly one sender) -> sent | failed |
cancelled, or back to pending after a transient error (with backoff) or a sender that died.

Guarantee (docs/operations.md, "Notifications"): every due notification is sent at least once;
it is sent twice only if a sender dies after the mail server accepted the message and before it
marked the row sent. Such a row returns to pending after SENDING_TIMEOUT and is sent again with
its attempt count raised, so the duplicate is bounded to that window and visible on the row.
"""

import logging
import random
import smtplib
import socket
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.signing import TimestampSigner
from django.db import connection, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone

from . import notifications
from .emails import render_email
from .models import Notification

log = logging.getLogger(__name__)

SENDING_TIMEOUT = timedelta(minutes=10)
QUEUED_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 500
UNSUBSCRIBE_SALT = "rollout.digest-unsubscribe"


def insert_due(now):
    """Insert every notification the producers say is due; existing keys are left alone."""
    inserted = 0
    for produce in notifications.producers():
        with transaction.atomic():  # a producer's own bookkeeping commits with its rows
            inserted += _insert(produce, now)
    return inserted


def _insert(produce, now):
    rows = [
        Notification(
            organization_id=due.organization_id,
            kind=due.kind,
            key=due.key,
            recipient_id=due.recipient_id,
            cc=list(due.cc),
            payload=due.payload,
            scheduled_for=due.scheduled_for,
            next_attempt_at=due.scheduled_for,
        )
        for due in produce(now)
    ]
    if not rows:
        return 0
    keys = [row.key for row in rows]
    existing = set()
    for start in range(0, len(keys), 1000):
        chunk = keys[start : start + 1000]
        existing.update(Notification.objects.filter(key__in=chunk).values_list("key", flat=True))
    fresh = [row for row in rows if row.key not in existing]
    # ignore_conflicts: another dispatcher may insert the same keys between our read and write.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True, batch_size=1000)
    return len(fresh)


def release_stuck(now):
    """Rows claimed longer than SENDING_TIMEOUT ago belong to a dead sender: make them pending."""
    return Notification.objects.filter(
        status=Notification.Status.SENDING, claimed_at__lt=now - SENDING_TIMEOUT
    ).update(
        status=Notification.Status.PENDING,
        next_attempt_at=now,
        queued_at=None,
        last_error="The sender stopped mid-send; retrying.",
    )


def take_ready(now, limit=BATCH):
    """Ids of pending rows that are due and not handed to a sender in the last few minutes.

    Marking them `queued_at` keeps a slow worker's queue from filling with the same ids on every
    tick; if a queued task is lost, the row is handed out again after QUEUED_TIMEOUT.
    """
    ready = Notification.objects.filter(status=Notification.Status.PENDING, next_attempt_at__lte=now).filter(
        Q(queued_at__isnull=True) | Q(queued_at__lt=now - QUEUED_TIMEOUT)
    )
    ids = list(ready.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
    Notification.objects.filter(pk__in=ids).update(queued_at=now)
    return ids


def claim(pk, now=None):
    """Take the row for sending. True for exactly one caller, however many race for it."""
    now = now or timezone.now()
    with transaction.atomic():
        rows = Notification.objects.filter(
            pk=pk, status=Notification.Status.PENDING, next_attempt_at__lte=now
        )
        # PostgreSQL: a row another sender is claiming right now is skipped, not waited for.
        skip_locked = connection.features.has_select_for_update_skip_locked
        if skip_locked and not rows.select_for_update(skip_locked=True).exists():
            return False
        claimed = rows.update(status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    return claimed == 1


def is_permanent(error):
    """5xx answers from the mail server are permanent; 4xx, timeouts and lost connections are not."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 500 <= error.smtp_code < 600
    # Lost connections and timeouts are transient; anything else (a bug, bad data) will not get
    # better by retrying.
    return not isinstance(error, smtplib.SMTPServerDisconnected | socket.timeout | ConnectionError | OSError)


def backoff(attempts):
    """Exponential backoff with jitter: about 1, 2, 4, 8 ... minutes, capped at 2 hours."""
    base = min(60 * 2 ** (attempts - 1), 7200)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def unsubscribe_token(notification):
    return TimestampSigner(salt=UNSUBSCRIBE_SALT).sign(
        f"{notification.recipient_id}:{notification.organization_id}"
    )


def build_message(notification):
    spec = notifications.kind(notification.kind)
    context = spec.context(notification)  # may raise Cancel
    context.update(notification=notification, recipient=notification.recipient)
    # The key travels with the message, so a resend after a crash can be recognised downstream.
    headers = {"X-Rollout-Key": notification.key}
    if spec.unsubscribe:
        link = settings.SITE_URL + reverse("unsubscribe", args=[unsubscribe_token(notification)])
        context["unsubscribe_url"] = link
        headers["List-Unsubscribe"] = f"<{link}>"
    subject, text, html = render_email(notification.kind, context)
    message = EmailMultiAlternatives(
        subject,
        text,
        settings.DEFAULT_FROM_EMAIL,
        [notification.recipient.email],
        cc=notification.cc,
        headers=headers,
    )
    message.attach_alternative(html, "text/html")
    return message


def _finish(pk, **changes):
    Notification.objects.filter(pk=pk, status=Notification.Status.SENDING).update(**changes)


def send(pk):
    """Claim, render, send and record one notification. Returns its new status."""
    if not claim(pk):
        return "not claimed"
    notification = Notification.objects.select_related("recipient", "organization").get(pk=pk)
    try:
        message = build_message(notification)
    except notifications.Cancel as reason:
        _finish(pk, status=Notification.Status.CANCELLED, last_error=str(reason)[:500])
        return Notification.Status.CANCELLED
    except Exception as error:
        log.exception("Could not render notification %s", notification.key)
        _finish(pk, status=Notification.Status.FAILED, last_error=f"Could not build the email: {error}"[:500])
        return Notification.Status.FAILED
    mail = get_connection()
    try:
        mail.send_messages([message])
    except Exception as error:
        return _failed(notification, error)
    sent_file = getattr(mail, "_fname", "")  # the file backend's output, for the outbox page
    _finish(
        pk,
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        subject=message.subject[:300],
        sent_file=str(sent_file)[:300],
        last_error="",
    )
    return Notification.Status.SENT


def _failed(notification, error):
    text = f"{error.__class__.__name__}: {error}"[:500]
    if is_permanent(error) or notification.attempts >= MAX_ATTEMPTS:
        log.warning("Notification %s failed for good: %s", notification.key, text)
        _finish(notification.pk, status=Notification.Status.FAILED, last_error=text)
        return Notification.Status.FAILED
    log.info(
        "Notification %s failed (attempt %s), will retry: %s", notification.key, notification.attempts, text
    )
    _finish(
        notification.pk,
        status=Notification.Status.PENDING,
        next_attempt_at=timezone.now() + backoff(notification.attempts),
        queued_at=None,  # its task is done: the next tick after the backoff hands it out again
        last_error=text,
    )
    return Notification.Status.PENDING


def retry(notification):
    """An admin's retry of a failed (or cancelled) notification: pending again, now."""
    return Notification.objects.filter(
        pk=notification.pk, status__in=[Notification.Status.FAILED, Notification.Status.CANCELLED]
    ).update(
        status=Notification.Status.PENDING, next_attempt_at=timezone.now(), queued_at=None, last_error=""
    )


def sent_file_text(notification):
    """The stored message file of the embedded mode, if it lies inside the mail folder."""
    if not notification.sent_file or not getattr(settings, "EMAIL_FILE_PATH", None):
        return None
    folder = Path(settings.EMAIL_FILE_PATH).resolve()
    path = Path(notification.sent_file).resolve()
    if folder not in path.parents or not path.is_file():
        return None
    return path.read_text(errors="replace")

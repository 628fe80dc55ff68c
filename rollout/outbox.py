"""Dispatching and sending the notifications outbox (see rollout/notifications.py).

The life of a row: pending -> sending (claimed by exactly one sender) -> sent | failed |
cancelled, or back to pending after a transient error (with backoff) or a sender that died.

Guarantee (docs/operations.md, "Notifications"): every due notification is sent at least once;
it is sent twice only if a sender dies after the mail server accepted the message and before it
marked the row sent. Such a row returns to pending after SENDING_TIMEOUT and is sent again with
its attempt count raised, so the duplicate is bounded to that window and visible on the row.

Senders work in batches (`send_many`, the `send_notifications` task): one statement claims the
batch, one query loads it, one SMTP connection carries it, and each row is marked sent right after
the server accepted its own message, so the window above stays one message wide.

Everything here goes through the ORM except the claim (`claim_many`): it is one hand-written
`UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING id`. The ORM's `update()`
returns a count, not the ids it changed, so through the ORM the claim would be a transaction of a
`select_for_update(skip_locked=True)` read and an update, holding its row locks across the round
trips between them while every other sender's claim skips those rows; the one statement takes a
batch in one round trip and holds no lock after it. `tests/test_outbox.py` and
`tests/test_outbox_batch.py` hold the claim to its promise: each id goes to exactly one of many
racing senders, and a row another sender is claiming is skipped, not waited for.
"""

import logging
import random
import smtplib
import socket
import time
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.filebased import EmailBackend as FileBackend
from django.core.signing import TimestampSigner
from django.db import connection, transaction
from django.db.models import F, Prefetch, Q, prefetch_related_objects
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_noop

from . import data_versions, notifications
from .emails import render_email
from .i18n import email_language
from .models import Membership, Notification

log = logging.getLogger(__name__)

SENDING_TIMEOUT = timedelta(minutes=10)
QUEUED_TIMEOUT = timedelta(minutes=5)
MAX_ATTEMPTS = 8
BATCH = 5000  # ids handed out per dispatcher tick: a 10,000-digest week leaves in two minutes
CHUNK = 50  # ids per send_notifications task: one claim, one load, one SMTP connection
# A batch stops sending after this long and releases what it has not tried, so that its claims
# never outlive SENDING_TIMEOUT (after which release_stuck would give them to another sender).
BATCH_SECONDS = SENDING_TIMEOUT.total_seconds() / 2
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
        last_error=gettext_noop("The sender stopped mid-send; retrying."),
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
    return claim_many([pk], now) == [pk]


def claim_many(pks, now=None):
    """Take these notifications for sending in one statement; returns the ids this caller took."""
    return claim_rows(Notification, pks, now)


def claim_rows(model, pks, now=None):
    """Take these rows of an outbox table (`Notification`, `WebhookDelivery`: a `status` with
    PENDING and SENDING, `next_attempt_at`, `claimed_at`, `attempts`) for sending in one
    statement; returns the ids this caller took. Each id goes to exactly one caller, however many
    race for it: rows no longer pending or not yet due are left out and, on PostgreSQL, so are rows
    another sender is claiming right now (skipped, not waited for). Raw SQL because the ORM has no
    UPDATE ... RETURNING (PostgreSQL, SQLite 3.35+): update() returns a count, not the ids."""
    pks = list(pks)
    if not pks:
        return []
    now = connection.ops.adapt_datetimefield_value(now or timezone.now())
    table = connection.ops.quote_name(model._meta.db_table)
    due = f"id IN ({', '.join(['%s'] * len(pks))}) AND status = %s AND next_attempt_at <= %s"
    if connection.features.has_select_for_update_skip_locked:
        due = f"id IN (SELECT id FROM {table} WHERE {due} FOR UPDATE SKIP LOCKED)"
    sql = f"UPDATE {table} SET status = %s, claimed_at = %s, attempts = attempts + 1 WHERE {due} RETURNING id"
    with connection.cursor() as cursor:
        cursor.execute(sql, [model.Status.SENDING, now, *pks, model.Status.PENDING, now])
        return sorted(pk for (pk,) in cursor.fetchall())


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


def lost_connection(error):
    """Did `error` leave the sender without a usable connection: the server closed it (421), or
    it was lost, refused or timed out? A reply refusing one message (other 4xx, 5xx) does not:
    smtplib resets the session and the next message can go over the same connection."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return any(code == 421 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code == 421
    return isinstance(error, OSError)  # smtplib's other errors, timeouts, refused connections


def backoff(attempts):
    """Exponential backoff with jitter: about 1, 2, 4, 8 ... minutes, capped at 2 hours."""
    base = min(60 * 2 ** (attempts - 1), 7200)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))


def unsubscribe_token(notification):
    """A signed "<user>:<organization>:<preference>": the link turns off the preference that sent
    this kind of email (notifications.PREFERENCES), in that organization only."""
    spec = notifications.kinds().get(notification.kind)
    preference = spec.preference if spec else "weekly_digest"
    return TimestampSigner(salt=UNSUBSCRIBE_SALT).sign(
        f"{notification.recipient_id}:{notification.organization_id}:{preference}"
    )


def build_message(notification):
    """The email of `notification`, in its recipient's language (rollout/i18n.py)."""
    with translation.override(email_language(notification.recipient, notification.organization)):
        return _build_message(notification)


def _build_message(notification):
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
    """Record the outcome on the row, if it is still this sender's claim (status sending): a row
    that release_stuck gave to another sender meanwhile is that sender's to record."""
    Notification.objects.filter(pk=pk, status=Notification.Status.SENDING).update(**changes)


def send(pk):
    """Claim, render, send and record one notification. Returns its new status."""
    return send_many([pk])[pk]


def send_many(pks):
    """Claim, render, send and record a batch of notifications over one connection to the mail
    server (what the send_notifications task runs). Returns {pk: new status, or "not claimed"}.

    Each row is marked sent as soon as the server accepted its message. A message the server
    refuses, or that cannot be built, is recorded on its own row and the batch goes on. A
    lost connection is replaced for the next one; when the server cannot be reached (a connection
    cannot be opened), every message not tried yet gets that error, as it would have sent alone:
    transient, pending again after a backoff; permanent, failed."""
    statuses = dict.fromkeys(pks, "not claimed")
    rows = _load(claim_many(pks))
    deadline = time.monotonic() + BATCH_SECONDS
    # Each organization's data version is read once for the batch, not once per email: the
    # figures its emails show are one snapshot and cost no cache round trip each.
    with data_versions.one_data_version(), _MailServer() as server:
        for position, notification in enumerate(rows):
            if time.monotonic() > deadline:
                statuses.update(_release(rows[position:]))
                break
            message, outcome = _build(notification)
            if message is None:
                statuses[notification.pk] = outcome
                continue
            try:
                server.send(message)
            except Exception as error:
                statuses[notification.pk] = _failed(notification, error)
                if server.unreachable:
                    statuses.update((row.pk, _failed(row, error)) for row in rows[position + 1 :])
                    break
                continue
            statuses[notification.pk] = _sent(notification, message, server.sent_file)
    return statuses


def _load(pks):
    """The claimed rows with what building their emails reads, in two queries for the batch: the
    recipient, the organization and the recipient's memberships (a kind's context checks that the
    recipient still belongs to the organization; a digest reads the role and unit)."""
    rows = list(
        Notification.objects.select_related("recipient", "organization").filter(pk__in=pks).order_by("pk")
    )
    memberships = Membership.objects.select_related("unit")
    prefetch_related_objects(rows, Prefetch("recipient__memberships", queryset=memberships))
    return rows


class _MailServer:
    """A batch's connection to the mail server (Django's email backend), opened for its first
    message. A lost connection is replaced for the next message; one that cannot be opened makes
    the server `unreachable`."""

    def __init__(self):
        self.mail = None
        self.carried = 0  # messages the open connection has carried
        self.unreachable = False
        self.sent_file = ""  # the file backend's output, for the outbox page
        self.written = []  # the file backend's connections, see send()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self._close()

    def send(self, message):
        if self.mail is None:
            self.mail, self.carried = get_connection(), 0
        try:
            self.mail.open()  # nothing to do while the connection is open
        except Exception:
            self.unreachable = True
            self._close()
            raise
        try:
            self.mail.send_messages([message])
        except Exception as error:
            # A lost connection is replaced for the next message, even one lost on its first:
            # a message that makes the server hang up (a poison message, retried first in every
            # batch since the oldest go first) must not cost the others an attempt each time. A
            # server that is really gone refuses the new connection: that is `unreachable`.
            if lost_connection(error):
                self._close()
            raise
        self.carried += 1
        self.sent_file = str(getattr(self.mail, "_fname", None) or "")
        if isinstance(self.mail, FileBackend):
            # The file backend writes all a connection sends into one file; the outbox page shows
            # each row its own message, so that backend gets a connection per message. Each is
            # kept until the batch ends: Django names the file by the second and the backend's
            # id(), which a freed backend would hand on to the next one.
            self.written.append(self.mail)
            self._close()

    def _close(self):
        """Close the connection; a server that is gone cannot spoil the batch's records."""
        if self.mail is None:
            return
        try:
            self.mail.close()
        except Exception:
            log.warning("Could not close the connection to the mail server.", exc_info=True)
        self.mail = None


def _build(notification):
    """(message, None), or (None, the row's final status) when it is cancelled or cannot be built."""
    try:
        return build_message(notification), None
    except notifications.Cancel as reason:
        _finish(notification.pk, status=Notification.Status.CANCELLED, last_error=str(reason)[:500])
        return None, Notification.Status.CANCELLED
    except Exception as error:
        log.exception("Could not render notification %s", notification.key)
        _finish(
            notification.pk,
            status=Notification.Status.FAILED,
            last_error=f"Could not build the email: {error}"[:500],
        )
        return None, Notification.Status.FAILED


def _sent(notification, message, sent_file):
    _finish(
        notification.pk,
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        subject=message.subject[:300],
        sent_file=sent_file[:300],
        last_error="",
    )
    return Notification.Status.SENT


def _release(rows):
    """Give claimed rows that were not tried back to the dispatcher: pending, due now, the claim's
    attempt undone. Returns {pk: "pending"}."""
    pks = [row.pk for row in rows]
    Notification.objects.filter(pk__in=pks, status=Notification.Status.SENDING).update(
        status=Notification.Status.PENDING,
        attempts=F("attempts") - 1,
        next_attempt_at=timezone.now(),
        queued_at=None,
    )
    log.warning("A batch ran out of time; %s notifications go back to pending.", len(pks))
    return dict.fromkeys(pks, Notification.Status.PENDING)


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

"""The notifications outbox: idempotent inserts, claim-before-send, retries and the admin page."""

import smtplib
import threading
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.base import BaseEmailBackend
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from rollout import notifications, outbox
from rollout.models import Notification
from rollout.notifications import Cancel, Due

from .conftest import skip_unless_ci
from .factories import NotificationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def test_kind(monkeypatch):
    """A kind whose context comes from the payload, and a producer the test controls."""
    produced = []
    monkeypatch.setattr(notifications, "_producers", [lambda now: list(produced)])
    monkeypatch.setitem(
        notifications._kinds,
        "digest",
        notifications.Kind("digest", "Test", lambda n: _context(n), unsubscribe=True),
    )
    return produced


def _context(notification):
    if notification.payload.get("cancel"):
        raise Cancel("not wanted any more")
    return {
        "rollout": type(
            "R",
            (),
            {"name": "Engage", "platform": type("P", (), {"name": "Viva"})(), "get_status_display": "Live"},
        )(),
        "membership": notification.recipient.memberships.first(),
        "week": "2027-W01",
        "healths": [],
        "overall": 50,
        "sections": [],
        "rollout_url": "/r/1/",
    }


def due(personas, key="k1", **payload):
    return Due(
        "digest", key, personas.org.pk, personas.manager.pk, timezone.now() - timedelta(minutes=1), payload
    )


def test_inserting_the_same_key_twice_creates_one_row(personas, test_kind):
    test_kind.append(due(personas))
    assert outbox.insert_due(timezone.now()) == 1
    assert outbox.insert_due(timezone.now()) == 0
    assert Notification.objects.count() == 1


def test_a_claimed_row_cannot_be_claimed_again(personas, test_kind):
    test_kind.append(due(personas))
    outbox.insert_due(timezone.now())
    pk = Notification.objects.get().pk
    assert outbox.claim(pk) is True
    assert outbox.claim(pk) is False


def test_sending_renders_three_templates_with_list_unsubscribe(personas, test_kind):
    test_kind.append(due(personas))
    outbox.insert_due(timezone.now())
    notification = Notification.objects.get()
    assert outbox.send(notification.pk) == "sent"
    [message] = mail.outbox
    assert message.to == [personas.manager.email]
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert "/unsubscribe/" in message.body
    assert message.alternatives[0].mimetype == "text/html"
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == ("sent", 1)
    assert outbox.send(notification.pk) == "not claimed"
    assert len(mail.outbox) == 1


class FailingBackend(BaseEmailBackend):
    error = None

    def send_messages(self, messages):
        raise FailingBackend.error


@pytest.fixture
def failing_mail(settings):
    settings.EMAIL_BACKEND = "tests.test_outbox.FailingBackend"
    return FailingBackend


def test_a_transient_error_is_retried_later_with_backoff(personas, test_kind, failing_mail):
    failing_mail.error = smtplib.SMTPResponseException(421, b"Try again later")
    test_kind.append(due(personas))
    outbox.insert_due(timezone.now())
    notification = Notification.objects.get()
    assert outbox.send(notification.pk) == "pending"
    notification.refresh_from_db()
    assert notification.attempts == 1 and "421" in notification.last_error
    assert notification.next_attempt_at > timezone.now() + timedelta(seconds=40)
    assert outbox.claim(notification.pk) is False  # not before its next attempt


def test_a_permanent_error_fails_without_retry_and_shows_on_the_outbox_page(
    client_as, personas, test_kind, failing_mail
):
    failing_mail.error = smtplib.SMTPRecipientsRefused({personas.manager.email: (550, b"No such user")})
    test_kind.append(due(personas))
    outbox.insert_due(timezone.now())
    notification = Notification.objects.get()
    assert outbox.send(notification.pk) == "failed"
    notification.refresh_from_db()
    assert notification.status == "failed" and "550" in notification.last_error
    response = client_as(personas.admin).get(reverse("rollout:outbox"), {"status": "failed"})
    assert "No such user" in response.text
    # An admin retries it once the address is fixed.
    client_as(personas.admin).post(reverse("rollout:outbox_retry", args=[notification.pk]))
    notification.refresh_from_db()
    assert notification.status == "pending"


def test_attempts_are_capped(personas, test_kind, failing_mail):
    failing_mail.error = ConnectionRefusedError("no server")
    test_kind.append(due(personas))
    outbox.insert_due(timezone.now())
    notification = Notification.objects.get()
    Notification.objects.filter(pk=notification.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    assert outbox.send(notification.pk) == "failed"


def test_a_cancelled_notification_is_not_sent(personas, test_kind):
    test_kind.append(due(personas, cancel=True))
    outbox.insert_due(timezone.now())
    notification = Notification.objects.get()
    assert outbox.send(notification.pk) == "cancelled"
    assert mail.outbox == []


def test_a_row_left_sending_by_a_dead_sender_returns_to_pending(personas):
    stuck = NotificationFactory(
        organization=personas.org,
        recipient=personas.manager,
        status="sending",
        attempts=1,
        claimed_at=timezone.now() - outbox.SENDING_TIMEOUT - timedelta(seconds=1),
    )
    fresh = NotificationFactory(
        organization=personas.org,
        recipient=personas.manager,
        status="sending",
        attempts=1,
        claimed_at=timezone.now(),
    )
    assert outbox.release_stuck(timezone.now()) == 1
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert (stuck.status, stuck.attempts, fresh.status) == ("pending", 1, "sending")


def test_the_dispatcher_hands_each_ready_row_out_once_per_queue_timeout(personas):
    rows = NotificationFactory.create_batch(3, organization=personas.org, recipient=personas.manager)
    NotificationFactory(
        organization=personas.org,
        recipient=personas.manager,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    )
    now = timezone.now()
    assert sorted(outbox.take_ready(now)) == sorted(row.pk for row in rows)
    assert outbox.take_ready(now) == []
    assert len(outbox.take_ready(now + outbox.QUEUED_TIMEOUT + timedelta(seconds=1))) == 3


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_and_many_senders_at_once_send_each_email_once(personas, test_kind):
    """Two dispatchers tick at the same moment, then four senders race for every row."""
    if connection.vendor != "postgresql":
        skip_unless_ci("the race needs PostgreSQL's concurrent writers")
    test_kind.extend(due(personas, key=f"race:{n}") for n in range(40))
    barrier = threading.Barrier(2)

    def dispatch():
        barrier.wait()
        outbox.insert_due(timezone.now())
        connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(2)]
    [t.start() for t in threads]
    [t.join() for t in threads]
    ids = list(Notification.objects.values_list("pk", flat=True))
    assert len(ids) == 40
    senders = [
        threading.Thread(target=lambda: ([outbox.send(pk) for pk in ids], connection.close()))
        for _ in range(4)
    ]
    [t.start() for t in senders]
    [t.join() for t in senders]
    assert len(mail.outbox) == 40
    assert Notification.objects.filter(status="sent", attempts=1).count() == 40


def test_the_outbox_page_lists_only_this_organizations_emails(client_as, personas):
    NotificationFactory(organization=personas.org, recipient=personas.manager, key="ours")
    NotificationFactory(organization=personas.other_org, recipient=personas.outsider, key="theirs")
    response = client_as(personas.admin).get(reverse("rollout:outbox"))
    assert "ours" in response.text and "theirs" not in response.text


def test_the_outbox_detail_shows_the_message_written_to_the_mail_folder(
    client_as, personas, settings, tmp_path, test_kind
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    test_kind.append(due(personas))
    outbox.insert_due(timezone.now())
    notification = Notification.objects.get()
    outbox.send(notification.pk)
    response = client_as(personas.admin).get(reverse("rollout:outbox_detail", args=[notification.pk]))
    assert "List-Unsubscribe" in response.context["message_text"]


def test_the_outbox_page_query_count_does_not_grow(client_as, personas):
    from django.test.utils import CaptureQueriesContext

    client = client_as(personas.admin)
    client.get(reverse("rollout:outbox"))  # the session's organization chosen, as after any first page
    NotificationFactory.create_batch(3, organization=personas.org, recipient=personas.manager)
    with CaptureQueriesContext(connection) as few:
        client.get(reverse("rollout:outbox"))
    NotificationFactory.create_batch(40, organization=personas.org, recipient=personas.leader)
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("rollout:outbox"))
    assert len(few) == len(many)

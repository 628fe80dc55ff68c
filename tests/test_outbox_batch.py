"""Sending the outbox in batches (outbox.send_many, the send_notifications task): one claim, one
load and one connection to the mail server per batch, with the outbox's guarantees kept inside it:
each id claimed once, a refused message not stopping the others, a lost connection or an
unreachable server leaving what was not sent pending (with backoff) and nothing sent twice.

Each notification is a real weekly digest of the personas' live rollout; the mail server is a real
SMTP server (aiosmtpd on a free local port) or, where the test needs a server that misbehaves in
a precise way, an in-memory backend that does.
"""

import smtplib
import threading
import time
import types
from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends import locmem
from django.db import connection, transaction
from django.utils import timezone

from rollout import notifications, outbox, tasks
from rollout.models import Membership, Notification

from .conftest import skip_unless_ci
from .factories import NotificationFactory
from .smtp import smtp_server

pytestmark = pytest.mark.django_db


def digests(personas, count, recipients=None):
    """`count` due digests of the personas' live rollout, to the manager unless told otherwise."""
    recipients = recipients or [personas.manager]
    return [
        NotificationFactory(
            organization=personas.org,
            recipient=recipients[n % len(recipients)],
            kind="digest",
            key=f"batch-test:{n}",
            payload={"rollout": personas.rollout.pk, "week": "2026-W48"},
        ).pk
        for n in range(count)
    ]


def statuses(pks):
    rows = Notification.objects.filter(pk__in=pks).order_by("pk")
    return [row.status for row in rows]


# A real SMTP server ------------------------------------------------------------------------------


class Mailbox:
    """An aiosmtpd handler that records each message's key and connection, and can refuse a
    recipient, answer a DATA command with an error, or drop the connection instead of answering."""

    def __init__(self):
        self.received = []  # the X-Rollout-Key of every accepted message
        self.sessions = []  # the connections that carried a transaction
        self.refuse = {}  # address -> RCPT answer, e.g. "550 5.1.1 No such user"
        self.data_answers = {}  # number of the DATA command (1, 2 ...) -> answer instead of 250
        self.drop_on = set()  # numbers of the DATA commands answered by closing the connection
        self.data_commands = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        if not any(known is session for known in self.sessions):
            self.sessions.append(session)
        self.data_commands += 1
        if self.data_commands in self.drop_on:
            server.transport.close()  # the client never hears whether the message was taken
            return "250 OK"
        if self.data_commands in self.data_answers:
            return self.data_answers[self.data_commands]
        text = envelope.content.decode("utf8", errors="replace")
        key = next(
            line.split(":", 1)[1].strip() for line in text.splitlines() if line.startswith("X-Rollout-Key:")
        )
        self.received.append(key)
        return "250 Message accepted"


@pytest.fixture
def smtp(settings):
    mailbox = Mailbox()
    with smtp_server(settings, mailbox):
        yield mailbox


def keys(pks):
    return dict(Notification.objects.filter(pk__in=pks).values_list("key", "pk"))


def test_a_batch_goes_over_one_connection(personas, smtp):
    pks = digests(personas, 5)
    assert set(outbox.send_many(pks).values()) == {"sent"}
    assert len(smtp.sessions) == 1
    assert Counter(smtp.received) == Counter(dict.fromkeys(keys(pks), 1))


def test_a_refused_recipient_fails_alone_and_the_others_are_sent(personas, smtp):
    smtp.refuse[personas.champion.email] = "550 5.1.1 No such user here"
    pks = digests(personas, 3, [personas.manager, personas.champion, personas.admin])
    assert list(outbox.send_many(pks).values()) == ["sent", "failed", "sent"]
    refused = Notification.objects.get(pk=pks[1])
    assert refused.attempts == 1 and "550" in refused.last_error
    assert len(smtp.received) == 2 and len(smtp.sessions) == 1  # the connection went on


def test_a_transient_refusal_mid_batch_is_retried_later_and_the_batch_goes_on(personas, smtp):
    smtp.data_answers[2] = "451 4.3.0 Try again later"
    pks = digests(personas, 4)
    assert list(outbox.send_many(pks).values()) == ["sent", "pending", "sent", "sent"]
    retried = Notification.objects.get(pk=pks[1])
    assert retried.attempts == 1 and "451" in retried.last_error
    assert retried.next_attempt_at > timezone.now() + timedelta(seconds=40)
    assert len(smtp.received) == 3 and len(smtp.sessions) == 1


def test_a_connection_lost_mid_batch_is_replaced_and_nothing_is_sent_twice(personas, smtp):
    smtp.drop_on.add(3)
    pks = digests(personas, 5)
    assert list(outbox.send_many(pks).values()) == ["sent", "sent", "pending", "sent", "sent"]
    lost = Notification.objects.get(pk=pks[2])
    assert lost.attempts == 1 and "SMTPServerDisconnected" in lost.last_error
    assert lost.next_attempt_at > timezone.now() + timedelta(seconds=40)  # after a backoff
    assert len(smtp.sessions) == 2  # a new connection for the rest of the batch
    # Its next attempt, once the backoff has passed, sends it: every digest arrived exactly once.
    Notification.objects.filter(pk=lost.pk).update(next_attempt_at=timezone.now())
    assert outbox.send_many([lost.pk]) == {lost.pk: "sent"}
    assert Counter(smtp.received) == Counter(dict.fromkeys(keys(pks), 1))


def test_a_message_that_makes_the_server_hang_up_fails_alone(personas, smtp):
    """The oldest message goes first in every batch: if it makes the server hang up, the others
    must still go out, not lose an attempt each time with it."""
    smtp.drop_on.add(1)
    pks = digests(personas, 4)
    assert list(outbox.send_many(pks).values()) == ["pending", "sent", "sent", "sent"]
    assert len(smtp.sessions) == 2  # a new connection for the rest of the batch
    first = Notification.objects.get(pk=pks[0])
    assert first.attempts == 1 and "SMTPServerDisconnected" in first.last_error
    assert first.next_attempt_at > timezone.now() + timedelta(seconds=40)
    assert Notification.objects.filter(pk__in=pks[1:], attempts=1, status="sent").count() == 3


def test_a_server_gone_at_the_first_message_leaves_the_batch_pending_after_one_new_try(personas, flaky):
    flaky.lose_after, flaky.then_refuse = 0, True
    pks = digests(personas, 4)
    assert set(outbox.send_many(pks).values()) == {"pending"}
    assert flaky.opens == 2  # the batch's connection, then one try at a new one, not one per message
    for row in Notification.objects.filter(pk__in=pks):
        assert row.attempts == 1 and row.next_attempt_at > timezone.now() + timedelta(seconds=40)


# A server that misbehaves on cue -------------------------------------------------------------------


class FlakyBackend(locmem.EmailBackend):
    """In-memory mail over a pretend connection: `refuse` makes opening it fail; `lose_after`
    messages, it is lost (the server went away) and, if `then_refuse`, cannot be opened again."""

    opens = 0
    refuse = False
    lose_after = None
    then_refuse = False

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.connection = None
        self.carried = 0

    def open(self):
        if self.connection:
            return False
        FlakyBackend.opens += 1
        if FlakyBackend.refuse:
            raise ConnectionRefusedError(111, "Connection refused")
        self.connection = True
        return True

    def close(self):
        self.connection = None

    def send_messages(self, messages):
        opened = self.open()  # like the SMTP backend: a connection of its own unless one is open
        try:
            if FlakyBackend.lose_after is not None and self.carried >= FlakyBackend.lose_after:
                FlakyBackend.lose_after = None
                FlakyBackend.refuse = FlakyBackend.then_refuse
                raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
            self.carried += len(messages)
            return super().send_messages(messages)
        finally:
            if opened:
                self.close()


@pytest.fixture
def flaky(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.test_outbox_batch.FlakyBackend"
    for name, value in {"opens": 0, "refuse": False, "lose_after": None, "then_refuse": False}.items():
        monkeypatch.setattr(FlakyBackend, name, value)  # and back after the test
    return FlakyBackend


def test_one_connection_is_opened_per_batch(personas, flaky):
    pks = digests(personas, 6)
    outbox.send_many(pks[:3])
    outbox.send_many(pks[3:])
    assert flaky.opens == 2 and len(mail.outbox) == 6


def test_an_unreachable_server_leaves_the_whole_batch_pending_after_one_try(personas, flaky):
    flaky.refuse = True
    pks = digests(personas, 4)
    assert set(outbox.send_many(pks).values()) == {"pending"}
    assert flaky.opens == 1  # not one connection attempt (and timeout) per message
    for row in Notification.objects.filter(pk__in=pks):
        assert (row.attempts, row.queued_at) == (1, None)
        assert row.next_attempt_at > timezone.now() + timedelta(seconds=40)
        assert "Connection refused" in row.last_error


def test_a_server_gone_mid_batch_leaves_the_rest_pending_and_sends_nothing_twice(personas, flaky):
    flaky.lose_after, flaky.then_refuse = 2, True
    pks = digests(personas, 5)
    assert list(outbox.send_many(pks).values()) == ["sent", "sent", "pending", "pending", "pending"]
    assert flaky.opens == 2  # the batch's connection, then one try at a new one
    assert all(row.next_attempt_at > timezone.now() for row in Notification.objects.filter(status="pending"))
    # The server is back and the backoff has passed: the next batch sends the rest, once each.
    flaky.refuse = False
    Notification.objects.filter(status="pending").update(next_attempt_at=timezone.now())
    outbox.send_many(pks)
    assert statuses(pks) == ["sent"] * 5
    assert Counter(message.extra_headers["X-Rollout-Key"] for message in mail.outbox) == Counter(
        dict.fromkeys(keys(pks), 1)
    )


def test_the_attempt_limit_still_fails_a_message_for_good(personas, flaky):
    flaky.refuse = True
    pks = digests(personas, 2)
    Notification.objects.filter(pk=pks[0]).update(attempts=outbox.MAX_ATTEMPTS - 1)
    assert list(outbox.send_many(pks).values()) == ["failed", "pending"]


def test_a_cancelled_or_broken_digest_does_not_stop_the_batch(personas, flaky):
    Membership.objects.filter(user=personas.champion).update(weekly_digest=False)
    pks = digests(personas, 4, [personas.manager, personas.champion, personas.admin])
    Notification.objects.filter(pk=pks[2]).update(kind="no-such-kind")
    assert list(outbox.send_many(pks).values()) == ["sent", "cancelled", "failed", "sent"]
    assert flaky.opens == 1 and len(mail.outbox) == 2


def test_a_batch_that_runs_out_of_time_gives_back_what_it_did_not_try(personas, flaky, monkeypatch):
    # A clock that moves one second per reading: the third message would start after 2.5 seconds.
    clock = iter(range(1000))
    monkeypatch.setattr(outbox, "time", types.SimpleNamespace(monotonic=lambda: next(clock)))
    monkeypatch.setattr(outbox, "BATCH_SECONDS", 2.5)
    pks = digests(personas, 5)
    assert list(outbox.send_many(pks).values()) == ["sent", "sent", "pending", "pending", "pending"]
    given_back = Notification.objects.filter(pk__in=pks[2:])
    assert all((row.attempts, row.queued_at) == (0, None) for row in given_back)  # not tried
    assert all(row.next_attempt_at <= timezone.now() for row in given_back)  # due again at once
    assert len(mail.outbox) == 2


def test_each_message_of_a_batch_is_written_to_its_own_file(personas, settings, tmp_path):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = str(tmp_path)
    pks = digests(personas, 3)
    outbox.send_many(pks)
    rows = list(Notification.objects.filter(pk__in=pks))
    assert len({row.sent_file for row in rows}) == 3
    for row in rows:
        text = outbox.sent_file_text(row)
        assert text.count("X-Rollout-Key:") == 1 and f"X-Rollout-Key: {row.key}" in text


# Claiming ----------------------------------------------------------------------------------------


def test_a_batch_is_claimed_once_and_only_what_is_due(personas):
    pks = digests(personas, 4)
    later = NotificationFactory(
        organization=personas.org,
        recipient=personas.manager,
        next_attempt_at=timezone.now() + timedelta(hours=1),
    ).pk
    assert outbox.claim_many([*pks, later]) == pks
    assert outbox.claim_many([*pks, later]) == []
    assert set(Notification.objects.filter(pk__in=pks).values_list("status", "attempts")) == {("sending", 1)}
    assert outbox.send_many(pks) == dict.fromkeys(pks, "not claimed")


@pytest.mark.django_db(transaction=True)
def test_senders_racing_for_the_same_batch_claim_each_row_once(personas):
    if connection.vendor != "postgresql":
        skip_unless_ci("the race needs PostgreSQL's concurrent writers")
    pks = [NotificationFactory(organization=personas.org, recipient=personas.manager).pk for _ in range(60)]
    barrier = threading.Barrier(4)
    claimed = []

    def sender(ids):
        barrier.wait()
        claimed.append(outbox.claim_many(ids))
        connection.close()

    # Four senders, each given the same ids in a different order (as overlapping hand-outs would).
    orders = [pks, pks[::-1], pks[30:] + pks[:30], pks[::2] + pks[1::2]]
    threads = [threading.Thread(target=sender, args=(ids,)) for ids in orders]
    [thread.start() for thread in threads]
    [thread.join() for thread in threads]
    taken = [pk for batch in claimed for pk in batch]
    assert sorted(taken) == sorted(pks)  # every row claimed, none twice
    assert Notification.objects.filter(status="sending", attempts=1).count() == 60


@pytest.mark.django_db(transaction=True)
def test_a_row_another_sender_is_claiming_is_skipped_not_waited_for(personas):
    if connection.vendor != "postgresql":
        skip_unless_ci("row locks need PostgreSQL")
    busy, free = (
        NotificationFactory(organization=personas.org, recipient=personas.manager).pk for _ in range(2)
    )
    locked, done = threading.Event(), threading.Event()

    def other_sender():
        with transaction.atomic():
            list(Notification.objects.select_for_update().filter(pk=busy))
            locked.set()
            done.wait(10)
        connection.close()

    thread = threading.Thread(target=other_sender)
    thread.start()
    try:
        assert locked.wait(10)
        started = time.monotonic()
        assert outbox.claim_many([busy, free]) == [free]
        assert time.monotonic() - started < 2
    finally:
        done.set()
        thread.join()


# The tasks ---------------------------------------------------------------------------------------


def test_the_dispatcher_hands_out_chunks_of_ids(personas, monkeypatch):
    monkeypatch.setattr(notifications, "_producers", [])  # only the rows below
    queued = []
    monkeypatch.setattr(tasks.send_notifications, "delay", queued.append)
    pks = [NotificationFactory(organization=personas.org, recipient=personas.manager).pk for _ in range(120)]
    assert tasks.dispatch_notifications()["queued"] == 120
    assert [len(chunk) for chunk in queued] == [50, 50, 20]
    assert sorted(pk for chunk in queued for pk in chunk) == sorted(pks)


def test_the_tasks_send_a_chunk_and_a_single_notification_queued_before_chunks(personas):
    first, *rest = digests(personas, 4)
    assert tasks.send_notification(first) == "sent"
    assert tasks.send_notifications(rest) == {"sent": 3}
    assert tasks.send_notifications(rest) == {"not claimed": 3}
    assert len(mail.outbox) == 4

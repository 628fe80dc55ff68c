"""Every run recorded; failures retried with backoff; the third failure in a row emails the
organization's admins once, through the outbox."""

from datetime import timedelta
from unittest import mock

import pytest
from celery.exceptions import Retry
from django.core import mail
from django.utils import timezone

from rollout import outbox
from rollout.connections import services, tasks
from rollout.connections.models import Connection, ConnectionRun
from rollout.connections.registry import ConnectionProblem, Throttled
from rollout.models import Notification, Role
from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db


def test_a_successful_run_is_recorded(connection, scripted):
    outcome = services.run(connection.pk)
    assert outcome.status == "succeeded"
    run = ConnectionRun.objects.get()
    assert (run.status, run.rows_pulled, run.import_ref) == ("succeeded", 5, "tests.Thing:1")
    assert run.finished_at is not None
    connection.refresh_from_db()
    assert (connection.last_run_at, connection.last_success_at) == (run.started_at, run.finished_at)
    assert connection.consecutive_failures == 0


def test_a_failed_run_keeps_its_cursor_and_the_next_attempt_resumes_from_it(connection, scripted):
    scripted.outcomes = [ConnectionProblem("The API key was refused."), 3]
    outcome = services.run(connection.pk)
    assert (outcome.status, outcome.retry_in) == ("failed", 120)
    failed = ConnectionRun.objects.get()
    assert failed.detail == "The API key was refused."
    assert failed.cursor == {"page": 1}
    connection.refresh_from_db()
    assert connection.last_error == "The API key was refused."
    assert connection.consecutive_failures == 1
    services.run(connection.pk, trigger="retry", attempt=1)
    assert scripted.pulled == [{}, {"page": 1}]
    connection.refresh_from_db()
    assert (connection.consecutive_failures, connection.last_error) == (0, "")


def test_retries_back_off_and_stop(connection, scripted):
    scripted.outcomes = [ConnectionProblem("down")] * 4
    waits = [services.run(connection.pk, attempt=attempt).retry_in for attempt in range(4)]
    assert waits == [120, 240, 480, None]


def test_throttling_waits_as_long_as_the_service_asked(connection, scripted):
    scripted.outcomes = [Throttled(42)]
    outcome = services.run(connection.pk)
    assert (outcome.status, outcome.retry_in) == ("throttled", 42)
    connection.refresh_from_db()
    assert connection.consecutive_failures == 0  # a retry is coming: not a failure yet


def test_an_unexpected_error_is_recorded_not_lost(connection, scripted):
    scripted.outcomes = [KeyError("value")]
    assert services.run(connection.pk).status == "failed"
    assert "unexpected error (KeyError" in ConnectionRun.objects.get().detail


def test_the_task_retries_with_the_countdown(connection, scripted):
    scripted.outcomes = [Throttled(42)]
    with mock.patch.object(tasks.run_connection, "retry", side_effect=Retry()) as retry, pytest.raises(Retry):
        tasks.run_connection.apply(args=[connection.pk], throw=True)
    retry.assert_called_once_with(countdown=42)


def test_a_disabled_or_running_connection_does_not_run(connection, scripted):
    ConnectionRun.objects.create(connection=connection)
    assert services.run(connection.pk).status == "skipped"
    Connection.objects.filter(pk=connection.pk).update(enabled=False)
    ConnectionRun.objects.all().delete()
    assert services.run(connection.pk).status == "skipped"
    assert scripted.pulled == []


def test_a_run_whose_worker_died_is_closed_and_a_new_one_starts(connection, scripted):
    stale = ConnectionRun.objects.create(
        connection=connection, started_at=timezone.now() - timedelta(hours=1)
    )
    assert services.run(connection.pk).status == "succeeded"
    stale.refresh_from_db()
    assert stale.status == "failed"
    assert "worker stopped" in stale.detail


def test_the_third_failure_in_a_row_emails_the_admins_once(connection, scripted, personas):
    second_admin = MembershipFactory(organization=personas.org, role=Role.ADMIN).user
    scripted.outcomes = [ConnectionProblem("The API key was refused.")] * 5
    for _ in range(2):
        services.run(connection.pk)
    outbox.insert_due(timezone.now())
    assert not Notification.objects.filter(kind="connection-failing").exists()
    services.run(connection.pk)
    outbox.insert_due(timezone.now())
    rows = Notification.objects.filter(kind="connection-failing")
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted([personas.admin.pk, second_admin.pk])
    for row in rows:
        outbox.send(row.pk)
    for _ in range(2):  # more failures in the same run of failures: no more email
        services.run(connection.pk)
        outbox.insert_due(timezone.now())
    assert rows.count() == 2
    assert len(mail.outbox) == 2
    message = mail.outbox[0]
    assert "“Scripted” has failed 3 times in a row" in message.subject
    assert "The API key was refused." in message.body
    assert f"/settings/connections/{connection.pk}/runs/" in message.body


def test_a_success_starts_the_count_again_and_a_new_run_of_failures_emails_again(connection, scripted):
    scripted.outcomes = [ConnectionProblem("x")] * 3 + [1] + [ConnectionProblem("y")] * 3
    for _ in range(3):
        services.run(connection.pk)
    outbox.insert_due(timezone.now())
    services.run(connection.pk)
    connection.refresh_from_db()
    assert (connection.consecutive_failures, connection.failure_emailed) == (0, False)
    for _ in range(3):
        services.run(connection.pk)
    outbox.insert_due(timezone.now())
    assert Notification.objects.filter(kind="connection-failing").count() == 2


def test_the_email_is_cancelled_once_the_connection_works_again(connection, scripted):
    scripted.outcomes = [ConnectionProblem("x")] * 3
    for _ in range(3):
        services.run(connection.pk)
    outbox.insert_due(timezone.now())
    services.run(connection.pk)
    row = Notification.objects.get(kind="connection-failing")
    outbox.send(row.pk)
    row.refresh_from_db()
    assert row.status == Notification.Status.CANCELLED
    assert mail.outbox == []

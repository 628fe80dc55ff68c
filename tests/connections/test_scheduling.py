"""When connections run: the daily hour in the organization's time zone, claimed once."""

from datetime import UTC, datetime
from unittest import mock

import pytest
import time_machine

from rollout.connections import services, tasks
from rollout.connections.models import Connection

pytestmark = pytest.mark.django_db


def test_the_next_run_is_the_hour_on_the_organizations_wall_clock():
    moment = datetime(2026, 1, 15, 12, 0, tzinfo=UTC)
    assert services.next_run_after(moment, 6, "Europe/Paris") == datetime(2026, 1, 16, 5, 0, tzinfo=UTC)
    assert services.next_run_after(moment, 14, "Europe/Paris") == datetime(2026, 1, 15, 13, 0, tzinfo=UTC)
    assert services.next_run_after(moment, 6, "America/New_York") == datetime(2026, 1, 16, 11, 0, tzinfo=UTC)


def test_the_next_run_follows_daylight_saving_time():
    # Paris moves its clocks forward on 29 March 2026: 06:00 is then 04:00 UTC, not 05:00.
    before = datetime(2026, 3, 28, 12, 0, tzinfo=UTC)
    assert services.next_run_after(before, 6, "Europe/Paris") == datetime(2026, 3, 29, 4, 0, tzinfo=UTC)


def test_the_hour_itself_is_not_the_next_run():
    at_six = datetime(2026, 1, 15, 6, 0, tzinfo=UTC)
    assert services.next_run_after(at_six, 6, "UTC") == datetime(2026, 1, 16, 6, 0, tzinfo=UTC)


def test_saving_schedules_the_next_run_in_the_organizations_time_zone(personas, scripted):
    personas.org.timezone = "Asia/Tokyo"
    personas.org.save()
    with time_machine.travel("2026-01-15 12:00:00+00:00", tick=False):
        row = Connection(organization=personas.org, kind="scripted", name="x", schedule_hour=9)
        services.save_connection(row, settings={}, secrets={"api_key": "k"})
    # 12:00 UTC is 21:00 in Tokyo: 09:00 tomorrow there is 00:00 UTC on the 16th.
    assert row.next_run_at == datetime(2026, 1, 16, 0, 0, tzinfo=UTC)


def test_due_connections_are_claimed_once_and_moved_to_their_next_run(connection, personas, scripted):
    later = Connection.objects.create(
        organization=personas.org, kind="scripted", name="later", next_run_at=datetime(2026, 2, 1, tzinfo=UTC)
    )
    disabled = Connection.objects.create(
        organization=personas.org,
        kind="scripted",
        name="off",
        enabled=False,
        next_run_at=datetime(2026, 1, 1, tzinfo=UTC),
    )
    Connection.objects.filter(pk=connection.pk).update(next_run_at=datetime(2026, 1, 15, 6, 0, tzinfo=UTC))
    now = datetime(2026, 1, 15, 6, 3, tzinfo=UTC)
    assert services.claim_due(now) == [connection.pk]
    assert services.claim_due(now) == []  # a second sweep finds nothing left to claim
    connection.refresh_from_db()
    assert connection.next_run_at == datetime(2026, 1, 16, 6, 0, tzinfo=UTC)
    later.refresh_from_db()
    disabled.refresh_from_db()
    assert later.next_run_at == datetime(2026, 2, 1, tzinfo=UTC)
    assert disabled.next_run_at == datetime(2026, 1, 1, tzinfo=UTC)


def test_the_sweep_sends_one_run_per_claimed_connection(connection):
    Connection.objects.filter(pk=connection.pk).update(next_run_at=datetime(2026, 1, 15, 6, 0, tzinfo=UTC))
    with (
        time_machine.travel("2026-01-15 06:04:00+00:00", tick=False),
        mock.patch.object(tasks.run_connection, "delay") as delay,
    ):
        assert tasks.run_due_connections() == 1
        assert tasks.run_due_connections() == 0
    delay.assert_called_once_with(connection.pk)


def test_the_beat_runs_the_sweep_every_five_minutes(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["run-due-connections"]
    assert entry == {"task": "rollout.connections.tasks.run_due_connections", "schedule": 300.0}

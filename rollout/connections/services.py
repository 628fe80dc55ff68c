"""What happens to a connection: saved, tested, scheduled, claimed, run, recorded.

Every run is a `ConnectionRun`. A run that raises `ConnectionProblem` is recorded as failed (or
throttled, while a retry is coming) with the kind's message, counts towards
`consecutive_failures`, and keeps its cursor for the next attempt; the third failure in a row
makes notifications.py email the organization's admins, once. A success resets the count.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from rollout.models import Membership, Organization, Role, User

from .models import Connection, ConnectionRun
from .registry import ConnectionProblem, Throttled

log = logging.getLogger(__name__)

FAILURES_BEFORE_EMAIL = 3
MAX_RETRIES = 3
# A run still "running" after this long lost its worker: it is recorded as failed.
STALE_RUN = timedelta(minutes=30)
CLAIM_BATCH = 200


def next_run_after(moment: datetime, hour: int, zone_name: str) -> datetime:
    """The next `hour`:00 strictly after `moment`, on the wall clock of the time zone."""
    zone = ZoneInfo(zone_name or "UTC")
    local = moment.astimezone(zone)
    day = local.date()
    candidate = datetime.combine(day, time(hour), tzinfo=zone)
    if candidate <= local:
        candidate = datetime.combine(day + timedelta(days=1), time(hour), tzinfo=zone)
    return candidate.astimezone(ZoneInfo("UTC"))


def schedule(connection: Connection, now: datetime | None = None) -> None:
    """Set the next run from the connection's hour (not saved)."""
    connection.next_run_at = next_run_after(
        now or timezone.now(), connection.schedule_hour, connection.organization.timezone
    )


def save_connection(
    connection: Connection, *, settings: dict, secrets: dict, user: User | None = None
) -> Connection:
    """Store a new or edited connection. A secret left empty keeps the stored one."""
    kept = connection.secrets if connection.pk else {}
    kept.update({name: value for name, value in secrets.items() if value})
    connection.secrets = kept
    connection.settings = settings
    if connection.pk is None:
        connection.created_by = user
    schedule(connection)
    connection.save()
    return connection


def test_connection(connection: Connection) -> tuple[bool, str]:
    """(worked, message) of the kind's test."""
    kind = connection.connector
    if kind is None:
        return False, _("This kind of connection (%(kind)s) is no longer installed.") % {
            "kind": connection.kind
        }
    try:
        return True, kind.test(connection)
    except ConnectionProblem as problem:
        return False, problem.message


# Scheduling -----------------------------------------------------------------------------------


def claim_due(now: datetime) -> list[int]:
    """Connections whose run is due, each moved to its next occurrence, so that exactly one
    sweep sends each due run however many run at once.

    On PostgreSQL the rows are read `FOR UPDATE SKIP LOCKED`: a second sweep skips what the
    first is claiming rather than waiting for it. Every backend then claims row by row with a
    conditional UPDATE on the `next_run_at` it read (SQLite has no row locks; one writer at a
    time makes that enough).
    """
    due = (
        Connection.objects.filter(enabled=True, next_run_at__lte=now)
        .select_related("organization")
        .order_by("next_run_at")
    )
    claimed = []
    with transaction.atomic():
        if db_connection.features.has_select_for_update_skip_locked:
            due = due.select_for_update(skip_locked=True, of=("self",))
        for row in due[:CLAIM_BATCH]:
            following = next_run_after(now, row.schedule_hour, row.organization.timezone)
            if Connection.objects.filter(pk=row.pk, next_run_at=row.next_run_at).update(
                next_run_at=following
            ):
                claimed.append(row.pk)
    return claimed


# Running --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    status: str  # a ConnectionRun status, or "skipped"
    retry_in: int | None = None  # seconds, when another attempt should follow
    run_id: int | None = None


def backoff(attempt: int) -> int:
    """Seconds before retry `attempt` + 1: 2, 4, 8 minutes."""
    return 120 * 2**attempt


def start_run(pk: int, trigger: str, now: datetime | None = None) -> ConnectionRun | None:
    """A new running run of the connection, or None when it is gone, disabled or already running.

    The connection's row lock makes two starts (the schedule and "Run now") take turns, so one
    of them finds the other's run and stands back."""
    now = now or timezone.now()
    with transaction.atomic():
        connection = (
            Connection.objects.select_for_update().select_related("organization").filter(pk=pk).first()
        )
        if connection is None or not connection.enabled:
            return None
        running = connection.runs.filter(status=ConnectionRun.Status.RUNNING)
        running.filter(started_at__lte=now - STALE_RUN).update(
            status=ConnectionRun.Status.FAILED,
            finished_at=now,
            detail=_("The worker stopped during this run; nothing of it was imported."),
        )
        if running.exists():
            return None
        previous = connection.runs.order_by("-started_at", "-pk").first()
        cursor = previous.cursor if previous is not None and previous.status != "succeeded" else {}
        run = ConnectionRun.objects.create(
            connection=connection, started_at=now, trigger=trigger, cursor=cursor or {}
        )
        connection.last_run_at = now
        connection.save(update_fields=["last_run_at"])
    run.connection = connection
    return run


def run(pk: int, *, trigger: str = "schedule", attempt: int = 0) -> Outcome:
    """Pull the connection once and record the run. `attempt` counts the retries so far."""
    current = start_run(pk, trigger)
    if current is None:
        return Outcome("skipped")
    connection = current.connection
    kind = connection.connector
    try:
        if kind is None:
            raise ConnectionProblem(
                _("This kind of connection (%(kind)s) is no longer installed.") % {"kind": connection.kind}
            )
        rows = kind.pull(connection, current)
    except ConnectionProblem as problem:
        return _failed(current, problem, can_retry=attempt < MAX_RETRIES, attempt=attempt)
    except Exception as error:  # a bug or an unforeseen answer: recorded, never a silent stop
        log.exception("Connection %s: the pull failed", pk)
        unexpected = ConnectionProblem(
            _("The pull stopped on an unexpected error (%(error)s).")
            % {"error": f"{type(error).__name__}: {error}"}
        )
        return _failed(current, unexpected, can_retry=attempt < MAX_RETRIES, attempt=attempt)
    return _succeeded(current, rows)


def _succeeded(current: ConnectionRun, rows: int) -> Outcome:
    now = timezone.now()
    current.status = ConnectionRun.Status.SUCCEEDED
    current.finished_at, current.rows_pulled = now, rows
    current.save()
    Connection.objects.filter(pk=current.connection_id).update(
        last_success_at=now,
        last_error="",
        consecutive_failures=0,
        failing_since=None,
        failure_emailed=False,
        notice=current.connection.notice,
    )
    return Outcome(current.status, run_id=current.pk)


def _failed(current: ConnectionRun, problem: ConnectionProblem, *, can_retry: bool, attempt: int) -> Outcome:
    now = timezone.now()
    throttled = isinstance(problem, Throttled) and can_retry
    current.status = ConnectionRun.Status.THROTTLED if throttled else ConnectionRun.Status.FAILED
    current.finished_at = now
    current.detail = problem.message
    current.save()
    connection = current.connection
    changes: dict = {"last_error": problem.message, "notice": connection.notice}
    if not throttled:
        # An increment in the database: two failing runs never lose a count.
        changes["consecutive_failures"] = F("consecutive_failures") + 1
        if not connection.consecutive_failures:
            changes["failing_since"] = now
    Connection.objects.filter(pk=connection.pk).update(**changes)
    retry_in = None
    if can_retry:
        retry_in = problem.retry_after if problem.retry_after is not None else backoff(attempt)
    return Outcome(current.status, retry_in=retry_in, run_id=current.pk)


def admins_of(organization: Organization):
    return Membership.objects.filter(organization=organization, role=Role.ADMIN, user__is_active=True)

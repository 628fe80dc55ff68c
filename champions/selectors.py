"""Read queries of the champion step: the activity report, quiet champions, health figures, metrics.

Everything here aggregates in the database (grouped by rollout, champion, month or topic); Python
only arranges the aggregated rows into tables.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, Lower, TruncMonth, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy

from rollout.models import Rollout, Unit
from rollout.steps import organizations_of

from .models import QUIET_AFTER_DAYS, Champion, SupportSession, active_on, open_follow_ups

REPORT_MONTHS = 6
TREND_WEEKS = 8  # the weekly sessions drawn beside the portfolio's "Support sessions" fact
OTHER_TOPIC = gettext_lazy("Other (free text)")


def months_back(today: date, count: int = REPORT_MONTHS) -> list[date]:
    """The first days of the last `count` calendar months up to `today`, oldest first."""
    year, month = today.year, today.month
    months = []
    for _ in range(count):
        months.append(date(year, month, 1))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def _as_date(value: date | datetime) -> date:
    return value.date() if isinstance(value, datetime) else value


def start_of(day: date, tz: tzinfo) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), tz)


def quiet_champions(rollout: Rollout, now: datetime | None = None) -> QuerySet[Champion]:
    """Active champions, serving for 30 days or more, with no session in the last 30 days."""
    now = now or timezone.now()
    since = now - timedelta(days=QUIET_AFTER_DAYS)
    return (
        rollout.champions.filter(status=Champion.Status.ACTIVE)
        .filter(Q(start_date__isnull=True) | Q(start_date__lte=timezone.localdate(since)))
        .annotate(last_session=Max("sessions__happened_at"))
        .filter(Q(last_session__isnull=True) | Q(last_session__lt=since))
        .select_related("user")
        .order_by(F("last_session").asc(nulls_first=True), "user__full_name")
    )


def follow_ups(sessions: QuerySet[SupportSession]) -> QuerySet[SupportSession]:
    """Open follow-ups, the most overdue first."""
    return sessions.filter(open_follow_ups()).order_by("follow_up_on", "happened_at")


def sessions_by_champion_month(
    rollout: Rollout, champions: Iterable[Champion], since: datetime, tz: tzinfo
) -> dict[int, dict[date, Mapping[str, Any]]]:
    """{champion_id: {month: {"sessions", "people", "minutes"}}} for the given champions."""
    rows = (
        SupportSession.objects.filter(rollout=rollout, champion__in=champions, happened_at__gte=since)
        .annotate(month=TruncMonth("happened_at", tzinfo=tz))
        .values("champion_id", "month")
        .annotate(sessions=Count("pk"), people=Sum("people_helped"), minutes=Sum("minutes"))
        .order_by()
    )
    table: dict[int, dict[date, Mapping[str, Any]]] = {}
    for row in rows:
        table.setdefault(row["champion_id"], {})[_as_date(row["month"])] = row
    return table


def topics_by_month(rollout: Rollout, since: datetime, tz: tzinfo) -> dict[str, dict[date, int]]:
    """{topic name: {month: sessions}}, the free text as one topic (OTHER_TOPIC)."""
    through: Any = SupportSession.topics.through  # django-stubs loses its annotations
    rows = (
        through.objects.filter(supportsession__rollout=rollout, supportsession__happened_at__gte=since)
        .annotate(month=TruncMonth("supportsession__happened_at", tzinfo=tz))
        .values("skill__name", "month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    other = (
        SupportSession.objects.filter(rollout=rollout, happened_at__gte=since)
        .exclude(other_topic="")
        .annotate(month=TruncMonth("happened_at", tzinfo=tz))
        .values("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[str, dict[date, int]] = {}
    for row in rows:
        counts.setdefault(row["skill__name"], {})[_as_date(row["month"])] = row["n"]
    for row in other:
        counts.setdefault(str(OTHER_TOPIC), {})[_as_date(row["month"])] = row["n"]
    return counts


def frequent_free_text(rollout: Rollout, since: datetime, limit: int = 10) -> list[Mapping[str, Any]]:
    """The free-text topics that keep coming up (case-insensitive): candidates for the taxonomy."""
    return list(
        SupportSession.objects.filter(rollout=rollout, happened_at__gte=since)
        .exclude(other_topic="")
        .annotate(topic=Lower("other_topic"))
        .values("topic")
        .annotate(n=Count("pk"))
        .order_by("-n", "topic")[:limit]
    )


def report_totals(rollout: Rollout, since: datetime) -> dict[str, int]:
    return SupportSession.objects.filter(rollout=rollout, happened_at__gte=since).aggregate(
        sessions=Count("pk"),
        people=Coalesce(Sum("people_helped"), 0),
        minutes=Coalesce(Sum("minutes"), 0),
        champions=Count("champion", distinct=True),
    )


def csv_rows(rollout: Rollout, since: datetime, tz: tzinfo) -> QuerySet[SupportSession, Mapping[str, Any]]:
    """Sessions, people helped and minutes per champion per month, for the CSV export."""
    return (
        SupportSession.objects.filter(rollout=rollout, happened_at__gte=since)
        .annotate(month=TruncMonth("happened_at", tzinfo=tz))
        .values("champion__user__full_name", "champion__user__email", "month")
        .annotate(
            sessions=Count("pk"),
            people=Sum("people_helped"),
            minutes=Sum("minutes"),
            open_follow_ups=Count("pk", filter=open_follow_ups()),
        )
        .order_by("champion__user__full_name", "champion__user__email", "month")
    )


# Health --------------------------------------------------------------------------------------


def health_figures(
    rollouts: Collection[Rollout], now: datetime, weeks: int = TREND_WEEKS
) -> tuple[
    dict[int, Mapping[str, Any]],
    dict[int, dict[str, Any]],
    dict[tuple[int, int], int],
    dict[int, list[Mapping[str, Any]]],
    dict[int, int],
]:
    """The aggregates the step's health and facts need, for any number of rollouts in four queries:

    (champions {rollout id: counts}, sessions {rollout id: {"last_30", "previous_30", "weeks"}},
     covered {(rollout id, unit id): active champions}, units {organization id: [unit]},
     targets {organization id: people per champion}).

    "weeks" are the sessions of the last `weeks` calendar weeks (as weekly_sessions() counts them),
    counted in the same pass over the sessions as the two 30-day windows.
    """
    ids = [rollout.pk for rollout in rollouts]
    recent, before = now - timedelta(days=30), now - timedelta(days=60)
    champions: dict[int, Mapping[str, Any]] = {
        row["rollout_id"]: row
        for row in Champion.objects.filter(rollout_id__in=ids)
        .values("rollout_id")
        .annotate(
            total=Count("pk", distinct=True),
            active=Count("pk", filter=Q(status=Champion.Status.ACTIVE), distinct=True),
            nominated=Count("pk", filter=Q(status=Champion.Status.NOMINATED), distinct=True),
            # EXISTS on the (champion, happened_at) index, not a join of every session ever logged.
            recently_active=Count(
                "pk",
                filter=Q(status=Champion.Status.ACTIVE)
                & Q(Exists(SupportSession.objects.filter(champion=OuterRef("pk"), happened_at__gte=recent))),
                distinct=True,
            ),
        )
        .order_by()
    }
    starts = [datetime.combine(monday, time(), tzinfo=UTC) for monday in _mondays(now, weeks)]
    week_counts = {
        f"week_{i}": Count("pk", filter=Q(happened_at__gte=start, happened_at__lt=start + timedelta(days=7)))
        for i, start in enumerate(starts)
    }
    sessions: dict[int, dict[str, Any]] = {}
    row: Any  # a values() row, completed here
    for row in (
        SupportSession.objects.filter(rollout_id__in=ids, happened_at__gte=min(before, starts[0]))
        .values("rollout_id")
        .annotate(
            last_30=Count("pk", filter=Q(happened_at__gte=recent)),
            previous_30=Count("pk", filter=Q(happened_at__gte=before, happened_at__lt=recent)),
            **week_counts,
        )
        .order_by()
    ):
        row["weeks"] = [row.pop(f"week_{i}") for i in range(weeks)]
        sessions[row["rollout_id"]] = row
    covered: dict[tuple[int, int], int] = {}
    for row in (
        Champion.units.through.objects.filter(
            champion__rollout_id__in=ids, champion__status=Champion.Status.ACTIVE
        )
        .values("champion__rollout_id", "unit_id")
        .annotate(n=Count("champion_id", distinct=True))
        .order_by()
    ):
        covered[(row["champion__rollout_id"], row["unit_id"])] = row["n"]
    targets = {pk: org.champion_target_ratio for pk, org in organizations_of(rollouts).items()}
    units: dict[int, list[Mapping[str, Any]]] = {}
    for unit in (
        Unit.objects.filter(organization_id__in=targets, headcount__gt=0)
        .values("pk", "organization_id", "name", "headcount")
        .order_by("-headcount", "name")
    ):
        units.setdefault(unit["organization_id"], []).append(unit)
    return champions, sessions, covered, units, targets


# The weekly digest ---------------------------------------------------------------------------

DIGEST_FOLLOW_UPS = Q(outcome=SupportSession.Outcome.FOLLOW_UP, follow_up_done_at__isnull=True)


def digest_figures(organization_id: int, since: datetime) -> dict[str, dict[Any, Any]]:
    """The weekly digest's figures for every rollout of an organization, in three queries:

    {"rollouts": {rollout_id: {"n", "people", "champions", "open"}}: support sessions since `since`,
     the people they helped, the champions who logged them and the open follow-ups (managers);
     "champions": {(rollout_id, user_id): {"n", "people", "open"}}: the same for each active
     champion (the champion's own week)}.
    """
    sessions = SupportSession.objects.filter(rollout__organization_id=organization_id)
    rollouts: dict[int, dict[str, Any]] = {
        row["rollout_id"]: dict(row, open=0)
        for row in sessions.filter(happened_at__gte=since)
        .values("rollout_id")
        .annotate(n=Count("pk"), people=Sum("people_helped"), champions=Count("champion", distinct=True))
        .order_by()
    }
    for row in sessions.filter(DIGEST_FOLLOW_UPS).values("rollout_id").annotate(n=Count("pk")).order_by():
        rollouts.setdefault(row["rollout_id"], {"n": 0, "people": 0, "champions": 0})["open"] = row["n"]
    week = Q(sessions__happened_at__gte=since)
    champions: dict[tuple[int, int], Mapping[str, Any]] = {
        (row["rollout_id"], row["user_id"]): row
        for row in Champion.objects.filter(
            rollout__organization_id=organization_id, status=Champion.Status.ACTIVE
        )
        .values("rollout_id", "user_id")
        .annotate(
            n=Count("sessions", filter=week),
            people=Sum("sessions__people_helped", filter=week),
            open=Count(
                "sessions",
                filter=Q(
                    sessions__outcome=SupportSession.Outcome.FOLLOW_UP,
                    sessions__follow_up_done_at__isnull=True,
                ),
            ),
        )
        .order_by()
    }
    return {"rollouts": rollouts, "champions": champions}


# Metrics -------------------------------------------------------------------------------------


def sessions_in_30_days(rollout: Rollout, as_of: date) -> int:
    """Support sessions in the 30 days up to and including `as_of` (organization time zone)."""
    tz = zoneinfo.ZoneInfo(rollout.organization.timezone)
    end = start_of(as_of + timedelta(days=1), tz)
    return SupportSession.objects.filter(
        rollout=rollout, happened_at__gte=end - timedelta(days=30), happened_at__lt=end
    ).count()


def people_per_champion(rollout: Rollout, as_of: date) -> float | None:
    """Champion coverage on `as_of` as one number: people per active champion ("1 per N").

    People are counted once: the headcount of the organization's top-level departments (every
    person belongs to one department; locations and teams overlap them). An organization without
    departments counts its top-level units instead. None while there is no champion or no headcount.
    """
    top_level = Unit.objects.filter(organization_id=rollout.organization_id, parent__isnull=True)
    headcount = top_level.aggregate(
        departments=Sum("headcount", filter=Q(kind=Unit.Kind.DEPARTMENT)), units=Sum("headcount")
    )
    people = headcount["departments"] or headcount["units"]
    champions = rollout.champions.filter(active_on(as_of)).count()
    if not people or not champions:
        return None
    return round(people / champions, 1)


def weekly_sessions(
    rollouts: Collection[Rollout], now: datetime, weeks: int = 8, with_dates: bool = False
) -> dict[int, list[Any]]:
    """{rollout.pk: [sessions per calendar week (Monday to Sunday, UTC), oldest first]} for the last
    `weeks` weeks including the current one, counted in the database in one query. with_dates gives
    [(the Monday of the week, count)]."""
    mondays = _mondays(now, weeks)
    start = datetime.combine(mondays[0], time(), tzinfo=UTC)
    rows = (
        SupportSession.objects.filter(rollout__in=[r.pk for r in rollouts], happened_at__gte=start)
        .annotate(week=TruncWeek("happened_at", tzinfo=UTC))
        .values("rollout_id", "week")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts = {(row["rollout_id"], row["week"].date()): row["n"] for row in rows}
    result: dict[int, list[Any]] = {}
    for rollout in rollouts:
        series = [(monday, counts.get((rollout.pk, monday), 0)) for monday in mondays]
        result[rollout.pk] = series if with_dates else [n for _, n in series]
    return result


def _mondays(now: datetime, weeks: int) -> list[date]:
    """The Mondays (UTC) of the last `weeks` calendar weeks including the current one, oldest first."""
    this_monday = (now - timedelta(days=now.weekday())).date()
    return [this_monday - timedelta(days=7 * i) for i in range(weeks - 1, -1, -1)]

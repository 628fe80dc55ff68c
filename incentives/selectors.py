"""Read queries of the incentive step: leaderboards, balances, the lead-by-example table, health
figures and metrics. Everything aggregates in the database; Python only arranges the rows.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Count,
    F,
    IntegerField,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    Window,
)
from django.db.models.functions import Coalesce, Rank, RowNumber
from django.utils import timezone

from rollout.models import Membership, Organization, Role, Rollout, Unit, User

from .models import (
    BadgeAward,
    LeaderboardOptOut,
    LeaderVisibility,
    PlannedIncentive,
    PointsEntry,
    ReceivedEvent,
    Recognition,
    Season,
)

RECENT = timedelta(days=30)
LEAD_BY_EXAMPLE_DAYS = 90


# Seasons and leaderboards -----------------------------------------------------------------------


def open_season(rollout: Rollout) -> Season | None:
    """The open Season row, or None while no season was ever closed (the first runs from the start)."""
    return Season.objects.filter(rollout=rollout, ended_at__isnull=True).first()


def leaderboard(
    rollout: Rollout, season: Season | None = None, unit: Unit | None = None
) -> QuerySet[PointsEntry, Mapping[str, Any]]:
    """Ranked rows {person_id, name, email, total, rank} of a season (default: the open one).

    Opted-out people are left out; one grouped query, so a page of it costs the same for ten or
    ten thousand people.
    """
    entries = PointsEntry.objects.filter(rollout=rollout)
    if season is not None:
        entries = entries.filter(created_at__gte=season.started_at)
        if season.ended_at is not None:
            entries = entries.filter(created_at__lt=season.ended_at)
    else:
        current = open_season(rollout)
        if current is not None:
            entries = entries.filter(created_at__gte=current.started_at)
    opted_out = LeaderboardOptOut.objects.filter(organization_id=rollout.organization_id).values("user_id")
    entries = entries.exclude(person_id__in=opted_out)
    if unit is not None:
        entries = entries.filter(
            person__memberships__organization_id=rollout.organization_id, person__memberships__unit=unit
        )
    return (
        entries.values("person_id")
        .annotate(name=F("person__full_name"), email=F("person__email"), total=Sum("points"))
        .filter(total__gt=0)
        .annotate(rank=Window(Rank(), order_by=Sum("points").desc()))
        .order_by("-total", "name", "person_id")
    )


def balances_of(organization: Organization, person: User) -> QuerySet[PointsEntry, Mapping[str, Any]]:
    """[{rollout_id, rollout__name, balance, season_points}] of a person across the organization."""
    seasons = Season.objects.filter(rollout=OuterRef("rollout_id"), ended_at__isnull=True).values(
        "started_at"
    )[:1]
    return (
        PointsEntry.objects.filter(rollout__organization=organization, person=person)
        .values("rollout_id", "rollout__name")
        .annotate(balance=Sum("points"), since=Subquery(seasons))
        .order_by("rollout__name")
    )


def balance(rollout: Rollout, person: User) -> int:
    return (
        PointsEntry.objects.filter(rollout=rollout, person=person).aggregate(total=Sum("points"))["total"]
        or 0
    )


# Lead by example --------------------------------------------------------------------------------


def _count(queryset: QuerySet[Any], field: str) -> Coalesce:
    return Coalesce(
        Subquery(queryset.values(field).annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()),
        Value(0),
    )


def lead_by_example(
    rollout: Rollout, memberships: QuerySet[Membership], now: datetime | None = None
) -> QuerySet[Membership]:
    """Named leaders with what they did in the rollout in the last 90 days, busiest first.

    Recognitions given come from this app; questions answered and every other recorded event
    (posts and replies once engage emits them) from the events this app receives.
    """
    return _with_activity(
        memberships,
        Recognition.objects.filter(rollout=rollout),
        ReceivedEvent.objects.filter(
            Q(rollout=rollout) | Q(rollout__isnull=True, organization_id=rollout.organization_id)
        ),
        PointsEntry.objects.filter(rollout=rollout),
        now,
    )


def _with_activity(
    memberships: QuerySet[Membership],
    recognitions: QuerySet[Recognition],
    events: QuerySet[ReceivedEvent],
    points: QuerySet[PointsEntry],
    now: datetime | None,
) -> QuerySet[Membership]:
    """The named leaders among `memberships`, each annotated with what they did in the last 90
    days among the given `recognitions`, `events` and `points` (one query, subqueries per count)."""
    since = (now or timezone.now()) - timedelta(days=LEAD_BY_EXAMPLE_DAYS)
    person = OuterRef("user_id")
    recognitions = recognitions.filter(giver=person, created_at__gte=since)
    events = events.filter(person=person, occurred_at__gte=since)
    points = points.filter(person=person, created_at__gte=since)
    return (
        memberships.filter(role=Role.LEADER)
        .annotate(
            recognitions=_count(recognitions, "giver"),
            answers=_count(events.filter(name="question_answered"), "person"),
            events=_count(events.exclude(name="recognition_given"), "person"),
            points=Coalesce(
                Subquery(points.values("person").annotate(t=Sum("points")).values("t")[:1]), Value(0)
            ),
            last_seen=Subquery(events.values("person").annotate(last=Max("occurred_at")).values("last")[:1]),
        )
        .order_by("-recognitions", "-events", "user__full_name", "pk")
    )


# The employee's side --------------------------------------------------------------------------

# How many agreeing leaders the "Leaders taking part" panel names, and recognitions per leader.
LEADERS_SHOWN = 6
THANKS_PER_LEADER = 3


def leaders_taking_part(
    organization: Organization, now: datetime | None = None
) -> list[tuple[Membership, list[Recognition]]]:
    """The named leaders of `organization` who agreed to be seen (LeaderVisibility) and took part
    in any of its rollouts in the last 90 days, busiest first (at most LEADERS_SHOWN), each with
    their latest recognitions (at most THANKS_PER_LEADER). Leaders who did not agree are never
    read. Recognitions are public thank-yous, shown in every rollout's feed to everyone in the
    organization, so each one given in the period may be shown. Two queries.
    """
    since = (now or timezone.now()) - timedelta(days=LEAD_BY_EXAMPLE_DAYS)
    agreed = LeaderVisibility.objects.filter(organization=organization).values("user_id")
    memberships = Membership.objects.filter(organization=organization, user_id__in=agreed).select_related(
        "user", "unit"
    )
    leaders = list(
        _with_activity(
            memberships,
            Recognition.objects.filter(rollout__organization=organization),
            ReceivedEvent.objects.filter(organization=organization),
            PointsEntry.objects.filter(rollout__organization=organization),
            now,
        ).filter(Q(recognitions__gt=0) | Q(events__gt=0))[:LEADERS_SHOWN]
    )
    if not leaders:
        return []
    latest = (
        Recognition.objects.filter(
            rollout__organization=organization,
            giver_id__in=[leader.user_id for leader in leaders],
            created_at__gte=since,
        )
        .annotate(
            nth=Window(
                RowNumber(), partition_by=F("giver_id"), order_by=[F("created_at").desc(), F("pk").desc()]
            )
        )
        .filter(nth__lte=THANKS_PER_LEADER)
        .select_related("recipient", "rollout")
        .order_by("-created_at", "-pk")
    )
    given: dict[int, list[Recognition]] = {}
    for recognition in latest:
        given.setdefault(recognition.giver_id, []).append(recognition)
    return [(leader, given.get(leader.user_id, [])) for leader in leaders]


def recognition_summary(
    organization: Organization, person: User, now: datetime | None = None
) -> dict[str, Any]:
    """What the person's own page says of their recognition: points in each rollout's open season,
    their badges (how many, the latest few) and the thanks received in the last 30 days (how many,
    the latest few). Five queries whatever the number of rows."""
    since = (now or timezone.now()) - RECENT
    awards = BadgeAward.objects.filter(
        rollout__organization=organization, person=person, revoked_at__isnull=True
    )
    received = Recognition.objects.filter(
        rollout__organization=organization, recipient=person, created_at__gte=since
    )
    return {
        "season_points": list(season_points(organization, person)),
        "badge_count": awards.count(),
        "badges": list(awards.select_related("level__badge", "rollout").order_by("-issued_at", "-pk")[:4]),
        "received_count": received.count(),
        "received": list(received.select_related("giver", "rollout").order_by("-created_at", "-pk")[:3]),
        "days": RECENT.days,
    }


def season_points(organization: Organization, person: User) -> QuerySet[PointsEntry, Mapping[str, Any]]:
    """[{rollout_id, rollout__name, points}]: the person's points in each rollout's open season
    (every entry while a rollout has no open season, as its leaderboard counts them). One query."""
    season_start = Season.objects.filter(rollout=OuterRef("rollout_id"), ended_at__isnull=True).values(
        "started_at"
    )[:1]
    return (
        PointsEntry.objects.filter(rollout__organization=organization, person=person)
        .annotate(season_start=Subquery(season_start))
        .filter(Q(season_start__isnull=True) | Q(created_at__gte=F("season_start")))
        .values("rollout_id", "rollout__name")
        .annotate(points=Sum("points"))
        .order_by("rollout__name")
    )


# Health ---------------------------------------------------------------------------------------


def _distinct_pairs_per_rollout(*querysets: QuerySet[Any, tuple[Any, ...]]) -> dict[int, int]:
    """{rollout_id: number of distinct (rollout, person) pairs} over the union, in one query."""
    return _distinct_pairs_by_kind({"pairs": querysets}).get("pairs", {})


def _distinct_pairs_by_kind(
    kinds: Mapping[str, Iterable[QuerySet[Any, tuple[Any, ...]]]],
) -> dict[str, dict[int, int]]:
    """{kind: {rollout_id: number of distinct (rollout, person) pairs}} over the union of each
    kind's querysets (of (rollout_id, person_id) rows), every kind in one query."""
    tagged = [
        queryset.annotate(kind=Value(number, output_field=IntegerField())).values_list(
            *queryset.query.values_select, "kind"
        )
        for number, querysets in enumerate(kinds.values())
        for queryset in querysets
    ]
    union = tagged[0].union(*tagged[1:])
    sql, params = union.query.sql_with_params()
    names = list(kinds)
    found: dict[str, dict[int, int]] = {}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT kind, rollout_id, COUNT(*) FROM ({sql}) pairs GROUP BY kind, rollout_id", params
        )
        for kind, rollout_id, n in cursor.fetchall():
            found.setdefault(names[kind], {})[rollout_id] = n
    return found


def _pairs(
    model: type[PointsEntry] | type[Recognition] | type[BadgeAward] | type[ReceivedEvent],
    person: str,
    time: str,
    since: datetime,
    ids: Collection[int],
    until: datetime | None = None,
    people: QuerySet[Any, Any] | None = None,
) -> QuerySet[Any, tuple[Any, ...]]:
    """(rollout_id, person) rows of `model` with `time` in [since, until), of `people` if given."""
    rows = model.objects.filter(**{f"{time}__gte": since}, rollout_id__in=ids)
    if until is not None:
        rows = rows.filter(**{f"{time}__lt": until})
    if people is not None:
        rows = rows.filter(**{f"{person}__in": people})
    return rows.values_list("rollout_id", person).order_by()


def _reached(
    ids: Collection[int], since: datetime, until: datetime | None = None
) -> tuple[QuerySet[Any, tuple[Any, ...]], ...]:
    """The (rollout, person) rows of a recognition received, points or a badge in [since, until)."""
    return (
        _pairs(PointsEntry, "person_id", "created_at", since, ids, until),
        _pairs(Recognition, "recipient_id", "created_at", since, ids, until),
        _pairs(BadgeAward, "person_id", "issued_at", since, ids, until),
    )


def _leading(
    ids: Collection[int], organizations: Collection[int], since: datetime
) -> tuple[QuerySet[Any, tuple[Any, ...]], ...]:
    """The (rollout, leader) rows of a recognition given, points earned or an event recorded."""
    leaders = Membership.objects.filter(organization_id__in=organizations, role=Role.LEADER).values("user_id")
    return (
        _pairs(Recognition, "giver_id", "created_at", since, ids, people=leaders),
        _pairs(PointsEntry, "person_id", "created_at", since, ids, people=leaders),
        _pairs(ReceivedEvent, "person_id", "occurred_at", since, ids, people=leaders),
    )


def reached_people(ids: Collection[int], since: datetime, until: datetime | None = None) -> dict[int, int]:
    """{rollout_id: people with any recognition received, points or badge in [since, until)}."""
    return _distinct_pairs_per_rollout(*_reached(ids, since, until))


def active_leaders(ids: Collection[int], organizations: Collection[int], since: datetime) -> dict[int, int]:
    """{rollout_id: leaders who gave a recognition, earned points or had an event recorded}."""
    return _distinct_pairs_per_rollout(*_leading(ids, organizations, since))


def health_figures(
    rollouts: Collection[Rollout], now: datetime
) -> tuple[dict[int, int], dict[int, int], dict[int, int], dict[int, Mapping[str, Any]]]:
    """The aggregates the step's health needs, for any number of rollouts in two queries:
    (plan lines, people reached and leaders active in the last 30 days, per rollout, counted
    together as distinct (rollout, line or person) pairs; the organizations' people and leaders)."""
    ids = [rollout.pk for rollout in rollouts]
    organizations = {rollout.organization_id for rollout in rollouts}
    since = now - RECENT
    found = _distinct_pairs_by_kind(
        {
            "plans": [
                PlannedIncentive.objects.filter(rollout_id__in=ids).values_list("rollout_id", "pk").order_by()
            ],
            "reached": _reached(ids, since),
            "leaders": _leading(ids, organizations, since),
        }
    )
    people: dict[int, Mapping[str, Any]] = {
        row["organization_id"]: row
        for row in Membership.objects.filter(organization_id__in=organizations)
        .values("organization_id")
        .annotate(audience=Count("pk"), leaders=Count("pk", filter=Q(role=Role.LEADER)))
        .order_by()
    }
    return found.get("plans", {}), found.get("reached", {}), found.get("leaders", {}), people


# Metrics -------------------------------------------------------------------------------------


def _window_end(rollout: Rollout, as_of: date) -> datetime:
    tz = zoneinfo.ZoneInfo(rollout.organization.timezone)
    return timezone.make_aware(datetime.combine(as_of + timedelta(days=1), time.min), tz)


def recognitions_in_30_days(rollout: Rollout, as_of: date) -> int:
    end = _window_end(rollout, as_of)
    return Recognition.objects.filter(
        rollout=rollout, created_at__gte=end - RECENT, created_at__lt=end
    ).count()


def people_recognised_share(rollout: Rollout, as_of: date) -> float | None:
    """Percent of the organization's people with a recognition, points or a badge in 30 days."""
    audience = Membership.objects.filter(organization_id=rollout.organization_id).count()
    if not audience:
        return None
    end = _window_end(rollout, as_of)
    reached = reached_people([rollout.pk], end - RECENT, end).get(rollout.pk, 0)
    return round(100 * reached / audience, 1)


def badges_in_30_days(rollout: Rollout, as_of: date) -> int:
    end = _window_end(rollout, as_of)
    return BadgeAward.objects.filter(rollout=rollout, issued_at__gte=end - RECENT, issued_at__lt=end).count()

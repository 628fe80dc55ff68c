"""Read queries of Engage part 2: the unanswered queue, time to first response (TTFR) and
"answered within target", aggregated in the database.

TTFR of a question = its first response (the first reply by someone other than the author and not
a bot, or a manual "answered") minus the time it was asked; `Message.response_seconds` holds it.
Answered within target = questions with TTFR <= the rollout's response target, divided by the
questions whose outcome is known: answered, or still open past the target. A question still open
and younger than the target is not counted either way yet.

The target is the rollout's one response target (strategy.selectors.ResponseTarget: the strategy's,
else the organization's default). Each function reads it itself unless given it: a caller that
asks for several figures of the same rollouts reads it once and passes it on.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Aggregate, Avg, Case, Count, F, IntegerField, Q, QuerySet, Value, When, Window
from django.db.models.functions import RowNumber, Substr, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rollout.models import Membership, Organization, Rollout, Unit, User
from strategy.selectors import ResponseTarget, response_target, response_targets_for

from .models import Message, PulseInvitation, Thread, TrainingAttendance

OTHER = _("Other (small groups)")


def questions(rollout: Rollout) -> QuerySet[Message]:
    return Message.objects.filter(rollout=rollout, is_question=True)


def posts_and_replies(rollout: Rollout, first_day: date, last_day: date) -> tuple[int, int]:
    """(posts, replies) among the people's messages (not a bot's, not deleted) from `first_day` to
    `last_day`: Engage's dialogue ratio falls back on them when no export counts replies apart."""
    counts = Message.objects.filter(
        rollout=rollout,
        deleted=False,
        is_bot=False,
        created_at__date__gte=first_day,
        created_at__date__lte=last_day,
    ).aggregate(
        posts=Count("pk", filter=Q(parent_external_id="")),
        replies=Count("pk", filter=~Q(parent_external_id="")),
    )
    return counts["posts"] or 0, counts["replies"] or 0


def unanswered_questions(rollout: Rollout, first_units: Collection[int | Unit] = ()) -> QuerySet[Message]:
    """Open questions, oldest first; those of `first_units` (a champion's units) before the rest."""
    queryset = questions(rollout).filter(first_response_at__isnull=True)
    order = ["created_at", "pk"]
    if first_units:
        queryset = queryset.annotate(
            theirs=Case(
                When(unit__in=list(first_units), then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        order = ["theirs", *order]
    # The thread (for its channel) is fetched for the page's rows only: joined, the planner reads
    # every thread of the organization to match a page of questions.
    return queryset.select_related("unit", "claimed_by").prefetch_related("thread").order_by(*order)


def oldest_open_by_unit(
    rollout: Rollout, first: int
) -> dict[int, tuple[int, list[tuple[str, str, datetime]]]]:
    """{unit id: (open questions, the oldest `first` as (text up to 120 characters, author, asked
    at))}: every unit's unanswered queue in one query (a window per unit), for the digest."""
    rows = (
        questions(rollout)
        .filter(first_response_at__isnull=True, unit__isnull=False)
        .annotate(
            place=Window(RowNumber(), partition_by=[F("unit_id")], order_by=[F("created_at"), F("pk")]),
            waiting=Window(Count("pk"), partition_by=[F("unit_id")]),
            short=Substr("text", 1, 120),
        )
        .filter(place__lte=first)
        .order_by("unit_id", "place")
        .values_list("unit_id", "waiting", "short", "author_name", "author_key", "created_at")
    )
    found: dict[int, tuple[int, list[tuple[str, str, datetime]]]] = {}
    for unit_id, waiting, text, name, key, asked in rows:
        found.setdefault(unit_id, (waiting, []))[1].append((text, name or key, asked))
    return found


def units_of(user: User, organization: Organization) -> list[int]:
    """The units a person looks after in the queue: their membership's unit (the queue page reads
    it from the membership it already has).

    The champion step keeps the units each champion supports (Champion.units) but offers no read
    function for them yet; until it does, a champion's unit is the one of their membership.
    """
    unit = (
        Membership.objects.filter(user=user, organization=organization).values_list("unit", flat=True).first()
    )
    return [unit] if unit else []


def _summary(target: ResponseTarget, now: datetime) -> dict[str, Aggregate]:
    late = Q(first_response_at__isnull=True, created_at__lte=now - timedelta(hours=target.hours))
    return {
        "asked": Count("pk"),
        "answered": Count("pk", filter=Q(first_response_at__isnull=False)),
        "within": Count("pk", filter=Q(response_seconds__lte=target.seconds)),
        "decided": Count("pk", filter=Q(first_response_at__isnull=False) | late),
        "open": Count("pk", filter=Q(first_response_at__isnull=True)),
        "overdue": Count("pk", filter=late),
        "avg_seconds": Avg("response_seconds"),
    }


def _finish(row: dict[str, Any]) -> dict[str, Any]:
    row["within_share"] = round(100 * row["within"] / row["decided"]) if row["decided"] else None
    row["ttfr_hours"] = None if row["avg_seconds"] is None else round(row["avg_seconds"] / 3600, 1)
    return row


def response_summary(
    rollout: Rollout,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    target: ResponseTarget | None = None,
) -> dict[str, Any]:
    """Questions asked in [since, until): asked, answered, open, overdue, TTFR, within target, and
    "target", the ResponseTarget they were counted against (read here unless given)."""
    now = now or timezone.now()
    target = target or response_target(rollout)
    rows = questions(rollout)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    return dict(_finish(rows.aggregate(**_summary(target, now))), target=target)


def response_by_unit(
    rollout: Rollout,
    since: datetime | None = None,
    until: datetime | None = None,
    now: datetime | None = None,
    target: ResponseTarget | None = None,
) -> list[dict[str, Any]]:
    """[row] per unit (name), smaller groups than the privacy threshold merged into "other"."""
    now = now or timezone.now()
    target = target or response_target(rollout)
    organization = rollout.organization
    rows = questions(rollout)
    if since:
        rows = rows.filter(created_at__gte=since)
    if until:
        rows = rows.filter(created_at__lt=until)
    grouped = list(
        rows.values("unit_id", "unit__name").annotate(**_summary(target, now)).order_by("unit__name")
    )
    shown: list[dict[str, Any]] = []
    other: dict[str, Any] | None = None
    row: Any  # a values() row with the _summary() annotations
    for row in grouped:
        if row["unit_id"] is not None and row["asked"] >= organization.privacy_min_group:
            shown.append(_finish(dict(row, name=row["unit__name"])))
            continue
        if other is None:
            other = dict.fromkeys(("asked", "answered", "within", "decided", "open", "overdue"), 0)
            other.update(name=OTHER, seconds=0)
        for key in ("asked", "answered", "within", "decided", "open", "overdue"):
            other[key] += row[key]
        other["seconds"] += (row["avg_seconds"] or 0) * row["answered"]
    if other:
        other["avg_seconds"] = other["seconds"] / other["answered"] if other["answered"] else None
        shown.append(_finish(other))
    return shown


def _target_hours(
    rollouts: Collection[Rollout], targets: Mapping[int, ResponseTarget] | None = None
) -> dict[int, int]:
    """{rollout.pk: target hours}; `targets`: response_targets_for(rollouts), if already read."""
    targets = targets if targets is not None else response_targets_for(rollouts)
    return {r.pk: targets[r.pk].hours for r in rollouts}


def response_by_week(
    rollouts: Collection[Rollout],
    weeks: int = 12,
    now: datetime | None = None,
    targets: Mapping[int, ResponseTarget] | None = None,
) -> dict[int, list[tuple[date, dict[str, Any]]]]:
    """{rollout.pk: [(week start date, row)]} for the last `weeks` calendar weeks, oldest first.
    `targets`: response_targets_for(rollouts), if already read."""
    now = now or timezone.now()
    start = (now - timedelta(weeks=weeks)).date()
    start -= timedelta(days=start.weekday())
    rollouts = list(rollouts)
    if not rollouts:
        return {}
    hours = _target_hours(rollouts, targets)
    result: dict[int, list[tuple[date, dict[str, Any]]]] = {r.pk: [] for r in rollouts}
    # One query for every rollout: the target differs per rollout, so "within" is counted against
    # each rollout's own target with one conditional count per distinct target.
    annotations = {
        "asked": Count("pk"),
        "answered": Count("pk", filter=Q(first_response_at__isnull=False)),
        "avg_seconds": Avg("response_seconds"),
        **{
            f"within_{t}": Count("pk", filter=Q(response_seconds__lte=t * 3600))
            for t in sorted(set(hours.values()))
        },
    }
    rows = (
        Message.objects.filter(rollout__in=rollouts, is_question=True, created_at__date__gte=start)
        .annotate(week=TruncWeek("created_at"))
        .values("rollout_id", "week")
        .annotate(**annotations)
        .order_by("rollout_id", "week")
    )
    row: Any  # a values() row with the annotations above
    for row in rows:
        week = row["week"].date() if hasattr(row["week"], "date") else row["week"]
        within = row[f"within_{hours[row['rollout_id']]}"]
        row = dict(row, within=within, decided=row["answered"])
        result[row["rollout_id"]].append((week, _finish(row)))
    return result


def health_figures(
    rollouts: Collection[Rollout],
    now: datetime | None = None,
    targets: Mapping[int, ResponseTarget] | None = None,
) -> dict[int, dict[str, Any]]:
    """{rollout.pk: summary} over the last 30 days, with "backlog": the open questions of any age
    (the queue is not limited to the last 30 days) and "target", the rollout's ResponseTarget, for
    many rollouts in one query (two without `targets`, response_targets_for(rollouts))."""
    now = now or timezone.now()
    rollouts = list(rollouts)
    if not rollouts:
        return {}
    if targets is None:
        targets = response_targets_for(rollouts)
    by_rollout = _target_hours(rollouts, targets)
    recent = Q(created_at__gte=now - timedelta(days=30))
    unanswered = Q(first_response_at__isnull=True)
    annotations = {
        "asked": Count("pk", filter=recent),
        "answered": Count("pk", filter=recent & Q(first_response_at__isnull=False)),
        "open": Count("pk", filter=recent & unanswered),
        "avg_seconds": Avg("response_seconds", filter=recent),
    }
    for t in sorted(set(by_rollout.values())):
        late = unanswered & Q(created_at__lte=now - timedelta(hours=t))
        annotations[f"within_{t}"] = Count("pk", filter=recent & Q(response_seconds__lte=t * 3600))
        annotations[f"decided_{t}"] = Count("pk", filter=recent & (Q(first_response_at__isnull=False) | late))
        annotations[f"overdue_{t}"] = Count("pk", filter=recent & late)
    rows = (
        # The last 30 days' questions and the open ones (the open-questions index finds those).
        Message.objects.filter(rollout__in=rollouts, is_question=True)
        .filter(recent | unanswered)
        .values("rollout_id")
        .annotate(**annotations, backlog=Count("pk", filter=unanswered))
        .order_by()
    )
    figures: dict[int, dict[str, Any]] = {}
    row: Any  # a values() row with the annotations above
    for row in rows:
        backlog = row.pop("backlog")
        if row["asked"]:
            t = by_rollout[row["rollout_id"]]
            row = dict(
                row, within=row[f"within_{t}"], decided=row[f"decided_{t}"], overdue=row[f"overdue_{t}"]
            )
            figures[row["rollout_id"]] = _finish(row)
        elif backlog:
            figures[row["rollout_id"]] = {"asked": 0, "within_share": None, "ttfr_hours": None, "overdue": 0}
        if backlog:
            figures[row["rollout_id"]]["backlog"] = backlog
        if row["rollout_id"] in figures:
            figures[row["rollout_id"]]["target"] = targets[row["rollout_id"]]
    return figures


def queue_unit_pairs(rollouts: Collection[Rollout]) -> QuerySet[Message, tuple[int, int]]:
    """The distinct (rollout id, unit id) pairs of the units whose people asked questions, as a
    queryset (the step unites it with the activity part's units in one query)."""
    # order_by(): the model's ordering would put created_at and id into the DISTINCT.
    return (
        Message.objects.filter(rollout__in=list(rollouts), is_question=True, unit__isnull=False)
        .order_by()
        .values_list("rollout_id", "unit_id")
        .distinct()
    )


def queue_units(rollouts: Collection[Rollout]) -> dict[int, set[int]]:
    """{rollout.pk: set(unit ids)} of the units whose people asked questions."""
    found: dict[int, set[int]] = {}
    for rollout_id, unit_id in queue_unit_pairs(rollouts):
        found.setdefault(rollout_id, set()).add(unit_id)
    return found


def unit_choices(organization: Organization) -> QuerySet[Unit]:
    return Unit.objects.filter(organization=organization).order_by("kind", "name")


# The person's own side (their page, their records) ------------------------------------------


def questions_asked_by(user: User | int, organization_id: int) -> QuerySet[Message]:
    """The questions `user` asked in Rollout (/questions/ask/) in the organization's rollouts,
    newest first, each with its rollout."""
    return (
        Message.objects.filter(
            rollout__organization_id=organization_id, thread__source=Thread.Source.ASKED, author=user
        )
        .select_related("rollout")
        .order_by("-created_at", "-pk")
    )


def _by_person(user: User) -> Q:
    """Messages by `user`: matched to them at import, or under their email as the source's key
    (imported before they were a member)."""
    return Q(author=user) | Q(author_key__in=sorted({user.email, user.email.lower()}))


def messages_by(user: User, organization_id: int) -> QuerySet[Message, tuple[Any, ...]]:
    """Every message `user` wrote in the organization's rollouts, any source, oldest first, as
    (rollout, source, channel, written at, question?, state, text) rows."""
    return (
        Message.objects.filter(_by_person(user), rollout__organization_id=organization_id)
        .order_by("created_at", "pk")
        .values_list(
            "rollout__name",
            "thread__source",
            "thread__channel",
            "created_at",
            "is_question",
            "first_response_at",
            "text",
        )
    )


def training_attended(user: User, organization_id: int) -> QuerySet[TrainingAttendance, tuple[Any, ...]]:
    """(rollout, day) of every training session the attendance lists record for `user`."""
    return (
        TrainingAttendance.objects.filter(
            Q(user=user) | Q(person_key=user.email.lower()), rollout__organization_id=organization_id
        )
        .order_by("trained_on", "rollout__name")
        .values_list("rollout__name", "trained_on")
    )


def pulse_invitations_of(user: User, organization_id: int) -> QuerySet[PulseInvitation, tuple[Any, ...]]:
    """(rollout, pulse title, invited at, answered) of every pulse `user` was asked to answer.
    Whether they answered, never what: the answers are stored apart, with no link back."""
    return (
        PulseInvitation.objects.filter(user=user, pulse__rollout__organization_id=organization_id)
        .order_by("pulse__opened_at", "pulse_id")
        .values_list("pulse__rollout__name", "pulse__title", "pulse__opened_at", "answered")
    )

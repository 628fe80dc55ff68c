"""Read queries of the employee's side of the champion step: who can help me, the champion
directory, the next drop-ins, new champions, the people an appointment is announced to, and a
person's own champion records.

A champion covering a unit covers the units inside it (`Unit.parent`). The unit tree of an
organization is read in one query (`rollout.units.unit_tree`) and walked in Python, so that every answer costs
the same number of queries however deep the tree or however many champions there are.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db.models import (
    BooleanField,
    Case,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rollout.models import Membership, Organization, Rollout, Unit
from rollout.steps import PersonalRecords
from rollout.units import unit_tree, with_ancestors, with_descendants

from .models import Champion, ChampionEvent, SupportSession

# Champions help in rollouts that reach people; a planned, paused or closed rollout's do not.
HELPING_ROLLOUTS = (Rollout.Status.PILOT, Rollout.Status.LIVE)
# The help page lists this many champions; the directory has them all.
HELP_LIMIT = 12
# "New champions" on a person's page: appointed within this many days.
NEW_FOR_DAYS = 30
COVERS_THROUGH: Any = Champion.units.through  # django-stubs loses the through model's fields
EVENT_UNITS: Any = ChampionEvent.units.through


# Champions people can turn to ----------------------------------------------------------------


def active_champions(organization: Organization | int) -> QuerySet[Champion]:
    """The organization's active champions in rollouts that reach people (pilot or live)."""
    return Champion.objects.filter(
        rollout__organization=organization,
        rollout__status__in=HELPING_ROLLOUTS,
        status=Champion.Status.ACTIVE,
    )


def covering(unit_ids: Collection[int]) -> Exists:
    """Exists() for a Champion queryset: the champion covers one of `unit_ids`."""
    return Exists(COVERS_THROUGH.objects.filter(champion_id=OuterRef("pk"), unit_id__in=list(unit_ids)))


def events_for(unit_ids: Collection[int], now: datetime) -> QuerySet[ChampionEvent]:
    """Events not over yet that are for everyone or for one of `unit_ids`, soonest first."""
    any_unit = Exists(EVENT_UNITS.objects.filter(championevent_id=OuterRef("pk")))
    these = Exists(EVENT_UNITS.objects.filter(championevent_id=OuterRef("pk"), unit_id__in=list(unit_ids)))
    return (
        ChampionEvent.objects.filter(ends_at__gt=now)
        .filter(~any_unit | these)
        .select_related("champion__user", "rollout")
        .order_by("starts_at", "pk")
    )


def upcoming_events(
    membership: Membership, now: datetime | None = None, limit: int = 3, tree: dict | None = None
) -> list[ChampionEvent]:
    """The next drop-ins and training sessions for the person's unit (or for everyone)."""
    now = now or timezone.now()
    tree = unit_tree(membership.organization_id) if tree is None else tree
    mine = with_ancestors(tree, membership.unit_id)
    return list(
        events_for(mine, now).filter(
            rollout__organization_id=membership.organization_id, rollout__status__in=HELPING_ROLLOUTS
        )[:limit]
    )


@dataclass
class Helper:
    """A champion someone can turn to, and why they are on that person's list."""

    champion: Champion
    covers_you: bool
    same_unit: bool = False
    same_location: bool = False
    same_shift: bool = False
    next_event: ChampionEvent | None = None

    @property
    def reasons(self) -> list[str]:
        reasons = []
        if self.same_unit:
            reasons.append(_("Covers your unit"))
        elif self.covers_you:
            reasons.append(_("Covers your part of the organization"))
        if self.same_location:
            reasons.append(_("Based at your location"))
        if self.same_shift:
            reasons.append(_("Works your shift"))
        return reasons


@dataclass
class HelpList:
    """Who can help one person: the champions covering them, best match first, then others of
    the organization as a fallback, and the next drop-ins for them."""

    yours: list[Helper] = field(default_factory=list)
    others: list[Helper] = field(default_factory=list)
    events: list[ChampionEvent] = field(default_factory=list)

    @property
    def top(self) -> list[Helper]:
        return (self.yours + self.others)[:3]


def _same_shift(membership: Membership) -> Any:
    if not membership.shift:
        return Value(False)
    if membership.shift == Champion.Shift.FLEXIBLE:
        return Value(True)
    # A flexible or on-call champion matches every shift.
    return ExpressionWrapper(
        Q(shift=membership.shift) | Q(shift=Champion.Shift.FLEXIBLE), output_field=BooleanField()
    )


def who_can_help(
    membership: Membership, limit: int = HELP_LIMIT, now: datetime | None = None, tree: dict | None = None
) -> HelpList:
    """The active champions who can help the person of `membership`, in a bounded number of queries.

    Ranked: champions covering the person's unit (or a unit it sits in) first, among them those
    covering the very unit, then those based at the person's location, then those on the person's
    shift (flexible matches every shift); then the organization's other active champions, ranked
    the same way, as a fallback. A champion in several rollouts is listed once. Never the person.
    """
    now = now or timezone.now()
    tree = unit_tree(membership.organization_id) if tree is None else tree
    mine = with_ancestors(tree, membership.unit_id)
    # A CASE, not a comparison: a champion with no location would compare as NULL, which
    # PostgreSQL sorts before true in a descending order.
    same_location: Any = (
        Case(When(location_id=membership.location_id, then=True), default=False, output_field=BooleanField())
        if membership.location_id
        else Value(False)
    )
    champions = (
        active_champions(membership.organization_id)
        .exclude(user_id=membership.user_id)
        .annotate(
            covers=covering(mine),
            same_unit=covering([membership.unit_id] if membership.unit_id else []),
            same_location=same_location,
            same_shift=_same_shift(membership),
        )
        .select_related("user", "location", "rollout")
        .prefetch_related(
            "units",
            "skills",
            Prefetch("events", queryset=events_for(mine, now), to_attr="upcoming"),
        )
        .order_by(
            "-covers", "-same_unit", "-same_location", "-same_shift", "user__full_name", "user__email", "pk"
        )
    )
    found = HelpList(events=upcoming_events(membership, now, tree=tree))
    seen: set[int] = set()
    # Twice the limit leaves room for people who champion several rollouts (listed once).
    for champion in champions[: 2 * limit]:
        if champion.user_id in seen:
            continue
        seen.add(champion.user_id)
        helper = Helper(
            champion,
            covers_you=champion.covers,
            same_unit=champion.same_unit,
            same_location=champion.same_location,
            same_shift=champion.same_shift,
            next_event=champion.upcoming[0] if champion.upcoming else None,
        )
        (found.yours if helper.covers_you else found.others).append(helper)
        if len(seen) == limit:
            break
    return found


def new_champions(
    membership: Membership, today: Any = None, tree: dict | None = None, limit: int = 5
) -> list[Champion]:
    """Champions appointed in the last 30 days who cover the person, the newest first."""
    today = today or timezone.localdate()
    tree = unit_tree(membership.organization_id) if tree is None else tree
    mine = with_ancestors(tree, membership.unit_id)
    if not mine:
        return []
    return list(
        active_champions(membership.organization_id)
        .exclude(user_id=membership.user_id)
        .filter(covering(mine), start_date__gt=today - timedelta(days=NEW_FOR_DAYS), start_date__lte=today)
        .select_related("user", "rollout")
        .order_by("-start_date", "user__full_name", "pk")[:limit]
    )


def writable_champion(organization: Organization, pk: int) -> Champion | None:
    """The active champion `pk` of the organization (someone may write to them), or None."""
    return active_champions(organization).select_related("user", "rollout").filter(pk=pk).first()


# The directory --------------------------------------------------------------------------------


def directory(
    organization: Organization,
    *,
    q: str = "",
    unit: Unit | None = None,
    skill: Any = None,
    language: str = "",
) -> QuerySet[Champion]:
    """The organization's active champions, filtered by name or email, a unit they cover (a
    champion covering a unit that contains it counts), a skill and a language."""
    champions = active_champions(organization)
    if q:
        champions = champions.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    if unit is not None:
        champions = champions.filter(covering(with_ancestors(unit_tree(organization.pk), unit.pk)))
    if skill is not None:
        champions = champions.filter(
            Exists(Champion.skills.through.objects.filter(champion_id=OuterRef("pk"), skill=skill))
        )
    if language:
        champions = champions.filter(languages__icontains=language)
    return (
        champions.select_related("user", "location", "rollout")
        .prefetch_related("units", "skills")
        .order_by("user__full_name", "user__email", "rollout__name", "pk")
    )


# Announcing an appointment ---------------------------------------------------------------------


def covered_people(champion: Champion) -> QuerySet[Membership]:
    """The active memberships in the champion's units and the units inside them, but the champion's."""
    organization_id = champion.rollout.organization_id
    units = with_descendants(unit_tree(organization_id), champion.units.values_list("pk", flat=True))
    return Membership.objects.filter(organization_id=organization_id, unit_id__in=units).exclude(
        user_id=champion.user_id
    )


# The person's own records -----------------------------------------------------------------------


def _topics(session: SupportSession) -> str:
    names = [topic.name for topic in session.topics.all()]
    if session.other_topic:
        names.append(session.other_topic)
    return ", ".join(names)


def personal_records(membership: Membership) -> list[PersonalRecords]:
    """The champion step's records about a person in the membership's organization, in five
    queries: the sessions where a champion helped them, the sessions they logged as a champion
    (without the names of the people they helped: those are other people's records), and their
    champion roles."""
    organization_id, user_id = membership.organization_id, membership.user_id
    sessions = SupportSession.objects.filter(rollout__organization_id=organization_id).prefetch_related(
        "topics"
    )
    helped = sessions.filter(helped_person_id=user_id).select_related("rollout", "champion__user")
    logged = sessions.filter(champion__user_id=user_id).select_related("rollout", "helped_unit")
    roles = (
        Champion.objects.filter(rollout__organization_id=organization_id, user_id=user_id)
        .select_related("rollout", "location")
        .prefetch_related("units", "skills")
        .order_by("rollout__name")
    )
    helped_rows = tuple(
        (
            s.happened_at,
            s.rollout.name,
            str(s.champion.user),
            s.get_channel_display(),
            s.minutes,
            _topics(s),
            s.get_outcome_display(),
        )
        for s in helped.order_by("-happened_at", "-pk")
    )
    logged_rows = tuple(
        (
            s.happened_at,
            s.rollout.name,
            s.minutes,
            s.people_helped,
            s.helped_unit.name if s.helped_unit else "",
            s.get_channel_display(),
            _topics(s),
            s.get_outcome_display(),
            s.follow_up_on,
        )
        for s in logged.order_by("-happened_at", "-pk")
    )
    role_rows = tuple(
        (
            c.rollout.name,
            c.get_status_display(),
            ", ".join(unit.name for unit in c.units.all()),
            c.location.name if c.location else "",
            ", ".join(skill.name for skill in c.skills.all()),
            c.languages,
            c.get_shift_display(),
            c.time_zone,
            c.chat_link,
            c.office_hours,
            c.start_date,
            c.stepped_down_on,
            c.motivation,
            c.readiness_override,
        )
        for c in roles
    )
    return [
        PersonalRecords(
            "helped",
            gettext_lazy("Support you received from champions"),
            (
                gettext_lazy("When"),
                gettext_lazy("Rollout"),
                gettext_lazy("Champion"),
                gettext_lazy("How"),
                gettext_lazy("Minutes"),
                gettext_lazy("Topics"),
                gettext_lazy("Outcome"),
            ),
            helped_rows,
            summary=ngettext(
                "Champions recorded helping you %(count)s time.",
                "Champions recorded helping you %(count)s times.",
                len(helped_rows),
            )
            % {"count": len(helped_rows)},
        ),
        PersonalRecords(
            "sessions",
            gettext_lazy("Support sessions you logged as a champion"),
            (
                gettext_lazy("When"),
                gettext_lazy("Rollout"),
                gettext_lazy("Minutes"),
                gettext_lazy("People helped"),
                gettext_lazy("Unit helped"),
                gettext_lazy("How"),
                gettext_lazy("Topics"),
                gettext_lazy("Outcome"),
                gettext_lazy("Follow up by"),
            ),
            logged_rows,
            summary=ngettext(
                "You logged %(count)s support session.",
                "You logged %(count)s support sessions.",
                len(logged_rows),
            )
            % {"count": len(logged_rows)},
        ),
        PersonalRecords(
            "roles",
            gettext_lazy("Your champion roles"),
            (
                gettext_lazy("Rollout"),
                gettext_lazy("Status"),
                gettext_lazy("Units covered"),
                gettext_lazy("Based at"),
                gettext_lazy("Skills"),
                gettext_lazy("Languages"),
                gettext_lazy("Shift"),
                gettext_lazy("Time zone"),
                gettext_lazy("Chat link"),
                gettext_lazy("Office hours"),
                gettext_lazy("Started"),
                gettext_lazy("Stepped down"),
                gettext_lazy("Motivation"),
                gettext_lazy("Approved before ready, because"),
            ),
            role_rows,
            summary=(
                ngettext(
                    "You are or were a champion in %(count)s rollout.",
                    "You are or were a champion in %(count)s rollouts.",
                    len(role_rows),
                )
                % {"count": len(role_rows)}
                if role_rows
                else gettext_lazy("You have not been a champion.")
            ),
        ),
    ]

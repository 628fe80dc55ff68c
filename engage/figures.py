"""The Engage step's figures, each computed here once: active users, participation per audience,
the people outside the audiences and those matched to no member, and the dialogue ratio.

The Engage page, the step's health, the portfolio, the digest, the CSV, the API and the review's
pre-filled KPIs all read these objects, so a figure reads the same everywhere. Every figure names
its window (the 28 days up to a day) and its denominator; when the denominator is unknown, or
smaller than what it should contain, the rate is None and `unknown` says why. The definitions,
for people, are in docs/metrics.md.

Every figure is read from the 28-day window of its day (ActivityWindow, precomputed with the
rollups), plus one query for the audiences that list their people.
"""

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Q, Sum
from django.utils.translation import gettext_lazy, gettext_noop

from conversations import selectors as conversations
from rollout.i18n import Percent, Phrase
from rollout.models import Unit
from rollout.steps import Text, organizations_of
from rollout.steps import day as date_text
from rollout.units import with_descendants
from strategy.audiences import AudienceSpec, audiences_for
from strategy.selectors import success_metrics_for

from .models import ActivityRecord, ActivityWindow, ImportBatch, Source
from .rollups import NO_UNIT, UNMATCHED

WINDOW_DAYS = 28


def window_start(on: date) -> date:
    return on - timedelta(days=WINDOW_DAYS - 1)


def percent(part: int, whole: int | None) -> float | None:
    """part / whole in %, one decimal; None when the whole is unknown or smaller than the part."""
    if not whole or part > whole:
        return None
    return round(100 * part / whole, 1)


@dataclass(frozen=True)
class AudienceFigure:
    """One audience's participation in a window: its active people over its size."""

    name: str
    by: str  # "unit", "list", "organization", "unknown" (see strategy/audiences.py)
    active: int | None
    size: int | None
    size_source: str  # what the size is: "the headcount of Nursing", "the 12 listed people", ... (a Phrase)
    unknown: str = ""  # why there is no rate ("" when there is one; else a Phrase)
    audience_id: int | None = None

    @property
    def rate(self) -> float | None:
        return None if self.unknown else percent(self.active or 0, self.size)

    @property
    def text(self) -> str:
        """The figure as one sentence, the same on the page, in the digest and the CSV (a Phrase:
        in the reader's language)."""
        if self.unknown:
            # Translators: e.g. "Sales team: not known. The size of Sales team is not known. …"
            return Phrase.gettext("%(audience)s: not known. %(why)s", audience=self.name, why=self.unknown)
        # Translators: e.g. "Sales team: 33.3% (20 active of 60, the headcount of Sales)".
        return Phrase.gettext(
            "%(audience)s: %(percent)s (%(active)s active of %(size)s, %(source)s)",
            audience=self.name,
            percent=Percent(self.rate, 1),
            active=self.active,
            size=self.size,
            source=self.size_source,
        )


@dataclass(frozen=True)
class Participation:
    """Who was active in the 28 days up to `end`, and the rollout's audiences' participation.

    active_users = in_audiences + outside + unmatched + concealed, always.
    """

    start: date
    end: date
    active_users: int
    in_audiences: int
    outside: int  # members active in none of the rollout's audiences
    unmatched: int  # people matched to no member (and listed in no audience)
    concealed: int  # active people of exports with concealed names: in no audience
    headline: AudienceFigure | None  # the audience the participation target measures
    audiences: list = field(default_factory=list)  # [AudienceFigure] in the worksheet's order

    @property
    def rate(self) -> float | None:
        return self.headline.rate if self.headline else None

    @property
    def window(self) -> str:
        """ "28 days to 3 Mar 2026" (a Phrase)."""
        return Phrase.gettext("28 days to %(date)s", date=date_text(self.end))

    @property
    def text(self) -> str:
        """The headline as one sentence (page, digest, CSV, API), a Phrase."""
        if self.headline is None:
            # Translators: %(window)s is e.g. "28 days to 3 Mar 2026".
            return Phrase.gettext(
                "Participation not known (%(window)s): the rollout has no audience to measure.",
                window=self.window,
            )
        if self.rate is None:
            return Phrase.gettext(
                "Participation of %(audience)s not known (%(window)s). %(why)s",
                audience=self.headline.name,
                window=self.window,
                why=self.headline.unknown,
            )
        # Translators: e.g. "Participation 12.5%: 1,234 active of the 5,000 people in Sales (the headcount of Sales), 28 days to 3 Mar 2026."
        return Phrase.ngettext(
            "Participation %(percent)s: %(active)s active of the %(size)s people in %(audience)s (%(source)s), %(window)s.",
            "Participation %(percent)s: %(active)s active of the %(size)s people in %(audience)s (%(source)s), %(window)s.",
            self.headline.size or 0,
            percent=Percent(self.rate, 1),
            active=self.headline.active,
            size=self.headline.size,
            audience=self.headline.name,
            source=self.headline.size_source,
            window=self.window,
        )


@dataclass(frozen=True)
class DialogueRatio:
    """Replies among posts and replies in the 28 days up to `end`, from the data that tells
    replies apart (exports that count them, else the rollout's imported conversations)."""

    end: date
    posts: int
    replies: int
    source: str  # where the counts come from (a Phrase), or ""
    unavailable: str = ""  # why there is no ratio ("" when there is one; else a Phrase)

    @property
    def rate(self) -> float | None:
        return None if self.unavailable else percent(self.replies, self.posts + self.replies)

    @property
    def text(self) -> str:
        """The ratio as one sentence (page, digest, CSV, API), a Phrase."""
        if self.rate is None:
            return Phrase.gettext("Dialogue ratio: %(why)s", why=self.unavailable)
        # Translators: e.g. "Dialogue ratio 25.0%: 50 replies of 200 posts and replies (the imported conversations), 28 days to 3 Mar 2026."
        return Phrase.ngettext(
            "Dialogue ratio %(percent)s: %(replies)s replies of %(count)s posts and replies (%(source)s), "
            "28 days to %(date)s.",
            "Dialogue ratio %(percent)s: %(replies)s replies of %(count)s posts and replies (%(source)s), "
            "28 days to %(date)s.",
            self.posts + self.replies,
            percent=Percent(self.rate, 1),
            replies=self.replies,
            count=self.posts + self.replies,
            source=self.source,
            date=date_text(self.end),
        )


# Why a source cannot give a dialogue ratio: what its export counts (English, marked: a Phrase
# of the ratio's reason reads them in the reader's language).
NO_REPLIES: dict[str, str] = {
    Source.VIVA_ENGAGE: gettext_noop(
        "Viva Engage's user activity export counts posts, reads and likes, but not replies apart from posts."
    ),
    Source.SLACK: gettext_noop("Slack's member analytics count messages, but not replies apart from posts."),
    Source.TEAMS: gettext_noop(
        "this Teams export (the older header) counts channel messages, but not replies apart from posts."
    ),
    Source.GENERIC: gettext_noop("the imported template file leaves the replies column empty."),
}
HOW_TO_GET_REPLIES = gettext_noop(
    "Import the conversations (a Slack workspace export or Rollout's conversations CSV), Teams' current "
    "user activity report, or Rollout's activity template with a replies column."
)


# Reading --------------------------------------------------------------------------------------


def windows_on(rollout_ids, on: date) -> dict[int, ActivityWindow]:
    """{rollout id: its window of the 28 days to `on`} for the rollouts with one (one query)."""
    return {w.rollout_id: w for w in ActivityWindow.objects.filter(rollout_id__in=rollout_ids, day=on)}


@dataclass
class OrganizationUnits:
    """An organization's units as the audiences need them: headcounts, names, the units inside
    each unit, the departments' headcount (the whole organization's size by default)."""

    units: dict  # {unit id: (name, kind, parent id, headcount)}

    @classmethod
    def of(cls, organization_ids) -> dict[int, "OrganizationUnits"]:
        found = {pk: cls({}) for pk in organization_ids}
        for pk, org, name, kind, parent, headcount in Unit.objects.filter(
            organization_id__in=list(organization_ids)
        ).values_list("pk", "organization_id", "name", "kind", "parent_id", "headcount"):
            found[org].units[pk] = (name, kind, parent, headcount)
        return found

    def within(self, unit_id) -> set:
        """The unit and every unit inside it."""
        return with_descendants({pk: parent for pk, (_, _, parent, _) in self.units.items()}, [unit_id])

    @property
    def departments_headcount(self) -> int:
        return sum(h for (_, kind, _, h) in self.units.values() if kind == Unit.Kind.DEPARTMENT)


def listed_people_days(rollout_ids, audiences: dict, first: date, last: date) -> dict[int, dict]:
    """{rollout id: {person key: [(day, place)]}}: the active days from `first` to `last` of the
    people that the rollouts' audiences list, oldest first, with their place ("<unit id>",
    NO_UNIT or UNMATCHED) as the windows place people. One query."""
    wanted = {pk: set().union(*(a.people for a in specs)) for pk, specs in audiences.items()}
    wanted = {pk: keys for pk, keys in wanted.items() if keys}
    if not wanted:
        return {}
    rows = (
        ActivityRecord.objects.filter(
            superseded=False,
            aggregated=False,
            active_people__gt=0,
            period_end__gte=first,
            period_end__lte=last,
        )
        .filter(Q(*[Q(rollout_id=pk, person_key__in=keys) for pk, keys in wanted.items()], _connector=Q.OR))
        .values_list("rollout_id", "person_key", "period_end", "unit_id", "member")
        .order_by("rollout_id", "person_key", "period_end")
    )
    found: dict[int, dict[str, list]] = {}
    for rollout_id, key, day, unit_id, member in rows:
        place = str(unit_id) if unit_id is not None else (NO_UNIT if member else UNMATCHED)
        found.setdefault(rollout_id, {}).setdefault(key, []).append((day, place))
    return found


def listed_on(days: dict, on: date) -> dict:
    """{person key: place} of the listed people active in the 28 days to `on`, each at their
    latest active day, from listed_people_days()."""
    first, found = window_start(on), {}
    for key, seen in days.items():
        inside = [place for day, place in seen if first <= day <= on]
        if inside:
            found[key] = inside[-1]
    return found


def participation_of(rollout, window, specs, units: OrganizationUnits, listed: dict, metrics, privacy_min):
    """The Participation of one rollout from what was read for it (no query)."""
    by_unit = Counter(window.by_unit or {})
    members_active = sum(by_unit.values())
    figures, covered, organization_wide = [], set(), False
    for spec in specs:
        figure, unit_ids = _audience_figure(spec, by_unit, members_active, units, listed, privacy_min)
        figures.append(figure)
        covered |= unit_ids
        organization_wide = organization_wide or spec.by == "organization"
    listed_places = {key: listed[key] for spec in specs for key in spec.people if key in listed}
    if organization_wide:
        unit_covered, listed_members = members_active, 0
    else:
        unit_covered = sum(n for key, n in by_unit.items() if key != NO_UNIT and int(key) in covered)
        listed_members = sum(
            1
            for place in listed_places.values()
            if place != UNMATCHED and (place == NO_UNIT or int(place) not in covered)
        )
    listed_unmatched = sum(1 for place in listed_places.values() if place == UNMATCHED)
    return Participation(
        start=window_start(window.day),
        end=window.day,
        active_users=window.active_users,
        in_audiences=unit_covered + listed_members + listed_unmatched,
        outside=members_active - unit_covered - listed_members,
        unmatched=window.unmatched_users - listed_unmatched,
        concealed=window.concealed_users,
        headline=_headline(figures, metrics, by_unit, members_active, units),
        audiences=figures,
    )


def _audience_figure(spec: AudienceSpec, by_unit, members_active, units, listed, privacy_min):
    """(AudienceFigure, the unit ids it covers)."""
    if spec.by == "unit":
        within = units.within(spec.unit_id)
        name, _, _, headcount = units.units.get(spec.unit_id, (None, "", None, 0))
        name = Phrase.gettext("a deleted unit") if name is None else name
        active = sum(by_unit.get(str(pk), 0) for pk in within)
        size, source = (
            (headcount, Phrase.gettext("the headcount of %(unit)s", unit=name))
            if headcount
            else (spec.stated_size, Phrase.gettext("its stated size"))
        )
        missing: str = Phrase.gettext(
            "Set the headcount of %(unit)s (Settings → Units) or the audience's size in the strategy.",
            unit=name,
        )
    elif spec.by == "list":
        within = set()
        active = sum(1 for key in spec.people if key in listed)
        size = len(spec.people)
        source = Phrase.ngettext(
            "the %(count)s listed person", "the %(count)s listed people", size, count=size
        )
        missing = ""
    elif spec.by == "organization":
        within = set(units.units)
        active = members_active
        size, source = (
            (spec.stated_size, Phrase.gettext("its stated size"))
            if spec.stated_size
            else (units.departments_headcount, Phrase.gettext("the departments' headcount"))
        )
        missing = Phrase.gettext(
            "Set the audience's size in the strategy, or the departments' headcounts (Settings → Units)."
        )
    else:
        return AudienceFigure(
            spec.name,
            spec.by,
            None,
            spec.stated_size,
            Phrase.gettext("its stated size"),
            Phrase.gettext(
                "Who belongs to %(audience)s is not said (no unit and no list of people), so its activity "
                "cannot be told apart in an export.",
                audience=spec.name,
            ),
            spec.id,
        ), set()
    unknown = ""
    if not size:
        unknown = Phrase.gettext(
            "The size of %(audience)s is not known. %(missing)s", audience=spec.name, missing=missing
        )
    elif active > size:
        unknown = Phrase.gettext(
            "%(active)s active people but %(audience)s has %(size)s (%(source)s): the size is out of date. %(missing)s",
            active=active,
            audience=spec.name,
            size=size,
            source=source,
            missing=missing,
        )
    elif size < privacy_min:
        unknown = Phrase.ngettext(
            "Fewer than %(count)s people: not shown, to protect their privacy.",
            "Fewer than %(count)s people: not shown, to protect their privacy.",
            privacy_min,
            count=privacy_min,
        )
    return AudienceFigure(spec.name, spec.by, active, size or None, source, unknown, spec.id), within


def _headline(figures, metrics, by_unit, members_active, units):
    """The audience the participation target measures; without one, the only audience, else
    the whole organization (every member against the departments' headcount)."""
    target = next((m for m in metrics if m.metric_key == "participation_rate"), None)
    if target is not None and target.audience_id is not None:
        chosen = next((f for f in figures if f.audience_id == target.audience_id), None)
        if chosen is not None:
            return chosen
    if len(figures) == 1:
        return figures[0]
    size = units.departments_headcount
    unknown = ""
    if not size:
        unknown = Phrase.gettext(
            "The organization's size is not known: set the departments' headcounts (Settings → Units)."
        )
    elif members_active > size:
        unknown = Phrase.gettext(
            "%(active)s active members but the departments' headcount is %(size)s: "
            "the headcounts are out of date (Settings → Units).",
            active=members_active,
            size=size,
        )
    return AudienceFigure(
        Phrase.gettext("everyone in the organization"),
        "organization",
        members_active,
        size or None,
        Phrase.gettext("the departments' headcount"),
        unknown,
    )


def participation_for(rollouts, on: date, windows=None, metrics=None) -> dict[int, Participation]:
    """{rollout id: Participation in the 28 days to `on`} for the rollouts with data then.
    Five queries however many rollouts (windows, audiences, metrics, units, listed people), three
    when the caller has read the windows ({rollout id: ActivityWindow of `on`}) and the metrics."""
    rollouts = list(rollouts)
    windows = windows_on([r.pk for r in rollouts], on) if windows is None else windows
    with_data = [r for r in rollouts if r.pk in windows and windows[r.pk].records]
    if not with_data:
        return {}
    specs = audiences_for(with_data)
    metrics = success_metrics_for(with_data) if metrics is None else metrics
    units = OrganizationUnits.of({r.organization_id for r in with_data})
    listed = listed_people_days([r.pk for r in with_data], specs, window_start(on), on)
    privacy = {pk: org.privacy_min_group for pk, org in organizations_of(with_data).items()}
    return {
        r.pk: participation_of(
            r,
            windows[r.pk],
            specs[r.pk],
            units[r.organization_id],
            listed_on(listed.get(r.pk, {}), on),
            metrics.get(r.pk, []),
            privacy[r.organization_id],
        )
        for r in with_data
    }


def participation(rollout, on: date) -> Participation | None:
    return participation_for([rollout], on).get(rollout.pk)


def participation_series(rollout, days) -> list[Participation]:
    """The Participation of the 28 days to each of `days` that has data (a trend), oldest first.
    Five queries however many days."""
    days = sorted(days)
    if not days:
        return []
    windows = {w.day: w for w in ActivityWindow.objects.filter(rollout=rollout, day__in=days, records__gt=0)}
    if not windows:
        return []
    specs = audiences_for([rollout])
    metrics = success_metrics_for([rollout])[rollout.pk]
    units = OrganizationUnits.of([rollout.organization_id])[rollout.organization_id]
    listed = listed_people_days([rollout.pk], specs, window_start(days[0]), days[-1]).get(rollout.pk, {})
    privacy = rollout.organization.privacy_min_group
    return [
        participation_of(
            rollout, windows[day], specs[rollout.pk], units, listed_on(listed, day), metrics, privacy
        )
        for day in days
        if day in windows
    ]


@dataclass(frozen=True)
class UnitFigure:
    """One row of the per-unit table: a unit (or "Other") in the 28 days to the window's end."""

    name: Text  # a unit's name, or OTHER / CONCEALED (lazy: in the reader's language)
    size: int | None  # the unit's headcount; None for "Other"
    active: int
    posts: int = 0
    replies: int = 0
    reads: int = 0
    dialogue_posts: int = 0
    dialogue_replies: int = 0
    merged: bool = False

    @property
    def participation(self) -> float | None:
        return percent(self.active, self.size)

    @property
    def participation_unknown(self) -> str:
        if self.merged or self.participation is not None:
            return ""
        return Phrase.gettext(
            "%(active)s active but a headcount of %(size)s: update the headcount",
            active=self.active,
            size=self.size,
        )

    @property
    def dialogue(self) -> float | None:
        return percent(self.dialogue_replies, self.dialogue_posts + self.dialogue_replies)


# The merged rows of the per-unit table (lazy: in the reader's language wherever the rows are shown).
OTHER = gettext_lazy("Other (small units, no unit, not matched)")
CONCEALED = gettext_lazy("Concealed names (cannot be split by unit)")


def unit_figures(rollout, window: ActivityWindow, units: OrganizationUnits, privacy_min: int) -> list:
    """The window's active people by unit, largest participation first. Units with fewer people
    than the privacy minimum (or no headcount), members without a unit and people matched to no
    member merge into "Other"; concealed exports' people are a row of their own. The rows add up
    to the window's active users. Posts, replies and reads come from the day rollups of the same
    28 days (one query)."""
    from .models import ActivityRollup

    activity: dict[int | None, Mapping] = {
        row["unit_id"]: row
        for row in ActivityRollup.objects.filter(
            rollout=rollout,
            grain=ActivityRollup.Grain.DAY,
            period_start__gte=window_start(window.day),
            period_start__lte=window.day,
        )
        .values("unit_id")
        .annotate(
            n_posts=Sum("posts"),
            n_replies=Sum("replies"),
            n_reads=Sum("reads"),
            d_posts=Sum("dialogue_posts"),
            d_replies=Sum("dialogue_replies"),
        )
        .order_by()
    }
    rows: list[UnitFigure] = []
    other: Counter[str] = Counter()
    for key, active in (window.by_unit or {}).items():
        unit = units.units.get(int(key)) if key != NO_UNIT else None
        figures = _activity_counts(activity.get(int(key), {}) if key != NO_UNIT else {}, active)
        if unit is None or not unit[3] or unit[3] < privacy_min:
            other.update(figures)
            continue
        rows.append(_unit_figure(unit[0], unit[3], figures))
    # The day rollups without a unit hold members without a unit and unmatched people alike.
    other.update(_activity_counts(activity.get(None, {}), window.unmatched_users))
    rows.sort(key=lambda row: (-(row.participation or 0), row.name))
    if other["active"] or other["posts"] or other["reads"]:
        rows.append(_unit_figure(OTHER, None, other, merged=True))
    if window.concealed_users:
        rows.append(UnitFigure(CONCEALED, None, window.concealed_users, merged=True))
    return rows


def _activity_counts(sums: Mapping, active: int) -> Counter[str]:
    """A unit's active people and its day rollups' sums, as UnitFigure's counts."""
    return Counter(
        active=active,
        posts=sums.get("n_posts") or 0,
        replies=sums.get("n_replies") or 0,
        reads=sums.get("n_reads") or 0,
        dialogue_posts=sums.get("d_posts") or 0,
        dialogue_replies=sums.get("d_replies") or 0,
    )


def _unit_figure(name: Text, size: int | None, counts: Counter[str], merged: bool = False) -> UnitFigure:
    return UnitFigure(
        name,
        size,
        counts["active"],
        posts=counts["posts"],
        replies=counts["replies"],
        reads=counts["reads"],
        dialogue_posts=counts["dialogue_posts"],
        dialogue_replies=counts["dialogue_replies"],
        merged=merged,
    )


def dialogue_ratio(rollout, on: date, window: ActivityWindow | None = None) -> DialogueRatio:
    """From the exports that count replies apart, else from the imported conversations, else
    unavailable with the reason (what the latest export counts)."""
    window = window if window is not None else windows_on([rollout.pk], on).get(rollout.pk)
    if window is not None and window.dialogue_posts + window.dialogue_replies:
        return DialogueRatio(
            on, window.dialogue_posts, window.dialogue_replies, Phrase.gettext("exports that count replies")
        )
    posts, replies = conversations.posts_and_replies(rollout, window_start(on), on)
    if posts + replies:
        return DialogueRatio(on, posts, replies, Phrase.gettext("the imported conversations"))
    latest = (
        ImportBatch.objects.filter(rollout=rollout, status=ImportBatch.Status.DONE)
        .values_list("source", flat=True)
        .first()
    )
    reason = Phrase.gettext(
        NO_REPLIES.get(
            latest or "", gettext_noop("no activity that tells replies apart from posts was imported.")
        )
    )
    return DialogueRatio(
        on,
        0,
        0,
        "",
        Phrase.gettext(
            "Not available from this source: %(reason)s %(how)s",
            reason=reason,
            how=Phrase.gettext(HOW_TO_GET_REPLIES),
        ),
    )

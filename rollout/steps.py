"""The step registry: how the centre learns about the six steps without importing them.

Each step app defines one `Step` subclass in its `step.py` and registers an instance from its
`AppConfig.ready()`. The overview page and the dashboard ask the registry, never the step apps:

    for step in registry.steps():
        health = step.health(rollouts)[rollout.pk]

`health()` receives many rollouts at once and must answer in a bounded number of queries, whatever
the number of rollouts (aggregate in the database, grouped by rollout).
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.urls import reverse
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from .i18n import Phrase

if TYPE_CHECKING:
    from .models import Membership, Organization, Rollout

# Static text shown to people: a string, or a lazy translation (gettext_lazy) read in the reader's language.
Text = str | Promise


class Status:
    NOT_STARTED = "not_started"
    OFF_TRACK = "off_track"
    AT_RISK = "at_risk"
    ON_TRACK = "on_track"

    LABELS = {
        NOT_STARTED: _("Not started"),
        OFF_TRACK: _("Off track"),
        AT_RISK: _("At risk"),
        ON_TRACK: _("On track"),
    }

    @staticmethod
    def from_score(score: float | None) -> str:
        if score is None:
            return Status.NOT_STARTED
        if score >= 70:
            return Status.ON_TRACK
        if score >= 40:
            return Status.AT_RISK
        return Status.OFF_TRACK

    # The highest score each status allows: a status ceiling lowers the score with it, so that a
    # badge never shows an "At risk" 85.
    TOP_SCORE = {OFF_TRACK: 39, AT_RISK: 69, ON_TRACK: 100}
    ORDER = (NOT_STARTED, OFF_TRACK, AT_RISK, ON_TRACK)


# Text of the step figures ----------------------------------------------------------------------
# The figures are computed once (by a worker, in English) and read in several languages: their
# text is a Phrase (rollout/i18n.py), stored as its message and values. Dates are Phrases too, so
# that they read "3 Mar 2026" in English and "3. März 2026" in German.

MONTHS = (
    # Translators: the months abbreviated, as in a date "3 Mar 2026" (rollout/steps.py: day()).
    gettext_noop("Jan"),
    gettext_noop("Feb"),
    gettext_noop("Mar"),
    gettext_noop("Apr"),
    gettext_noop("May"),
    gettext_noop("Jun"),
    gettext_noop("Jul"),
    gettext_noop("Aug"),
    gettext_noop("Sep"),
    gettext_noop("Oct"),
    gettext_noop("Nov"),
    gettext_noop("Dec"),
)


def marked(text) -> Phrase:
    """A text marked for translation where it is defined (gettext_lazy, or English marked with
    gettext_noop: a choice's label, a metric's name) as a Phrase: stored as its English message."""
    with translation.override("en"):
        return Phrase.gettext(str(text))


def sentence(fact) -> Phrase:
    """A fact (a Phrase or a name) as a sentence of a step's reasons: "<fact>."."""
    # Translators: a fact of a step's health written as a sentence (usually: add a full stop).
    return Phrase.gettext("%(fact)s.", fact=fact)


def listing(items):
    """Figures (Phrases or names) as one text, "a; b; c", in the reader's language."""
    text = items[0]
    for item in items[1:]:
        # Translators: a list of figures, e.g. "Adoption → 40; Posts → 500"; %(list)s may be a list itself.
        text = Phrase.gettext("%(list)s; %(item)s", list=text, item=item)
    return text


def day(value: date, *, year: bool = True, padded: bool = False) -> Phrase:
    """`value` as "3 Mar 2026" (or "3 Mar" without the year, "03 Mar 2026" `padded`), in the
    reader's language."""
    abbreviated = Phrase.gettext(MONTHS[value.month - 1])
    number = f"{value.day:02d}" if padded else str(value.day)
    if year:
        # Translators: a date, e.g. "3 Mar 2026"; %(month)s is the month abbreviated.
        return Phrase.gettext(
            "%(day)s %(month)s %(year)s", day=number, month=abbreviated, year=str(value.year)
        )
    # Translators: a date without its year, e.g. "3 Mar"; %(month)s is the month abbreviated.
    return Phrase.gettext("%(day)s %(month)s", day=number, month=abbreviated)


def month(value: date) -> Phrase:
    """`value`'s month as "Mar 2026", in the reader's language."""
    # Translators: a month of a year, e.g. "Mar 2026"; %(month)s is the month abbreviated.
    return Phrase.gettext(
        "%(month)s %(year)s", month=Phrase.gettext(MONTHS[value.month - 1]), year=str(value.year)
    )


@dataclass(frozen=True)
class Driver:
    """A fact that moved the score: a part with the points of 100 it cost, or a ceiling's
    reason (`points_lost` None: it capped the status rather than costing points)."""

    fact: str
    points_lost: int | None

    @property
    def text(self) -> str:
        """The driver as shown: a Phrase, read in the reader's language."""
        if self.points_lost is None:
            return self.fact
        # Translators: a fact that cost a step's health score points, e.g. "No incentive plan yet (−30 points)".
        return Phrase.ngettext(
            "%(fact)s (−%(points)s points)",
            "%(fact)s (−%(points)s points)",
            self.points_lost,
            fact=self.fact,
            points=self.points_lost,
        )

    def __str__(self) -> str:
        # The text in the active language (a Phrase returned from __str__ would stay English).
        return str(self.text)


@dataclass(frozen=True)
class Part:
    """One part of a step's score: its weight, how far it is met (0.0-1.0) and the fact behind it.

    A step's health is the weighted mean of its parts (`scored`), so the score is a documented
    function of the facts, and the facts that cost it the most are known (`StepHealth.drivers`).
    """

    weight: float
    value: float
    fact: str

    def points_lost(self, total_weight: float) -> int:
        return round(100 * self.weight * (1 - max(0.0, min(1.0, self.value))) / total_weight)


@dataclass(frozen=True)
class Ceiling:
    """Evidence that caps a step's status whatever its score, e.g. most KPIs off track: the step
    cannot read "On track". `reason` says why and is shown first among the drivers."""

    status: str
    reason: str


@dataclass(frozen=True)
class StepHealth:
    """How one step is doing for one rollout. `score` is 0-100, or None when nothing is recorded.

    `drivers`: the (at most three) facts that moved the score the most, largest first, shown on
    every health badge on hover or focus and in the step guide.
    """

    score: int | None
    status: str
    reasons: list[str] = field(default_factory=list)
    next_action: str = ""
    next_url: str = ""
    drivers: tuple[Driver, ...] = ()
    # The most severe Ceiling whose evidence holds (its status and reason), whether or not it
    # lowered this status: a step that merges parts (Engage) keeps it for the merged health.
    ceiling: str = ""
    ceiling_reason: str = ""

    @property
    def label(self) -> Text:
        return Status.LABELS[self.status]

    @property
    def started(self) -> bool:
        return self.status != Status.NOT_STARTED


def scored(
    parts: dict[str, Part] | Iterable[Part],
    *,
    reasons: Iterable[str] = (),
    next_action: str = "",
    next_url: str = "",
    ceilings: Iterable[Ceiling] = (),
) -> StepHealth:
    """The StepHealth of weighted `parts` ({key: Part}): the score is the weighted mean of the
    parts' values (0-100); its status follows the score (Status.from_score) unless a `Ceiling`
    whose evidence holds caps it, and the score then drops to the ceiling's top. The drivers are
    the most severe ceiling's reason, then the parts that cost the most points (at most three). `reasons` default to the
    parts' facts in order."""
    parts = list(parts.values()) if isinstance(parts, dict) else list(parts)
    total = sum(part.weight for part in parts) or 1
    score = round(100 * sum(part.weight * max(0.0, min(1.0, part.value)) for part in parts) / total)
    status = Status.from_score(score)
    drivers = []
    # The most severe ceiling first: it alone sets the status, and its reason is named first.
    ceilings = sorted(ceilings, key=lambda ceiling: Status.ORDER.index(ceiling.status))
    for ceiling in ceilings:
        if Status.ORDER.index(ceiling.status) < Status.ORDER.index(status):
            status = ceiling.status
            score = min(score, Status.TOP_SCORE[status])
            drivers.append(Driver(ceiling.reason, None))
    # The parts that cost points, the costliest first; a part at full marks moved nothing.
    ranked = sorted(
        (part for part in parts if part.points_lost(total)), key=lambda part: -part.points_lost(total)
    )
    drivers += [Driver(part.fact, part.points_lost(total)) for part in ranked]
    return StepHealth(
        score=score,
        status=status,
        reasons=list(reasons) or [part.fact for part in parts],
        next_action=next_action,
        next_url=next_url,
        drivers=tuple(drivers[:3]),
        ceiling=ceilings[0].status if ceilings else "",
        ceiling_reason=ceilings[0].reason if ceilings else "",
    )


@dataclass(frozen=True)
class StepPage:
    """A page of a step's own navigation (the tabs under its breadcrumb): a URL name taking the
    rollout, or an organization-wide one (`per_rollout` False), shown to `roles` (None: to everyone
    who may open the step's pages)."""

    key: str
    label: Text
    url_name: str
    roles: frozenset[str] | None = None
    per_rollout: bool = True

    def url(self, rollout: Rollout) -> str:
        return reverse(self.url_name, args=[rollout.pk]) if self.per_rollout else reverse(self.url_name)


class Step:
    """One step of the framework. Subclasses set the attributes and override `health()`."""

    number: int
    key: str  # also the URL segment: /r/<rollout>/<key>/
    name: Text
    icon: str  # a Bootstrap Icons name, e.g. "compass"
    summary: Text  # one sentence, shown on the overview
    questions: tuple[Text, ...] = ()  # what this step makes a rollout decide
    url_name: str = "rollout:step"
    # The first next action while nothing is recorded: English, marked with gettext_noop (it is
    # stored in the figures as a Phrase and read in the reader's language).
    first_action: str = gettext_noop("Start this step")
    # The step's pages, in the order of its tabs (templates/rollout/_step_nav.html).
    pages: tuple[StepPage, ...] = ()
    # (URL name, label) of the crumb that people without a staff role come from instead of the
    # rollout list (members reach Incentivize from their own recognition page).
    member_crumb: tuple[str, Text] | None = None
    # The apps (or narrower data topics, see rollout/data_versions.py) whose data this step's
    # figures read, besides the centre's (the rollout, units, people, settings). When a write
    # touches none of them, recomputing the rollout's figures reuses this step's part (figures.py).
    # None: not declared, computed every time. tests/test_figures_reads.py holds each step to it.
    figures_read: frozenset[str] | None = None

    def url(self, rollout: Rollout) -> str:
        if self.url_name == "rollout:step":
            return reverse(self.url_name, kwargs={"pk": rollout.pk, "step": self.key})
        return reverse(self.url_name, kwargs={"pk": rollout.pk})

    def not_started(self, rollout: Rollout) -> StepHealth:
        return StepHealth(
            score=None,
            status=Status.NOT_STARTED,
            reasons=[Phrase.gettext("Nothing has been recorded for this step yet.")],
            next_action=Phrase.gettext(self.first_action),
            next_url=self.url(rollout),
        )

    def portfolio_facts(self, rollouts: Collection[Rollout]) -> dict[int, list[Fact]]:
        """{rollout.pk: [Fact]}: this step's key figures for the portfolio, in bounded queries."""
        return {}

    def trends(self, rollout: Rollout) -> list[Trend]:
        """[Trend] for the leaders' rollout page; a Trend without points says what is missing."""
        return []

    def units_of(self, rollouts: Collection[Rollout]) -> dict[int, set[int]]:
        """{rollout.pk: set(unit ids)} the rollout involves through this step (portfolio filter)."""
        return {}

    def portfolio_figures(
        self, rollouts: Collection[Rollout]
    ) -> tuple[dict[int, StepHealth], dict[int, list[Fact]], dict[int, set[int]]]:
        """(health, portfolio_facts, units_of) of `rollouts`, as the portfolio caches them. A step
        whose health and facts read the same aggregates overrides this to query them once."""
        return self.health(rollouts), self.portfolio_facts(rollouts), self.units_of(rollouts)

    def digest_section(
        self, rollout: Rollout, membership: Membership, since: datetime
    ) -> DigestSection | None:
        """This step's section of the weekly digest for `membership` (a role in the rollout's
        organization), covering the week since `since`; None to add nothing."""
        return None

    def digest_key(self, membership: Membership) -> Hashable | None:
        """What this step's digest section depends on besides the rollout and the week.

        None (the default): the section is personal and is built for every recipient. A step whose
        section is the same for everyone with the same role returns a hashable such as the role;
        the digest then builds the section once per value, rollout, week and data version and
        gives it to every recipient with that value.
        """
        return None

    # The employee's side (rollout/people): what a step offers the person themself -------------

    def member_panels(self, membership: Membership) -> list[MemberPanel]:
        """Parts of the person's own page (/me/) from this step, for every role; a bounded number
        of queries whatever the organization's size. [] (the default) adds nothing."""
        return []

    def personal_records(self, membership: Membership) -> list[PersonalRecords]:
        """Every record this step holds about the person in the membership's organization, one
        table per kind of record: their "My figures" page and its download, and an admin's
        subject-access export. Anonymous answers are never the person's records."""
        return []

    def erase_person(self, membership: Membership, pseudonym: Pseudonym) -> int:
        """Erase the person from this step's records in the membership's organization (GDPR
        article 17): delete what is theirs alone, replace their name, email and keys with
        `pseudonym` where a record must stay (other people's records, aggregates, counts), and
        scrub their name and email from free text (`pseudonym.scrub`). Set-based, in a bounded
        number of queries. Returns the number of rows changed or deleted.

        `rollout.privacy.erase_person` calls every step inside one transaction and then marks the
        organization's figures out of date once (`update()` sends no signal): a step need not."""
        return 0

    def apply_retention(
        self, organization: Organization, policy: RetentionPolicy, now: datetime
    ) -> dict[str, int]:
        """Remove what the organization keeps no longer than `policy` says (activity records,
        conversation text), set-based; {what: rows removed} for the admins' digest and the audit trail."""
        return {}

    def audience_filter(self, rollouts: Collection[Rollout]) -> dict[int, Q]:
        """{rollout.pk: Q over Membership selecting the people the rollout is for}, for the steps
        that define a rollout's audiences (Strategize); {} from the others."""
        return {}

    def shared_outcomes(self, rollouts: Collection[Rollout], since: datetime) -> list[SharedOutcome]:
        """ "You said, we did": what came of people's feedback in `rollouts` since `since`, as
        published to the people the rollouts reach (shared on purpose, never raw feedback)."""
        return []

    def health(self, rollouts: Collection[Rollout]) -> dict[int, StepHealth]:
        """{rollout.pk: StepHealth} for every rollout given, in a bounded number of queries.

        A step with no data model yet has nothing recorded for any rollout, which costs no query.
        """
        return {rollout.pk: self.not_started(rollout) for rollout in rollouts}


@dataclass(frozen=True)
class Fact:
    """A key figure of a rollout for the portfolio: "Coverage: 1 per 64 (target 1 per 50)"."""

    label: str
    value: str
    status: str = ""  # a Status value when the figure is judged against a target, else ""
    trend: tuple[float, ...] = ()  # optional small series of numbers, drawn as a sparkline
    definition: str = ""  # its heading's anchor in docs/metrics.md (the metrics page)
    rows_url: str = ""  # the page listing the rows behind the figure (with its CSV)


@dataclass(frozen=True)
class Trend:
    """A chart on the leaders' rollout page. Without points, `missing` says what would provide them."""

    key: str
    title: str
    unit: str
    points: tuple[tuple[date, Any], ...] = ()  # ((date, value), ...)
    target: tuple[tuple[date, Any], ...] = ()  # ((date, value), ...): the path to the target, if any
    missing: str = ""
    kind: str = "line"  # or "bar"

    @property
    def has_data(self) -> bool:
        return bool(self.points)

    @property
    def rows(self) -> list[tuple[date, Any, Any]]:
        """[(date, value, target value)] over every date of the series and the target path."""
        values, targets = dict(self.points), dict(self.target)
        return [(day, values.get(day), targets.get(day)) for day in sorted(set(values) | set(targets))]

    @property
    def last_rows(self) -> list[tuple[date, Any, Any]]:
        return [row for row in self.rows if row[1] is not None][-6:]

    @property
    def json_id(self) -> str:
        return f"trend-data-{self.key}"

    @property
    def chart_data(self) -> dict[str, Any]:
        rows = self.rows
        unit = str(self.unit)  # in the reader's language (a Phrase sliced would be English)
        return {
            "label": unit[:1].upper() + unit[1:],
            "kind": self.kind,
            "labels": [day.isoformat() for day, _, _ in rows],
            "values": [None if value is None else float(value) for _, value, _ in rows],
            "target": [None if target is None else float(target) for _, _, target in rows]
            if self.target
            else [],
        }


@dataclass(frozen=True)
class DigestSection:
    """A step's part of the weekly digest: a title and a few lines of plain text."""

    title: str
    lines: list[str]


@dataclass(frozen=True)
class MemberPanel:
    """A part of a person's own page: `template` rendered with `context` under `title`, placed by
    `order` (lower first). `key` is the panel's anchor on the page (/me/#<key>)."""

    key: str
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    order: int = 50


@dataclass(frozen=True)
class PersonalRecords:
    """One kind of record a step holds about a person: a table (`columns`, `rows` of plain values:
    str, int, date, datetime, None) and a one-line `summary` for their figures page. `key` names
    the file in the download (<step>-<key>.csv)."""

    key: str
    title: Text
    columns: tuple[Text, ...]
    rows: tuple[tuple[Any, ...], ...]
    summary: Text = ""


@dataclass(frozen=True)
class SharedOutcome:
    """ "You said, we did": one thing that came of people's feedback in a rollout (pulse results
    above the privacy threshold, a completed review's shared decisions, a guideline changed), with
    when it was published. `said` is what people said (may be empty), `did` what was done."""

    rollout_id: int | None  # None: organization-wide (a guideline for every rollout)
    kind: str  # "pulse", "review" or "guideline"
    title: str
    published_at: datetime
    said: tuple[str, ...] = ()
    did: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pseudonym:
    """What replaces an erased person wherever a record of theirs must stay: a stable `name`
    ("Former member 3f9a1c2e"), `email` (at the reserved domain .invalid) and `key`, the same for
    the person in every app. `personal` are the strings to scrub from free text: their name and
    email as the records spell them."""

    name: str
    email: str
    key: str
    personal: tuple[str, ...]

    # A name this short is also part of ordinary words and other names: only the email is scrubbed.
    SHORTEST_NAME = 4

    def _patterns(self) -> list[tuple[str, re.Pattern[str], str]]:
        """(text, its whole-word, any-case pattern, what replaces it) for each string to scrub."""
        found = []
        for text in self.personal:
            is_email = "@" in text
            if not is_email and len(text) < self.SHORTEST_NAME:
                continue
            pattern = re.compile(rf"(?<![\w.@-]){re.escape(text)}(?![\w@-])", re.IGNORECASE)
            found.append((text, pattern, self.email if is_email else self.name))
        return found

    def replace(self, value: Any) -> Any:
        """`value` (text, or JSON: dicts, lists, strings) with the person's name and email, as whole
        words in any case, replaced by the pseudonym's."""
        if isinstance(value, str):
            for _, pattern, replacement in self._patterns():
                value = pattern.sub(replacement, value)
            return value
        if isinstance(value, list):
            return [self.replace(item) for item in value]
        if isinstance(value, dict):
            return {key: self.replace(item) for key, item in value.items()}
        return value

    def scrub(self, queryset: Any, *fields: str) -> int:
        """Replace the person's name and email by the pseudonym's in `fields` of `queryset`'s rows
        (text fields, and JSON fields' strings): whole words only ("Ann" in "Annual" stays), in any
        case. The database finds the rows that may hold them (one query per field), Python replaces,
        and one bulk UPDATE per field writes them back; returns the rows changed."""
        from django.db.models import JSONField, TextField
        from django.db.models.functions import Cast

        patterns = self._patterns()
        if not patterns:
            return 0
        model = queryset.model
        changed = 0
        for name in fields:
            if isinstance(model._meta.get_field(name), JSONField):
                rows = queryset.annotate(_text=Cast(name, TextField()))
                # A JSON column may hold non-ASCII text \u-escaped (SQLite does): look for both.
                needles = {form for text, _, _ in patterns for form in (text, json.dumps(text)[1:-1])}
                condition = Q()
                for needle in needles:
                    condition |= Q(_text__icontains=needle)
            else:
                rows = queryset
                condition = Q()
                for text, _, _ in patterns:
                    condition |= Q(**{f"{name}__icontains": text})
            updated = []
            for row in rows.filter(condition).only("pk", name):
                value = getattr(row, name)
                new = self.replace(value)
                if new != value:
                    setattr(row, name, new)
                    updated.append(row)
            # The base manager: a model whose default manager refuses updates (the points ledger)
            # still lets an erasure rewrite its text.
            model._base_manager.bulk_update(updated, [name], batch_size=500)
            changed += len(updated)
        return changed


def detach_and_scrub(
    pseudonym: Pseudonym,
    user_id: int,
    organization_id: int,
    scrubbed: dict[Any, str],
    detached: dict[Any, list[str]] | None = None,
) -> int:
    """The common part of a step's erasure: in the organization's rows of each model of `scrubbed`
    ({model: its lookup of the organization id}), set the `detached` foreign keys ({model: [field]})
    that point at the person to NULL, and scrub their name and email from every free-text field.
    One statement per model and field (and string); the rows changed."""
    changed = 0
    for model, fields in (detached or {}).items():
        rows = model._default_manager.filter(**{scrubbed[model]: organization_id})
        for name in fields:
            changed += rows.filter(**{f"{name}_id": user_id}).update(**{name: None})
    for model, lookup in scrubbed.items():
        changed += pseudonym.scrub(
            model._default_manager.filter(**{lookup: organization_id}), *free_text(model)
        )
    return changed


def free_text(model: Any) -> list[str]:
    """The fields of `model` people write in, for `Pseudonym.scrub`: text fields without choices
    (a choice is a code, never a name)."""
    from django.db.models import CharField, TextField

    return [
        field.name
        for field in model._meta.concrete_fields
        if isinstance(field, CharField | TextField) and not field.choices
    ]


@dataclass(frozen=True)
class RetentionPolicy:
    """How long an organization keeps each kind of record, in days (None: as long as it exists)."""

    activity_days: int | None
    conversation_text_days: int | None
    email_body_days: int | None
    audit_days: int | None


class StepRegistry:
    def __init__(self) -> None:
        self._steps: dict[str, Step] = {}

    def register(self, step: Step) -> Step:
        if step.key in self._steps:
            raise ValueError(f"A step with key {step.key!r} is already registered.")
        if any(other.number == step.number for other in self._steps.values()):
            raise ValueError(f"Step number {step.number} is already registered.")
        self._steps[step.key] = step
        return step

    def steps(self) -> list[Step]:
        return sorted(self._steps.values(), key=lambda step: step.number)

    def get(self, key: str) -> Step | None:
        return self._steps.get(key)

    def health_table(self, rollouts: Iterable[Rollout]) -> list[tuple[Step, dict[int, StepHealth]]]:
        """[(step, {rollout_pk: StepHealth})] for every step, in step order."""
        rollouts = list(rollouts)
        return [(step, step.health(rollouts)) for step in self.steps()]


registry = StepRegistry()


def overall_score(healths: Iterable[StepHealth]) -> int | None:
    """The mean of the scored steps, or None while no step has a score."""
    scores = [health.score for health in healths if health.score is not None]
    if not scores:
        return None
    return round(sum(scores) / len(scores))


def organizations_of(rollouts: Collection[Rollout]) -> dict[int, Organization]:
    """{organization id: Organization} of the rollouts: those they were loaded with (the portfolio
    selects them), else read in one query, whatever the number of rollouts. For a step's figures
    that read an organization's settings (a target ratio, a response target, a time zone)."""
    from .models import Organization

    loaded = {}
    for rollout in rollouts:
        organization = rollout._state.fields_cache.get("organization")
        if organization is None or organization.pk != rollout.organization_id:
            wanted = {rollout.organization_id for rollout in rollouts}
            return Organization.objects.in_bulk(wanted)
        loaded[organization.pk] = organization
    return loaded

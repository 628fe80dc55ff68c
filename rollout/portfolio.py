"""The portfolio: every rollout of an organization with its six steps' health, key figures and
what changed since last month, built on the step registry (the centre imports no step app).

The figures are the rollouts' stored step figures (rollout/figures.py): the portfolio, the rollout
list, the overview, the step pages and the digest read the same rows, so they agree.
"""

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from . import figures
from .models import HealthSnapshot
from .steps import Status, overall_score

CHANGE_THRESHOLD = 10  # points of overall health that count as a change worth marking
ROW_SECONDS = 600  # a rendered row is kept this long at most (a new version makes a new key anyway)
SORTS = {
    "worst": _("Worst first"),
    "best": _("Best first"),
    "changed": _("Most changed"),
    "name": _("Name"),
}


@dataclass
class Change:
    since: object  # the snapshot's date
    before: int | None
    after: int | None

    @property
    def delta(self):
        if self.before is None or self.after is None:
            return None
        return self.after - self.before

    @property
    def direction(self):
        if self.delta is None:
            return "new" if self.after is not None and self.before is None else ""
        if self.delta >= CHANGE_THRESHOLD:
            return "up"
        if self.delta <= -CHANGE_THRESHOLD:
            return "down"
        return ""


@dataclass
class Row:
    """A rollout with its stored figures (rollout/figures.py) and its change since last month."""

    rollout: object
    figures: figures.Figures
    change: Change | None = None

    @property
    def healths(self):
        """[(step, StepHealth)] in step order."""
        return self.figures.healths()

    @property
    def overall(self):
        return self.figures.overall

    @property
    def facts(self):
        return self.figures.facts

    @property
    def units(self):
        return self.figures.units

    @property
    def computed_at(self):
        return self.figures.computed_at

    @property
    def out_of_date(self):
        return self.figures.out_of_date

    @property
    def version(self):
        return self.figures.version

    @property
    def worst(self):
        scored = [(step, health) for step, health in self.healths if health.score is not None]
        if not scored:
            return self.healths[0] if self.healths else None
        return min(scored, key=lambda pair: pair[1].score)

    @property
    def status(self):
        return Status.from_score(self.overall)


def healths_for(rollouts, user=None, fresh=False):
    """{rollout.pk: [(step, StepHealth)] in step order}, from the stored figures (see
    figures.for_rollouts for `user` and `fresh`)."""
    found = figures.for_rollouts(rollouts, user=user, fresh=fresh)
    return {pk: figures_of.healths() for pk, figures_of in found.items()}


def step_context(rollout, key, user=None):
    """{"health": step `key`'s StepHealth, "figures": the rollout's Figures (when they were computed,
    whether they are out of date)} for a step's home page."""
    stored = figures.of_rollout(rollout, user=user)
    return {"health": stored.health[key], "figures": stored}


def step_health(rollout, key, user=None):
    """The StepHealth of step `key` for one rollout (a step's own page shows the same figure as the
    portfolio and the overview)."""
    return figures.of_rollout(rollout, user=user).health[key]


def rows_for(rollouts, user=None, today=None, changes=True):
    """[Row] for the given rollouts (all of one organization); with `changes`, each with its change
    since last month (one query more)."""
    rollouts = list(rollouts)
    if not rollouts:
        return []
    today = today or timezone.localdate()
    stored = figures.for_rollouts(rollouts, user=user)
    changes = _changes_since_last_month(rollouts, today) if changes else {}
    rows = []
    for rollout in rollouts:
        row = Row(rollout, stored[rollout.pk])
        if rollout.pk in changes:
            day, overall = changes[rollout.pk]
            row.change = Change(day, overall, row.overall)
        rows.append(row)
    return rows


def row_key(row):
    """The cache key of a portfolio row's rendering, made of what it shows: the rollout's figures
    version (every write to its data, its name included, makes a new one) and computation time,
    whether they are out of date, the snapshot its change is measured from, the day, and the
    language it is written in."""
    change = row.change and (row.change.since, row.change.before)
    computed = row.computed_at.isoformat() if row.computed_at else ""
    language = translation.get_language()
    shown = f"{row.version}:{computed}:{row.out_of_date}:{change}:{timezone.localdate()}:{language}"
    return f"portfolio-row:{row.rollout.pk}:{hashlib.sha256(shown.encode()).hexdigest()[:32]}"


def as_of(rows):
    """(the oldest computation time among `rows`, whether any is out of date): what a page of
    several rollouts' figures says about their age."""
    times = [row.computed_at for row in rows if row.computed_at is not None]
    return (min(times) if times else None), any(row.out_of_date for row in rows)


def _changes_since_last_month(rollouts, today):
    """{rollout pk: (day, overall)} of the snapshot about a month old (28 to 35 days), in one query."""
    snapshots = (
        HealthSnapshot.objects.filter(
            rollout__in=rollouts, day__lte=today - timedelta(days=28), day__gte=today - timedelta(days=35)
        )
        .order_by("rollout_id", "-day")
        .values_list("rollout_id", "day", "overall")
    )
    found = {}
    for rollout_id, day, overall in snapshots:
        found.setdefault(rollout_id, (day, overall))
    return found


def sort_rows(rows, order):
    if order == "name":
        return sorted(rows, key=lambda row: row.rollout.name.lower())
    if order == "best":
        return sorted(rows, key=lambda row: (row.overall is None, -(row.overall or 0)))
    if order == "changed":
        return sorted(rows, key=lambda row: -abs((row.change and row.change.delta) or 0))
    # Worst first; rollouts with nothing recorded yet come after the scored ones.
    return sorted(rows, key=lambda row: (row.overall is None, row.overall or 0, row.rollout.name.lower()))


def unit_choices(units, minimum):
    """Units big enough to be shown on their own; smaller ones merge into "Other units"."""
    shown = [unit for unit in units if unit.headcount >= minimum]
    small = {unit.pk for unit in units if unit.headcount < minimum}
    return shown, small


def snapshot(rollouts, day, computed=None):
    """Record the health of these rollouts on `day` (idempotent: one row per rollout and day), from
    `computed` ({pk: Figures}, just computed) or their stored figures."""
    rollouts = list(rollouts)
    computed = computed if computed is not None else figures.for_rollouts(rollouts)
    rows = []
    for rollout in rollouts:
        healths = computed[rollout.pk].healths()
        scores = {step.key: health.score for step, health in healths}
        overall = overall_score(health for _, health in healths)
        rows.append(HealthSnapshot(rollout=rollout, day=day, overall=overall, scores=scores))
    HealthSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["rollout", "day"], update_fields=["overall", "scores"]
    )
    return len(rows)

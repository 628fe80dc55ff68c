"""The portfolio: every rollout of an organization with its six steps' health, key figures and
what changed since last month, built on the step registry (the centre imports no step app).

Cost: the registry's health and facts for all the organization's rollouts are computed together
(a bounded number of queries whatever the number of rollouts) and cached per organization. The
cache key carries a data version that any write to a rollout or step model increments
(`bump_data_version`, connected in RolloutConfig.ready), and the day, so time-based figures
(30-day windows, due dates) refresh daily; entries also expire after CACHE_SECONDS.
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.utils import timezone

from .models import HealthSnapshot, Rollout
from .steps import Status, overall_score, registry

CACHE_SECONDS = 600
VERSION_KEY = "rollout:data-version"
STEP_APPS = {"strategy", "incentives", "trust", "champions", "engage", "reviews"}
CENTRE_MODELS = {"organization", "unit", "membership", "platform", "rollout"}
CHANGE_THRESHOLD = 10  # points of overall health that count as a change worth marking
SORTS = {
    "worst": "Worst first",
    "best": "Best first",
    "changed": "Most changed",
    "name": "Name",
}


def data_version():
    return cache.get_or_set(VERSION_KEY, 1, timeout=None)


def bump_data_version(sender, **kwargs):
    """post_save / post_delete receiver: a write to tenant data makes cached portfolios stale."""
    meta = sender._meta
    if meta.app_label in STEP_APPS or (meta.app_label == "rollout" and meta.model_name in CENTRE_MODELS):
        try:
            cache.incr(VERSION_KEY)
        except ValueError:  # the key expired or was never set
            cache.set(VERSION_KEY, 2, timeout=None)


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
    rollout: object
    healths: list  # [(step, StepHealth)] in step order
    overall: int | None
    facts: list = field(default_factory=list)
    units: set = field(default_factory=set)
    change: Change | None = None

    @property
    def worst(self):
        scored = [(step, health) for step, health in self.healths if health.score is not None]
        if not scored:
            return self.healths[0] if self.healths else None
        return min(scored, key=lambda pair: pair[1].score)

    @property
    def status(self):
        return Status.from_score(self.overall)


def _computed(organization, rollouts):
    """{"health": {step key: {pk: StepHealth}}, "facts": {pk: [Fact]}, "units": {pk: set}}, cached."""
    key = f"portfolio:{organization.pk}:{data_version()}:{timezone.localdate()}"
    found = cache.get(key)
    pks = {rollout.pk for rollout in rollouts}
    if found is not None and pks <= set(found["pks"]):
        return found
    # Compute for every rollout of the organization at once (the same bounded number of queries),
    # so the portfolio, the rollout list and each overview share one cache entry.
    every = list(
        Rollout.objects.filter(organization=organization).select_related("organization", "platform", "owner")
    )
    rollouts = every if pks <= {rollout.pk for rollout in every} else rollouts
    pks = {rollout.pk for rollout in rollouts}
    steps = registry.steps()
    data = {"pks": sorted(pks), "health": {}, "facts": {}, "units": {}}
    for step in steps:
        data["health"][step.key] = step.health(rollouts)
        for pk, facts in step.portfolio_facts(rollouts).items():
            data["facts"].setdefault(pk, []).extend(facts)
        for pk, units in step.units_of(rollouts).items():
            data["units"].setdefault(pk, set()).update(units)
    cache.set(key, data, CACHE_SECONDS)
    return data


def rows_for(organization, rollouts, today=None):
    """[Row] for the given rollouts (all of one organization)."""
    rollouts = list(rollouts)
    if not rollouts:
        return []
    today = today or timezone.localdate()
    data = _computed(organization, rollouts)
    steps = registry.steps()
    changes = _changes_since_last_month(rollouts, today)
    rows = []
    for rollout in rollouts:
        healths = [(step, data["health"][step.key][rollout.pk]) for step in steps]
        overall = overall_score(health for _, health in healths)
        row = Row(
            rollout, healths, overall, data["facts"].get(rollout.pk, []), data["units"].get(rollout.pk, set())
        )
        snapshot = changes.get(rollout.pk)
        if snapshot is not None:
            row.change = Change(snapshot.day, snapshot.overall, overall)
        rows.append(row)
    return rows


def _changes_since_last_month(rollouts, today):
    """The snapshot about a month old (28 to 35 days) of each rollout, in one query."""
    snapshots = HealthSnapshot.objects.filter(
        rollout__in=rollouts, day__lte=today - timedelta(days=28), day__gte=today - timedelta(days=35)
    ).order_by("rollout_id", "-day")
    found = {}
    for snapshot in snapshots:
        found.setdefault(snapshot.rollout_id, snapshot)
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


def snapshot(organization, rollouts, day):
    """Record today's health of these rollouts (idempotent: one row per rollout and day)."""
    steps = registry.steps()
    table = {step.key: step.health(rollouts) for step in steps}
    rows = []
    for rollout in rollouts:
        scores = {key: by_rollout[rollout.pk].score for key, by_rollout in table.items()}
        overall = overall_score(table[step.key][rollout.pk] for step in steps)
        rows.append(HealthSnapshot(rollout=rollout, day=day, overall=overall, scores=scores))
    HealthSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["rollout", "day"], update_fields=["overall", "scores"]
    )
    return len(rows)

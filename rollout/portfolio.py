"""The portfolio: every rollout of an organization with its six steps' health, key figures and
what changed since last month, built on the step registry (the centre imports no step app).

Cost: the registry's health and facts for all the organization's rollouts are computed together
(a bounded number of queries whatever the number of rollouts) and cached per organization. The
cache key carries a data version that any write to a rollout or step model increments
(`bump_data_version`, connected in RolloutConfig.ready), and the day, so time-based figures
(30-day windows, due dates) refresh daily; entries also expire after CACHE_SECONDS.
"""

import functools
import threading
import time
from collections import OrderedDict
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from .models import HealthSnapshot, Organization, Rollout
from .steps import Status, overall_score, registry

CACHE_SECONDS = 600
VERSION_KEY = "rollout:data-version"  # see "Data versions" below
ANY_KEY = "rollout:data-version:any"
STEP_APPS = {"strategy", "incentives", "trust", "champions", "engage", "reviews"}
CENTRE_MODELS = {"organization", "unit", "membership", "platform", "rollout", "healthsnapshot"}
LOCAL_ENTRIES = 128  # versioned entries this process keeps a copy of (see cached())
CHANGE_THRESHOLD = 10  # points of overall health that count as a change worth marking
# {organization id: version}, read once inside one_data_version()
_pinned = ContextVar("rollout_data_versions", default=None)
SORTS = {
    "worst": "Worst first",
    "best": "Best first",
    "changed": "Most changed",
    "name": "Name",
}


# Data versions -------------------------------------------------------------------------------
#
# Cached figures are keyed by a data version: a write to tenant data makes a new version, so the
# figures cached under the old one are never read again (they expire). Three counters:
# - each organization's own, bumped by a write to its data (its portfolio stays cached while
#   another organization's champions log sessions);
# - VERSION_KEY, bumped by a write whose organization is not known (an acknowledgement, a worksheet
#   row, a bulk operation): every key carries it;
# - ANY_KEY, bumped by every write: the version of figures cached without naming an organization.


def _version_key(organization_id):
    return f"{VERSION_KEY}:{organization_id}"


def data_version(organization=None):
    """The data version of `organization`'s figures (an id; None: figures of no organization in
    particular, which any write makes stale)."""
    pinned = _pinned.get()
    if pinned is not None and organization in pinned:
        return pinned[organization]
    keys = [VERSION_KEY, ANY_KEY if organization is None else _version_key(organization)]
    found = cache.get_many(keys)
    versions = [_version(key, found.get(key)) for key in keys]
    # None while the cache cannot be reached: nothing is cached then, and figures are computed afresh.
    version = None if None in versions else ".".join(str(number) for number in versions)
    if pinned is not None:
        pinned[organization] = version
    return version


def _version(key, found):
    if found is None:
        # A missing version (first use, cache cleared or evicted) starts from a number never used
        # before, so that no entry cached under an earlier version can be read again.
        cache.add(key, time.time_ns(), timeout=None)
        found = cache.get(key)
    return found


def versioned_key(*parts, organization=None):
    """A cache key that a write (a new data version: of `organization`, an id, if given, else of any
    organization) or a new day makes stale. Name whose figures they are in `parts` (e.g. a rollout
    id) when that is narrower than the organization. None when the version cannot be read (the
    cache is down): cached() then finds nothing and cache_figures() keeps nothing."""
    version = data_version(organization)
    if version is None:
        return None
    # The day in the project's time zone, not the active one (a page may activate the organization's).
    day = timezone.localdate(timezone=timezone.get_default_timezone())
    parts = (*parts, organization, version, day)
    # Dates and datetimes as ISO 8601: no spaces, which some cache backends refuse.
    return ":".join(part.isoformat() if hasattr(part, "isoformat") else str(part) for part in parts)


def bump_data_version(sender, instance=None, **kwargs):
    """post_save / post_delete / m2m_changed receiver: a write to tenant data makes the cached
    figures of its organization stale (of every organization, when the write does not say which)."""
    meta = sender._meta
    if meta.app_label in STEP_APPS or (meta.app_label == "rollout" and meta.model_name in CENTRE_MODELS):
        new_data_version(organization_of(instance))


SHOWN_USER_FIELDS = {"full_name", "email", "is_staff"}


def user_shown_changed(sender, instance, created=False, update_fields=None, **kwargs):
    """post_save receiver of User: a person's name, email and admin flag are on the cached pages of
    each of their organizations (the navigation bar, a rollout's owner, "uploaded by"), and a User
    is no tenant data. A save that may change them makes those organizations' figures and pages
    stale; a sign-in, which saves `last_login` alone, does not."""
    if created or (update_fields is not None and not SHOWN_USER_FIELDS & set(update_fields)):
        return
    from .models import Membership

    for organization_id in Membership.objects.filter(user=instance).values_list("organization_id", flat=True):
        new_data_version(organization_id)


def organization_of(instance):
    """The organization id a model instance belongs to, if it says so directly or through its rollout."""
    if instance is None:
        return None
    if isinstance(instance, Organization):
        return instance.pk
    organization_id = getattr(instance, "organization_id", None)
    if organization_id is not None:
        return organization_id
    rollout_id = getattr(instance, "rollout_id", None)
    if rollout_id is None:
        return None
    rollout = instance._state.fields_cache.get("rollout")
    if rollout is not None and rollout.pk == rollout_id:
        return rollout.organization_id
    # Not cached in this process: a rolled-back rollout's id may be given to another one later.
    return Rollout.objects.filter(pk=rollout_id).values_list("organization_id", flat=True).first()


def new_data_version(organization=None):
    """Make the cached figures of `organization` (an id; None: of every organization) stale.

    The receiver above calls this for every save and delete. Writes that send no signal
    (`QuerySet.update()`, `bulk_create`, raw SQL) to data that the figures read call it themselves.
    Inside a transaction the versions are bumped again on commit: a request that read the data
    between the write and the commit may have cached figures without it.
    """
    _pinned.set(None)
    keys = (VERSION_KEY,) if organization is None else (_version_key(organization), ANY_KEY)
    _bump(*keys)
    connection = transaction.get_connection()
    if connection.in_atomic_block and not any(
        getattr(entry[1], "version_keys", None) == keys for entry in connection.run_on_commit
    ):
        after_commit = functools.partial(_bump, *keys)
        after_commit.version_keys = keys
        transaction.on_commit(after_commit)


def _bump(*keys):
    for key in keys:
        try:
            cache.incr(key)
        except ValueError:  # the key expired or was never set
            cache.set(key, time.time_ns(), timeout=None)


@contextmanager
def one_data_version():
    """Read each data version once for the whole block (e.g. building one email) instead of once per
    cached figure. A write inside the block un-pins them."""
    token = _pinned.set({})
    try:
        yield
    finally:
        _pinned.reset(token)


# Cached figures --------------------------------------------------------------------------------


class RecentEntries:
    """The `size` most recently used entries of this process (the oldest go first); safe to share
    between threads."""

    def __init__(self, size):
        self.size, self.entries, self.lock = size, OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            found = self.entries.get(key)
            if found is not None:
                self.entries.move_to_end(key)
            return found

    def keep(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)


_local = RecentEntries(LOCAL_ENTRIES)


def cached(key):
    """The cached value under `key` (a versioned key): from this process's recent copies, else from
    the shared cache. A versioned key never changes its value, so a local copy is never stale."""
    if key is None:
        return None
    found = _local.get(key)
    if found is None:
        found = cache.get(key)
        if found is not None:
            _local.keep(key, found)
    return found


def cache_figures(key, value, timeout=CACHE_SECONDS):
    """Cache `value` under `key`, a versioned_key(): in the shared cache and in this process."""
    if key is None:
        return
    cache.set(key, value, timeout)
    _local.keep(key, value)


def remember(key, compute, timeout=CACHE_SECONDS, organization=None):
    """compute() once per `key`, data version and day, shared by every process through the cache:
    for figures that many requests or emails read alike and that only a write changes, e.g.
    `remember(("trust-digest", since), ..., organization=organization.pk)`. With `organization` (an
    id) only a write to that organization's data makes them stale; name whose figures they are in
    `key` when that is narrower (a rollout id). Treat the value as read-only: it is shared."""
    full = versioned_key("figures", *key, organization=organization)
    found = cached(full)
    if found is None:
        found = (compute(),)  # a tuple, so that a computed None is remembered too
        cache_figures(full, found, timeout)
    return found[0]


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
    key = versioned_key("portfolio", organization=organization.pk)
    found = cached(key)
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
        health, facts, units = step.portfolio_figures(rollouts)
        data["health"][step.key] = health
        for pk, found_facts in facts.items():
            data["facts"].setdefault(pk, []).extend(found_facts)
        for pk, found_units in units.items():
            data["units"].setdefault(pk, set()).update(found_units)
    cache_figures(key, data)
    return data


def healths_for(organization, rollouts):
    """{rollout.pk: [(step, StepHealth)] in step order} from the cached figures (the same figures
    as the portfolio, the rollout list and the overview show)."""
    rollouts = list(rollouts)
    if not rollouts:
        return {}
    data = _computed(organization, rollouts)
    steps = registry.steps()
    return {
        rollout.pk: [(step, data["health"][step.key][rollout.pk]) for step in steps] for rollout in rollouts
    }


def step_health(organization, rollout, key):
    """The StepHealth of step `key` for one rollout, from the cached figures (a step's own page
    shows the same figures as the portfolio and the overview)."""
    return _computed(organization, [rollout])["health"][key][rollout.pk]


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
    rollouts = list(rollouts)
    healths = healths_for(organization, rollouts)  # today's figures, shared with the pages
    rows = []
    for rollout in rollouts:
        scores = {step.key: health.score for step, health in healths[rollout.pk]}
        overall = overall_score(health for _, health in healths[rollout.pk])
        rows.append(HealthSnapshot(rollout=rollout, day=day, overall=overall, scores=scores))
    HealthSnapshot.objects.bulk_create(
        rows, update_conflicts=True, unique_fields=["rollout", "day"], update_fields=["overall", "scores"]
    )
    # bulk_create sends no post_save; cached pages show the change markers these rows give.
    new_data_version(organization.pk)
    return len(rows)

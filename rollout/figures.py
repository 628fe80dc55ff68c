"""Each rollout's step figures, computed on write and read from one row.

The step figures are each step's health and the portfolio's key figures of a rollout, and the units
it involves. Computing them reads every step's data (about thirty queries for one rollout, as many
for all of an organization's rollouts together); reading them is one query for any number of
rollouts. So they are computed when the data changes, not when a page is opened:

- A write to a rollout's data (`data_versions.new_data_version`, called by the write's signal or by
  the service that wrote) adds one to the rollout's `RolloutFigures.version` and, on commit, asks a
  worker to recompute that rollout's figures alone (`tasks.recompute_figures`). A write that names
  only the organization (a unit's headcount, its settings) does so for all its rollouts, computed
  together.
- A page reads the stored figures and says when they were computed. While a newer write waits for
  the worker, the page says "updating" beside the time. The person who made that write gets the
  one rollout's figures computed afresh instead, so what they just did shows at once, as long as
  no worker has started on it (`claimed_version`: the worker's computation is not done twice).
- The worker computes only figures still out of date when it takes the task: ten writes queued
  for one rollout are counted in by the first of their tasks, and the nine others find nothing to do.
- Figures never computed are computed when first read.
- Every night (`tasks.snapshot_health`) all figures are computed afresh: 30-day windows and due
  dates move with the day, with no write. Every five minutes figures left out of date (the broker
  was down when they were written) are recomputed (`tasks.recompute_out_of_date`).
"""

import functools
import logging
import operator
from collections.abc import Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, F, JSONField, PositiveSmallIntegerField, Q, Value, When
from django.db.models.functions import Cast
from django.utils import timezone

from . import data_versions
from .i18n import Phrase, dump_text, in_english
from .models import RolloutFigures
from .steps import Driver, Fact, StepHealth, overall_score, registry

log = logging.getLogger(__name__)

# The person whose request is writing (set by OrganizationMiddleware), as `changed_by`.
_writer: ContextVar = ContextVar("rollout_figures_writer", default=None)


class Figures:
    """A rollout's stored step figures and when they were computed.

    `overall` and `units` are read with the row; the health of each step and the key facts are a
    JSON document of a few kilobytes, read when first asked for, for every rollout of the same
    read at once (a page that lists rollouts from its cache needs none of them)."""

    def __init__(
        self, rollout_id, overall, units, computed_at, version, out_of_date=False, data=None, batch=None
    ):
        self.rollout_id = rollout_id
        self.overall: int | None = overall
        self.units: set[int] = set(units)
        self.computed_at: datetime | None = computed_at
        self.version = version  # RolloutFigures.version: every write to the rollout's data makes a new one
        self.out_of_date = out_of_date  # a write since, which the worker has not yet taken in
        self._data, self._batch = data, batch  # the stored JSON document, or the batch that reads it
        self._health: _Healths | None = None
        self._facts: list[Fact] | None = None

    @property
    def health(self) -> Mapping[str, StepHealth]:
        """{step key: StepHealth}; a page that shows one step's health loads that step's alone."""
        if self._health is None:
            self._health = _Healths(self._stored()["health"])
        return self._health

    @property
    def facts(self) -> list[Fact]:
        if self._facts is None:
            with in_english():
                self._facts = [_loaded_fact(found) for found in self._stored()["facts"]]
        return self._facts

    def healths(self):
        """[(step, StepHealth)] in step order."""
        return [(step, self.health[step.key]) for step in registry.steps()]

    def _stored(self) -> dict:
        if self._data is None:
            self._batch.load()
        return self._data


class _Healths(Mapping[str, StepHealth]):
    """The stored health of each step, loaded from the document when first read (its text is
    messages and values: loading builds their English text)."""

    def __init__(self, stored: dict):
        self._stored = stored
        self._loaded: dict[str, StepHealth] = {}

    def __getitem__(self, key: str) -> StepHealth:
        if key not in self._loaded:
            with in_english():
                self._loaded[key] = _loaded_health(self._stored[key])
        return self._loaded[key]

    def __iter__(self):
        return iter(self._stored)

    def __len__(self) -> int:
        return len(self._stored)


class _Batch:
    """Figures read together: the first one asked for its document reads all of theirs, in one query
    (a page that knows which few it will show reads those alone first: `read_documents`)."""

    def __init__(self):
        self.waiting: dict[int, Figures] = {}

    def load(self, only=None):
        wanted = list(self.waiting) if only is None else [pk for pk in only if pk in self.waiting]
        documents = RolloutFigures.objects.filter(rollout_id__in=wanted).values_list("rollout_id", "data")
        for rollout_id, data in documents:
            self.waiting.pop(rollout_id)._data = data


def read_documents(found: "list[Figures]") -> None:
    """Read the documents of `found` (figures of one read) in one query, and no others: the
    portfolio renders again only the rows a write changed, and reads only theirs."""
    batches: dict[_Batch, list[int]] = {}
    for figures in found:
        if figures._data is None:
            batches.setdefault(figures._batch, []).append(figures.rollout_id)
    for batch, pks in batches.items():
        batch.load(only=pks)


# Reading -------------------------------------------------------------------------------------


def for_rollouts(rollouts, *, user=None, fresh=False) -> dict[int, Figures]:
    """{rollout.pk: Figures} of `rollouts` (loaded with their organization, platform and owner where
    a step needs them), from their stored rows: those selected with the rollouts
    (Scope.rollouts()), else read in one query. Figures never computed, figures out of date that
    `user` made so, and with `fresh` every figure out of date, are computed now."""
    rollouts = list(rollouts)
    rows = _stored_rows(rollouts)
    user_id = getattr(user, "pk", None)

    def needed(rollout):
        row = rows.get(rollout.pk)
        if row is None or row.computed_at is None:
            return True
        if not row.stale:
            return False
        writer = user_id is not None and row.changed_by_id == user_id
        return fresh or (writer and row.claimed_version < row.version)

    found = recompute([rollout for rollout in rollouts if needed(rollout)], reuse=True)
    batch = _Batch()
    for rollout in rollouts:
        if rollout.pk not in found:
            row = rows[rollout.pk]
            deferred = "data" in row.get_deferred_fields()
            found[rollout.pk] = figures = Figures(
                rollout.pk,
                row.overall,
                row.units,
                row.computed_at,
                row.version,
                out_of_date=row.stale,
                data=None if deferred else row.data,
                batch=batch,
            )
            if deferred:
                batch.waiting[rollout.pk] = figures
    return found


def _stored_rows(rollouts):
    """{rollout.pk: RolloutFigures} of `rollouts`: those loaded with them, else read in one query
    (without the document, read when asked for)."""
    from .models import Rollout

    if all(Rollout.figures.is_cached(rollout) for rollout in rollouts):
        return {rollout.pk: rollout.figures for rollout in rollouts if _has_figures(rollout)}
    return {row.rollout_id: row for row in RolloutFigures.objects.filter(rollout__in=rollouts).defer("data")}


def _has_figures(rollout):
    try:
        return rollout.figures is not None
    except RolloutFigures.DoesNotExist:
        return False


def of_rollout(rollout, *, user=None, fresh=False) -> Figures:
    return for_rollouts([rollout], user=user, fresh=fresh)[rollout.pk]


# Computing -----------------------------------------------------------------------------------


def recompute_out_of_date_ones(rollouts) -> dict[int, Figures]:
    """The worker's recompute: of `rollouts`, those still out of date (an earlier task may have
    counted in this write already), claimed first so that the writer's own page does not compute
    them a second time."""
    rollouts = list(rollouts)
    claimed = RolloutFigures.objects.filter(rollout__in=rollouts, computed_version__lt=F("version"))
    out_of_date = set(claimed.values_list("rollout_id", flat=True))
    claimed.update(claimed_version=F("version"))
    return recompute([rollout for rollout in rollouts if rollout.pk in out_of_date], reuse=True)


def recompute(rollouts, *, reuse=False) -> dict[int, Figures]:
    """Compute the figures of `rollouts` together (the registry answers for many rollouts in a
    bounded number of queries) and store them, each with the version it was computed from.

    With `reuse` (after a write), a step's part that nothing it reads has changed since it was
    computed, less than PART_SECONDS ago, is reused (see _step_parts); the figures are then as of
    their oldest part. Without, as every night, every part is computed afresh."""
    rollouts = list(rollouts)
    if not rollouts:
        return {}
    pks = [rollout.pk for rollout in rollouts]
    RolloutFigures.objects.bulk_create([RolloutFigures(rollout_id=pk) for pk in pks], ignore_conflicts=True)
    # The versions before computing: a write while computing leaves the figures out of date (and
    # sends them to the worker again), never marked current without it.
    versions = dict(RolloutFigures.objects.filter(rollout_id__in=pks).values_list("rollout_id", "version"))
    data = _computed(rollouts, reuse=reuse)
    # One statement for all of them, and never backwards: a row whose stored figures come from a
    # newer version (a slower computation finishing last) is left as it is.
    not_older = functools.reduce(
        operator.or_, (Q(rollout_id=pk, computed_version__lte=versions[pk]) for pk in pks)
    )
    RolloutFigures.objects.filter(not_older).update(
        data=Case(*(When(rollout_id=pk, then=Value(data[pk]["document"], JSONField())) for pk in pks)),
        # Cast: a rollout with nothing scored has no overall, and PostgreSQL cannot type a bare NULL.
        overall=Case(
            *(
                When(rollout_id=pk, then=Cast(Value(data[pk]["overall"]), PositiveSmallIntegerField()))
                for pk in pks
            )
        ),
        units=Case(*(When(rollout_id=pk, then=Value(data[pk]["units"], JSONField())) for pk in pks)),
        computed_version=Case(*(When(rollout_id=pk, then=Value(versions[pk])) for pk in pks)),
        computed_at=Case(*(When(rollout_id=pk, then=Value(data[pk]["computed_at"])) for pk in pks)),
    )
    return {
        pk: Figures(
            pk,
            data[pk]["overall"],
            data[pk]["units"],
            data[pk]["computed_at"],
            versions[pk],
            data=data[pk]["document"],
        )
        for pk in pks
    }


def _computed(rollouts, reuse=False):
    """{rollout.pk: {"document": the health and facts as stored (plain JSON), "overall", "units",
    "computed_at"}} from every registered step."""
    data = {
        rollout.pk: {"health": {}, "facts": [], "units": set(), "scores": [], "computed_at": timezone.now()}
        for rollout in rollouts
    }
    with data_versions.one_data_version():
        for step in registry.steps():
            parts = _step_parts(step, rollouts, reuse)
            for pk, figures in data.items():
                health, facts, units, computed_at = parts[pk]
                figures["health"][step.key] = _dumped_health(health)
                figures["scores"].append(health)
                figures["facts"] += [_dumped_fact(fact) for fact in facts]
                figures["units"] |= set(units)
                figures["computed_at"] = min(figures["computed_at"], computed_at)
    return {
        pk: {
            "document": {"health": figures["health"], "facts": figures["facts"]},
            "overall": overall_score(figures["scores"]),
            "units": sorted(figures["units"]),
            "computed_at": figures["computed_at"],
        }
        for pk, figures in data.items()
    }


# How long a step's part of a rollout's figures is reused while nothing it reads changes: its
# time windows ("the last 30 days", "overdue") move with the clock, not with writes.
PART_SECONDS = 600


def _step_parts(step, rollouts, reuse):
    """{rollout.pk: (StepHealth, [Fact], units, computed at)} of `step`: with `reuse`, each part
    cached since the last write to what the step reads (Step.figures_read, as data versions of the
    rollout) is taken from the cache; the others are computed together and cached."""
    keys = {}
    if reuse and step.figures_read is not None:
        keys = {
            rollout.pk: data_versions.versioned_key(
                "figures-part",
                step.key,
                organization=rollout.organization_id,
                rollout=rollout.pk,
                apps=step.figures_read,
            )
            for rollout in rollouts
        }
    found = cache.get_many([key for key in keys.values() if key is not None]) if keys else {}
    now = timezone.now()
    oldest = now - timedelta(seconds=PART_SECONDS)
    parts = {pk: found[key] for pk, key in keys.items() if key in found and found[key][3] > oldest}
    missing = [rollout for rollout in rollouts if rollout.pk not in parts]
    if missing:
        health, facts, units = step.portfolio_figures(missing)
        computed = {
            rollout.pk: (health[rollout.pk], facts.get(rollout.pk, []), set(units.get(rollout.pk, ())), now)
            for rollout in missing
        }
        parts.update(computed)
        if keys:
            cache.set_many(
                {keys[pk]: part for pk, part in computed.items() if keys[pk] is not None}, PART_SECONDS
            )
    return parts


# The document's text is stored as messages and values (rollout/i18n.py: Phrase.dump), so that
# figures computed once in English read in each reader's language; text stored as plain strings
# (documents written before) loads as it is.


def _dumped_health(health):
    dumped = asdict(health)
    dumped["reasons"] = [dump_text(reason) for reason in health.reasons]
    dumped["next_action"] = dump_text(health.next_action)
    dumped["ceiling_reason"] = dump_text(health.ceiling_reason)
    dumped["drivers"] = [[dump_text(driver.fact), driver.points_lost] for driver in health.drivers]
    return dumped


def _dumped_fact(fact):
    dumped = {name: dump_text(value) for name, value in asdict(fact).items() if name != "trend"}
    dumped["trend"] = [None if value is None else float(value) for value in fact.trend]
    return dumped


def _loaded_health(found):
    return StepHealth(
        **{
            **found,
            "reasons": [Phrase.load(reason) for reason in found["reasons"]],
            "next_action": Phrase.load(found["next_action"]),
            "ceiling_reason": Phrase.load(found.get("ceiling_reason", "")),
            "drivers": tuple(Driver(Phrase.load(fact), points) for fact, points in found["drivers"]),
        }
    )


def _loaded_fact(found):
    return Fact(
        **{
            **found,
            "label": Phrase.load(found["label"]),
            "value": Phrase.load(found["value"]),
            "trend": tuple(found["trend"]),
        }
    )


# Writes --------------------------------------------------------------------------------------


@contextmanager
def changes_by(user):
    """Writes inside the block are `user`'s (a request's user, possibly lazy and anonymous)."""
    token = _writer.set(user)
    try:
        yield
    finally:
        _writer.reset(token)


def _writer_id():
    user = _writer.get()
    return user.pk if user is not None and user.is_authenticated else None


def mark_out_of_date(organization_id=None, rollout_id=None):
    """A write to `rollout_id`'s data (None: to every rollout of `organization_id`; both None: to
    data of no known organization) makes its figures out of date; on commit a worker is asked to
    recompute them."""
    rows = RolloutFigures.objects.all()
    if rollout_id is not None:
        rows = rows.filter(rollout_id=rollout_id)
    elif organization_id is not None:
        rows = rows.filter(rollout__organization_id=organization_id)
    # Figures never computed are computed when first read: nothing to send to the worker.
    if rows.update(version=F("version") + 1, changed_by_id=_writer_id()):
        _queue(("rollout", rollout_id) if rollout_id else ("organization", organization_id))


def _queue(target):
    """Send `target` to the worker once the transaction commits; once per transaction and target."""
    connection = transaction.get_connection()
    for entry in connection.run_on_commit:
        pending = getattr(entry[1], "figures_pending", None)
        if pending is not None:
            pending.add(target)
            return
    pending = {target}
    send = functools.partial(_send, pending)
    send.figures_pending = pending
    transaction.on_commit(send)  # at once outside a transaction


def _send(pending):
    from . import tasks

    rollouts = sorted(pk for kind, pk in pending if kind == "rollout")
    organizations = sorted(pk for kind, pk in pending if kind == "organization" and pk is not None)
    try:
        if ("organization", None) in pending:
            tasks.recompute_out_of_date.delay()
            return
        for organization_id in organizations:
            tasks.recompute_organization_figures.delay(organization_id)
        if rollouts:
            tasks.recompute_figures.delay(rollouts)
    except Exception:
        # The figures stay marked out of date: the periodic sweep recomputes them.
        log.exception("Could not ask a worker to recompute figures %s.", sorted(pending, key=str))

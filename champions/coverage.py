"""Champion coverage: active champions per unit against the organization's target.

A unit's coverage is "1 per N": its headcount divided by its active champions. A unit with people
and no active champion is a gap; a unit with no headcount has nothing to cover. Counting and
ordering happen in the database, so a page of the coverage table costs the same few queries
however many units and champions there are.
"""

import importlib
from dataclasses import dataclass

from django.db.models import Case, Count, F, FloatField, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Cast, Coalesce
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rollout.i18n import number

from .models import Champion


class CoverageStatus:
    GAP = "gap"
    BELOW = "below"
    MET = "met"
    EMPTY = "empty"

    LABELS = {
        GAP: gettext_lazy("Gap: no active champion"),
        BELOW: gettext_lazy("Below target"),
        MET: gettext_lazy("Meets target"),
        EMPTY: gettext_lazy("No headcount"),
    }


SORTS = {
    "worst": None,  # the default, see unit_coverage()
    "name": ("name",),
    "headcount": ("-headcount", "name"),
    "champions": ("-active_champions", "name"),
}


def unit_coverage(rollout, units, sort="worst"):
    """`units` (a queryset of the rollout's organization) annotated with coverage, worst first.

    Each unit gets `active_champions`, `people_per_champion` (None without champions) and
    `is_gap`. "Worst" puts gaps first (largest first), then the highest people per champion,
    and units without headcount last.
    """
    active = Count(
        "champions",
        filter=Q(champions__rollout=rollout, champions__status=Champion.Status.ACTIVE),
        distinct=True,
    )
    units = units.annotate(active_champions=active).annotate(
        is_gap=Case(
            When(Q(headcount__gt=0, active_champions=0), then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        ),
        people_per_champion=Case(
            When(active_champions__gt=0, then=Cast("headcount", FloatField()) / F("active_champions")),
            default=None,
            output_field=FloatField(),
        ),
    )
    order = SORTS.get(sort) or (
        "-is_gap",
        F("people_per_champion").desc(nulls_last=True),
        "-headcount",
        "name",
    )
    return units.order_by(*order, "pk")


@dataclass(frozen=True)
class UnitCoverage:
    """A unit's coverage, for display: "1 per N" against the target."""

    unit: object
    target: int

    @property
    def headcount(self):
        return self.unit.headcount

    @property
    def active_champions(self):
        return self.unit.active_champions

    @property
    def people_per_champion(self):
        ratio = self.unit.people_per_champion
        return None if ratio is None else round(ratio)

    @property
    def ratio_label(self):
        if self.headcount == 0:
            return "—"
        if not self.active_champions:
            return _("none")
        return _("1 per %(people)s") % {"people": number(self.people_per_champion)}

    @property
    def status(self):
        if self.headcount == 0:
            return CoverageStatus.EMPTY
        if not self.active_champions:
            return CoverageStatus.GAP
        if self.unit.people_per_champion > self.target:
            return CoverageStatus.BELOW
        return CoverageStatus.MET

    @property
    def status_label(self):
        return str(CoverageStatus.LABELS[self.status])

    @property
    def champions_needed(self):
        """Champions still to appoint to reach the target (0 when met or nothing to cover)."""
        needed = -(-self.headcount // self.target)  # ceiling division
        return max(0, needed - self.active_champions)


def coverage_rows(units, target):
    return [UnitCoverage(unit, target) for unit in units]


def coverage_summary(rollout, units):
    """Totals over all units of the organization: headcount, gaps, units meeting the target."""
    target = rollout.organization.champion_target_ratio
    annotated = unit_coverage(rollout, units)
    totals = annotated.aggregate(
        units=Count("pk", filter=Q(headcount__gt=0)),
        gaps=Count("pk", filter=Q(is_gap=1)),
        met=Count("pk", filter=Q(headcount__gt=0, people_per_champion__lte=target)),
        headcount=Coalesce(Sum("headcount"), 0),
    )
    totals["active"] = rollout.champions.filter(status=Champion.Status.ACTIVE).count()
    totals["target"] = target
    return totals


def _strategy_selectors():
    """strategy.selectors, the strategy step's documented read functions, or None without it."""
    try:
        return importlib.import_module("strategy.selectors")
    except ModuleNotFoundError as error:
        if error.name in ("strategy.selectors", "strategy"):
            return None
        raise


def operating_model(rollout):
    """The strategy's operating model (coverage hours, time zones), or None if not written yet."""
    selectors = _strategy_selectors()
    return None if selectors is None else selectors.operating_model(rollout)


def response_target(rollout):
    """The rollout's one response target (hours and where they come from: the strategy, else the
    organization's default), the one the Engage queue counts against; None without the strategy
    step, whose read function decides it."""
    selectors = _strategy_selectors()
    return None if selectors is None else selectors.response_target(rollout)


def needs_round_the_clock(model):
    return model is not None and getattr(model, "coverage", None) == "24_7"


def shift_coverage(rollout, model):
    """For a 24/7 operating model: active champions per (time zone, shift), empty cells included.

    Rows are the operating model's time zones plus any time zone a champion works in; columns are
    the three fixed shifts. Flexible / on-call champions count in every shift of their time zone.
    """
    counts = {
        (row["time_zone"], row["shift"]): row["n"]
        for row in rollout.champions.filter(status=Champion.Status.ACTIVE)
        .values("time_zone", "shift")
        .annotate(n=Count("pk"))
        .order_by()
    }
    zones = list(dict.fromkeys([*getattr(model, "time_zones", []), *(zone for zone, _ in counts)]))
    shifts = [Champion.Shift.DAY, Champion.Shift.EVENING, Champion.Shift.NIGHT]
    rows = []
    for zone in zones:
        flexible = counts.get((zone, Champion.Shift.FLEXIBLE), 0)
        cells = [(shift, counts.get((zone, shift), 0) + flexible) for shift in shifts]
        rows.append((zone, cells))
    gaps = sum(1 for _, cells in rows for _, n in cells if n == 0)
    return {"shifts": shifts, "rows": rows, "gaps": gaps}

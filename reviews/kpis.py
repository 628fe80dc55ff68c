"""The KPI table of a review: the strategy's success metrics, their actuals and their status.

Status rule (docs/steps/review.md, "KPI status rule"):

- The *expected* value on the review date lies on the straight line from the baseline, at the
  start of the rollout (its start date, else the strategy's first review date), to the target, at
  the metric's target date (else the rollout's target date). Before the start it is the baseline;
  from the target date on it is the target. Without a start date the line cannot be drawn and the
  expected value is the baseline; without any target date it is the target.
- The direction comes from the metric catalogue (`higher_is_better`); a custom metric's direction
  is from its baseline towards its target.
- **On track** when the actual is at or beyond the expected value in that direction; **at risk**
  when it is behind by at most 10% of the distance between baseline and target; **off track**
  otherwise. Without an actual there is no status ("No actual yet").

The strategy refuses a target equal to the baseline, so the distance is never zero; should one
exist all the same, any shortfall is off track.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from rollout.metrics import CUSTOM, catalogue

from .models import KpiStatus

AT_RISK_SHARE = Decimal("0.10")
CENT = Decimal("0.01")


def expected_value(baseline, target, on, start, target_date):
    """The value on the straight path from (start, baseline) to (target_date, target) on `on`."""
    if target_date is None:
        return target
    if start is None:
        return baseline
    if on >= target_date:
        return target
    if on <= start:
        return baseline
    share = Decimal((on - start).days) / Decimal((target_date - start).days)
    return baseline + (target - baseline) * share


def higher_is_better(metric_key, baseline, target):
    metric = catalogue.get(metric_key) if metric_key != CUSTOM else None
    if metric is not None:
        return metric.higher_is_better
    return target >= baseline


def kpi_status(actual, expected, baseline, target, higher):
    if actual is None:
        return KpiStatus.NO_DATA
    ahead = (actual - expected) if higher else (expected - actual)
    if ahead >= 0:
        return KpiStatus.ON_TRACK
    if ahead >= -abs(target - baseline) * AT_RISK_SHARE:
        return KpiStatus.AT_RISK
    return KpiStatus.OFF_TRACK


@dataclass
class KpiRow:
    """One line of the KPI table, before or after it is saved as a KpiResult."""

    metric_id: int
    metric_key: str
    name: str
    audience: str
    baseline: Decimal
    target: Decimal
    target_date: date | None
    expected: Decimal
    actual: Decimal | None
    computed: bool
    higher: bool
    note: str = ""
    previous: object = None  # the previous review's KpiResult for this metric, if any

    @property
    def status(self):
        return kpi_status(self.actual, self.expected, self.baseline, self.target, self.higher)

    @property
    def status_label(self):
        return KpiStatus(self.status).label

    @property
    def change(self):
        if self.actual is None or self.previous is None or self.previous.actual is None:
            return None
        return self.actual - self.previous.actual


def path_start(rollout, cadence):
    return rollout.start_date or (cadence.first_review_date if cadence else None)


def compute_actual(metric_key, rollout, on):
    """(actual, computed): from Rollout's own data where it has some, else (None, False) and the
    actual is entered by hand (e.g. participation before any activity report is imported)."""
    metric = catalogue.get(metric_key) if metric_key != CUSTOM else None
    if metric is None or not metric.computed:
        return None, False
    value = metric.compute(rollout, on)
    if value is None:
        return None, False
    return Decimal(str(value)).quantize(CENT), True


def kpi_rows(rollout, metrics, on, start, saved=None, previous=None):
    """The KPI table on `on` for the strategy's `metrics` (MetricTarget rows).

    `saved` maps metric id to this review's KpiResult (its hand-entered actual and note);
    `previous` maps metric id to the previous review's KpiResult, for the comparison.
    Computed actuals are computed afresh; each computation is the metric's own few queries.
    """
    saved, previous = saved or {}, previous or {}
    rows = []
    for metric in metrics:
        target_date = metric.target_date or rollout.target_date
        actual, computed = compute_actual(metric.metric_key, rollout, on)
        mine = saved.get(metric.id)
        if not computed and mine is not None:
            actual = mine.actual
        rows.append(
            KpiRow(
                metric_id=metric.id,
                metric_key=metric.metric_key,
                name=metric.name,
                audience=metric.audience,
                baseline=metric.baseline,
                target=metric.target,
                target_date=target_date,
                expected=expected_value(metric.baseline, metric.target, on, start, target_date).quantize(
                    CENT
                ),
                actual=actual,
                computed=computed,
                higher=higher_is_better(metric.metric_key, metric.baseline, metric.target),
                note=mine.note if mine else "",
                previous=previous.get(metric.id),
            )
        )
    return rows


def rows_from_results(results, previous=None):
    """The KPI table of a completed review, from its saved snapshot."""
    previous = previous or {}
    return [
        KpiRow(
            metric_id=r.metric_id,
            metric_key=r.metric_key,
            name=r.display_name,
            audience=r.audience,
            baseline=r.baseline,
            target=r.target,
            target_date=r.target_date,
            expected=r.expected if r.expected is not None else r.baseline,
            actual=r.actual,
            computed=r.computed,
            higher=higher_is_better(r.metric_key, r.baseline, r.target),
            note=r.note,
            previous=previous.get(r.metric_id),
        )
        for r in results
    ]

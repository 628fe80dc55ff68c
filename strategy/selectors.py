"""What other apps may read from the strategy (the documented read functions).

Other step apps and the dashboard import these functions, never strategy's models:

- `operating_model(rollout)` -> OperatingModel | None
- `success_metrics(rollout)` -> [MetricTarget]
- `review_cadence(rollout)` -> ReviewCadence | None
- `success_metrics_for(rollouts)` -> {rollout_id: [MetricTarget]} in one query
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from .models import SuccessMetric, Worksheet


@dataclass(frozen=True)
class OperatingModel:
    coverage: str  # "24_7", "business_hours", "custom" or "" when not chosen yet
    time_zones: list
    response_target_hours: int | None

    @property
    def is_24_7(self):
        return self.coverage == Worksheet.Coverage.ALWAYS


@dataclass(frozen=True)
class MetricTarget:
    id: int
    metric_key: str  # a key of rollout.metrics.catalogue, or "custom"
    name: str
    audience: str
    audience_size: int | None
    baseline: Decimal
    target: Decimal
    target_date: date | None
    source: str


@dataclass(frozen=True)
class ReviewCadence:
    cadence: str  # "monthly", "quarterly", "weeks"
    every_weeks: int | None
    first_review_date: date | None


def split_time_zones(text):
    return [name.strip() for name in text.split(",") if name.strip()]


def operating_model(rollout):
    worksheet = Worksheet.objects.filter(rollout=rollout).first()
    if worksheet is None:
        return None
    return OperatingModel(
        coverage=worksheet.coverage,
        time_zones=split_time_zones(worksheet.coverage_time_zones),
        response_target_hours=worksheet.response_target_hours,
    )


def _metric_target(metric):
    return MetricTarget(
        id=metric.pk,
        metric_key=metric.metric_key,
        name=metric.name,
        audience=metric.audience.name if metric.audience else "",
        audience_size=metric.audience.size if metric.audience else None,
        baseline=metric.baseline,
        target=metric.target,
        target_date=metric.target_date,
        source=metric.source,
    )


def success_metrics_for(rollouts):
    result = {rollout.pk: [] for rollout in rollouts}
    metrics = SuccessMetric.objects.filter(worksheet__rollout__in=list(result)).select_related(
        "audience", "worksheet"
    )
    for metric in metrics:
        result[metric.worksheet.rollout_id].append(_metric_target(metric))
    return result


def success_metrics(rollout):
    return success_metrics_for([rollout])[rollout.pk]


def review_cadence(rollout):
    worksheet = Worksheet.objects.filter(rollout=rollout).first()
    if worksheet is None or not worksheet.review_cadence:
        return None
    return ReviewCadence(worksheet.review_cadence, worksheet.review_every_weeks, worksheet.first_review_date)

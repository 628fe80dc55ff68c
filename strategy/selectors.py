"""What other apps may read from the strategy (the documented read functions).

Other step apps and the dashboard import these functions, never strategy's models:

- `operating_model(rollout)` -> OperatingModel | None
- `success_metrics(rollout)` -> [MetricTarget]
- `review_cadence(rollout)` -> ReviewCadence | None
- `success_metrics_for(rollouts)` -> {rollout_id: [MetricTarget]} in one query
- `response_target(rollout)` -> ResponseTarget: the one response-time target of a rollout
- `response_targets_for(rollouts)` -> {rollout_id: ResponseTarget} in one query
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext

from rollout.i18n import Phrase
from rollout.models import Rollout

from .models import SuccessMetric, Worksheet


@dataclass(frozen=True)
class OperatingModel:
    """The operating model section as written. `response_target_hours` is the worksheet's own
    setting (None when blank); a figure or page that quotes a rollout's target uses
    response_target(rollout), which falls back to the organization's default and says so."""

    coverage: str  # "24_7", "business_hours", "custom" or "" when not chosen yet
    time_zones: list[str]
    response_target_hours: int | None

    @property
    def is_24_7(self) -> bool:
        return self.coverage == Worksheet.Coverage.ALWAYS


@dataclass(frozen=True)
class MetricTarget:
    id: int
    metric_key: str  # a key of rollout.metrics.catalogue, or "custom"
    name: str
    audience: str
    audience_size: int | None
    audience_id: int | None
    baseline: Decimal
    target: Decimal
    target_date: date | None
    source: str


@dataclass(frozen=True)
class ReviewCadence:
    cadence: str  # "monthly", "quarterly", "weeks"
    every_weeks: int | None
    first_review_date: date | None


@dataclass(frozen=True)
class ResponseTarget:
    """Within how many hours every question of a rollout should get its first reply, and where that
    number comes from. A rollout has exactly one: its strategy's (the operating model), else the
    organization's default. Every figure, page, email and API field that mentions a response target
    reads it from here, so they can never disagree.

    `str(target)` is how pages say it: "4 h, from the strategy" or "24 h, the organization's default",
    in the active language; `phrase` is the same as a Phrase, for text that is stored and read later
    in the reader's language (step figures).
    """

    STRATEGY = "strategy"
    ORGANIZATION = "organization"

    hours: int
    source: str  # STRATEGY or ORGANIZATION

    @property
    def seconds(self) -> int:
        return self.hours * 3600

    @property
    def from_strategy(self) -> bool:
        return self.source == self.STRATEGY

    @property
    def source_label(self) -> str:
        return gettext("from the strategy") if self.from_strategy else gettext("the organization's default")

    @property
    def phrase(self) -> Phrase:
        if self.from_strategy:
            return Phrase.gettext("%(hours)s h, from the strategy", hours=self.hours)
        return Phrase.gettext("%(hours)s h, the organization's default", hours=self.hours)

    def __str__(self) -> str:
        return str(self.phrase)


def split_time_zones(text: str) -> list[str]:
    return [name.strip() for name in text.split(",") if name.strip()]


def operating_model(rollout: Rollout) -> OperatingModel | None:
    worksheet = Worksheet.objects.filter(rollout=rollout).first()
    if worksheet is None:
        return None
    return OperatingModel(
        coverage=worksheet.coverage,
        time_zones=split_time_zones(worksheet.coverage_time_zones),
        response_target_hours=worksheet.response_target_hours,
    )


def _metric_target(metric: SuccessMetric) -> MetricTarget:
    return MetricTarget(
        id=metric.pk,
        metric_key=metric.metric_key,
        name=metric.name,
        audience=metric.audience.name if metric.audience else "",
        audience_size=metric.audience.size if metric.audience else None,
        audience_id=metric.audience_id,
        baseline=metric.baseline,
        target=metric.target,
        target_date=metric.target_date,
        source=metric.source,
    )


def success_metrics_for(rollouts: Collection[Rollout]) -> dict[int, list[MetricTarget]]:
    result: dict[int, list[MetricTarget]] = {rollout.pk: [] for rollout in rollouts}
    metrics = SuccessMetric.objects.filter(worksheet__rollout__in=list(result)).select_related(
        "audience", "worksheet"
    )
    for metric in metrics:
        result[metric.worksheet.rollout_id].append(_metric_target(metric))
    return result


def success_metrics(rollout: Rollout) -> list[MetricTarget]:
    return success_metrics_for([rollout])[rollout.pk]


def review_cadence(rollout: Rollout) -> ReviewCadence | None:
    worksheet = Worksheet.objects.filter(rollout=rollout).first()
    if worksheet is None or not worksheet.review_cadence:
        return None
    return ReviewCadence(worksheet.review_cadence, worksheet.review_every_weeks, worksheet.first_review_date)


def response_targets_for(rollouts: Collection[Rollout]) -> dict[int, ResponseTarget]:
    """{rollout id: ResponseTarget} for `rollouts` (instances or a queryset of them) in one query,
    whatever their number: the strategy's target where its worksheet sets one, else the
    organization's default. For health and portfolio figures that handle many rollouts at once."""
    wanted: Any  # a subquery of the rollouts' ids, or a list of them
    if isinstance(rollouts, QuerySet):
        wanted = rollouts.values("pk")
    else:
        wanted = [rollout.pk for rollout in rollouts]
        if not wanted:
            return {}
    rows = Rollout.objects.filter(pk__in=wanted).values_list(
        "pk", "worksheet__response_target_hours", "organization__response_target_hours"
    )
    return {
        pk: ResponseTarget(strategy, ResponseTarget.STRATEGY)
        if strategy
        else ResponseTarget(default, ResponseTarget.ORGANIZATION)
        for pk, strategy, default in rows
    }


def response_target(rollout: Rollout) -> ResponseTarget:
    """The rollout's one response-time target (see ResponseTarget), in one query."""
    return response_targets_for([rollout])[rollout.pk]

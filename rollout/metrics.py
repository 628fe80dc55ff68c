"""The metric catalogue: what a success metric (strategy step) can measure.

Step apps register the metrics they can compute from Rollout's own data in their
`AppConfig.ready()`; the strategy worksheet offers every registered metric plus "custom"
(entered by hand at each review). The centre knows no metric itself.

    from rollout.metrics import Metric, catalogue

    catalogue.register(Metric(
        key="champion_coverage",
        label="Champion coverage",
        unit="people per champion",
        help="People per active champion, shown as 1 per N.",
        compute=coverage_for,          # (rollout, as_of: date) -> float | None
        higher_is_better=False,
    ))

`compute` may be None for metrics whose data a later step imports (the value is then entered by
hand until that step provides it).
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from .i18n import Text

CUSTOM = "custom"


@dataclass(frozen=True)
class Metric:
    key: str
    label: Text
    unit: Text
    help: Text
    compute: Callable | None = None
    higher_is_better: bool = True

    @property
    def computed(self):
        return self.compute is not None


class MetricCatalogue:
    def __init__(self):
        self._metrics = {}

    def register(self, metric):
        if metric.key in self._metrics or metric.key == CUSTOM:
            raise ValueError(f"A metric with key {metric.key!r} is already registered.")
        self._metrics[metric.key] = metric
        return metric

    def replace(self, metric):
        """Swap in a metric (e.g. a later step adds `compute` to a metric declared earlier)."""
        self._metrics[metric.key] = metric
        return metric

    def get(self, key):
        return self._metrics.get(key)

    def all(self):
        return sorted(self._metrics.values(), key=lambda metric: metric.label)

    def choices(self):
        return [(metric.key, metric.label) for metric in self.all()] + [
            (CUSTOM, _("Custom metric (entered by hand)"))
        ]


catalogue = MetricCatalogue()

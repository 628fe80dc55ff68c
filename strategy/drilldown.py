"""The rows behind the Strategize figures (rollout/drilldown.py): the success metrics and their
targets, as the portfolio's "Targets" counts them, with a CSV of the same rows. Staff read them, as
they read the worksheet."""

from django.urls import reverse

from rollout import drilldown
from rollout.access import STAFF

from .selectors import success_metrics
from .step import plain_number


def _targets(rollout):
    metrics = success_metrics(rollout)
    return drilldown.Rows(
        title="Success metrics and their targets",
        explanation=(
            "Every success metric of the strategy (section 6 of the worksheet), in the order they "
            "were written: where the rollout starts (baseline), where it wants to be (target) and by "
            "when. The portfolio names the first three."
        ),
        definition="targets",
        columns=("Success metric", "Audience", "Baseline", "Target", "Target date", "Data source"),
        items=metrics,
        row=lambda m: [
            m.name,
            m.audience or "—",
            plain_number(m.baseline),
            plain_number(m.target),
            drilldown.day(m.target_date) or "none set",
            m.source or "Rollout's own data",
        ],
        csv_url=reverse("strategy:targets_csv", kwargs={"pk": rollout.pk}),
        back=("Strategy", reverse("strategy:worksheet", kwargs={"pk": rollout.pk})),
        total=f"{len(metrics)} success metric{'s' if len(metrics) != 1 else ''} defined.",
        noun=("success metric", "success metrics"),
        empty="No success metric yet: add them in section 6 of the worksheet.",
    )


targets, targets_csv = drilldown.views(STAFF, lambda request, rollout: _targets(rollout))

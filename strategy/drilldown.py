"""The rows behind the Strategize figures (rollout/drilldown.py): the success metrics and their
targets, as the portfolio's "Targets" counts them, with a CSV of the same rows. Staff read them, as
they read the worksheet."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rollout import drilldown
from rollout.access import STAFF

from .selectors import success_metrics
from .step import plain_number


def _targets(rollout):
    metrics = success_metrics(rollout)
    return drilldown.Rows(
        title=gettext_lazy("Success metrics and their targets"),
        explanation=_(
            "Every success metric of the strategy (section 6 of the worksheet), in the order they "
            "were written: where the rollout starts (baseline), where it wants to be (target) and by "
            "when. The portfolio names the first three."
        ),
        definition="targets",
        columns=(
            _("Success metric"),
            _("Audience"),
            _("Baseline"),
            _("Target"),
            _("Target date"),
            _("Data source"),
        ),
        items=metrics,
        row=lambda m: [
            m.name,
            m.audience or "—",
            plain_number(m.baseline),
            plain_number(m.target),
            drilldown.day(m.target_date) or _("none set"),
            m.source or _("Rollout's own data"),
        ],
        csv_url=reverse("strategy:targets_csv", kwargs={"pk": rollout.pk}),
        back=(_("Strategy"), reverse("strategy:worksheet", kwargs={"pk": rollout.pk})),
        total=ngettext(
            "%(count)s success metric defined.", "%(count)s success metrics defined.", len(metrics)
        )
        % {"count": len(metrics)},
        noun=(_("success metric"), _("success metrics")),
        empty=_("No success metric yet: add them in section 6 of the worksheet."),
    )


targets, targets_csv = drilldown.views(STAFF, lambda request, rollout: _targets(rollout))

"""The rows behind the Review figures (rollout/drilldown.py), each with a CSV of the same rows: the
KPIs of a completed review (the portfolio's "KPIs on track"), and the CSV of the actions page
(its "Open actions" with ?status=open). Staff read them, as they read the reviews."""

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rollout import drilldown
from rollout.access import STAFF
from rollout.i18n import Phrase

from . import selectors
from .models import Action, KpiStatus, Review


def _number(value):
    """12.50 -> "12.5", 5.00 -> "5", None -> "" (no actual recorded)."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _kpis(request, rollout):
    completed = Review.objects.filter(rollout=rollout, status=Review.Status.COMPLETED)
    wanted = request.GET.get("review")
    if wanted is None:
        review = completed.order_by("-number").first()
        if review is None:
            raise Http404("No review is completed yet.")
    elif not wanted.isdigit():
        raise Http404("No such review.")
    else:
        review = get_object_or_404(completed, number=int(wanted))
    kpis = review.kpis.order_by("pk")
    counts = kpis.aggregate(
        on_track=Count("pk", filter=Q(status=KpiStatus.ON_TRACK)),
        at_risk=Count("pk", filter=Q(status=KpiStatus.AT_RISK)),
        off_track=Count("pk", filter=Q(status=KpiStatus.OFF_TRACK)),
        total=Count("pk"),
    )
    return drilldown.Rows(
        title=Phrase.gettext("KPIs at review %(number)s", number=review.number),
        explanation=_(
            "Every success metric as review %(number)s recorded it when it was completed "
            "(%(date)s): its actual against where "
            "the path from the baseline to the target expected it by then, and the status the review "
            "gave it. A KPI without an actual counts in the total and not as on track."
        )
        % {"number": review.number, "date": drilldown.day(review.completed_on) or _("date not recorded")},
        definition="kpis-on-track",
        columns=(
            _("Success metric"),
            _("Audience"),
            _("Baseline"),
            _("Expected by then"),
            _("Actual"),
            _("Target"),
            _("Target date"),
            _("Status"),
            _("Note"),
        ),
        items=kpis,
        row=lambda kpi: [
            kpi.display_name,
            kpi.audience or "—",
            _number(kpi.baseline),
            _number(kpi.expected),
            _number(kpi.actual),
            _number(kpi.target),
            drilldown.day(kpi.target_date),
            kpi.get_status_display(),
            kpi.note,
        ],
        csv_url=reverse("reviews:kpis_csv", kwargs={"pk": rollout.pk}),
        back=(
            _("Review %(number)s") % {"number": review.number},
            reverse("reviews:detail", kwargs={"pk": rollout.pk, "review": review.pk}),
        ),
        total=ngettext(
            "%(on_track)s of %(total)s on track (%(at_risk)s at risk, %(off_track)s off track).",
            "%(on_track)s of %(total)s on track (%(at_risk)s at risk, %(off_track)s off track).",
            counts["total"],
        )
        % counts,
        noun=(_("KPI"), _("KPIs")),
        empty=_("This review recorded no KPI."),
    )


def _actions(request, rollout):
    """The rows of the actions page for the same ?status= (the page's own rule for it)."""
    status = request.GET.get("status", "open")
    if status not in {"", "open", *Action.Status.values}:
        status = "open"
    today = selectors.today_in(rollout.organization)
    actions = selectors.actions_of(rollout, status)
    # One whole title per status (a Phrase: the export's audit summary reads it in the reader's language).
    title = {
        "": Phrase.gettext("Actions from the reviews (all)"),
        "open": Phrase.gettext("Actions from the reviews (open and in progress)"),
        Action.Status.IN_PROGRESS: Phrase.gettext("Actions from the reviews (in progress)"),
        Action.Status.DONE: Phrase.gettext("Actions from the reviews (done)"),
        Action.Status.DROPPED: Phrase.gettext("Actions from the reviews (dropped)"),
    }[status]
    return drilldown.Rows(
        title=title,
        explanation="",
        definition="open-actions",
        columns=(
            _("Action"),
            _("Owner"),
            _("Due"),
            _("Overdue"),
            _("Status"),
            _("Raised in"),
            _("Closed in"),
        ),
        items=actions,
        row=lambda action: [
            action.title,
            str(action.owner or "—"),
            drilldown.day(action.due_date),
            _("yes") if action.is_open and action.due_date and action.due_date < today else _("no"),
            action.get_status_display(),
            _("Review %(number)s") % {"number": action.raised_in.number},
            _("Review %(number)s") % {"number": action.closed_in.number} if action.closed_in else "",
        ],
        csv_url=reverse("reviews:actions_csv", kwargs={"pk": rollout.pk}),
    )


kpis, kpis_csv = drilldown.views(STAFF, _kpis)
actions_csv = drilldown.views(STAFF, _actions)[1]  # the actions page itself is reviews:actions

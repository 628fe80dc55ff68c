"""The questions behind the "answered within the target" figure (rollout/drilldown.py), with a CSV
of the same rows: the questions asked in the last 30 days, each with its outcome against the
rollout's response target, or (?status=open) every question still waiting for a first reply.
Rows name no asker; a unit with fewer questions than the organization's minimum group size shows
as "Other", as the response times by unit merge it. Staff read them, as they read the queue."""

from datetime import timedelta

from django.db.models import Count
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rollout import drilldown
from rollout.i18n import percent
from strategy.selectors import response_target

from .. import selectors
from ..roles import READERS

RECENT, OPEN = "recent", "open"


def outcome(question, target, now):
    """How the question counts in "answered within the target" (selectors.response_summary)."""
    if question.first_response_at is not None:
        if question.response_seconds is not None and question.response_seconds <= target.seconds:
            return _("answered within the target")
        return _("answered after the target")
    if question.created_at <= now - timedelta(hours=target.hours):
        return _("waiting, past the target")
    return _("waiting, not yet due (not counted yet)")


def _rows(request, rollout, now):
    status = request.GET.get("status", RECENT)
    if status not in (RECENT, OPEN):
        raise Http404("No such list of questions.")
    target = response_target(rollout)
    questions = selectors.questions(rollout)
    if status == OPEN:
        questions = questions.filter(first_response_at__isnull=True)
    else:
        questions = questions.filter(created_at__gte=now - timedelta(days=30))
    minimum = rollout.organization.privacy_min_group
    shown = {
        row["unit_id"]
        for row in questions.exclude(unit=None).values("unit_id").annotate(n=Count("pk")).order_by()
        if row["n"] >= minimum
    }
    questions = questions.select_related("unit").order_by("created_at", "pk")
    rows = {
        "columns": (
            _("Asked"),
            _("Question"),
            _("Unit"),
            _("First response"),
            _("Hours to first response"),
            _("Outcome"),
        ),
        "items": questions,
        "row": lambda question: [
            drilldown.when(question.created_at),
            Truncator(question.text or _("(no text)")).chars(120),
            question.unit.name if question.unit_id in shown else str(selectors.OTHER),
            drilldown.when(question.first_response_at) or "—",
            round(question.response_seconds / 3600, 1) if question.response_seconds is not None else "",
            outcome(question, target, now),
        ],
        "csv_url": reverse("engage:queue_questions_csv", kwargs={"pk": rollout.pk}),
        "back": (_("Unanswered queue"), reverse("engage:queue", kwargs={"pk": rollout.pk})),
        "noun": (_("question"), _("questions")),
    }
    if status == OPEN:
        summary = selectors.response_summary(rollout, now=now, target=target)
        return drilldown.Rows(
            **rows,
            title=gettext_lazy("Questions waiting for a first reply"),
            definition="questions-waiting",
            explanation=_(
                "Every question of this rollout without a first response yet, however old, oldest "
                "first, against the response target (%(target)s). Units with fewer than %(minimum)s "
                "of these questions are merged into “Other”."
            )
            % {"target": target, "minimum": minimum},
            total=_("%(open)s waiting, %(overdue)s of them past the target.")
            % {"open": summary["open"], "overdue": summary["overdue"]},
            empty=_("No question is waiting for a first reply."),
        )
    summary = selectors.response_summary(rollout, since=now - timedelta(days=30), now=now, target=target)
    share = percent(summary["within_share"], 0) if summary["within_share"] is not None else _("not yet known")
    return drilldown.Rows(
        **rows,
        title=gettext_lazy("Questions of the last 30 days"),
        definition="answered-within-the-target",
        explanation=_(
            "Every question asked in this rollout in the 30 days up to now, oldest first, with its "
            "outcome against the response target (%(target)s). A question answered, or still waiting "
            "past the target, counts; one still waiting within the target does not count yet. "
            "Units with fewer than %(minimum)s of these questions are merged into “Other”."
        )
        % {"target": target, "minimum": minimum},
        total=_(
            "%(within)s of the %(decided)s questions that count were answered within the target: %(share)s."
        )
        % {"within": summary["within"], "decided": summary["decided"], "share": share},
        empty=_("No question was asked in the last 30 days."),
    )


questions, questions_csv = drilldown.views(
    READERS, lambda request, rollout: _rows(request, rollout, timezone.now())
)

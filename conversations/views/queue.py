"""The unanswered queue: oldest first (a champion's units first), claim, mark answered, hand on;
and response times (TTFR, answered within target) per period and unit."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.data_versions import remember
from rollout.models import Role
from strategy.selectors import response_target

from .. import selectors, services
from ..forms import AnsweredForm, HandOnForm, PeriodForm
from ..models import Thread
from ..roles import EDITORS, READERS, WORKERS
from . import PAGE_SIZE

SUMMARY_SECONDS = 60


@role_required(READERS)
def queue(request, pk):
    rollout = request.scope.rollout(pk)
    rollout.organization = request.scope.organization  # the same row, loaded with the membership
    # A champion's unit (their membership's, already loaded with the scope) comes first.
    unit = request.scope.membership.unit_id if request.scope.role == Role.CHAMPION else None
    mine = [unit] if unit else []
    questions = selectors.unanswered_questions(rollout, first_units=mine)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    target = response_target(rollout)
    now = timezone.now()
    links = QueueLinks(rollout)
    manager = request.scope.has_role(EDITORS)
    rows = [
        queue_row(q, request.user, now, timedelta(hours=target.hours), mine, manager, links) for q in page
    ]
    return render(
        request,
        "engage/conversations/queue.html",
        {
            "rollout": rollout,
            "page": page,
            "rows": rows,
            "target": target,
            # The last 30 days' answers: read again after an answer (a new data version) or a minute.
            "summary": remember(
                ("queue-summary", rollout.pk),
                lambda: selectors.response_summary(
                    rollout, since=now - timedelta(days=30), now=now, target=target
                ),
                timeout=SUMMARY_SECONDS,
                organization=rollout.organization_id,
                rollout=rollout.pk,
                apps={"conversations", "strategy"},
            ),
            "can_work": request.scope.has_role(WORKERS),
            "my_units": mine,
        },
    )


@dataclass
class QueueRow:
    """One question of the queue as the page shows it, its sentences made here: a page of 25 rows
    costs a fraction of what the same lookups, filters and translations cost in the template."""

    pk: int
    text: str
    asker: str  # "name · unit · channel"
    asked: str  # "asked Thu 3 Dec, 10:42"
    waiting: str  # "waiting 2 days", with the target when past it
    late: bool  # waiting past the rollout's response target
    theirs: bool  # asked in one of the champion's units
    claimed: str  # "" (nobody), else "claimed by you" or by the person's name
    may_act: bool  # mark answered, hand on: see _may_work_on
    links: dict  # action -> URL


def queue_row(question, user, now, target, mine, manager, links):
    asked = timezone.localtime(question.created_at)
    where = [question.author_name or question.author_key]
    if question.unit is not None:
        where.append(question.unit.name)
    if question.thread.channel:
        where.append(question.thread.channel)
    elif question.thread.source == Thread.Source.ASKED:
        where.append(_("asked in Rollout"))
    claimed = ""
    if question.claimed_by_id is not None:
        who = _("you") if question.claimed_by_id == user.pk else str(question.claimed_by)
        claimed = _("claimed by %(who)s") % {"who": who}
    late = now - question.created_at > target
    waited = timesince(question.created_at, now)
    if late:
        hours = int(target.total_seconds() // 3600)
        waiting = _("waiting %(waiting)s (past the %(hours)s h target)") % {"waiting": waited, "hours": hours}
    else:
        waiting = _("waiting %(waiting)s") % {"waiting": waited}
    return QueueRow(
        pk=question.pk,
        text=Truncator(question.shown_text or _("(no text)")).chars(280),
        asker=" · ".join(where),
        asked=_("asked %(asked)s") % {"asked": date_format(asked, "D j M, H:i")},
        waiting=waiting,
        late=late,
        theirs=question.unit_id in mine,
        claimed=claimed,
        may_act=manager or question.claimed_by_id in (None, user.pk),
        links=links.of(question),
    )


class QueueLinks:
    """The URLs of a question's actions (claim, answered, hand on), built from one reverse() per
    action and page: a page of 25 questions otherwise spends more time in reverse() than in its
    queries."""

    MARKER = 2**31 - 1  # a question id no row has, replaced by each row's

    def __init__(self, rollout):
        self.patterns = {
            action: reverse(f"engage:queue_{action}", args=[rollout.pk, self.MARKER])
            for action in ("claim", "answered", "hand_on")
        }

    def of(self, question):
        marker, pk = f"/{self.MARKER}/", f"/{question.pk}/"
        return {action: url.replace(marker, pk) for action, url in self.patterns.items()}


def _question(request, rollout, question):
    return get_object_or_404(
        selectors.questions(rollout).select_related("rollout", "claimed_by"), pk=question
    )


@role_required(WORKERS)
@require_POST
def claim(request, pk, question):
    rollout = request.scope.rollout(pk)
    question = _question(request, rollout, question)
    if services.claim(question, request.user):
        messages.success(request, _("Claimed: the question is yours to answer."))
        return redirect("engage:queue", pk=rollout.pk)
    question.refresh_from_db()
    if question.first_response_at:
        messages.info(request, _("This question has been answered already."))
    elif question.claimed_by:
        messages.warning(
            request, _("%(person)s claimed this question first.") % {"person": question.claimed_by}
        )
    else:
        messages.warning(request, _("Someone claimed this question first."))
    return redirect("engage:queue", pk=rollout.pk)


def _may_work_on(request, question):
    """Champions act on questions they claimed or nobody claimed; managers on any."""
    if request.scope.has_role(EDITORS):
        return
    if question.claimed_by_id not in (None, request.user.pk):
        raise PermissionDenied(
            _("Another person claimed this question; ask them or a manager to hand it on.")
        )


@role_required(WORKERS)
def answered(request, pk, question):
    rollout = request.scope.rollout(pk)
    question = _question(request, rollout, question)
    _may_work_on(request, question)
    if question.first_response_at:
        messages.info(request, _("This question has been answered already."))
        return redirect("engage:queue", pk=rollout.pk)
    form = AnsweredForm(request.POST or None)
    if form.is_valid():
        if services.mark_answered(
            question, request.user, form.cleaned_data["url"], form.cleaned_data["text"]
        ):
            messages.success(request, _("Marked answered. Thank you!"))
        else:
            messages.info(request, _("Someone answered this question a moment ago."))
        return redirect("engage:queue", pk=rollout.pk)
    return render(
        request,
        "engage/conversations/question_action.html",
        {"rollout": rollout, "question": question, "form": form, "action": "answered"},
    )


@role_required(WORKERS)
def hand_on(request, pk, question):
    rollout = request.scope.rollout(pk)
    question = _question(request, rollout, question)
    _may_work_on(request, question)
    form = HandOnForm(request.POST or None, scope=request.scope, exclude=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        if services.hand_on(question, request.user, person, manager=request.scope.has_role(EDITORS)):
            messages.success(request, _("Handed on to %(person)s.") % {"person": person})
        else:
            messages.warning(
                request, _("The question changed meanwhile (answered or claimed by someone else).")
            )
        return redirect("engage:queue", pk=rollout.pk)
    return render(
        request,
        "engage/conversations/question_action.html",
        {"rollout": rollout, "question": question, "form": form, "action": "hand_on"},
    )


@role_required(READERS)
def response_times(request, pk):
    rollout = request.scope.rollout(pk)
    period = PeriodForm(request.GET or None)
    days = (period.is_valid() and period.cleaned_data["days"]) or 90
    now = timezone.now()
    since = now - timedelta(days=days)
    target = response_target(rollout)
    weeks = selectors.response_by_week([rollout], weeks=12, now=now, targets={rollout.pk: target})
    return render(
        request,
        "engage/conversations/response_times.html",
        {
            "rollout": rollout,
            "period": period,
            "days": days,
            "target": target,
            "summary": selectors.response_summary(rollout, since=since, now=now, target=target),
            "units": selectors.response_by_unit(rollout, since=since, now=now, target=target),
            "weeks": weeks[rollout.pk][::-1],
            "threshold": request.scope.organization.privacy_min_group,
        },
    )

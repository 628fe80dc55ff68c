"""The unanswered queue: oldest first (a champion's units first), claim, mark answered, hand on;
and response times (TTFR, answered within target) per period and unit."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.models import Role

from .. import selectors, services
from ..forms import AnsweredForm, HandOnForm, PeriodForm
from ..roles import EDITORS, READERS, WORKERS
from . import PAGE_SIZE, in_organization_time


@role_required(READERS)
@in_organization_time
def queue(request, pk):
    rollout = request.scope.rollout(pk)
    mine = (
        selectors.units_of(request.user, request.scope.organization)
        if request.scope.role == Role.CHAMPION
        else []
    )
    questions = selectors.unanswered_questions(rollout, first_units=mine)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    target = timedelta(hours=request.scope.organization.response_target_hours)
    now = timezone.now()
    rows = [(q, now - q.created_at, now - q.created_at > target, q.unit_id in mine) for q in page]
    return render(
        request,
        "engage/conversations/queue.html",
        {
            "rollout": rollout,
            "page": page,
            "rows": rows,
            "target_hours": request.scope.organization.response_target_hours,
            "summary": selectors.response_summary(rollout, since=now - timedelta(days=30), now=now),
            "can_work": request.scope.has_role(WORKERS),
            "my_units": mine,
        },
    )


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
        messages.success(request, "Claimed: the question is yours to answer.")
        return redirect("engage:queue", pk=rollout.pk)
    question.refresh_from_db()
    if question.first_response_at:
        messages.info(request, "This question has been answered already.")
    else:
        messages.warning(request, f"{question.claimed_by or 'Someone'} claimed this question first.")
    return redirect("engage:queue", pk=rollout.pk)


def _may_work_on(request, question):
    """Champions act on questions they claimed or nobody claimed; managers on any."""
    if request.scope.has_role(EDITORS):
        return
    if question.claimed_by_id not in (None, request.user.pk):
        raise PermissionDenied("Another person claimed this question; ask them or a manager to hand it on.")


@role_required(WORKERS)
@in_organization_time
def answered(request, pk, question):
    rollout = request.scope.rollout(pk)
    question = _question(request, rollout, question)
    _may_work_on(request, question)
    if question.first_response_at:
        messages.info(request, "This question has been answered already.")
        return redirect("engage:queue", pk=rollout.pk)
    form = AnsweredForm(request.POST or None)
    if form.is_valid():
        if services.mark_answered(question, request.user, form.cleaned_data["url"]):
            messages.success(request, "Marked answered. Thank you!")
        else:
            messages.info(request, "Someone answered this question a moment ago.")
        return redirect("engage:queue", pk=rollout.pk)
    return render(
        request,
        "engage/conversations/question_action.html",
        {"rollout": rollout, "question": question, "form": form, "action": "answered"},
    )


@role_required(WORKERS)
@in_organization_time
def hand_on(request, pk, question):
    rollout = request.scope.rollout(pk)
    question = _question(request, rollout, question)
    _may_work_on(request, question)
    form = HandOnForm(request.POST or None, scope=request.scope, exclude=request.user)
    if form.is_valid():
        person = form.cleaned_data["person"]
        if services.hand_on(question, request.user, person, manager=request.scope.has_role(EDITORS)):
            messages.success(request, f"Handed on to {person}.")
        else:
            messages.warning(request, "The question changed meanwhile (answered or claimed by someone else).")
        return redirect("engage:queue", pk=rollout.pk)
    return render(
        request,
        "engage/conversations/question_action.html",
        {"rollout": rollout, "question": question, "form": form, "action": "hand_on"},
    )


@role_required(READERS)
@in_organization_time
def response_times(request, pk):
    rollout = request.scope.rollout(pk)
    period = PeriodForm(request.GET or None)
    days = (period.is_valid() and period.cleaned_data["days"]) or 90
    now = timezone.now()
    since = now - timedelta(days=days)
    return render(
        request,
        "engage/conversations/response_times.html",
        {
            "rollout": rollout,
            "period": period,
            "days": days,
            "target_hours": request.scope.organization.response_target_hours,
            "summary": selectors.response_summary(rollout, since=since, now=now),
            "units": selectors.response_by_unit(rollout, since=since, now=now),
            "weeks": selectors.response_by_week([rollout], weeks=12, now=now)[rollout.pk][::-1],
            "threshold": request.scope.organization.privacy_min_group,
        },
    )

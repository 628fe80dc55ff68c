"""Rollout list, create/edit, overview and the step pages."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render

from .. import portfolio
from ..access import EDITORS, LEADERS, STAFF, role_required
from ..forms import RolloutFilterForm, RolloutForm
from ..pagecache import cached_page
from ..paging import PAGE_SIZE
from ..steps import overall_score, registry


def _health_rows(organization, rollouts):
    """[(rollout, [(step, StepHealth)] in step order, overall score)], from the portfolio's cached
    figures for the whole organization (rollout/portfolio.py)."""
    healths = portfolio.healths_for(organization, rollouts)
    return [
        (rollout, healths[rollout.pk], overall_score(health for _, health in healths[rollout.pk]))
        for rollout in rollouts
    ]


@role_required(STAFF)
def rollout_list(request):
    rollouts = request.scope.rollouts()
    filters = RolloutFilterForm(request.GET or None)
    if filters.is_valid():
        if status := filters.cleaned_data["status"]:
            rollouts = rollouts.filter(status=status)
        if q := filters.cleaned_data["q"]:
            rollouts = rollouts.filter(Q(name__icontains=q) | Q(platform__name__icontains=q))
    page = Paginator(rollouts.order_by("name", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "rollout/rollout_list.html",
        {
            "page": page,
            "rows": _health_rows(request.scope.organization, list(page.object_list)),
            "filters": filters,
            "steps": registry.steps(),
            "can_edit": request.scope.has_role(EDITORS),
        },
    )


@role_required(EDITORS)
def rollout_create(request):
    form = RolloutForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        rollout = form.save()
        messages.success(request, f"Rollout “{rollout}” created. Start with its strategy.")
        return redirect("rollout:overview", pk=rollout.pk)
    return render(request, "rollout/rollout_form.html", {"form": form})


@role_required(EDITORS)
def rollout_edit(request, pk):
    rollout = request.scope.rollout(pk)
    form = RolloutForm(request.POST or None, instance=rollout, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, "Rollout saved.")
        return redirect("rollout:overview", pk=rollout.pk)
    return render(request, "rollout/rollout_form.html", {"form": form, "rollout": rollout})


@role_required(STAFF)
@cached_page
def rollout_overview(request, pk):
    rollout = request.scope.rollout(pk)
    [(_, healths, overall)] = _health_rows(request.scope.organization, [rollout])
    return render(
        request,
        "rollout/rollout_overview.html",
        {
            "rollout": rollout,
            "healths": healths,
            "overall": overall,
            "can_edit": request.scope.has_role(EDITORS),
            "can_see_trends": request.scope.has_role(LEADERS),
        },
    )


@role_required(STAFF)
def step_page(request, pk, step):
    """A step's guide: the questions it makes the rollout answer, and its health so far."""
    rollout = request.scope.rollout(pk)
    found = registry.get(step)
    if found is None:
        raise Http404("No such step.")
    health = portfolio.step_health(request.scope.organization, rollout, found.key)
    return render(
        request,
        "rollout/step.html",
        {
            "rollout": rollout,
            "step": found,
            "health": health,
            "steps": [(other, other.url(rollout)) for other in registry.steps()],
        },
    )

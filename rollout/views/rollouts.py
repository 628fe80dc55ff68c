"""Rollout list, create/edit, overview and the step pages."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .. import figures, portfolio
from ..access import EDITORS, LEADERS, STAFF, role_required
from ..forms import RolloutFilterForm, RolloutForm
from ..paging import PAGE_SIZE
from ..steps import registry


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
    rows = portfolio.rows_for(page.object_list, user=request.user, changes=False)
    return render(
        request,
        "rollout/rollout_list.html",
        {
            "page": page,
            "rows": [(row.rollout, row.healths, row.overall) for row in rows],
            "as_of": portfolio.as_of(rows),
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
        messages.success(
            request, _("Rollout “%(name)s” created. Start with its strategy.") % {"name": rollout}
        )
        return redirect("rollout:overview", pk=rollout.pk)
    return render(request, "rollout/rollout_form.html", {"form": form})


@role_required(EDITORS)
def rollout_edit(request, pk):
    rollout = request.scope.rollout(pk)
    form = RolloutForm(request.POST or None, instance=rollout, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("Rollout saved."))
        return redirect("rollout:overview", pk=rollout.pk)
    return render(request, "rollout/rollout_form.html", {"form": form, "rollout": rollout})


@role_required(STAFF)
def rollout_overview(request, pk):
    rollout = request.scope.rollout(pk)
    [row] = portfolio.rows_for([rollout], user=request.user, changes=False)
    return render(
        request,
        "rollout/rollout_overview.html",
        {
            "rollout": rollout,
            "row": row,
            # Read only when the step cards are not in the cache (the template's {% cache %}).
            "healths": SimpleLazyObject(lambda: row.healths),
            "overall": row.overall,
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
        raise Http404(_("No such step."))
    stored = figures.of_rollout(rollout, user=request.user)
    return render(
        request,
        "rollout/step.html",
        {
            "rollout": rollout,
            "step": found,
            "health": stored.health[found.key],
            "figures": stored,
            "steps": [(other, other.url(rollout)) for other in registry.steps()],
        },
    )

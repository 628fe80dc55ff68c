"""Appraisal objectives tied to the rollout, for a person or a role, recorded by managers."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from ..forms import AppraisalObjectiveForm
from ..roles import EDITORS


@role_required(EDITORS)
def objectives(request, pk):
    rollout = request.scope.rollout(pk)
    form = AppraisalObjectiveForm(request.POST or None, scope=request.scope, rollout=rollout)
    if form.is_valid():
        objective = form.save(commit=False)
        objective.created_by = request.user
        objective.save()
        messages.success(request, _("Objective “%(objective)s” recorded.") % {"objective": objective})
        return redirect("incentives:objectives", pk=rollout.pk)
    listed = rollout.appraisal_objectives.select_related("person", "created_by")
    page = Paginator(listed, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "incentives/objectives.html", {"rollout": rollout, "form": form, "page": page})


@role_required(EDITORS)
def objective_edit(request, pk, objective):
    rollout = request.scope.rollout(pk)
    objective = get_object_or_404(rollout.appraisal_objectives, pk=objective)
    form = AppraisalObjectiveForm(
        request.POST or None, instance=objective, scope=request.scope, rollout=rollout
    )
    if form.is_valid():
        form.save()
        messages.success(request, _("Objective “%(objective)s” saved.") % {"objective": objective})
        return redirect("incentives:objectives", pk=rollout.pk)
    return render(
        request, "incentives/objective_form.html", {"rollout": rollout, "form": form, "objective": objective}
    )


@role_required(EDITORS)
@require_POST
def objective_delete(request, pk, objective):
    rollout = request.scope.rollout(pk)
    objective = get_object_or_404(rollout.appraisal_objectives, pk=objective)
    objective.delete()
    messages.success(request, _("Objective “%(objective)s” deleted.") % {"objective": objective})
    return redirect("incentives:objectives", pk=rollout.pk)

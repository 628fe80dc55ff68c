"""The step's landing page for a rollout: health, the guidelines that apply with their rates,
training completion and (for managers) the open incidents."""

from django.shortcuts import render

from rollout.access import role_required
from rollout.portfolio import step_context
from rollout.steps import registry

from ..models import Incident
from ..roles import MANAGERS, READERS
from ..selectors import (
    guideline_figures,
    guidelines_for_rollout,
    incident_summary,
    open_for_rollout,
    open_incidents,
    training_figures,
)


@role_required(READERS)
def home(request, pk):
    rollout = request.scope.rollout(pk)
    step = registry.get("trust")
    guidelines = guidelines_for_rollout([rollout])
    figures = guideline_figures(guidelines)
    context = {
        "rollout": rollout,
        "step": step,
        **step_context(rollout, step.key, request.user),  # its health and when it was computed
        "guidelines": [(guideline, figures.get(guideline.pk)) for guideline in guidelines],
        "training": training_figures([rollout.organization_id])[rollout.organization_id],
        "can_manage": request.scope.has_role(MANAGERS),
    }
    if context["can_manage"]:
        open_now = open_for_rollout(open_incidents([rollout.organization_id]), rollout)
        context["open_incidents"] = [
            (label, open_now.get(value, 0)) for value, label in reversed(Incident.Severity.choices)
        ]
        context["open_total"] = sum(open_now.values())
        context["summary"] = incident_summary(rollout.organization, None, None)
    return render(request, "trust/home.html", context)

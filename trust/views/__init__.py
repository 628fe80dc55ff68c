"""Views of the trust step. Shared helpers live here; pages are grouped by concern."""

from django.shortcuts import get_object_or_404

from ..models import Guideline, Incident, TrainingModule


def guideline_of(request, pk):
    queryset = Guideline.objects.filter(organization=request.scope.organization).select_related(
        "current__published_by", "rollout", "audience_unit", "organization"
    )
    return get_object_or_404(queryset, pk=pk)


def module_of(request, pk, active_only=False):
    queryset = TrainingModule.objects.filter(organization=request.scope.organization)
    if active_only:
        queryset = queryset.filter(active=True)
    return get_object_or_404(queryset, pk=pk)


def incident_of(request, pk):
    return get_object_or_404(Incident.objects.filter(organization=request.scope.organization), pk=pk)

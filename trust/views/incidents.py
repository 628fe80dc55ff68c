"""The incident register, for managers and admins only (employees report on the Speak up page)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import IncidentFilterForm, IncidentForm
from ..models import Incident
from ..roles import MANAGERS
from ..selectors import incident_summary
from . import incident_of


@role_required(MANAGERS)
def incident_list(request):
    incidents = Incident.objects.filter(organization=request.scope.organization).select_related(
        "handler", "rollout", "reported_by"
    )
    filters = IncidentFilterForm(request.GET or None)
    incidents = filters.filter(incidents)
    page = Paginator(incidents, PAGE_SIZE).get_page(request.GET.get("page"))
    summary = incident_summary(request.scope.organization, None, None)
    # Open incidents per severity, in the order of the choices (low to critical), with their labels.
    open_now = [(label, summary["open_by_severity"][value]) for value, label in Incident.Severity.choices]
    return render(
        request,
        "trust/incident_list.html",
        {"page": page, "filters": filters, "summary": summary, "open_now": open_now},
    )


@role_required(MANAGERS)
def incident_create(request):
    form = IncidentForm(request.POST or None, scope=request.scope, initial={"handler": request.user})
    if form.is_valid():
        incident = services.save_incident(request.scope.organization, form.cleaned_data, request.user)
        messages.success(request, _("Incident “%(title)s” recorded.") % {"title": incident})
        return redirect("trust_org:incidents")
    return render(request, "trust/incident_form.html", {"form": form})


@role_required(MANAGERS)
def incident_edit(request, pk):
    incident = incident_of(request, pk)
    form = IncidentForm(request.POST or None, instance=incident, scope=request.scope)
    if form.is_valid():
        services.save_incident(request.scope.organization, form.cleaned_data, request.user, incident=incident)
        messages.success(request, _("Incident “%(title)s” saved.") % {"title": incident})
        return redirect("trust_org:incidents")
    return render(request, "trust/incident_form.html", {"form": form, "incident": incident})

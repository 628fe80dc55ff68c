"""The audit trail page (admins): this organization's security-relevant events, newest first."""

from django.core.paginator import Paginator
from django.shortcuts import render

from ..access import ADMINS, role_required
from ..audit import events_for
from ..models import AuditEvent
from ..paging import PAGE_SIZE


@role_required(ADMINS)
def audit_list(request):
    events = events_for(request.scope.organization)
    action = request.GET.get("action", "")
    if action in AuditEvent.Action.values:
        events = events.filter(action=action)
    else:
        action = ""
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "rollout/settings/audit.html",
        {"page": page, "action": action, "actions": AuditEvent.Action.choices},
    )

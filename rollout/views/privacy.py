"""A member's privacy duties, for admins (Settings → Members → a member): their signed-in
sessions, the export of everything Rollout holds about them, and their erasure."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from .. import audit, privacy, user_sessions
from ..access import ADMINS, role_required
from ..forms import EraseMembershipForm
from ..models import AuditEvent, Membership


def _member(request, pk):
    """A membership of the admin's organization, former (deactivated) ones included: people who
    left make most requests about their data."""
    memberships = Membership.all_objects.filter(organization=request.scope.organization)
    return get_object_or_404(memberships.select_related("user", "organization", "unit", "location"), pk=pk)


@role_required(ADMINS)
@require_POST
def member_sessions_end(request, pk):
    membership = _member(request, pk)
    ended = user_sessions.end_all(membership.user)
    audit.record(
        request,
        AuditEvent.Action.SESSIONS_ENDED,
        membership,
        f"Ended {ended} session(s) of {membership.user.email}",
    )
    messages.success(
        request, f"{membership.user} is signed out everywhere ({ended} session{'s' * (ended != 1)})."
    )
    return redirect("rollout:member_edit", pk=pk)


@role_required(ADMINS)
@require_POST
def member_export(request, pk):
    membership = _member(request, pk)
    body = privacy.export_person(membership, request.user, request)
    response = HttpResponse(body, content_type="application/zip")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="rollout-person-{membership.pk}-{day}.zip"'
    return response


@role_required(ADMINS)
def member_erase(request, pk):
    membership = _member(request, pk)
    form = EraseMembershipForm(request.POST or None, membership=membership, admin=request.user)
    if request.method == "POST" and form.is_valid():
        changed = privacy.erase_person(membership, request.user, request)
        messages.success(
            request,
            f"The person is erased from {request.scope.organization}: {sum(changed.values())} records changed. "
            "The audit trail records the erasure without their name.",
        )
        return redirect("rollout:members")
    elsewhere = (
        Membership.all_objects.filter(user=membership.user)
        .exclude(organization=membership.organization)
        .exists()
    )
    return render(
        request,
        "rollout/settings/member_erase.html",
        {"membership": membership, "form": form, "elsewhere": elsewhere},
    )

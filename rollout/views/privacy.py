"""A member's privacy duties, for admins (Settings → Members → a member): their signed-in
sessions, the export of everything Rollout holds about them, and their erasure."""

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from .. import audit, privacy, user_sessions
from ..access import ADMINS, role_required
from ..forms import EraseMembershipForm
from ..i18n import Phrase
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
        Phrase.gettext("Ended %(count)s session(s) of %(email)s", count=ended, email=membership.user.email),
    )
    messages.success(
        request,
        ngettext(
            "%(person)s is signed out everywhere (%(count)s session).",
            "%(person)s is signed out everywhere (%(count)s sessions).",
            ended,
        )
        % {"person": membership.user, "count": ended},
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
            _(
                "The person is erased from %(organization)s: %(count)s records changed. "
                "The audit trail records the erasure without their name."
            )
            % {"organization": request.scope.organization, "count": sum(changed.values())},
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

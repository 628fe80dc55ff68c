"""Organization settings, members and invitations, units and platforms (admins only)."""

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, ProtectedError, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import audit, invitations, user_sessions
from ..access import ADMINS, ROLE_RANK, role_required
from ..directory.sync import recount_headcounts
from ..forms import (
    InvitationForm,
    MemberFilterForm,
    MembershipForm,
    OrganizationForm,
    PlatformForm,
    RemoveMembershipForm,
    UnitForm,
)
from ..i18n import Phrase
from ..identity.mfa import with_two_step
from ..identity.services import role_in_audit
from ..models import Membership, RetentionRun, Role, Unit
from ..paging import PAGE_SIZE
from ..retention import summarize
from ..steps import marked


@role_required(ADMINS)
def organization_settings(request):
    form = OrganizationForm(request.POST or None, instance=request.scope.organization)
    if form.is_valid():
        form.save()
        if form.changed_data:
            audit.record(
                request,
                audit.Action.SETTINGS_CHANGED,
                form.instance,
                Phrase.gettext("Changed %(fields)s", fields=", ".join(form.changed_data)),
            )
        messages.success(request, _("Organization settings saved."))
        return redirect("rollout:settings")
    last = RetentionRun.objects.filter(organization=request.scope.organization).first()
    return render(
        request,
        "rollout/settings/organization.html",
        {
            "form": form,
            "last_retention": last,
            "last_retention_summary": summarize(last.removed) if last else "",
        },
    )


FORMER_SHOWN = 50  # the most recently deactivated


def _members_page(request, invite_form):
    memberships = with_two_step(request.scope.memberships()).order_by("user__full_name", "user__email")
    filters = MemberFilterForm(request.GET or None)
    if filters.is_valid():
        if role := filters.cleaned_data["role"]:
            memberships = memberships.filter(role=role)
        if q := filters.cleaned_data["q"]:
            memberships = memberships.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    page = Paginator(memberships, PAGE_SIZE).get_page(request.GET.get("page"))
    pending = list(request.scope.invitations().filter(accepted_at__isnull=True)[:100])
    # People the directory deactivated: an admin may still export or erase their data.
    former = list(
        Membership.all_objects.filter(organization=request.scope.organization, is_active=False)
        .select_related("user")
        .order_by("-deactivated_at", "-pk")[:FORMER_SHOWN]
    )
    return render(
        request,
        "rollout/settings/members.html",
        {
            "page": page,
            "filters": filters,
            "invite_form": invite_form,
            "invitations": pending,
            "former": former,
            "invitation_days": settings.INVITATION_MAX_AGE_DAYS,
        },
    )


@role_required(ADMINS)
def member_list(request):
    return _members_page(request, InvitationForm(scope=request.scope))


@role_required(ADMINS)
@require_POST
def invitation_create(request):
    form = InvitationForm(request.POST, scope=request.scope)
    if not form.is_valid():
        return _members_page(request, form)
    data = form.cleaned_data
    invitation = invitations.invite(
        request.scope.organization, data["email"], data["role"], data["unit"], request.user
    )
    audit.record(
        request,
        audit.Action.INVITED,
        invitation,
        Phrase.gettext(
            "Invited %(email)s as %(role)s", email=data["email"], role=role_in_audit(data["role"])
        ),
    )
    messages.success(request, _("Invitation to %(email)s is on its way.") % {"email": data["email"]})
    return redirect("rollout:members")


@role_required(ADMINS)
@require_POST
def invitation_resend(request, pk):
    invitation = get_object_or_404(request.scope.invitations(), pk=pk)
    if invitation.is_pending:
        invitations.resend(invitation)
        audit.record(
            request,
            audit.Action.INVITATION_RESENT,
            invitation,
            Phrase.gettext("Invitation to %(email)s", email=invitation.email),
        )
        messages.success(request, _("Invitation to %(email)s sent again.") % {"email": invitation.email})
    else:
        messages.error(
            request,
            _("The invitation to %(email)s is %(state)s; invite again instead.")
            % {"email": invitation.email, "state": invitation.state_label},
        )
    return redirect("rollout:members")


@role_required(ADMINS)
@require_POST
def invitation_revoke(request, pk):
    invitation = get_object_or_404(request.scope.invitations(), pk=pk)
    revoked = (
        request.scope.invitations()
        .filter(pk=pk, accepted_at__isnull=True, revoked_at__isnull=True)
        .update(revoked_at=timezone.now())
    )
    if revoked:
        audit.record(
            request,
            audit.Action.INVITATION_REVOKED,
            invitation,
            Phrase.gettext("Invitation to %(email)s", email=invitation.email),
        )
        messages.success(
            request,
            _("Invitation to %(email)s revoked; its link no longer works.") % {"email": invitation.email},
        )
    else:
        messages.error(
            request,
            _("The invitation to %(email)s is already %(state)s.")
            % {"email": invitation.email, "state": invitation.state_label},
        )
    return redirect("rollout:members")


def _english_role(membership):
    """The role as the audit trail writes it: stored in English, read in the reader's language."""
    return marked(Role(membership.role).label)


@role_required(ADMINS)
def member_edit(request, pk):
    membership = get_object_or_404(with_two_step(request.scope.memberships()), pk=pk)
    before = (_english_role(membership), membership.unit)
    role_before = membership.role
    form = MembershipForm(request.POST or None, instance=membership, scope=request.scope)
    if form.is_valid():
        form.save()
        if membership.role != role_before and ROLE_RANK[membership.role] <= ROLE_RANK[role_before]:
            # A role that loses rights takes effect now, not at their next sign-in.
            user_sessions.end_all(membership.user)
        if form.changed_data:
            after = (_english_role(membership), membership.unit)
            audit.record(
                request,
                audit.Action.MEMBER_CHANGED,
                membership,
                Phrase.gettext(
                    "%(email)s: role %(role_before)s → %(role_after)s, unit %(unit_before)s → %(unit_after)s",
                    email=membership.user.email,
                    role_before=before[0],
                    role_after=after[0],
                    unit_before=str(before[1]) if before[1] else Phrase.gettext("none"),
                    unit_after=str(after[1]) if after[1] else Phrase.gettext("none"),
                ),
            )
        messages.success(
            request,
            _("%(person)s is now %(role)s.")
            % {"person": membership.user, "role": membership.role_in_sentence},
        )
        return redirect("rollout:members")
    remove_form = RemoveMembershipForm(membership=membership)
    sessions = user_sessions.active(membership.user)
    return render(
        request,
        "rollout/settings/member_form.html",
        {"form": form, "membership": membership, "remove_form": remove_form, "sessions": sessions},
    )


@role_required(ADMINS)
@require_POST
def member_remove(request, pk):
    membership = get_object_or_404(with_two_step(request.scope.memberships()), pk=pk)
    form = RemoveMembershipForm(request.POST, membership=membership)
    if form.is_valid():
        audit.record(
            request,
            audit.Action.MEMBER_REMOVED,
            membership,
            Phrase.gettext(
                "Removed %(email)s (%(role)s)", email=membership.user.email, role=_english_role(membership)
            ),
        )
        membership.delete()
        messages.success(
            request,
            _("%(person)s no longer belongs to %(organization)s.")
            % {"person": membership.user, "organization": request.scope.organization},
        )
        return redirect("rollout:members")
    edit_form = MembershipForm(instance=membership, scope=request.scope)
    return render(
        request,
        "rollout/settings/member_form.html",
        {"form": edit_form, "membership": membership, "remove_form": form},
        status=400,
    )


@role_required(ADMINS)
def unit_list(request):
    units = (
        request.scope.units()
        .annotate(members=Count("memberships", filter=Q(memberships__is_active=True)))
        .order_by("kind", "name")
    )
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rollout/settings/units.html", {"page": page})


@role_required(ADMINS)
def unit_edit(request, pk=None):
    unit = get_object_or_404(request.scope.units(), pk=pk) if pk else None
    form = UnitForm(request.POST or None, instance=unit, scope=request.scope)
    if form.is_valid():
        form.save()
        if form.instance.headcount_source == Unit.HeadcountSource.DIRECTORY:
            recount_headcounts(request.scope.organization, [form.instance])  # handed back: count it now
        messages.success(request, _("Unit “%(name)s” saved.") % {"name": form.instance})
        return redirect("rollout:units")
    return render(
        request,
        "rollout/settings/object_form.html",
        {"form": form, "object": unit, "kind": "unit", "new_title": _("New unit"), "back": "rollout:units"},
    )


@role_required(ADMINS)
@require_POST
def unit_delete(request, pk):
    unit = get_object_or_404(request.scope.units(), pk=pk)
    try:
        # The audit row goes with the deletion: a unit still in use keeps neither.
        with transaction.atomic():
            audit.record(
                request, audit.Action.DELETED, unit, Phrase.gettext("Unit “%(unit)s” deleted", unit=str(unit))
            )
            unit.delete()
    except ProtectedError:
        messages.error(
            request,
            _(
                "“%(name)s” is still in use (units inside it, or guidelines addressed to it); change those first."
            )
            % {"name": unit},
        )
    else:
        messages.success(request, _("Unit “%(name)s” deleted.") % {"name": unit})
    return redirect("rollout:units")


@role_required(ADMINS)
def platform_list(request):
    platforms = request.scope.platforms().annotate(rollout_count=Count("rollouts")).order_by("name")
    page = Paginator(platforms, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "rollout/settings/platforms.html", {"page": page})


@role_required(ADMINS)
def platform_edit(request, pk=None):
    platform = get_object_or_404(request.scope.platforms(), pk=pk) if pk else None
    form = PlatformForm(request.POST or None, instance=platform, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("Platform “%(name)s” saved.") % {"name": form.instance})
        return redirect("rollout:platforms")
    return render(
        request,
        "rollout/settings/object_form.html",
        {
            "form": form,
            "object": platform,
            "kind": "platform",
            "new_title": _("New platform"),
            "back": "rollout:platforms",
        },
    )

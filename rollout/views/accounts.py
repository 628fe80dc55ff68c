"""Home, switching organization, accepting an invitation."""

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from .. import invitations
from ..access import LEADERS, STAFF, switch_organization
from ..forms import AcceptInvitationForm, PersonalSettingsForm
from ..i18n import chosen_language
from ..models import User
from ..people.views import member_page_context
from ..ratelimits import limit_failures


@login_required
def home(request):
    scope = request.scope
    if scope.organization is None:
        return render(request, "rollout/no_organization.html")
    if scope.has_role(LEADERS):
        return redirect("rollout:portfolio")
    if scope.has_role(STAFF):
        return redirect("rollout:list")
    # Members start on their own page (rollout/people); the other roles reach it from the menu.
    return render(request, "people/me.html", member_page_context(scope.membership))


@login_required
def personal_settings(request):
    """Language and time zone, for this person in every organization."""
    form = PersonalSettingsForm(request.POST or None, instance=request.user)
    if form.is_valid():
        form.save()
        with translation.override(chosen_language(request.user, request.scope.organization) or None):
            messages.success(request, _("Your language and time zone are saved."))
        return redirect("rollout:personal_settings")
    return render(request, "rollout/personal_settings.html", {"form": form})


@login_required
@require_POST
def switch(request):
    organization_id = request.POST.get("organization", "")
    membership = switch_organization(request, organization_id) if organization_id.isdigit() else None
    if membership:
        messages.success(
            request, _("You are now working in %(organization)s.") % {"organization": membership.organization}
        )
    else:
        messages.error(request, _("You are not a member of that organization."))
    return redirect("home")


@limit_failures("invitation", what=gettext_lazy("Too many wrong invitation links came from your network."))
def accept_invitation(request, token):
    invitation = invitations.invitation_from_token(token)
    if invitation is None:
        return render(request, "rollout/invitation_invalid.html", status=404)
    existing = User.objects.filter(email__iexact=invitation.email).first()
    form = None if existing else AcceptInvitationForm(request.POST or None, email=invitation.email)
    if request.method == "POST" and (existing or form.is_valid()):
        with transaction.atomic():
            user = existing or User.objects.create_user(
                invitation.email, form.cleaned_data["password1"], full_name=form.cleaned_data["full_name"]
            )
            accepted = invitations.accept(invitation, user)
            if not accepted:  # someone used the link at the same moment: keep nothing of ours
                transaction.set_rollback(True)
        if not accepted:
            return render(request, "rollout/invitation_invalid.html", status=404)
        if existing and request.user != existing:
            messages.success(
                request,
                _("You have joined %(organization)s. Log in to continue.")
                % {"organization": invitation.organization},
            )
            return redirect("login")
        if not existing:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        switch_organization(request, invitation.organization_id)
        messages.success(
            request, _("Welcome to %(organization)s.") % {"organization": invitation.organization}
        )
        return redirect("home")
    return render(
        request,
        "rollout/invitation_accept.html",
        {"invitation": invitation, "form": form, "existing": existing},
    )

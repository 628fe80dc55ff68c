"""Two-step sign-in's pages: the login's second step, a person's own page (turn on, recovery
codes, turn off), the organization's policy and an admin's reset of a member's second factor."""

from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_lockout_response
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.signals import user_login_failed
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from rollout import audit
from rollout.access import ADMINS, role_required
from rollout.i18n import Phrase
from rollout.models import AuditEvent, Organization

from . import mfa
from .audit import on_break_glass
from .mfa_forms import ConfirmForm, EnrolmentForm, PolicyForm, SignInCodeForm

Action = AuditEvent.Action


@never_cache
def login_code(request):
    """After a correct password: the code, before anyone is signed in. A wrong code counts towards
    django-axes' lockout like a wrong password (the same email and address)."""
    held = mfa.held_sign_in(request)
    if held is None:
        messages.info(request, _("Log in again: the code is asked for within five minutes of the password."))
        return redirect("login")
    pending, user = held
    credentials = {"username": user.email}
    if AxesProxyHandler.is_locked(request, credentials):
        mfa.drop_sign_in(request)
        return get_lockout_response(request, None, credentials)
    form = SignInCodeForm(request.POST or None, user=user)
    if request.method == "POST":
        if form.is_valid():
            return _sign_in(request, user, pending, form.check)
        user_login_failed.send(sender=__name__, credentials=credentials, request=request)
        if getattr(request, "axes_locked_out", False):
            mfa.drop_sign_in(request)  # AxesMiddleware answers with the lockout page
    return render(request, "identity/mfa_login_code.html", {"form": form, "email": user.email})


def _sign_in(request, user, pending, check):
    mfa.drop_sign_in(request)
    user.otp_device = check.device  # django-otp's user_logged_in receiver keeps it in the session
    login(request, user, backend=pending["backend"])
    on_break_glass(request, user, Organization.objects.filter(pk__in=pending["break_glass"]))
    if check.recovery:
        left = mfa.recovery_codes_left(user)
        audit.record(
            request,
            Action.LOGIN,
            user,
            Phrase.gettext(
                "%(email)s logged in with a recovery code (%(left)s left)", email=user.email, left=left
            ),
            organization=False,
            actor=user,
        )
        messages.warning(
            request,
            _(
                "You used a recovery code; %(left)s left. If you no longer have your app, turn two-step "
                "sign-in off and on again with a new phone, or make new recovery codes."
            )
            % {"left": left},
        )
    return redirect(pending["next"])


# --- A person's own second factor -------------------------------------------------------------


def _account_page(request, *, codes_form=None, off_form=None, status=200):
    user = request.user
    context = {
        "device": mfa.app_device(user),
        "codes_left": mfa.recovery_codes_left(user),
        "requiring": mfa.organizations_requiring(user),
        "signed_in_with_sso": mfa.session_state(request) == mfa.State.SSO,
        "codes_form": codes_form or ConfirmForm(user=user, prefix="codes"),
        "off_form": off_form or ConfirmForm(user=user, prefix="off"),
    }
    return render(request, "identity/mfa_account.html", context, status=status)


def _show_codes(request, codes, message):
    messages.success(request, message)
    return render(request, "identity/mfa_recovery_codes.html", {"codes": codes})


@login_required
def account(request):
    return _account_page(request)


@login_required
@never_cache
def setup(request):
    """Scan the QR code (or type the secret), confirm with a code; the recovery codes, once."""
    user = request.user
    if mfa.has_two_step(user):
        return redirect("identity:mfa")
    device = mfa.start_enrolment(user)
    form = EnrolmentForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        mfa.mark_verified(request, mfa.app_device(user))
        audit.record(
            request,
            Action.MEMBER_CHANGED,
            user,
            Phrase.gettext("%(email)s turned on two-step sign-in", email=user.email),
        )
        return _show_codes(request, form.codes, _("Two-step sign-in is on."))
    context = {
        "form": form,
        "qr": mfa.qr_svg(device),
        "secret": mfa.secret_of(device),
        "forced": mfa.session_state(request) == mfa.State.SETUP_REQUIRED,
        "requiring": mfa.organizations_requiring(user),
    }
    return render(request, "identity/mfa_setup.html", context)


@login_required
@never_cache
@require_POST
def recovery_codes(request):
    """New recovery codes; the old ones stop working."""
    user = request.user
    if not mfa.has_two_step(user):
        return redirect("identity:mfa")
    form = ConfirmForm(request.POST, user=user, prefix="codes")
    if not form.is_valid():
        return _account_page(request, codes_form=form)
    codes = mfa.new_recovery_codes(user)
    audit.record(
        request,
        Action.MEMBER_CHANGED,
        user,
        Phrase.gettext("%(email)s made new recovery codes (the old ones stopped working)", email=user.email),
    )
    return _show_codes(request, codes, _("New recovery codes made: the old ones no longer work."))


@login_required
@require_POST
def turn_off(request):
    """Off, with a current code or the password. Where the organization requires it, the person
    sets it up again at once (moving to a new phone is: turn off, set up)."""
    user = request.user
    if not mfa.has_two_step(user):
        return redirect("identity:mfa")
    form = ConfirmForm(request.POST, user=user, prefix="off")
    if not form.is_valid():
        return _account_page(request, off_form=form)
    mfa.turn_off(user)
    audit.record(
        request,
        Action.MEMBER_CHANGED,
        user,
        Phrase.gettext("%(email)s turned off two-step sign-in", email=user.email),
    )
    if mfa.session_state(request) == mfa.State.SSO:
        messages.success(request, _("Two-step sign-in is off: a password login needs the password alone."))
        return redirect("identity:mfa")
    if requiring := mfa.organizations_requiring(user):
        request.session[mfa.STATE_KEY] = str(mfa.State.SETUP_REQUIRED)
        messages.warning(
            request,
            _(
                "Two-step sign-in is off. %(organization)s requires it for admins and managers: set it up again "
                "now, for example with your new phone."
            )
            % {"organization": requiring[0]},
        )
        return redirect("identity:mfa_setup")
    request.session[mfa.STATE_KEY] = str(mfa.State.PASSWORD)
    messages.success(request, _("Two-step sign-in is off: you log in with your password alone."))
    return redirect("identity:mfa")


# --- The organization's policy, and an admin's reset ------------------------------------------


@role_required(ADMINS)
@require_POST
def policy(request):
    organization = request.scope.organization
    form = PolicyForm(request.POST, instance=mfa.policy_of(organization))
    if form.is_valid() and form.has_changed():
        policy = form.save()
        required = policy.required_for_admins_and_managers
        audit.record(
            request,
            Action.SETTINGS_CHANGED,
            policy,
            Phrase.gettext("Two-step sign-in for admins and managers: required")
            if required
            else Phrase.gettext("Two-step sign-in for admins and managers: not required"),
        )
        messages.success(
            request,
            _(
                "Admins and managers who log in with a password now need two-step sign-in: those without it "
                "set it up at their next login."
            )
            if required
            else _("Two-step sign-in is no longer required; people who turned it on keep it."),
        )
    return redirect("identity:sso")


@role_required(ADMINS)
@require_POST
def member_reset(request, pk):
    """Someone lost their phone and their recovery codes: remove their second factor."""
    membership = get_object_or_404(request.scope.memberships().select_related("user"), pk=pk)
    person = membership.user
    if mfa.has_two_step(person):
        mfa.turn_off(person)
        audit.record(
            request,
            Action.MEMBER_CHANGED,
            membership,
            Phrase.gettext(
                "Two-step sign-in of %(person)s reset by %(admin)s",
                person=person.email,
                admin=request.user.email,
            ),
        )
        if mfa.organizations_requiring(person):
            message = _(
                "%(person)s's two-step sign-in is reset: they log in with their password alone and are "
                "asked to set it up again."
            )
        else:
            message = _("%(person)s's two-step sign-in is reset: they log in with their password alone.")
        messages.success(request, message % {"person": person})
    else:
        messages.info(request, _("%(person)s has no two-step sign-in to reset.") % {"person": person})
    return redirect("rollout:member_edit", pk=membership.pk)

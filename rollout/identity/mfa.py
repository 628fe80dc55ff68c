"""Two-step sign-in for password accounts: a TOTP authenticator app and ten recovery codes.

django-otp keeps the devices: a person's TOTPDevice (their app; confirmed once they typed a code
from it) and a StaticDevice named "Recovery codes" whose tokens each work once. This module is
what Rollout does with them; the views (mfa_views.py) call it and write the audit trail.

Each signed-in session carries how it was signed in (`STATE_KEY`, set by `on_logged_in` whatever
path called `login()`), and TwoStepMiddleware (mfa_middleware.py) acts on two of the states:
CODE_REQUIRED (someone with a second factor got in with a password alone, e.g. through the Django
admin's login form) and SETUP_REQUIRED (the organization's policy asks for a second factor the
person does not have yet).
"""

import re
import time
from base64 import b32encode
from dataclasses import dataclass
from enum import StrEnum

import segno
from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils.safestring import mark_safe
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rollout.models import Membership, Role

from .models import TwoStepPolicy

RECOVERY_CODES = 10
APP_DEVICE_NAME = "Authenticator app"
RECOVERY_DEVICE_NAME = "Recovery codes"
# The roles an organization's policy covers.
POLICY_ROLES = (Role.ADMIN, Role.MANAGER)

STATE_KEY = "identity_two_step"
PENDING_KEY = "identity_two_step_pending"
CODE = re.compile(r"^\d{6}$")


class State(StrEnum):
    SSO = "sso"  # signed in by the organization's identity provider: never asked here
    VERIFIED = "verified"  # password and a code
    PASSWORD = "password"  # password alone, and nothing asks for more
    CODE_REQUIRED = "code_required"  # password alone by another way in; has a second factor
    SETUP_REQUIRED = "setup_required"  # password alone; the organization's policy asks for one


# --- Devices ----------------------------------------------------------------------------------


def app_device(user):
    """The person's confirmed authenticator app, or None (two-step sign-in is off)."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def has_two_step(user):
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def with_two_step(memberships):
    """Memberships annotated with `has_two_step` (one subquery, for the members list)."""
    confirmed = TOTPDevice.objects.filter(user=OuterRef("user"), confirmed=True)
    return memberships.annotate(has_two_step=Exists(confirmed))


def recovery_codes_left(user):
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()


def start_enrolment(user):
    """The app device being set up: the same one until it is confirmed, so the QR code a person
    has scanned stays valid when the page is shown again."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)


def confirm_enrolment(device, code):
    """Confirm the app with a code from it; its recovery codes, or None if the code is wrong."""
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().get(pk=device.pk)
        if device.confirmed or not device.verify_token(code):
            return None
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=device.user, confirmed=False).delete()
        return new_recovery_codes(device.user)


def new_recovery_codes(user):
    """Ten new recovery codes in place of the old ones (which stop working), to show once."""
    with transaction.atomic():
        device, _ = StaticDevice.objects.get_or_create(
            user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
        )
        device.token_set.all().delete()
        codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
        StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def turn_off(user):
    """Remove the person's app and recovery codes: they log in with their password alone."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).delete()
        StaticDevice.objects.filter(user=user).delete()


def secret_of(device):
    """The app's secret as people type it (base32, in groups of four)."""
    secret = b32encode(device.bin_key).decode()
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def qr_svg(device):
    """The app's otpauth:// URL as an inline SVG QR code (drawn here: no image request, no CDN)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=5, light="#fff")
    return mark_safe(svg)  # segno's own markup; the URL is encoded in the path, never as text


# --- Checking a code --------------------------------------------------------------------------


@dataclass(frozen=True)
class Check:
    device: object = None  # the device that accepted the code
    recovery: bool = False  # a recovery code (now used up)
    wait: int = 0  # seconds before django-otp lets this device try again


def normalize(code):
    return re.sub(r"[\s-]", "", code or "").lower()


def check_code(user, code, *, recovery=True):
    """Try a 6-digit code against the person's app, or (with `recovery`) another string against
    their recovery codes. django-otp throttles each device: after n wrong codes in a row it
    refuses for 2^(n-1) seconds, even the right code."""
    code = normalize(code)
    if CODE.match(code):
        device = app_device(user)
    elif recovery and code:
        device = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()
    else:
        return Check()
    if device is None:
        return Check()
    with transaction.atomic():
        device = type(device).objects.select_for_update().get(pk=device.pk)
        wait = _throttled_for(device)
        if wait:
            return Check(wait=wait)
        if device.verify_token(code):
            return Check(device=device, recovery=isinstance(device, StaticDevice))
    return Check()


def _throttled_for(device):
    """Seconds before django-otp lets this device try a code again (0: now)."""
    allowed, details = device.verify_is_allowed()
    if allowed:
        return 0
    locked_until = (details or {}).get("locked_until")
    return max(1, int(locked_until.timestamp() - time.time()) + 1) if locked_until else 1


def check_code_or_password(user, proof):
    """A current code from the app or the account's password (turning off, new recovery codes).
    Every wrong answer counts as a wrong code, so django-otp's throttle also slows password guesses."""
    device = app_device(user)
    if device is None:
        return Check()
    proof = proof or ""
    if CODE.match(normalize(proof)):
        return check_code(user, proof, recovery=False)
    wait = _throttled_for(device)
    if wait:
        return Check(wait=wait)
    if user.has_usable_password() and user.check_password(proof):
        return Check(device=device)
    device.throttle_increment()
    return Check()


# --- The organization's policy ----------------------------------------------------------------


def policy_of(organization):
    return TwoStepPolicy.objects.filter(organization=organization).first() or TwoStepPolicy(
        organization=organization
    )


def organizations_requiring(user):
    """The organizations whose policy asks this person (an admin or manager there) for two steps."""
    return [
        membership.organization
        for membership in Membership.objects.filter(
            user=user,
            role__in=POLICY_ROLES,
            organization__two_step_policy__required_for_admins_and_managers=True,
        ).select_related("organization")
    ]


# --- The session ------------------------------------------------------------------------------


def state_at_sign_in(request, user):
    """How this sign-in counts: see State. Set by on_logged_in for every call to login()."""
    if getattr(request, "rollout_sso_provider", None) is not None:  # rollout/identity/adapter.py
        return State.SSO
    if getattr(user, "otp_device", None) is not None:  # the second step (mfa_views.login_code)
        return State.VERIFIED
    if has_two_step(user):
        return State.CODE_REQUIRED
    if organizations_requiring(user):
        return State.SETUP_REQUIRED
    return State.PASSWORD


def on_logged_in(sender, request, user, **kwargs):
    """Django's user_logged_in, whoever called login(): record the session's State."""
    if request is not None and hasattr(request, "session"):
        request.session[STATE_KEY] = str(state_at_sign_in(request, user))


def session_state(request):
    return request.session.get(STATE_KEY)


def mark_verified(request, device):
    """The person proved a device in this session (they just set it up)."""
    from django_otp import login as otp_login

    otp_login(request, device)
    request.session[STATE_KEY] = str(State.VERIFIED)


def hold_sign_in(request, user, *, next_url, break_glass=()):
    """A correct password from someone with a second factor: keep who they are, not signed in,
    until the code (mfa_views.login_code); it expires after TWO_STEP_PENDING_SECONDS."""
    request.session[PENDING_KEY] = {
        "user": user.pk,
        "backend": user.backend,
        "next": next_url,
        "break_glass": [organization.pk for organization in break_glass],
        "expires": time.time() + settings.TWO_STEP_PENDING_SECONDS,
    }


def held_sign_in(request):
    """The pending sign-in's data and user, or None (none, expired, or the user is gone)."""
    from rollout.models import User

    pending = request.session.get(PENDING_KEY)
    if not isinstance(pending, dict):
        return None
    if pending.get("expires", 0) < time.time():
        drop_sign_in(request)
        return None
    user = User.objects.filter(pk=pending.get("user"), is_active=True).first()
    if user is None:
        drop_sign_in(request)
        return None
    return pending, user


def drop_sign_in(request):
    request.session.pop(PENDING_KEY, None)

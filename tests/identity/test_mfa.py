"""Two-step sign-in for password accounts: turning it on, the login's second step, recovery codes,
turning it off, the organization's policy and an admin's reset.

Codes are computed here from the device's key, as an authenticator app would, at a frozen time:
a TOTP code is valid for its 30-second step and once only, so each new code moves the clock on.
"""

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from rollout.identity import mfa
from rollout.identity.models import TwoStepPolicy
from rollout.models import AuditEvent
from tests.factories import UserFactory

PASSWORD = "correct horse battery staple"  # tests/factories.py
STEP = timedelta(seconds=31)  # past the current code's 30-second step


@pytest.fixture
def clock():
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        yield traveller


def code_of(device):
    """What the app shows now."""
    return f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"


def enrol(client, clock):
    """Turn two-step sign-in on through the set-up page; the recovery codes it shows."""
    assert client.get(reverse("identity:mfa_setup")).status_code == 200
    device = TOTPDevice.objects.get(confirmed=False)
    response = client.post(reverse("identity:mfa_setup"), {"code": code_of(device)})
    assert response.status_code == 200, response.text[:300]
    clock.shift(STEP)
    return response.context["codes"]


def password_step(client, user, **extra):
    return client.post(reverse("login"), {"username": user.email, "password": PASSWORD, **extra})


def code_step(client, code):
    return client.post(reverse("identity:login_code"), {"code": code})


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def manager_with_app(personas, clock):
    """The manager has turned two-step sign-in on, and logged out."""
    client = Client()
    client.force_login(personas.manager)
    codes = enrol(client, clock)
    return personas.manager, codes


def summaries(**filters):
    return list(AuditEvent.objects.filter(**filters).order_by("pk").values_list("summary", flat=True))


# --- Turning it on ----------------------------------------------------------------------------


def test_a_person_turns_it_on_with_a_code_from_their_app_and_sees_ten_recovery_codes_once(
    client_as, personas, clock
):
    client = client_as(personas.member)
    page = client.get(reverse("identity:mfa_setup"))
    device = TOTPDevice.objects.get(user=personas.member)
    assert not device.confirmed
    assert "<svg" in page.text and 'src="data:' not in page.text  # the QR code, drawn in the page
    assert mfa.secret_of(device) in page.text

    wrong = client.post(
        reverse("identity:mfa_setup"), {"code": "000000" if code_of(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "That code is not right" in wrong.text
    assert not TOTPDevice.objects.get(pk=device.pk).confirmed

    clock.shift(STEP)  # past django-otp's pause after a wrong code
    shown = client.post(reverse("identity:mfa_setup"), {"code": code_of(device)})
    codes = shown.context["codes"]
    assert len(codes) == 10 and all(code in shown.text for code in codes)
    assert TOTPDevice.objects.get(pk=device.pk).confirmed
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id  # this session is verified
    assert summaries(actor=personas.member)[-1] == "member@acme.example turned on two-step sign-in"
    # The codes are never shown again, nor the secret.
    account = client.get(reverse("identity:mfa"))
    assert "Recovery codes left: <strong>10</strong>" in account.text
    assert not any(code in account.text for code in codes)
    assert client.get(reverse("identity:mfa_setup")).url == reverse("identity:mfa")
    assert not any(device.key in summary for summary in summaries())


def test_the_account_menu_leads_to_the_page(client_as, personas):
    assert reverse("identity:mfa") in client_as(personas.member).get(reverse("rollout:api_tokens")).text


# --- The login's second step ------------------------------------------------------------------


def test_after_the_password_the_login_asks_for_the_code_before_signing_in(manager_with_app):
    manager, _ = manager_with_app
    client = Client()
    response = password_step(client, manager, next="/rollouts/")
    assert response.url == reverse("identity:login_code")
    assert not signed_in(client)
    page = client.get(response.url)
    assert "Enter the 6-digit code from your app, or a recovery code." in page.text

    device = mfa.app_device(manager)
    response = code_step(client, code_of(device))
    assert response.url == "/rollouts/"
    assert client.session["_auth_user_id"] == str(manager.pk)
    assert client.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert client.get("/rollouts/").status_code == 200


def test_a_wrong_code_is_refused_with_a_field_error(manager_with_app):
    manager, _ = manager_with_app
    client = Client()
    password_step(client, manager)
    right = code_of(mfa.app_device(manager))
    response = code_step(client, "123456" if right != "123456" else "654321")
    assert response.status_code == 200 and "That code is not right" in response.text
    assert 'class="form-control is-invalid"' in response.text or "is-invalid" in response.text
    assert not signed_in(client)
    assert "Failed login for manager@acme.example" in summaries(actor=manager)


def test_a_wrong_password_never_reaches_the_second_step(manager_with_app):
    manager, _ = manager_with_app
    client = Client()
    response = client.post(reverse("login"), {"username": manager.email, "password": "nope"})
    assert response.status_code == 200 and mfa.PENDING_KEY not in client.session
    assert client.get(reverse("identity:login_code")).url == reverse("login")


def test_wrong_codes_count_towards_the_lockout_with_wrong_passwords(manager_with_app, settings, clock):
    manager, _ = manager_with_app
    client = Client(REMOTE_ADDR="203.0.113.7")
    client.post(reverse("login"), {"username": manager.email, "password": "a guess"})  # failure 1
    password_step(client, manager)
    for _ in range(settings.AXES_FAILURE_LIMIT - 2):  # failures 2 to 4
        assert code_step(client, "000000").status_code == 200
        clock.shift(timedelta(minutes=1))  # django-otp's own pause is not what is tested here
    locked = code_step(client, "000000")  # failure 5
    assert locked.status_code == 429 and "Login paused" in locked.text
    # Even the right code, and then the right password, are refused until the cool-off.
    assert code_step(client, code_of(mfa.app_device(manager))).url == reverse("login")
    assert password_step(client, manager).status_code == 429
    assert not signed_in(client)
    assert "locked_out" in AuditEvent.objects.filter(actor=manager).values_list("action", flat=True)


def test_django_otp_pauses_a_device_after_a_wrong_code(manager_with_app, clock):
    manager, _ = manager_with_app
    client = Client()
    password_step(client, manager)
    code_step(client, "000000" if code_of(mfa.app_device(manager)) != "000000" else "111111")
    paused = code_step(client, code_of(mfa.app_device(manager)))  # at once: refused, even right
    assert "Too many wrong codes in a row: wait" in paused.text and not signed_in(client)
    clock.shift(timedelta(seconds=2))
    assert code_step(client, code_of(mfa.app_device(manager))).status_code == 302
    assert signed_in(client)


def test_the_second_step_expires_after_five_minutes(manager_with_app, clock):
    manager, _ = manager_with_app
    client = Client()
    password_step(client, manager)
    clock.shift(timedelta(minutes=5, seconds=1))
    response = code_step(client, code_of(mfa.app_device(manager)))
    assert response.url == reverse("login") and not signed_in(client)


def test_a_recovery_code_works_once(manager_with_app):
    manager, codes = manager_with_app
    client = Client()
    password_step(client, manager)
    response = code_step(client, codes[0].upper())  # as typed from a printout
    assert response.status_code == 302 and signed_in(client)
    assert "manager@acme.example logged in with a recovery code (9 left)" in summaries(actor=manager)
    assert mfa.recovery_codes_left(manager) == 9

    again = Client()
    password_step(again, manager)
    refused = code_step(again, codes[0])
    assert refused.status_code == 200 and "That code is not right" in refused.text
    assert not signed_in(again)


def test_the_django_admin_login_cannot_skip_the_code(manager_with_app):
    manager, _ = manager_with_app
    manager.is_staff = manager.is_superuser = True
    manager.save()
    client = Client()
    response = client.post(
        reverse("admin:login") + "?next=/admin/", {"username": manager.email, "password": PASSWORD}
    )
    assert response.url == "/admin/"
    asked = client.get("/admin/")
    assert asked.url == reverse("identity:login_code") and not signed_in(client)
    assert code_step(client, code_of(mfa.app_device(manager))).url == "/admin/"
    assert client.get("/admin/").status_code == 200


def test_the_django_admin_login_works_for_staff_without_a_second_factor(db):
    staff = UserFactory(email="ops@rollout.example", is_staff=True, is_superuser=True)
    client = Client()
    client.post(reverse("admin:login") + "?next=/admin/", {"username": staff.email, "password": PASSWORD})
    assert client.get("/admin/").status_code == 200
    page = client.get(reverse("admin:otp_totp_totpdevice_changelist"))
    assert page.status_code == 200


# --- Recovery codes and turning it off --------------------------------------------------------


def test_new_recovery_codes_need_a_code_or_the_password_and_replace_the_old_ones(manager_with_app, clock):
    manager, old = manager_with_app
    client = Client()
    password_step(client, manager)
    code_step(client, old[1])
    wrong = client.post(reverse("identity:mfa_recovery_codes"), {"codes-proof": "not my password"})
    assert "That is neither the code your app shows now nor your password." in wrong.text
    assert mfa.recovery_codes_left(manager) == 9

    clock.shift(timedelta(seconds=2))  # past the pause the wrong answer earned
    response = client.post(reverse("identity:mfa_recovery_codes"), {"codes-proof": PASSWORD})
    new = response.context["codes"]
    assert len(new) == 10 and not set(new) & set(old)
    assert set(StaticToken.objects.values_list("token", flat=True)) == set(new)
    assert "manager@acme.example made new recovery codes (the old ones stopped working)" in summaries()
    again = Client()
    password_step(again, manager)
    assert "That code is not right" in code_step(again, old[2]).text


def test_a_session_that_skipped_the_code_is_asked_for_it(manager_with_app):
    """However a password login happened (here the test client's force_login), a person with a
    second factor is not in until the code."""
    manager, _ = manager_with_app
    client = Client()
    client.force_login(manager)
    response = client.get("/rollouts/?status=live")
    assert response.url == reverse("identity:login_code") and not signed_in(client)
    assert code_step(client, code_of(mfa.app_device(manager))).url == "/rollouts/?status=live"


def test_turning_it_off_needs_a_current_code_or_the_password(manager_with_app, clock):
    manager, codes = manager_with_app
    client = Client()
    password_step(client, manager)
    code_step(client, codes[0])
    refused = client.post(reverse("identity:mfa_off"), {"off-proof": "999999"})
    assert refused.status_code == 200 and "That is neither the code" in refused.text
    assert mfa.has_two_step(manager)

    clock.shift(timedelta(seconds=5))  # past the pause the wrong code earned
    response = client.post(reverse("identity:mfa_off"), {"off-proof": code_of(mfa.app_device(manager))})
    assert response.url == reverse("identity:mfa")
    assert not mfa.has_two_step(manager) and not StaticToken.objects.exists()
    assert "manager@acme.example turned off two-step sign-in" in summaries()
    # The password alone logs in again.
    fresh = Client()
    assert password_step(fresh, manager).url == reverse("home") and signed_in(fresh)


# --- The organization's policy ----------------------------------------------------------------


def test_an_admin_requires_it_for_admins_and_managers_on_the_single_sign_on_page(client_as, personas):
    client = client_as(personas.admin)
    page = client.get(reverse("identity:sso"))
    assert "Require two-step sign-in for admins and managers" in page.text
    client.post(reverse("identity:mfa_policy"), {"required_for_admins_and_managers": "on"})
    assert TwoStepPolicy.objects.get(organization=personas.org).required_for_admins_and_managers
    assert "Two-step sign-in for admins and managers: required" in summaries(organization=personas.org)
    client.post(reverse("identity:mfa_policy"), {})
    assert "Two-step sign-in for admins and managers: not required" in summaries(organization=personas.org)


@pytest.fixture
def required(personas):
    return TwoStepPolicy.objects.create(organization=personas.org, required_for_admins_and_managers=True)


def test_the_policy_sends_a_manager_to_set_it_up_before_any_other_page(personas, required, clock):
    client = Client()
    assert password_step(client, personas.manager).status_code == 302 and signed_in(client)
    assert client.get("/rollouts/").url == reverse("identity:mfa_setup")
    assert client.get(reverse("rollout:api_tokens")).url == reverse("identity:mfa_setup")
    setup = client.get(reverse("identity:mfa_setup"))
    assert "Acme requires two-step sign-in for admins and managers" in setup.text
    enrol(client, clock)
    assert client.get("/rollouts/").status_code == 200
    # Logging out stays possible while set-up is pending.
    other = Client()
    password_step(other, personas.admin)
    assert other.post(reverse("logout")).url == reverse("login")


def test_the_policy_does_not_ask_a_member(personas, required):
    client = Client()
    password_step(client, personas.member)
    assert client.get(reverse("home")).status_code == 200


def test_under_the_policy_turning_it_off_means_setting_it_up_again(personas, required, clock):
    client = Client()
    password_step(client, personas.manager)
    enrol(client, clock)
    response = client.post(reverse("identity:mfa_off"), {"off-proof": PASSWORD})
    assert response.url == reverse("identity:mfa_setup")
    assert client.get("/rollouts/").url == reverse("identity:mfa_setup")


def test_a_session_signed_in_by_single_sign_on_is_never_asked(personas, required, rf):
    """The state decided at sign-in; tests/identity/test_mfa_sso.py does it through a real provider."""
    request = rf.get("/")
    request.rollout_sso_provider = object()
    assert mfa.state_at_sign_in(request, personas.manager) == mfa.State.SSO
    assert mfa.state_at_sign_in(rf.get("/"), personas.manager) == mfa.State.SETUP_REQUIRED


# --- An admin's reset -------------------------------------------------------------------------


def test_an_admin_resets_the_second_factor_of_someone_who_lost_their_phone(
    client_as, personas, manager_with_app
):
    manager, _ = manager_with_app
    membership = personas.org.memberships.get(user=manager)
    client = client_as(personas.admin)
    members = client.get(reverse("rollout:members"))
    assert "two-step</span>" in members.text
    assert "Reset two-step sign-in" in client.get(reverse("rollout:member_edit", args=[membership.pk])).text
    response = client.post(reverse("identity:mfa_member_reset", args=[membership.pk]))
    assert response.url == reverse("rollout:member_edit", args=[membership.pk])
    assert not mfa.has_two_step(manager)
    assert "Two-step sign-in of manager@acme.example reset by admin@acme.example" in summaries(
        organization=personas.org
    )
    fresh = Client()
    assert password_step(fresh, manager).url == reverse("home") and signed_in(fresh)


def test_an_admin_cannot_reset_someone_of_another_organization(client_as, personas):
    outsider_membership = personas.other_org.memberships.get(user=personas.outsider)
    response = client_as(personas.admin).post(
        reverse("identity:mfa_member_reset", args=[outsider_membership.pk])
    )
    assert response.status_code == 404

"""Open redirects: a `next=` pointing off the site never takes anyone there.

The views that read `next` (grep next= in the views and templates): the login page (a GET while
signed in, and the password sign-in), the second step of two-step sign-in (the `next` kept from
the password step), logout, and the organization switcher (which ignores it: always home).
"""

import pytest
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from .seeding import RAW

PASSWORD = "correct horse battery staple"  # tests/factories.py
EVIL = [
    "https://evil.example/",
    "//evil.example",
    "/\\evil.example",
    "\\\\evil.example",
    "https:evil.example",
    "javascript:alert(1)",
    "http://testserver@evil.example/",
    " //evil.example",
]


def stays_on_the_site(location):
    lowered = location.strip().lower()
    return (
        location.startswith("/")
        and not location.startswith(("//", "/\\"))
        and "evil.example" not in lowered
        and not lowered.startswith("javascript:")
    )


def test_the_check_notices_each_way_off_the_site():
    assert not any(stays_on_the_site(url) for url in EVIL)
    assert stays_on_the_site("/r/1/") and stays_on_the_site("/accounts/login/?next=/r/1/")


@pytest.mark.parametrize("target", EVIL)
def test_signing_in_with_a_foreign_next_lands_on_the_site(client, personas, target):
    response = client.post(
        reverse("login") + f"?next={target}",
        {"username": personas.member.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302 and stays_on_the_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_the_login_page_opened_while_signed_in_does_not_follow_a_foreign_next(client, personas, target):
    client.force_login(personas.member)
    response = client.get(reverse("login"), {"next": target})
    assert response.status_code == 302 and stays_on_the_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_logging_out_with_a_foreign_next_lands_on_the_site(client, personas, target):
    client.force_login(personas.member)
    response = client.post(reverse("logout") + f"?next={target}", {"next": target})
    assert response.status_code == 302 and stays_on_the_site(response["Location"]), response["Location"]


@pytest.mark.parametrize("target", EVIL)
def test_switching_organization_with_a_foreign_next_goes_home(client, personas, target):
    client.force_login(personas.member)
    response = client.post(
        reverse("rollout:switch_organization") + f"?next={target}",
        {"organization": personas.org.pk, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == reverse("home")


@pytest.mark.parametrize("target", EVIL[:3])
def test_two_step_sign_in_keeps_only_a_next_on_the_site(client, personas, target, monkeypatch):
    device = TOTPDevice.objects.create(user=personas.member, name="phone", confirmed=True)
    response = client.post(
        reverse("login") + f"?next={target}",
        {"username": personas.member.email, "password": PASSWORD, "next": target},
    )
    assert response.status_code == 302 and response["Location"] == reverse("identity:login_code")
    from django_otp.oath import totp

    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    finished = client.post(reverse("identity:login_code"), {"code": code, "otp_token": code, "token": code})
    assert finished.status_code == 302, finished.content[:300]
    assert stays_on_the_site(finished["Location"]), finished["Location"]


def test_a_next_full_of_markup_is_escaped_on_the_login_page(client):
    response = client.get(reverse("login"), {"next": '/"><script>alert(1)</script>'})
    assert response.status_code == 200
    assert [marker for marker in RAW if marker in response.text] == []

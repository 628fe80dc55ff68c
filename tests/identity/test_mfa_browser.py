"""Two-step sign-in in Chromium: the demo manager turns it on from the account menu with a code
computed from the secret on the page (as an authenticator app would), logs out, and logs in with
password and code."""

import time
from base64 import b32decode

import pytest
from django_otp.oath import TOTP

from tests.browser import DEMO_PASSWORD, SCREENSHOTS, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def app_code(secret, ahead=0):
    """The authenticator app's code for `secret` (as shown on the set-up page), `ahead` seconds on."""
    totp = TOTP(b32decode(secret.replace(" ", "")))
    totp.time = time.time() + ahead
    return f"{totp.token():06d}"


def test_the_demo_manager_turns_on_two_step_sign_in_and_logs_in_with_a_code(live_server, demo, page):
    log_in(page, live_server.url, "manager@northwind.example")
    page.wait_for_url(f"{live_server.url}/portfolio/")
    page.get_by_role("button", name="Morgan").click()
    page.get_by_role("link", name="Two-step sign-in").click()
    page.get_by_role("link", name="Turn on two-step sign-in").click()
    assert page.get_by_role("img", name="QR code that adds Rollout to an authenticator app").is_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.screenshot(path=SCREENSHOTS / "two-step-setup.png", full_page=True)

    page.get_by_label("Code from the app").fill("000000" if app_code(secret) != "000000" else "111111")
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    assert page.get_by_text("That code is not right").is_visible()
    time.sleep(1.1)  # django-otp pauses a device for a second after a wrong code
    page.get_by_label("Code from the app").fill(app_code(secret))
    page.get_by_role("button", name="Turn on two-step sign-in").click()
    codes = page.get_by_test_id("recovery-codes").locator("li").all_inner_texts()
    assert len(codes) == 10
    page.screenshot(path=SCREENSHOTS / "two-step-recovery-codes.png", full_page=True)

    page.get_by_role("button", name="Morgan").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/")

    page.get_by_label("Email").fill("manager@northwind.example")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(f"{live_server.url}/accounts/login/code/")
    assert page.get_by_text("Enter the 6-digit code from your app, or a recovery code.").is_visible()
    # The code of the next 30-second step: the app's current one may be the one just used.
    page.get_by_label("Code").fill(app_code(secret, ahead=30))
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/portfolio/")
    assert page.get_by_role("link", name="Portfolio", exact=True).is_visible()

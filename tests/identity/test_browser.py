"""Single sign-on end to end in Chromium: Rollout's email-first login page, the real provider's
login and consent pages, and back in Rollout signed in as a new member."""

import pytest

from rollout.models import Membership, Role, User
from tests.browser import SCREENSHOTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_new_person_signs_in_with_the_organizations_provider(oidc, page):
    # The provider's development pages import a web font; nothing here needs the internet.
    page.route("**/fonts.googleapis.com/**", lambda route: route.abort())
    page.goto(f"{oidc.live_url}/accounts/login/")
    page.get_by_label("Email").fill("alice@acme.example")
    page.get_by_role("button", name="Continue").click()
    sign_in = page.get_by_role("button", name="Sign in with Acme ID")
    assert sign_in.is_visible()
    assert page.get_by_label("Password").is_visible()  # not required: the password stays possible
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "sso-login.png", full_page=True)

    sign_in.click()
    page.wait_for_url(f"{oidc.issuer}/interaction/**")
    page.locator("input[name=login]").fill("alice")
    page.locator("input[name=password]").fill("any password")
    page.get_by_role("button", name="Sign-in").click()
    page.get_by_role("button", name="Continue").click()  # the provider's consent page

    page.wait_for_url(f"{oidc.live_url}/")
    assert page.get_by_text("Hello").first.is_visible()
    user = User.objects.get(email="alice@acme.example")
    membership = Membership.objects.get(user=user, organization=oidc.row.organization)
    assert membership.role == Role.MEMBER and membership.source == Membership.Source.SSO

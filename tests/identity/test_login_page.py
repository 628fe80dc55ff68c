"""The email-first login page and the "require single sign-on" rule (no provider running)."""

import pytest
from django.urls import reverse

from rollout.identity.models import AllowedDomain, IdentityProvider
from rollout.models import AuditEvent
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)
PASSWORD = "correct horse battery staple"  # tests/factories.py


@pytest.fixture
def acme_id(personas):
    provider = IdentityProvider.objects.create(
        organization=personas.org,
        name="Acme ID",
        issuer="https://login.acme.example/tenant/v2.0",
        client_id="rollout",
        client_secret="s3cret",
    )
    AllowedDomain.objects.create(provider=provider, domain="acme.example")
    return provider


def test_continue_with_an_email_of_a_provider_offers_sign_in_with_it(client, acme_id):
    response = client.post(reverse("login"), {"username": "someone@ACME.example", "continue": "1"})
    assert "Sign in with Acme ID" in response.text
    assert f'action="/accounts/sso/{acme_id.provider_id}/login/?auth_params=login_hint' in response.text
    assert "or log in with your Rollout password" in response.text
    # The form may lead to the provider's origin; every other page keeps form-action 'self'.
    assert "form-action 'self' https://login.acme.example" in response["Content-Security-Policy"]
    assert "https://login.acme.example" not in client.get(reverse("login"))["Content-Security-Policy"]


def test_continue_with_any_other_email_asks_for_the_password(client, acme_id):
    response = client.post(reverse("login"), {"username": "max@elsewhere.example", "continue": "1"})
    assert "Sign in with" not in response.text
    assert 'name="password"' in response.text and "Log in" in response.text


def test_continue_without_an_email_says_so(client, db):
    response = client.post(reverse("login"), {"username": "", "continue": "1"})
    assert "Type the email address you use at work." in response.text


def test_email_and_password_at_once_still_log_in(client, personas, acme_id):
    response = client.post(reverse("login"), {"username": personas.member.email, "password": PASSWORD})
    assert response.status_code == 302


def test_required_sso_refuses_a_members_password(client, personas, acme_id):
    acme_id.require_sso = True
    acme_id.save()
    response = client.post(reverse("login"), {"username": personas.member.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert "Acme requires single sign-on" in response.text and "Sign in with Acme ID" in response.text
    # Refused before the password is checked: a wrong one gets the same answer.
    wrong = client.post(reverse("login"), {"username": personas.member.email, "password": "nope"})
    assert "Acme requires single sign-on" in wrong.text


def test_required_sso_hides_the_password_behind_the_admins_break_glass(client, acme_id):
    acme_id.require_sso = True
    acme_id.save()
    response = client.post(reverse("login"), {"username": "someone@acme.example", "continue": "1"})
    assert "Acme requires single sign-on for its members" in response.text
    assert "<details>" in response.text and "Admin of Acme? Log in with your password" in response.text


def test_an_admin_breaks_glass_with_their_password_and_the_trail_says_so(client, personas, acme_id):
    acme_id.require_sso = True
    acme_id.save()
    response = client.post(reverse("login"), {"username": personas.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    event = AuditEvent.objects.get(organization=personas.org, action="login", actor=personas.admin)
    assert "requires single sign-on (admin break-glass)" in event.summary


def test_people_outside_the_organization_keep_their_password(client, personas, acme_id):
    acme_id.require_sso = True
    acme_id.save()
    assert (
        client.post(reverse("login"), {"username": personas.outsider.email, "password": PASSWORD}).status_code
        == 302
    )
    user = UserFactory(email="nobody@acme.example")  # in no organization yet
    assert client.post(reverse("login"), {"username": user.email, "password": PASSWORD}).status_code == 302


def test_starting_a_sign_in_with_an_unreachable_provider_goes_back_with_a_message(client, acme_id):
    acme_id.issuer = "http://127.0.0.1:9"
    acme_id.save()
    response = client.post(
        reverse("openid_connect_login", kwargs={"provider_id": acme_id.provider_id}), follow=True
    )
    assert "Rollout could not reach Acme ID" in response.text


def test_a_get_never_starts_a_sign_in(client, acme_id):
    assert (
        client.get(reverse("openid_connect_login", kwargs={"provider_id": acme_id.provider_id})).status_code
        == 405
    )


def test_an_id_token_answering_another_sign_in_is_refused(rf, acme_id):
    """The nonce sent with the sign-in must come back in the ID token (allauth leaves this to us)."""
    from allauth.core.exceptions import ImmediateHttpResponse
    from allauth.socialaccount.models import SocialAccount, SocialLogin
    from django.contrib.auth.models import AnonymousUser

    from rollout.identity.adapter import SocialAccountAdapter
    from rollout.models import User

    claims = {
        "sub": "1",
        "nonce": "from-another-sign-in",
        "email": "alice@acme.example",
        "email_verified": True,
    }
    login = SocialLogin(
        account=SocialAccount(provider=acme_id.provider_id, uid="1", extra_data={"id_token": claims}),
        user=User(email="alice@acme.example"),
    )
    login.state = {"nonce": "sent-with-this-sign-in"}
    request = rf.get("/")
    request.user, request.session = AnonymousUser(), {}
    with pytest.raises(ImmediateHttpResponse) as refused:
        SocialAccountAdapter().pre_social_login(request, login)
    assert (
        refused.value.response.status_code == 403 and b"its nonce differs" in refused.value.response.content
    )
    assert not User.objects.filter(email="alice@acme.example").exists()

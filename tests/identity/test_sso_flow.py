"""Single sign-on against a real OpenID Connect provider (tests/oidc/server.js), over HTTP.

Each refusal ends on Rollout's "Sign-in refused" page with nobody signed in.
"""

from datetime import timedelta
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import pytest
import requests
import time_machine
from allauth.socialaccount.providers.oauth2.client import OAuth2Error

from rollout.models import AuditEvent, Membership, Role, User

from .conftest import (
    OTHER_CLIENT_ID,
    OTHER_CLIENT_SECRET,
    callback_url,
    sign_in_at_provider,
    signed_in_user_id,
    start_sign_in,
)

pytestmark = pytest.mark.django_db(transaction=True)


def with_params(url, **changes):
    parts = urlsplit(url)
    query = {key: values[0] for key, values in parse_qs(parts.query).items()}
    query.update(changes)
    return urlunsplit(parts._replace(query=urlencode(query)))


def assert_refused(response, session, provider, words):
    assert response.status_code in (400, 403), response.text[:300]
    assert "Sign-in refused" in response.text and "Nobody is signed in" in response.text
    assert words in response.text
    assert signed_in_user_id(session, provider) is None


def test_a_new_person_of_an_allowed_domain_joins_as_a_member(oidc):
    session = requests.Session()
    response = session.get(callback_url(session, oidc))
    assert response.url == f"{oidc.live_url}/" and "Hello" in response.text
    user = User.objects.get(email="alice@acme.example")
    assert signed_in_user_id(session, oidc) == str(user.pk)
    assert user.full_name == "Alice Acme" and not user.has_usable_password()
    membership = Membership.objects.get(user=user, organization=oidc.row.organization)
    assert membership.role == Role.MEMBER and membership.source == Membership.Source.SSO
    summaries = list(AuditEvent.objects.filter(actor=user).values_list("summary", flat=True))
    assert any("signed in with single sign-on (Acme ID)" in summary for summary in summaries)
    assert any("joined Acme as member" in summary for summary in summaries)


def test_an_existing_person_is_linked_by_verified_email_and_keeps_their_role(oidc, personas):
    session = requests.Session()
    session.get(callback_url(session, oidc, account="manager@acme.example", email="manager@acme.example"))
    assert signed_in_user_id(session, oidc) == str(personas.manager.pk)
    assert Membership.objects.get(user=personas.manager, organization=personas.org).role == Role.MANAGER
    # The second time, the link made the first time signs them in.
    session = requests.Session()
    session.get(callback_url(session, oidc, account="manager@acme.example", email="manager@acme.example"))
    assert signed_in_user_id(session, oidc) == str(personas.manager.pk)


def test_a_directory_member_outside_the_allowed_domains_signs_in(oidc, personas):
    contractor = User.objects.create_user("dana@partner.example")
    Membership.objects.create(user=contractor, organization=personas.org, role=Role.CHAMPION)
    session = requests.Session()
    # The login page does not know partner.example: they start from an acme.example address's button.
    url = sign_in_at_provider(
        session, start_sign_in(session, oidc), "dana@partner.example", oidc.callback_prefix
    )
    session.get(url)
    assert signed_in_user_id(session, oidc) == str(contractor.pk)


def test_a_deactivated_person_is_refused(oidc, personas):
    Membership.all_objects.filter(user=personas.member).update(is_active=False)
    session = requests.Session()
    url = callback_url(session, oidc, account="member@acme.example", email="member@acme.example")
    assert_refused(session.get(url), session, oidc, "access to Acme has been removed")
    assert AuditEvent.objects.filter(action="login_failed", summary__contains="access to Acme").exists()


def test_an_email_outside_the_allowed_domains_is_refused(oidc):
    session = requests.Session()
    url = sign_in_at_provider(session, start_sign_in(session, oidc), "bob", oidc.callback_prefix)
    assert_refused(session.get(url), session, oidc, "bob@elsewhere.example is not in Acme")
    assert not User.objects.filter(email="bob@elsewhere.example").exists()
    refusal = AuditEvent.objects.get(action="login_failed", organization=oidc.row.organization)
    assert "bob@elsewhere.example" in refusal.summary and "secret" not in refusal.summary


def test_an_unverified_email_is_refused(oidc):
    session = requests.Session()
    url = sign_in_at_provider(session, start_sign_in(session, oidc), "mallory", oidc.callback_prefix)
    assert_refused(session.get(url), session, oidc, "has not verified the email address")
    assert not User.objects.filter(email="mallory@acme.example").exists()


def test_a_wrong_state_is_refused(oidc):
    session = requests.Session()
    url = callback_url(session, oidc)
    assert_refused(session.get(with_params(url, state="forged-state")), session, oidc, "state does not match")
    assert not User.objects.filter(email="alice@acme.example").exists()


def test_a_sign_in_answer_from_another_browser_is_refused(oidc):
    url = callback_url(requests.Session(), oidc)
    stranger = requests.Session()
    assert_refused(stranger.get(url), stranger, oidc, "state does not match")


def test_a_replayed_code_is_refused(oidc):
    session = requests.Session()
    first = callback_url(session, oidc)
    session.get(first)
    assert signed_in_user_id(session, oidc) is not None
    # The same answer again, in another browser: its state was used up (and is not theirs).
    again = requests.Session()
    assert_refused(again.get(first), again, oidc, "state does not match")
    # The old code with the state of a new sign-in: the provider will not exchange it twice.
    other = requests.Session()
    state = parse_qs(urlsplit(start_sign_in(other, oidc)).query)["state"][0]
    assert_refused(other.get(with_params(first, state=state)), other, oidc, "did not accept the sign-in code")


def test_an_expired_id_token_is_refused(oidc):
    session = requests.Session()
    url = callback_url(session, oidc)
    # The provider issues ID tokens for 60 seconds (conftest.ID_TOKEN_TTL); Rollout's clock is
    # five minutes on when the answer arrives (its sign-in state lasts ten).
    with time_machine.travel(timedelta(minutes=5)):
        response = session.get(url)
    assert_refused(response, session, oidc, "identity token from Acme ID is not valid")
    assert not User.objects.filter(email="alice@acme.example").exists()


def test_a_code_for_another_client_is_refused(oidc):
    session = requests.Session()
    authorize = with_params(start_sign_in(session, oidc), client_id=OTHER_CLIENT_ID)
    url = sign_in_at_provider(session, authorize, "alice", oidc.callback_prefix)
    assert_refused(session.get(url), session, oidc, "did not accept the sign-in code")


def test_an_id_token_for_another_client_does_not_validate(oidc):
    """A genuine, signed ID token of the same provider, issued to another application."""
    from rollout.identity.adapter import SignedIDTokenAdapter, social_app

    session = requests.Session()
    discovery = requests.get(f"{oidc.issuer}/.well-known/openid-configuration", timeout=5).json()
    authorize = with_params(
        start_sign_in(session, oidc),
        client_id=OTHER_CLIENT_ID,
        code_challenge_method="S256",
        code_challenge="E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM",
    )
    url = sign_in_at_provider(session, authorize, "alice", oidc.callback_prefix)
    code = parse_qs(urlsplit(url).query)["code"][0]
    tokens = requests.post(
        discovery["token_endpoint"],
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": oidc.callback_prefix,
            "client_id": OTHER_CLIENT_ID,
            "client_secret": OTHER_CLIENT_SECRET,
            "code_verifier": "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
        },
        timeout=5,
    ).json()
    adapter = SignedIDTokenAdapter(None, oidc.row.provider_id)
    adapter._openid_config = discovery
    with pytest.raises(OAuth2Error):
        adapter._decode_id_token(social_app(oidc.row), tokens["id_token"])
    # The same kind of token for Rollout's own client passes: the audience made the difference.
    app = social_app(oidc.row)
    app.client_id = OTHER_CLIENT_ID
    assert adapter._decode_id_token(app, tokens["id_token"])["aud"] == OTHER_CLIENT_ID

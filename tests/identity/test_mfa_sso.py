"""Single sign-on is never asked for two-step sign-in: the identity provider does its own second
step. Through the real provider (tests/oidc/server.js; see conftest.py)."""

import pytest
import requests
from django_otp.plugins.otp_totp.models import TOTPDevice

from rollout.identity.models import TwoStepPolicy

from .conftest import callback_url, signed_in_user_id

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(oidc, email):
    session = requests.Session()
    session.get(callback_url(session, oidc, account=email, email=email))
    return session


def test_single_sign_on_asks_neither_for_a_code_nor_to_set_one_up(oidc, personas):
    TwoStepPolicy.objects.create(organization=personas.org, required_for_admins_and_managers=True)
    TOTPDevice.objects.create(user=personas.manager, name="Authenticator app", confirmed=True)

    # The manager has an app; the admin has none although the organization requires it.
    for user in (personas.manager, personas.admin):
        session = sign_in(oidc, user.email)
        assert signed_in_user_id(session, oidc) == str(user.pk)
        page = session.get(f"{oidc.live_url}/rollouts/", allow_redirects=False)
        assert page.status_code == 200, (user.email, page.headers.get("Location"))
        account = session.get(f"{oidc.live_url}/account/two-step/")
        assert "your identity provider asks for its" in account.text

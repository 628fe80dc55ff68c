"""A real OpenID Connect provider for the single sign-on tests: tests/oidc/server.js (the npm
package `oidc-provider`), started per test on a free port and registered as organization A's
provider with the live server's callback URL. Without node (or `npm ci` in tests/oidc, which
`make test` runs) these tests skip on a laptop and fail in CI.
"""

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from rollout.identity.models import AllowedDomain, IdentityProvider, provider_id_of
from tests.conftest import make_personas, skip_unless_ci

OIDC_DIR = Path(__file__).resolve().parent.parent / "oidc"
CLIENT_ID = "rollout-test"
CLIENT_SECRET = "rollout-test-client-secret-4b1f"
OTHER_CLIENT_ID = "another-app"
OTHER_CLIENT_SECRET = "another-app-secret-77c0"
ID_TOKEN_TTL = 60  # seconds: the expiry test moves Rollout's clock past it


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Provider:
    issuer: str
    row: IdentityProvider
    live_url: str
    process: subprocess.Popen

    @property
    def callback_prefix(self):
        return f"{self.live_url}/accounts/sso/{self.row.provider_id}/login/callback/"


def start_provider(redirect_uri, ttl=ID_TOKEN_TTL):
    node = shutil.which("node")
    if not node:
        skip_unless_ci("node is not installed (the single sign-on tests run tests/oidc/server.js)")
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        skip_unless_ci("tests/oidc/node_modules is missing: run `npm ci` in tests/oidc (make test does)")
    port = free_port()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_OTHER_CLIENT_ID": OTHER_CLIENT_ID,
        "OIDC_OTHER_CLIENT_SECRET": OTHER_CLIENT_SECRET,
        "OIDC_REDIRECT_URI": redirect_uri,
        "OIDC_ID_TOKEN_TTL": str(ttl),
    }
    process = subprocess.Popen(
        [node, "server.js"],
        cwd=OIDC_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"tests/oidc/server.js exited: {process.stdout.read()}")
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1).ok:
                return issuer, process
        except requests.ConnectionError:
            time.sleep(0.1)
    process.kill()
    pytest.fail("tests/oidc/server.js did not serve its discovery document within 20 seconds")


@pytest.fixture
def personas(transactional_db):
    """The personas, committed: the live server's thread reads them."""
    return make_personas()


@pytest.fixture
def oidc(live_server, personas):
    """Organization A ("Acme", domain acme.example) signs in with the real provider."""
    redirect_uri = f"{live_server.url}/accounts/sso/{provider_id_of(personas.org.pk)}/login/callback/"
    issuer, process = start_provider(redirect_uri)
    row = IdentityProvider.objects.create(
        organization=personas.org,
        name="Acme ID",
        issuer=issuer,
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
    )
    AllowedDomain.objects.create(provider=row, domain="acme.example")
    yield Provider(issuer, row, live_server.url, process)
    process.terminate()
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()


# --- Driving a sign-in over HTTP, as a browser would ------------------------------------------


def form_action(html):
    return re.search(r'<form[^>]*action="([^"]+)"', html).group(1).replace("&amp;", "&")


def csrf_token(session, url):
    session.get(url)
    return session.cookies["csrftoken"]


def start_sign_in(session, provider, email="alice@acme.example"):
    """Rollout's login page, email first, then "Sign in with …": the provider's authorize URL."""
    login = f"{provider.live_url}/accounts/login/"
    token = csrf_token(session, login)
    page = session.post(login, {"csrfmiddlewaretoken": token, "username": email, "continue": "1"})
    assert f"Sign in with {provider.row.name}" in page.text
    sso_form = re.search(r'<form method="post" action="(/accounts/sso/[^"]+)"', page.text).group(1)
    answer = session.post(
        urljoin(login, sso_form.replace("&amp;", "&")),
        {"csrfmiddlewaretoken": token, "process": "login"},
        headers={"Referer": login},
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text
    return answer.headers["Location"]


def sign_in_at_provider(session, authorize_url, account, stop_at):
    """Log in and consent on the provider's development pages; the callback URL it sends back to."""
    response = session.get(authorize_url, allow_redirects=False)
    for _ in range(10):
        if response.is_redirect:
            location = urljoin(response.url, response.headers["Location"])
            if location.startswith(stop_at):
                return location
            response = session.get(location, allow_redirects=False)
        elif 'name="prompt" value="login"' in response.text:
            data = {"prompt": "login", "login": account, "password": "any"}
            response = session.post(
                urljoin(response.url, form_action(response.text)), data, allow_redirects=False
            )
        elif 'name="prompt" value="consent"' in response.text:
            data = {"prompt": "consent"}
            response = session.post(
                urljoin(response.url, form_action(response.text)), data, allow_redirects=False
            )
        else:
            pytest.fail(f"Unexpected page from the provider: {response.status_code} {response.text[:500]}")
    pytest.fail("The provider never sent the browser back to Rollout")


def callback_url(session, provider, account="alice", email="alice@acme.example"):
    return sign_in_at_provider(
        session, start_sign_in(session, provider, email), account, provider.callback_prefix
    )


def signed_in_user_id(session, provider):
    """Who the session is signed in as, asked of Rollout itself (None for nobody)."""
    from django.contrib.sessions.models import Session

    key = session.cookies.get("sessionid")
    if not key:
        return None
    row = Session.objects.filter(session_key=key).first()
    return row.get_decoded().get("_auth_user_id") if row else None

"""Settings → Single sign-on: add, test discovery, edit (secret write-only), require, remove."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from django.db import connection
from django.urls import reverse

from rollout.identity.models import IdentityProvider
from rollout.models import AuditEvent

pytestmark = pytest.mark.django_db(transaction=True)
SECRET = "client-secret-do-not-show-9f3a"


class FakeIssuer(BaseHTTPRequestHandler):
    """Discovery documents gone wrong, by path: /html/… answers HTML, /other/… another issuer."""

    def do_GET(self):
        host = f"http://{self.headers['Host']}"
        if self.path.startswith("/html/"):
            body, kind = b"<html><body>Sign in</body></html>", "text/html"
        else:
            issuer = host + self.path.removesuffix("/.well-known/openid-configuration")
            document = {
                key: f"{issuer}/{key}" for key in ("authorization_endpoint", "token_endpoint", "jwks_uri")
            }
            if self.path.startswith("/other/"):
                issuer = "https://someone.else.example"
            body, kind = json.dumps({"issuer": issuer, **document}).encode(), "application/json"
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_issuer():
    server = HTTPServer(("127.0.0.1", 0), FakeIssuer)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def form(issuer, **changes):
    data = {
        "name": "Acme ID",
        "issuer": issuer,
        "client_id": "rollout",
        "client_secret": SECRET,
        "domains": "acme.example, Acme.Example\nacme-health.example",
        "default_role": "member",
    }
    data.update(changes)
    return data


def test_an_admin_adds_a_provider_whose_secret_is_stored_encrypted_and_never_shown(
    client_as, personas, fake_issuer
):
    client = client_as(personas.admin)
    response = client.post(reverse("identity:sso"), form(f"{fake_issuer}/tenant"))
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organization=personas.org)
    assert provider.client_secret == SECRET and provider.domains == ["acme-health.example", "acme.example"]
    assert provider.authorization_origin == fake_issuer
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM identity_identityprovider")
        stored = cursor.fetchone()[0]
    assert SECRET not in stored and stored.startswith("gAAAAA")  # a Fernet token
    page = client.get(reverse("identity:sso"))
    assert SECRET not in page.text and stored not in page.text
    assert f"/accounts/sso/{provider.provider_id}/login/callback/" in page.text
    event = AuditEvent.objects.get(organization=personas.org, action="settings_changed")
    assert "Single sign-on provider Acme ID added" in event.summary and SECRET not in event.summary


def test_editing_without_a_secret_keeps_it_and_the_trail_names_each_change(client_as, personas, fake_issuer):
    client = client_as(personas.admin)
    client.post(reverse("identity:sso"), form(f"{fake_issuer}/tenant"))
    response = client.post(
        reverse("identity:sso"), form(f"{fake_issuer}/tenant", client_secret="", require_sso="on")
    )
    assert response.status_code == 302
    provider = IdentityProvider.objects.get(organization=personas.org)
    assert provider.client_secret == SECRET and provider.require_sso
    latest = AuditEvent.objects.filter(action="settings_changed").first()
    assert "require single sign-on: on" in latest.summary and "client secret" not in latest.summary


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/html/tenant", "did not answer with JSON"),
        ("/other/tenant", "Issuer mismatch"),
    ],
)
def test_test_discovery_names_what_is_wrong(client_as, personas, fake_issuer, path, message):
    response = client_as(personas.admin).post(
        reverse("identity:sso"), {**form(fake_issuer + path), "test": "1"}
    )
    assert message in response.text and "Test discovery" in response.text
    assert not IdentityProvider.objects.exists()


def test_test_discovery_of_an_unreachable_issuer(client_as, personas):
    response = client_as(personas.admin).post(
        reverse("identity:sso"), {**form("http://127.0.0.1:9"), "test": "1"}
    )
    assert "Could not connect to 127.0.0.1:9" in response.text


def test_test_discovery_that_works(client_as, personas, fake_issuer):
    response = client_as(personas.admin).post(
        reverse("identity:sso"), {**form(f"{fake_issuer}/t"), "test": "1"}
    )
    assert "Found the discovery document" in response.text


def test_saving_a_wrong_issuer_is_refused_with_the_reason(client_as, personas):
    response = client_as(personas.admin).post(reverse("identity:sso"), form("http://127.0.0.1:9"))
    assert response.status_code == 200 and "Could not connect" in response.text
    assert not IdentityProvider.objects.exists()


def test_a_domain_belongs_to_one_organization(client_as, personas, fake_issuer):
    client_as(personas.admin).post(reverse("identity:sso"), form(f"{fake_issuer}/a"))
    response = client_as(personas.outsider).post(reverse("identity:sso"), form(f"{fake_issuer}/b"))
    assert "already belongs to another organization" in response.text


def test_removing_the_provider_is_recorded(client_as, personas, fake_issuer):
    client = client_as(personas.admin)
    client.post(reverse("identity:sso"), form(f"{fake_issuer}/tenant"))
    assert client.post(reverse("identity:sso_remove")).status_code == 302
    assert not IdentityProvider.objects.exists()
    assert AuditEvent.objects.filter(summary="Single sign-on provider Acme ID removed").exists()

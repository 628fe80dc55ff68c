"""SCIM tokens: one organization each, refused when missing, wrong or revoked, made and revoked
by admins in Settings → Directory (SCIM), and never written to a log."""

import logging

import pytest
from django.urls import reverse

from rollout.directory.models import ScimToken
from rollout.directory.scim_auth import create_token, revoke
from rollout.models import AuditEvent

from .conftest import GROUP, ScimClient, entra_user


@pytest.fixture
def other_scim(client, personas):
    """A SCIM client of organization B (Globex)."""
    return ScimClient(type(client)(), create_token(personas.other_org, "Okta", personas.outsider)[1])


def test_another_organizations_token_never_sees_this_organizations_people_or_groups(scim, other_scim):
    user = scim.post("Users", entra_user("jane@acme.example")).json_body["id"]
    group = scim.post("Groups", {"schemas": [GROUP], "displayName": "Pharmacy"}).json_body["id"]

    for path in (f"Users/{user}", f"Groups/{group}"):
        assert other_scim.get(path).status_code == 404
        assert (
            other_scim.patch(path, {"op": "Replace", "path": "displayName", "value": "x"}).status_code == 404
        )
        assert other_scim.put(path, entra_user("x@globex.example")).status_code == 404
        assert other_scim.delete(path).status_code == 404
    assert other_scim.get("Users").json_body["totalResults"] == 0
    assert other_scim.get("Users", {"filter": 'userName eq "jane@acme.example"'}).json_body["Resources"] == []
    assert other_scim.get("Groups").json_body["totalResults"] == 0
    assert other_scim.get("Groups", {"filter": 'displayName eq "Pharmacy"'}).json_body["Resources"] == []
    # Nor can it add them to its own groups.
    own = other_scim.post("Groups", {"schemas": [GROUP], "displayName": "Ops"}).json_body["id"]
    response = other_scim.patch(f"Groups/{own}", {"op": "Add", "path": "members", "value": [{"value": user}]})
    assert response.status_code == 400
    assert scim.get(f"Users/{user}").status_code == 200


@pytest.mark.parametrize(
    "authorization", [None, "Bearer", "Bearer scim_not-a-token", "Basic dXNlcjpwYXNz", "Token {token}"]
)
def test_missing_or_unknown_tokens_get_a_401_scim_error(client, scim_token, authorization):
    headers = {"Authorization": authorization.format(token=scim_token)} if authorization else {}
    response = client.get("/scim/v2/Users", headers=headers)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert response.json()["status"] == "401"


def test_a_revoked_token_stops_working_at_once(scim, personas):
    assert scim.get("Users").status_code == 200
    token = ScimToken.objects.get(organization=personas.org)
    assert revoke(token, personas.admin)
    assert scim.get("Users").status_code == 401
    assert not revoke(token, personas.admin)


def test_a_signed_in_admin_without_a_token_gets_a_401(client_as, personas):
    response = client_as(personas.admin).get("/scim/v2/Users")
    assert response.status_code == 401


def test_a_token_is_stored_as_its_hash_and_marks_its_last_use(scim, scim_token, personas):
    token = ScimToken.objects.get(organization=personas.org)
    assert scim_token not in (token.token_hash, token.prefix) and scim_token.startswith(token.prefix)
    assert token.last_used_at is None
    scim.get("Users")
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_tokens_and_bodies_never_reach_the_logs(scim, scim_token, caplog):
    caplog.set_level(logging.DEBUG)
    scim.post("Users", entra_user("jane@acme.example"))
    scim.get("Users", {"filter": 'userName eq "jane@acme.example"'})
    scim.get("Users/999999")
    logged = "\n".join(record.getMessage() for record in caplog.records)
    assert "SCIM POST /scim/v2/Users -> 201" in logged
    assert scim_token not in logged
    assert scim_token[len("scim_") :] not in logged
    assert "jane@acme.example" not in logged


def test_an_admin_creates_a_token_shown_once_with_the_base_url(client_as, personas):
    client = client_as(personas.admin)
    url = reverse("directory:scim_tokens")

    response = client.post(url, {"name": "Entra ID provisioning"})

    assert response.status_code == 200
    token = ScimToken.objects.get(organization=personas.org)
    shown = response.context["shown"]
    assert shown.startswith(token.prefix) and shown in response.content.decode()
    assert "http://127.0.0.1:8000/scim/v2/" in response.content.decode()
    assert token.created_by == personas.admin
    event = AuditEvent.objects.get(action=AuditEvent.Action.TOKEN_CREATED, organization=personas.org)
    assert event.actor == personas.admin and shown not in event.summary
    # Shown once: the list never shows it again.
    again = client.get(url).content.decode()
    assert shown not in again and token.prefix in again and "Entra ID provisioning" in again


def test_an_admin_revokes_a_token(client_as, personas):
    token, text = create_token(personas.org, "Okta", personas.admin)
    client = client_as(personas.admin)

    response = client.post(reverse("directory:scim_token_revoke", kwargs={"pk": token.pk}))

    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == personas.admin
    assert AuditEvent.objects.filter(action=AuditEvent.Action.TOKEN_REVOKED, target_id=str(token.pk)).exists()
    assert client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {text}"}).status_code == 401
    assert "revoked" in client.get(reverse("directory:scim_tokens")).content.decode()


def test_an_admin_cannot_revoke_another_organizations_token(client_as, personas):
    token, _ = create_token(personas.other_org, "Okta", personas.outsider)
    response = client_as(personas.admin).post(reverse("directory:scim_token_revoke", kwargs={"pk": token.pk}))
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None

"""A SCIM client for organization A's personas (tests/conftest.py), with a token of A."""

import json
from urllib.parse import urlencode

import pytest

from rollout.directory.scim_auth import create_token

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


class ScimClient:
    """Django's test client speaking SCIM: JSON bodies, a bearer token, paths under /scim/v2/."""

    def __init__(self, client, token):
        self.client = client
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def request(self, method, path, body=None, **headers):
        kwargs = {"headers": {**self.headers, **headers}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/scim+json")
        response = getattr(self.client, method)(f"/scim/v2/{path}", **kwargs)
        response.json_body = json.loads(response.content) if response.content else None
        return response

    def get(self, path, params=None, **headers):
        return self.request("get", f"{path}?{urlencode(params)}" if params else path, **headers)

    def post(self, path, body, **headers):
        return self.request("post", path, body, **headers)

    def put(self, path, body, **headers):
        return self.request("put", path, body, **headers)

    def patch(self, path, *operations, **headers):
        return self.request("patch", path, {"schemas": [PATCH], "Operations": list(operations)}, **headers)

    def delete(self, path, **headers):
        return self.request("delete", path, **headers)


@pytest.fixture
def scim_token(personas):
    return create_token(personas.org, "Entra ID", personas.admin)[1]


@pytest.fixture
def scim(client, scim_token):
    return ScimClient(client, scim_token)


def entra_user(email, given="Jane", family="Doe", department=None, external_id=None):
    """A user as Entra ID's provisioning service creates one (its default attribute mappings)."""
    body = {
        "schemas": [USER, ENTERPRISE],
        "externalId": external_id or email.split("@")[0],
        "userName": email,
        "active": True,
        "displayName": f"{given} {family}",
        "emails": [{"primary": True, "type": "work", "value": email}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": f"{given} {family}", "familyName": family, "givenName": given},
        "title": "Nurse",
        "addresses": [{"type": "work", "locality": "Seattle", "primary": True}],
    }
    if department:
        body[ENTERPRISE] = {"department": department}
    return body

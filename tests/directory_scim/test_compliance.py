"""SCIM compliance, checked by scim2-tester against a running Rollout (pytest-django's live
server) through scim2-client over HTTP, with a bearer token of one organization."""

import httpx2
import pytest
from scim2_client.engines.httpx2 import SyncSCIMClient
from scim2_tester import Status, check_server

from rollout.directory.scim_auth import create_token
from tests.factories import OrganizationFactory

FAILED = {Status.ERROR, Status.CRITICAL}

# Checks that cannot pass, by (check, resource type, attribute), with the reason.
KNOWN = {
    ("check_remove_attribute", "User", "active"): "A membership is always either active or "
    "deactivated: Rollout has no unassigned state for `active`, so a remove of it changes nothing.",
}


def known(result):
    urn = result.data.get("urn") if isinstance(result.data, dict) else None
    return (result.title, result.resource_type, urn) in KNOWN


@pytest.fixture
def scim_client(live_server, transactional_db, settings):
    settings.SITE_URL = live_server.url  # resources' locations point at the running server
    organization = OrganizationFactory(name="Compliance", slug="compliance")
    _, token = create_token(organization, "scim2-tester", None)
    http = httpx2.Client(base_url=f"{live_server.url}/scim/v2/", headers={"Authorization": f"Bearer {token}"})
    client = SyncSCIMClient(http)
    yield client
    http.close()


def test_rollout_passes_the_scim2_tester_checks(scim_client):
    results = check_server(scim_client)
    failed = [result for result in results if result.status in FAILED and not known(result)]
    assert not failed, "\n".join(f"{r.title} {r.resource_type}: {r.reason}" for r in failed)
    assert sum(result.status == Status.SUCCESS for result in results) >= 70

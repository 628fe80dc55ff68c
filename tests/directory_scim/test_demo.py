"""seed_demo's directory: a department kept by SCIM, and the demo SCIM token."""

from django.core.management import call_command

from rollout.directory.models import ScimGroup, ScimToken
from rollout.directory.scim_auth import create_token
from rollout.models import Membership, Organization, Unit

from .conftest import ENTERPRISE, ScimClient


def test_seed_demo_shows_a_directory_synced_unit_and_a_scim_token(db, client):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    org = Organization.objects.get(name="Northwind Health")
    unit = Unit.objects.get(organization=org, name="Clinical Informatics")
    assert unit.headcount_source == Unit.HeadcountSource.DIRECTORY and unit.synced_at is not None
    assert unit.headcount == 3
    assert ScimGroup.objects.filter(unit=unit, deleted_at__isnull=True).exists()
    people = Membership.objects.filter(organization=org, unit=unit, source=Membership.Source.SCIM)
    assert people.count() == 3
    assert (
        ScimToken.objects.filter(organization=org, name="Entra ID (demo)", revoked_at__isnull=True).count()
        == 1
    )

    scim = ScimClient(client, create_token(org, "test", None)[1])
    users = scim.get("Users", {"filter": 'userName sw "n"'}).json_body["Resources"]
    assert [user["userName"] for user in users] == ["nadia.okafor@northwind.example"]
    listed = scim.get("Users").json_body["Resources"]
    managers = {user["userName"]: user[ENTERPRISE].get("manager", {}).get("value") for user in listed}
    lead = users[0]["id"]
    assert managers == {
        "nadia.okafor@northwind.example": None,
        "tomas.lindqvist@northwind.example": lead,
        "mei.tanaka@northwind.example": lead,
    }

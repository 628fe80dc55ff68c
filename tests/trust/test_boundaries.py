"""The boundaries register: managed by managers, shown to members beside the guidelines."""

import pytest
from django.urls import reverse

from trust.models import Boundary

from ..factories import PlatformFactory, UnitFactory
from .factories import BoundaryFactory

pytestmark = pytest.mark.django_db


def test_a_manager_adds_a_boundary_and_restrictions_must_be_spelled_out(client_as, personas):
    client = client_as(personas.manager)
    url = reverse("trust_org:boundaries")
    data = {"platform": personas.platform.pk, "permission": "restricted", "devices": "managed"}
    response = client.post(url, data)
    assert response.status_code == 200 and "Say what the restrictions are." in response.content.decode()
    assert not Boundary.objects.exists()
    assert client.post(url, {**data, "restrictions": "No patient data"}).status_code == 302
    assert Boundary.objects.get().organization == personas.org


def test_another_organizations_platform_cannot_be_chosen(client_as, personas):
    theirs = PlatformFactory(organization=personas.other_org)
    response = client_as(personas.manager).post(
        reverse("trust_org:boundaries"), {"platform": theirs.pk, "permission": "allowed", "devices": "any"}
    )
    assert "Select a valid choice" in response.content.decode()


def test_members_see_the_boundaries_for_everyone_and_for_their_unit_only(client_as, personas):
    BoundaryFactory(organization=personas.org, platform=personas.platform, restrictions="For everyone")
    BoundaryFactory(
        organization=personas.org, platform=personas.platform, unit=personas.unit, restrictions="Sales only"
    )
    other_unit = UnitFactory(organization=personas.org, name="Finance")
    BoundaryFactory(
        organization=personas.org, platform=personas.platform, unit=other_unit, restrictions="Finance only"
    )
    page = client_as(personas.member).get(reverse("trust_org:mine")).content.decode()
    assert "For everyone" in page and "Sales only" in page and "Finance only" not in page


def test_a_boundary_is_removed_with_a_post(client_as, personas):
    boundary = BoundaryFactory(organization=personas.org, platform=personas.platform)
    client = client_as(personas.admin)
    assert client.get(reverse("trust_org:boundary_delete", args=[boundary.pk])).status_code == 405
    assert client.post(reverse("trust_org:boundary_delete", args=[boundary.pk])).status_code == 302
    assert not Boundary.objects.exists()

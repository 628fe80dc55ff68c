"""Open Badges 2.0 documents (assertion, BadgeClass, Issuer) and the 3.0 credential, in public."""

import hashlib
import json

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from incentives.openbadges import REQUIRED

from .factories import BadgeAwardFactory, BadgeFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def award(personas):
    badge = BadgeFactory(rollout=personas.rollout, name="Helper", levels=[(1, 1), (3, 10)])
    return BadgeAwardFactory(
        level=badge.levels.get(rank=3), person=personas.member, evidence="Private note about the ward"
    )


def fetch(client, url):
    assert url.startswith(settings.SITE_URL)
    response = client.get(url.removeprefix(settings.SITE_URL))
    assert response.status_code == 200, url
    assert response["Access-Control-Allow-Origin"] == "*"
    return response.json()


def test_the_assertion_badge_class_and_issuer_have_every_required_field_and_link_up(client, award):
    assertion = fetch(client, settings.SITE_URL + reverse("openbadges:assertion", args=[award.public_id]))
    assert REQUIRED["Assertion"] <= assertion.keys()
    assert assertion["@context"] == "https://w3id.org/openbadges/v2"
    assert assertion["type"] == "Assertion"
    assert assertion["verification"] == {"type": "hosted"}
    assert assertion["id"].endswith(str(award.public_id))
    timezone.datetime.fromisoformat(assertion["issuedOn"].replace("Z", "+00:00"))
    badge_class = fetch(client, assertion["badge"])
    assert REQUIRED["BadgeClass"] <= badge_class.keys()
    assert badge_class["type"] == "BadgeClass"
    assert badge_class["name"] == "Helper (gold)"
    assert "narrative" in badge_class["criteria"]
    issuer = fetch(client, badge_class["issuer"])
    assert REQUIRED["Issuer"] <= issuer.keys()
    assert (issuer["type"], issuer["name"]) == ("Issuer", "Acme")
    image = client.get(badge_class["image"].removeprefix(settings.SITE_URL))
    assert image.status_code == 200


def test_the_recipient_is_a_salted_hash_that_verifies_against_the_email(client, award):
    recipient = client.get(reverse("openbadges:assertion", args=[award.public_id])).json()["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    expected = hashlib.sha256(("member@acme.example" + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == f"sha256${expected}"


def test_the_public_documents_reveal_nothing_beyond_the_badge(client, award):
    for name in ("openbadges:assertion", "openbadges:credential"):
        text = client.get(reverse(name, args=[award.public_id])).content.decode()
        for secret in (
            "member@acme.example",
            "Member",
            "Private note",
            "Engage for all",
            f"/{award.person_id}/",
        ):
            assert secret not in text, (name, secret)


def test_the_open_badges_3_credential_is_a_well_formed_unsigned_achievement_credential(client, award):
    credential = client.get(reverse("openbadges:credential", args=[award.public_id])).json()
    assert credential["@context"][0] == "https://www.w3.org/ns/credentials/v2"
    assert credential["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert {"id", "issuer", "validFrom", "credentialSubject", "name"} <= credential.keys()
    subject = credential["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    assert "proof" not in credential  # documented: no signing service


def test_a_revoked_award_answers_410_with_revoked_true(client, award):
    award.revoked_at = timezone.now()
    award.save(update_fields=["revoked_at"])
    response = client.get(reverse("openbadges:assertion", args=[award.public_id]))
    assert response.status_code == 410
    assert json.loads(response.content)["revoked"] is True


def test_an_unknown_id_is_404_and_ids_are_unguessable_uuids(client, award):
    assert client.get("/badges/assertion/00000000-0000-0000-0000-000000000000").status_code == 404
    assert client.get(f"/badges/assertion/{award.pk}").status_code == 404
    assert len(str(award.public_id)) == 36

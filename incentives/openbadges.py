"""Open Badges documents of an award: 2.0 (hosted verification) and an unsigned 3.0 credential.

Every document sits at a stable public URL under SITE_URL, named by an unguessable UUID, and says
nothing beyond the badge: the recipient is a salted SHA-256 hash of their email address, and the
issuer is the organization's name and Rollout's address. Evidence notes stay inside Rollout.
"""

import hashlib
from datetime import UTC
from xml.sax.saxutils import escape

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

OB2_CONTEXT = "https://w3id.org/openbadges/v2"
OB3_CONTEXT = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]
# The fields an Open Badges 2.0 validator requires of each document (tests check them).
REQUIRED = {
    "Assertion": {"@context", "id", "type", "recipient", "badge", "verification", "issuedOn"},
    "BadgeClass": {"@context", "id", "type", "name", "description", "image", "criteria", "issuer"},
    "Issuer": {"@context", "id", "type", "name", "url"},
}
LEVEL_COLOURS = {1: "#b06a2c", 2: "#8d99a6", 3: "#c9a227"}


def absolute(name, public_id):
    return settings.SITE_URL + reverse(name, args=[public_id])


def hashed_identity(email, salt):
    return "sha256$" + hashlib.sha256((email.lower() + salt).encode()).hexdigest()


def _iso(moment):
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def issuer_document(issuer):
    return {
        "@context": OB2_CONTEXT,
        "id": absolute("openbadges:issuer", issuer.public_id),
        "type": "Issuer",
        "name": issuer.organization.name,
        "url": settings.SITE_URL + "/",
    }


def badge_class_document(level, issuer):
    badge = level.badge
    return {
        "@context": OB2_CONTEXT,
        "id": absolute("openbadges:badge_class", level.public_id),
        "type": "BadgeClass",
        "name": str(level),
        "description": badge.description,
        "image": absolute("openbadges:image", level.public_id),
        "criteria": {"narrative": criteria_narrative(level)},
        "issuer": absolute("openbadges:issuer", issuer.public_id),
    }


def criteria_narrative(level):
    text = level.badge.criteria
    if level.threshold:
        text += " " + _("(%(level)s level: %(threshold)s.)") % {
            "level": level.get_rank_display(),
            "threshold": level.threshold,
        }
    return text


def assertion_document(award):
    return {
        "@context": OB2_CONTEXT,
        "id": absolute("openbadges:assertion", award.public_id),
        "type": "Assertion",
        "recipient": {
            "type": "email",
            "hashed": True,
            "salt": award.salt,
            "identity": hashed_identity(award.person.email, award.salt),
        },
        "badge": absolute("openbadges:badge_class", award.level.public_id),
        "verification": {"type": "hosted"},
        "issuedOn": _iso(award.issued_at),
    }


def revoked_document(award):
    """What a hosted assertion answers once revoked (with HTTP 410), per the 2.0 specification."""
    return {
        "@context": OB2_CONTEXT,
        "id": absolute("openbadges:assertion", award.public_id),
        "type": "Assertion",
        "revoked": True,
        "revocationReason": _("Revoked by the issuer."),
    }


def credential_document(award, issuer):
    """An Open Badges 3.0 OpenBadgeCredential, unsigned (no `proof`): see docs/steps/incentivize.md."""
    level = award.level
    return {
        "@context": OB3_CONTEXT,
        "id": absolute("openbadges:credential", award.public_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": str(level),
        "issuer": {
            "id": absolute("openbadges:issuer", issuer.public_id),
            "type": ["Profile"],
            "name": issuer.organization.name,
            "url": settings.SITE_URL + "/",
        },
        "validFrom": _iso(award.issued_at),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": award.salt,
                    "identityHash": hashed_identity(award.person.email, award.salt),
                }
            ],
            "achievement": {
                "id": absolute("openbadges:badge_class", level.public_id),
                "type": ["Achievement"],
                "name": str(level),
                "description": level.badge.description,
                "criteria": {"narrative": criteria_narrative(level)},
                "image": {"id": absolute("openbadges:image", level.public_id), "type": "Image"},
            },
        },
    }


def svg_image(level):
    """A generated badge: a rosette in the badge's colour, the level's ring, the first letters."""
    badge = level.badge
    ring = LEVEL_COLOURS.get(level.rank, badge.color)
    initials = "".join(word[0] for word in badge.name.split()[:2]).upper()
    label = escape(str(level))
    return f"""<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" aria-label="{label}">
<title>{label}</title>
<circle cx="128" cy="128" r="120" fill="{ring}"/>
<circle cx="128" cy="128" r="100" fill="{escape(badge.color)}"/>
<text x="128" y="148" text-anchor="middle" font-family="Arial, Helvetica, sans-serif" font-size="64" font-weight="bold" fill="#ffffff">{escape(initials)}</text>
</svg>
"""

"""The public Open Badges documents: the only pages of Rollout reachable without signing in.

Each is found by an unguessable UUID and says nothing beyond the badge (incentives/openbadges.py).
"""

import mimetypes

from django.http import FileResponse, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.views.decorators.http import require_GET

from .. import openbadges
from ..models import BadgeAward, BadgeLevel, Issuer


def _json(document, status=200):
    response = JsonResponse(document, status=status, json_dumps_params={"indent": 2})
    # Backpacks and validators fetch these from other origins.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return response


def _issuer(organization):
    return Issuer.objects.get_or_create(organization=organization)[0]


@require_GET
def issuer(request, public_id):
    found = get_object_or_404(Issuer.objects.select_related("organization"), public_id=public_id)
    return _json(openbadges.issuer_document(found))


@require_GET
def badge_class(request, public_id):
    level = get_object_or_404(
        BadgeLevel.objects.select_related("badge__rollout__organization"), public_id=public_id
    )
    return _json(openbadges.badge_class_document(level, _issuer(level.badge.rollout.organization)))


@require_GET
def image(request, public_id):
    level = get_object_or_404(BadgeLevel.objects.select_related("badge"), public_id=public_id)
    image_file = level.badge.image
    if image_file and image_file.storage.exists(image_file.name):
        content_type = mimetypes.guess_type(level.badge.image.name)[0] or "application/octet-stream"
        response = FileResponse(level.badge.image.open("rb"), content_type=content_type)
    else:
        response = HttpResponse(openbadges.svg_image(level), content_type="image/svg+xml")
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=3600"
    return response


def _award(public_id):
    return get_object_or_404(
        BadgeAward.objects.select_related("person", "level__badge__rollout__organization"),
        public_id=public_id,
    )


@require_GET
def assertion(request, public_id):
    award = _award(public_id)
    if award.revoked_at is not None:
        return _json(openbadges.revoked_document(award), status=410)
    return _json(openbadges.assertion_document(award))


@require_GET
def credential(request, public_id):
    award = _award(public_id)
    if award.revoked_at is not None:
        return _json(openbadges.revoked_document(award), status=410)
    issuer_row = _issuer(award.level.badge.rollout.organization)
    return _json(openbadges.credential_document(award, issuer_row))

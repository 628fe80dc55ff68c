"""SCIM bearer tokens: made (shown once), checked on every SCIM request, revoked.

A token is `scim_` and 43 random characters. Only its SHA-256 is stored, and looked up directly:
the hash is unique, so checking a token is one indexed query. The token never reaches a log: the
library's request logging (which would write whole bodies) is replaced by one line per request
naming the method, path, status and organization.
"""

import hashlib
import json
import logging
import secrets
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext
from django_scim import constants
from django_scim.middleware import SCIMAuthCheckMiddleware

from ..ratelimits import ALL, over_limit
from .models import ScimToken

logger = logging.getLogger("rollout.directory.scim")

TOKEN_START = "scim_"
LAST_USED_RESOLUTION = timedelta(minutes=1)  # last_used_at is written at most once a minute


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(organization, name: str, created_by) -> tuple[ScimToken, str]:
    """(the ScimToken, the token's text). The text is never stored and cannot be shown again."""
    text = TOKEN_START + secrets.token_urlsafe(32)
    token = ScimToken.objects.create(
        organization=organization,
        name=name,
        token_hash=_hash(text),
        prefix=text[: ScimToken._meta.get_field("prefix").max_length],
        created_by=created_by,
    )
    return token, text


def check_token(text: str) -> ScimToken | None:
    """The unrevoked ScimToken that `text` is, or None."""
    if not text.startswith(TOKEN_START):
        return None
    token = (
        ScimToken.objects.select_related("organization")
        .filter(token_hash=_hash(text), revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ScimToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token: ScimToken, by) -> bool:
    """Revoke the token (it stops working at once); whether it was active."""
    return bool(
        ScimToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now(), revoked_by=by
        )
    )


def unauthorized(detail: str) -> HttpResponse:
    body = {"schemas": [constants.SchemaURI.ERROR], "status": "401", "detail": detail}
    response = HttpResponse(json.dumps(body), status=401, content_type=constants.SCIM_CONTENT_TYPE)
    response["WWW-Authenticate"] = 'Bearer realm="Rollout SCIM"'
    return response


def too_many_guesses(wait: int) -> HttpResponse:
    detail = gettext("Too many requests with a wrong SCIM token from this address.")
    body = {"schemas": [constants.SchemaURI.ERROR], "status": "429", "detail": detail}
    response = HttpResponse(json.dumps(body), status=429, content_type=constants.SCIM_CONTENT_TYPE)
    response["Retry-After"] = str(wait)
    return response


class BearerTokenCheck(SCIMAuthCheckMiddleware):
    """django-scim2's AUTH_CHECK_MIDDLEWARE (it wraps every SCIM view's dispatch): the request must
    carry `Authorization: Bearer <an unrevoked SCIM token>`; it then acts for the token's
    organization (`request.scim_organization`) and nothing else. A browser session counts for
    nothing here."""

    def process_request(self, request):
        kind, _, text = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
        if kind.lower() != "bearer" or not text.strip():
            return unauthorized(
                gettext("Send a SCIM token of the organization as 'Authorization: Bearer <token>'.")
            )
        token = check_token(text.strip())
        if token is None:
            # Wrong tokens are counted per address; past the limit they get 429 instead of 401. A
            # right token always passes: identity providers provision many customers from shared addresses.
            wait = over_limit(request, "token_failures", method=ALL)
            if wait:
                return too_many_guesses(wait)
            return unauthorized(gettext("This SCIM token is not valid: it is wrong or has been revoked."))
        request.scim_token = token
        request.scim_organization = token.organization
        # The identity provider acts, not whoever's browser session came along: no actor.
        request.user = AnonymousUser()
        return None

    def process_response(self, request, response):
        token = getattr(request, "scim_token", None)
        logger.info(
            "SCIM %s %s -> %s (organization %s)",
            request.method,
            request.path,
            response.status_code,
            token.organization_id if token else "none",
        )
        return response

"""Creating, checking and revoking personal API tokens (`rlt_<prefix>_<secret>`)."""

import hashlib
import hmac
import secrets
from datetime import timedelta

from django.utils import timezone

from ..models import ApiToken

LAST_USED_RESOLUTION = timedelta(minutes=1)  # write last_used_at at most once a minute


def _hash(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def create_token(user, organization, name, scope, expires_at=None):
    """(ApiToken, the full token text). The text is never stored and cannot be shown again."""
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        organization=organization,
        name=name,
        scope=scope,
        prefix=prefix,
        key_hash=_hash(secret),
        expires_at=expires_at,
    )
    return token, f"rlt_{prefix}_{secret}"


def check_token(text):
    """The usable ApiToken that `text` is, or None."""
    parts = text.split("_", 2)
    if len(parts) != 3 or parts[0] != "rlt":
        return None
    _, prefix, secret = parts
    token = ApiToken.objects.select_related("user", "organization").filter(prefix=prefix).first()
    if token is None or not hmac.compare_digest(token.key_hash, _hash(secret)):
        return None
    if not token.is_usable or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke(token):
    return ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())

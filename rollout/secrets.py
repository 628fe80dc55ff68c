"""Secrets stored at rest (an identity provider's client secret, a connector's credentials),
encrypted with Fernet.

The keys come from `ROLLOUT_ENCRYPTION_KEYS` (comma-separated Fernet keys, newest first): the
newest encrypts, every key decrypts, so a new key can be put in front of the old one and
`manage.py rotate_encryption_keys` re-encrypts every stored secret with it before the old key is
removed (docs/operations.md, "Encryption keys"). Under DEBUG and in the test suite a key derived
from SECRET_KEY stands in when none is set; anywhere else using a secret without a key is an
ImproperlyConfigured error, raised on first use so that a deployment with nothing to encrypt
still starts.

A model stores a secret in an `EncryptedTextField`: the database holds the Fernet token, Python
sees the plain text. Nothing here logs a secret.
"""

import base64
import hashlib
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

GENERATE_KEY = 'python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"'


def configured_keys():
    """The keys from the environment (through settings), newest first."""
    keys = getattr(settings, "ROLLOUT_ENCRYPTION_KEYS", None) or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key.strip()]


def _may_derive_key():
    # The development server (DEBUG) and the test suite run without any key to manage.
    return settings.DEBUG or getattr(settings, "ROLLOUT_ENCRYPTION_DERIVED_KEY", False)


def _derived_key():
    digest = hashlib.sha256(f"rollout.secrets:{settings.SECRET_KEY}".encode()).digest()
    return base64.urlsafe_b64encode(digest).decode()


@lru_cache(maxsize=4)
def _multi_fernet(keys):
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError:
        raise ImproperlyConfigured(
            "ROLLOUT_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe base64-encoded "
            f"bytes). Generate one with: {GENERATE_KEY}"
        ) from None


def fernet():
    """The MultiFernet of the configured keys (the newest encrypts, all of them decrypt)."""
    keys = configured_keys()
    if not keys:
        if not _may_derive_key():
            raise ImproperlyConfigured(
                "ROLLOUT_ENCRYPTION_KEYS is not set: Rollout needs it to store secrets such as an "
                f"identity provider's client secret. Generate a key with: {GENERATE_KEY}"
            )
        keys = [_derived_key()]
    return _multi_fernet(tuple(keys))


def encrypt(plain_text):
    return fernet().encrypt(plain_text.encode()).decode()


def decrypt(token):
    """The plain text of `token`; ImproperlyConfigured if no configured key opens it."""
    try:
        return fernet().decrypt(token.encode()).decode()
    except InvalidToken:
        raise ImproperlyConfigured(
            "A stored secret cannot be decrypted with any key in ROLLOUT_ENCRYPTION_KEYS: was a key "
            "removed before `manage.py rotate_encryption_keys` ran?"
        ) from None


def rotate(token):
    """`token` encrypted again with the newest key (MultiFernet.rotate)."""
    return fernet().rotate(token.encode()).decode()


class EncryptedTextField(models.TextField):
    """A text column stored as a Fernet token. Blank stays blank (nothing to hide).

    Not searchable or orderable by content: each encryption of the same text differs.
    """

    def from_db_value(self, value, expression, connection):
        if value in (None, ""):
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value in (None, ""):
            return value
        return encrypt(value)


def encrypted_fields():
    """(model, field names) of every installed model with an EncryptedTextField."""
    from django.apps import apps

    for model in apps.get_models():
        names = [field.name for field in model._meta.concrete_fields if isinstance(field, EncryptedTextField)]
        if names:
            yield model, names

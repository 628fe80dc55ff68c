"""Secrets at rest: Fernet with keys from ROLLOUT_ENCRYPTION_KEYS, and their rotation."""

import io

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection

from rollout import secrets
from rollout.identity.models import IdentityProvider

pytestmark = pytest.mark.django_db(transaction=True)


def stored_secret():
    with connection.cursor() as cursor:
        cursor.execute("SELECT client_secret FROM identity_identityprovider")
        return cursor.fetchone()[0]


def test_rotation_re_encrypts_every_secret_with_the_newest_key(settings, personas):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.ROLLOUT_ENCRYPTION_KEYS = [old]
    IdentityProvider.objects.create(
        organization=personas.org,
        name="Acme ID",
        issuer="https://id.acme.example",
        client_id="c",
        client_secret="s3cret",
    )
    before = stored_secret()
    assert Fernet(old).decrypt(before.encode()) == b"s3cret"

    settings.ROLLOUT_ENCRYPTION_KEYS = [new, old]  # the new key first, the old one still readable
    out = io.StringIO()
    call_command("rotate_encryption_keys", stdout=out)
    assert "Re-encrypted 1 stored secret(s)" in out.getvalue()
    after = stored_secret()
    assert after != before and Fernet(new).decrypt(after.encode()) == b"s3cret"

    settings.ROLLOUT_ENCRYPTION_KEYS = [new]  # the old key removed: the secret still opens
    assert IdentityProvider.objects.get().client_secret == "s3cret"


def test_a_secret_without_its_key_is_a_clear_error(settings, personas):
    settings.ROLLOUT_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    IdentityProvider.objects.create(
        organization=personas.org, name="A", issuer="https://a.example", client_id="c", client_secret="x"
    )
    settings.ROLLOUT_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]
    with pytest.raises(ImproperlyConfigured, match="rotate_encryption_keys"):
        IdentityProvider.objects.get()


def test_production_without_keys_is_improperly_configured(settings):
    settings.DEBUG = False
    settings.ROLLOUT_ENCRYPTION_KEYS = []
    settings.ROLLOUT_ENCRYPTION_DERIVED_KEY = False
    with pytest.raises(ImproperlyConfigured, match="ROLLOUT_ENCRYPTION_KEYS is not set"):
        secrets.encrypt("x")
    settings.ROLLOUT_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(ImproperlyConfigured, match="not a Fernet key"):
        secrets.encrypt("x")


def test_debug_derives_a_key_from_the_secret_key(settings):
    settings.DEBUG = True
    settings.ROLLOUT_ENCRYPTION_KEYS = []
    assert secrets.decrypt(secrets.encrypt("hello")) == "hello"

"""Settings for the test suite: the production settings with fast hashing and in-memory email.

DATABASE_URL and REDIS_URL still apply, so CI runs the suite against PostgreSQL and Redis.
"""

import os

os.environ.setdefault("SECRET_KEY", "test-only-secret-key-not-used-anywhere-else-0b7e2d")

from . import settings as production  # noqa: E402
from .settings import *  # noqa: E402,F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# Secrets stored at rest (rollout/secrets.py) use a key derived from SECRET_KEY when no
# ROLLOUT_ENCRYPTION_KEYS are set.
ROLLOUT_ENCRYPTION_DERIVED_KEY = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Serve static files from the app folders (no collectstatic before tests).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# An in-memory cache, or with REDIS_URL a Redis cache under a prefix of this run's own, so that
# runs sharing a Redis server never read each other's entries (tests/conftest.py clears it).
if REDIS_URL:  # noqa: F405
    CACHES = {"default": {**production.CACHES["default"], "KEY_PREFIX": f"test-{os.getpid()}"}}
    CACHES["ratelimit"] = {**CACHES["default"], "KEY_PREFIX": f"test-ratelimit-{os.getpid()}"}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CACHES["ratelimit"] = {**CACHES["default"], "LOCATION": "ratelimit"}  # tests/conftest.py clears it
# The suite's webhook receivers run on this machine (pytest-httpserver); tests/webhooks checks the
# refusal of private addresses with this turned off.
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True

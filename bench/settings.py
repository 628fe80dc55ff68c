"""Settings of `make bench`: the production settings (DATABASE_URL, REDIS_URL from the environment)
with the bench's URLconf, which adds the baseline view, and nothing that would redirect to HTTPS."""

import os
import warnings

os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-used-anywhere-else-7c1e4a")

from config.settings import *  # noqa: E402,F403

DEBUG = False
ROOT_URLCONF = "bench.urls"
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
# Static files are not what is measured: serve them from the app folders, no manifest needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
# ...so STATIC_ROOT (collectstatic's output) need not exist; WhiteNoise would warn in every process.
warnings.filterwarnings("ignore", message="No directory at: ")
LOGGING = {"version": 1, "disable_existing_loggers": False, "root": {"level": "WARNING"}}

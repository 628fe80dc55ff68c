"""Settings come from the environment; production values pass `check --deploy`."""

import json
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PRINT_SETTINGS = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'db': s.DATABASES['default']['ENGINE'], 'name': str(s.DATABASES['default']['NAME']), "
    "'broker': s.CELERY_BROKER_URL, 'cache': s.CACHES['default']['BACKEND'], 'email': s.EMAIL_BACKEND, "
    "'mail_dir': getattr(s, 'EMAIL_FILE_PATH', ''), 'debug': s.DEBUG}))"
)


def run(env, *args):
    clean = {
        k: v
        for k, v in os.environ.items()
        if k
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "EMAIL_URL",
            "DJANGO_DEBUG",
            "SECRET_KEY",
            "DJANGO_SETTINGS_MODULE",
        }
    }
    clean.update(env, ROLLOUT_VAR_DIR=str(ROOT / "var" / "settings-test"))
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=clean, capture_output=True, text=True, timeout=60
    )


def settings_with(**env):
    result = run({"DJANGO_SETTINGS_MODULE": "config.settings", **env}, "-c", PRINT_SETTINGS)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_an_empty_environment_runs_embedded():
    s = settings_with(DJANGO_DEBUG="1")
    assert s["db"] == "django.db.backends.sqlite3" and s["name"].endswith("var/settings-test/db.sqlite3")
    assert s["broker"] == "filesystem://localhost//"
    assert s["cache"].endswith("FileBasedCache")
    assert s["email"].endswith("filebased.EmailBackend") and s["mail_dir"].endswith("var/settings-test/mail")


def test_database_and_redis_urls_switch_to_postgresql_and_redis():
    s = settings_with(
        DJANGO_DEBUG="1",
        DATABASE_URL="postgres://u@db.internal:5432/rollout",
        REDIS_URL="redis://cache.internal:6379/2",
    )
    assert s["db"] == "django.db.backends.postgresql" and s["name"] == "rollout"
    assert s["broker"] == "redis://cache.internal:6379/2"
    assert s["cache"].endswith("RedisCache")


def test_without_debug_a_secret_key_is_required():
    result = run({"DJANGO_SETTINGS_MODULE": "config.settings"}, "-c", PRINT_SETTINGS)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_values_pass_check_deploy():
    result = run(
        {
            "SECRET_KEY": secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "rollout.example.com",
            "EMAIL_URL": "smtp+tls://rollout:secret@smtp.example.com:587",
        },
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout

"""/healthz: is the database up, is the broker reachable, is a worker running beat's heartbeat?"""

import logging

from django.conf import settings
from django.db import connection
from django.http import JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache

from config.celery_app import app as celery_app

from ..models import Heartbeat

log = logging.getLogger(__name__)


def _check_database():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return {"ok": True, "vendor": connection.vendor}


def _check_broker():
    with celery_app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
        return {"ok": True, "transport": conn.transport_cls}


def _check_heartbeat():
    beat = Heartbeat.objects.filter(name="worker").first()
    if beat is None:
        return {"ok": False, "age_seconds": None, "error": "No heartbeat yet: is a worker running?"}
    age = (timezone.now() - beat.beat_at).total_seconds()
    ok = age <= settings.HEARTBEAT_MAX_AGE_SECONDS
    result = {"ok": ok, "age_seconds": round(age, 1), "at": beat.beat_at.isoformat()}
    if not ok:
        result["error"] = "The last heartbeat is too old: are the worker and beat running?"
    return result


@never_cache
def healthz(request):
    checks = {}
    for name, check in (
        ("database", _check_database),
        ("broker", _check_broker),
        ("heartbeat", _check_heartbeat),
    ):
        try:
            checks[name] = check()
        except Exception as exc:  # report any failure as a red check, never a 500
            # Host and user names in the error are for the logs and staff, not the public.
            log.warning("Health check %s failed: %s", name, exc)
            detail = f"{exc.__class__.__name__}: {exc}"[:300] if request.user.is_staff else "unavailable"
            checks[name] = {"ok": False, "error": detail}
    healthy = all(check["ok"] for check in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "fail", "checks": checks}, status=200 if healthy else 503
    )

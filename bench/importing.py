"""Import: a Viva Engage user-activity CSV through the real importer, against PostgreSQL COPY of
the same file into a bare table, and the peak memory (RSS) of the process that imported.

The file: the enterprise organization's 10,000 people over 100 days, one row per person and day
(what Microsoft Graph's `getYammerActivityUserDetail(date=...)` returns, a day at a time), so
1,000,000 rows by default. It is written once to var/bench/ and reused.

The importer runs as `manage.py import_activity` in a child process (store, check, import, all
or nothing, then the rollups), so its peak RSS is that process's own (VmHWM, see bench/peak.py). The check
parses the file and streams its rows into the batch's stage; the import is SQL from there. It imports
into a rollout of its own ("Import benchmark"), removed afterwards. COPY runs before and
after the import; the ratio divides by the mean of the two.
"""

import os
import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

from django.db import connection
from django.utils import timezone

from rollout import enterprise
from rollout.models import Organization, Role, Rollout

ROOT = Path(__file__).resolve().parent.parent
FOLDER = ROOT / "var" / "bench"
ROLLOUT_NAME = "Import benchmark"
HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,User State,State Change Date,"
    "Last Activity Date,Posted Count,Read Count,Liked Count,Assigned Products,Report Period"
)
BARE_TABLE = "bench_copy_target"
BARE_COLUMNS = (
    "refresh_date date, upn text, display_name text, user_state text, state_change date, "
    "last_activity date, posted integer, read integer, liked integer, products text, period integer"
)


def write_file(rows, people=10_000):
    """The CSV with `rows` rows (reused when it exists); returns its path."""
    FOLDER.mkdir(parents=True, exist_ok=True)
    path = FOLDER / f"viva-engage-{rows}.csv"
    if path.exists():
        return path
    days = max(1, -(-rows // people))
    last = timezone.localdate() - timedelta(days=1)
    partial = path.with_suffix(".partial")
    with open(partial, "w", encoding="utf-8", newline="") as out:
        out.write(HEADER + "\r\n")
        written = 0
        for day in range(days):
            refresh = last - timedelta(days=days - 1 - day)
            for index in range(people):
                if written == rows:
                    break
                # Deterministic variety: some people idle, some busy, on some days.
                seed = (index * 7919 + day * 104729) % 1000
                posted, read, liked = seed % 4 if seed < 600 else 0, seed % 37, seed % 9
                last_activity = f"{refresh:%Y-%m-%d}" if posted or read or liked else ""
                out.write(
                    f"{refresh:%Y-%m-%d},{enterprise.person_email(index)},Person {index:05d},Enabled,,"
                    f"{last_activity},{posted},{read},{liked},Microsoft 365 E3,1\r\n"
                )
                written += 1
    partial.rename(path)
    return path


def copy_seconds(path):
    """COPY the file into a bare table (no index, no constraint); the seconds it took."""
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {BARE_TABLE}")
        cursor.execute(f"CREATE TABLE {BARE_TABLE} ({BARE_COLUMNS})")
        started = time.perf_counter()
        with open(path, encoding="utf-8") as handle:
            cursor.cursor.copy_expert(f"COPY {BARE_TABLE} FROM STDIN WITH (FORMAT csv, HEADER true)", handle)
        elapsed = time.perf_counter() - started
        cursor.execute(f"DROP TABLE {BARE_TABLE}")
    return elapsed


def bench_rollout():
    """The benchmark's own rollout in the enterprise organization, emptied."""
    organization = Organization.objects.get(slug=enterprise.SLUG)
    rollout, _ = Rollout.objects.get_or_create(
        organization=organization,
        name=ROLLOUT_NAME,
        defaults={
            "status": Rollout.Status.LIVE,
            "start_date": timezone.localdate() - timedelta(days=200),
            "platform": organization.platforms.order_by("pk").first(),
        },
    )
    empty(rollout)
    return rollout


def empty(rollout):
    """Remove what an earlier run imported (set-based: a million rows through the ORM would crawl)."""
    from engage.models import ActivityRecord, ActivityRollup, ImportBatch
    from engage.staging import Stage

    with connection.cursor() as cursor:
        for model in (ActivityRollup, ActivityRecord):
            cursor.execute(f"DELETE FROM {model._meta.db_table} WHERE rollout_id = %s", [rollout.pk])
        if not connection.in_atomic_block:
            # The bench's server runs without autovacuum: a million dead rows per run would
            # otherwise pile up in the table and its indexes and slow every later run.
            for model in (ActivityRollup, ActivityRecord):
                cursor.execute(f"VACUUM {model._meta.db_table}")
    for batch in ImportBatch.objects.filter(rollout=rollout):
        (Path(_media_root()) / batch.stored_path).unlink(missing_ok=True)
        Stage(batch.pk).drop()  # the checked rows of a run that stopped before its import
        batch.delete()


def _media_root():
    from django.conf import settings

    return settings.MEDIA_ROOT


def run_importer(path, rollout):
    """`manage.py import_activity` in a child process: (seconds, peak RSS in MB, output)."""
    env = dict(os.environ, DJANGO_SETTINGS_MODULE="bench.settings", ENGAGE_MAX_UPLOAD_MB="1024")
    command = [
        sys.executable,
        "-m",
        "bench.peak",
        "import_activity",
        "--rollout",
        str(rollout.pk),
        "--user",
        enterprise.login_email(Role.MANAGER),
        str(path),
    ]
    started = time.perf_counter()
    child = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    output = child.stdout.read().decode(errors="replace")
    child.wait()
    elapsed = time.perf_counter() - started
    if child.returncode != 0:
        raise RuntimeError(f"import_activity failed ({child.returncode}): {output[-2000:]}")
    peak = re.findall(r"^peak_rss_kb=(\d+)$", output, re.MULTILINE)
    if not peak:
        raise RuntimeError(f"import_activity did not report its peak memory: {output[-2000:]}")
    return elapsed, int(peak[-1]) / 1024, output


def phases(rollout):
    """Seconds of the stored batch's phases: storing and checking, then importing."""
    from engage.models import ImportBatch

    batch = ImportBatch.objects.filter(rollout=rollout).order_by("-pk").first()
    check = (batch.checked_at - batch.created_at).total_seconds()
    imported = (batch.finished_at - batch.started_at).total_seconds()
    return round(check, 1), round(imported, 1), batch.rows_done


def measure(results, rows=1_000_000):
    if connection.vendor != "postgresql":
        results["notes"].append("import: not measured, COPY needs PostgreSQL")
        return results
    path = write_file(rows)
    rollout = bench_rollout()
    before = copy_seconds(path)
    seconds, rss_mb, _ = run_importer(path, rollout)
    after = copy_seconds(path)
    check, imported, rows_done = phases(rollout)
    empty(rollout)
    rollout.delete()  # the pages measured later see the enterprise organization as seeded
    copy = (before + after) / 2
    results["import"].update(
        {
            "rows": rows_done,
            "seconds": round(seconds, 1),
            "copy_seconds": round(copy, 2),
            "ratio_vs_copy": round(seconds / copy, 2),
            "peak_rss_mb": round(rss_mb, 1),
            "check_seconds": check,
            "import_seconds": imported,
        }
    )
    print(f"import measured: {rows_done} rows in {seconds:.1f} s (COPY {copy:.1f} s)", flush=True)
    return results

"""`make bench`: Rollout's performance at enterprise scale, as ratios measured side by side.

Runs against PostgreSQL and Redis (DATABASE_URL, REDIS_URL; by default the local ones, database
rollout_bench, Redis db 13). Creates the database if missing, migrates, seeds the enterprise
organization (`seed_demo --scale enterprise`, which skips what is already there), then measures:

- pages:  each page's median time over warm, alternating requests (Django test client, in
          process) divided by the median of a baseline view (one query, a trivial template),
          and the page's query count; also the page right after a write to its rollout by
          someone else (bench/pages.py);
- import: a 1,000,000-row Viva Engage CSV through `manage.py import_activity` (store, check,
          import) in a child process, against PostgreSQL COPY of the same file into a bare
          table, and that process's peak RSS;
- digest: weekly digests rendered and delivered through the outbox to a local SMTP server by a
          real Celery worker (and by one process, for the queries per digest), against plain
          smtplib sending the same number of pre-rendered messages to it;
- load:   a mixed load on gunicorn (2 workers) under wrk, 32 connections, with a real Celery
          worker (concurrency 1) beside it: the six pages, each by a session of its role, and one
          request in ten a write (a support session logged, a worksheet section saved, a question
          marked answered, in turn) whose figures the worker recomputes; and the baseline view at
          the same concurrency (bench/load.py).

Prints a table and writes var/bench/results.json (see docs/performance.md for what each key means).
"""

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rollout_bench"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/13"
DEFAULT_OUTPUT = ROOT / "var" / "bench" / "results.json"
PAGES = ["portfolio", "overview", "worksheet", "champion_home", "engage", "unanswered"]
NOT_MEASURED = "not measured (see the notes)"


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--output", default=str(DEFAULT_OUTPUT), help="where to write the JSON results")
    parser.add_argument(
        "--only", default="pages,import,digest,load", help="comma-separated parts to run (default: all)"
    )
    parser.add_argument("--rounds", type=int, default=30, help="pages: alternating requests per page")
    parser.add_argument(
        "--digests",
        type=int,
        default=10_000,
        help="digest: how many digests to deliver (the issue's figure; about a minute, see "
        "docs/performance.md)",
    )
    parser.add_argument("--import-rows", type=int, default=1_000_000, help="import: rows of the CSV")
    parser.add_argument("--load-seconds", type=int, default=60, help="load: seconds per wrk run")
    parser.add_argument("--users", type=int, default=32, help="load: concurrent connections")
    parser.add_argument("--skip-seed", action="store_true", help="do not run the enterprise seeder")
    return parser.parse_args(argv)


def empty_results():
    """Every key of results.json, None until measured."""
    return {
        "pages": {
            name: {
                "ratio": None,
                "queries": None,
                "median_ms": None,
                "after_write_ratio": None,
                "after_write_queries": None,
                "after_write_ms": None,
            }
            for name in PAGES
        },
        "baseline_median_ms": None,
        "import": {
            "ratio_vs_copy": None,
            "peak_rss_mb": None,
            "rows": None,
            "seconds": None,
            "copy_seconds": None,
            "check_seconds": None,
            "import_seconds": None,
        },
        "digest": {
            "ratio_vs_smtplib": None,
            "queries_per_email": None,
            "per_second": None,
            "worker_concurrency": None,
            "one_sender_ratio_vs_smtplib": None,
            "one_sender_per_second": None,
        },
        "load": {
            "rps": None,
            "errors": None,
            "p50_ms": None,
            "p95_ms": None,
            "p99_ms": None,
            "baseline_rps": None,
            "baseline_errors": None,
            "baseline_p50_ms": None,
            "baseline_p95_ms": None,
            "baseline_p99_ms": None,
            "mixed": {
                "rps": None,
                "errors": None,
                "p50_ms": None,
                "p95_ms": None,
                "p99_ms": None,
                "baseline_rps": None,
                "requests_per_cycle": None,
                "writes_per_cycle": None,
                "support_sessions_added": None,
                "questions_answered": None,
                "worksheet_history_added": None,
            },
        },
        "notes": [],
        "seed_seconds": None,
    }


def write_results(results, output):
    output = Path(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, sort_keys=True, default=str) + "\n")
    return output


def _fmt(value, unit=""):
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.2f}{unit}"
    return f"{value}{unit}"


def table(results):
    """The results as a plain-text table, each figure beside its target."""
    lines = [f"{'figure':<34} {'value':>12}  target"]
    for name, row in results["pages"].items():
        if row["ratio"] is None:
            lines.append(f"{'pages.' + name:<34} {NOT_MEASURED}")
            continue
        lines.append(f"{'pages.' + name + '.ratio':<34} {_fmt(row['ratio'], 'x'):>12}  <= 5x")
        lines.append(f"{'pages.' + name + '.queries':<34} {_fmt(row['queries']):>12}  <= 10")
        lines.append(f"{'  .after_write_ratio':<34} {_fmt(row['after_write_ratio'], 'x'):>12}  <= 20x")
        lines.append(f"{'  .after_write_queries':<34} {_fmt(row['after_write_queries']):>12}  <= 15")
    imp, digest, load = results["import"], results["digest"], results["load"]
    if imp["ratio_vs_copy"] is None:
        lines.append(f"{'import':<34} {NOT_MEASURED}")
    else:
        lines.append(f"{'import.ratio_vs_copy':<34} {_fmt(imp['ratio_vs_copy'], 'x'):>12}  <= 4x")
        lines.append(f"{'import.peak_rss_mb':<34} {_fmt(imp['peak_rss_mb']):>12}  <= 200")
        phases = f"{_fmt(imp['check_seconds'])} / {_fmt(imp['import_seconds'])}"
        lines.append(f"{'import.check_s / import_s':<34} {phases:>12}  (COPY {_fmt(imp['copy_seconds'])} s)")
    lines.append(f"{'digest.ratio_vs_smtplib':<34} {_fmt(digest['ratio_vs_smtplib'], 'x'):>12}  >= 0.5x")
    one = f"{_fmt(digest['one_sender_ratio_vs_smtplib'], 'x')}"
    lines.append(f"{'  one sender process':<34} {one:>12}")
    lines.append(f"{'digest.queries_per_email':<34} {_fmt(digest['queries_per_email']):>12}  constant")
    mixed = load["mixed"]
    half = None if mixed["baseline_rps"] is None else round(0.5 * mixed["baseline_rps"], 1)
    lines.append(f"{'load.mixed.rps':<34} {_fmt(mixed['rps']):>12}  >= 0.5 x baseline_rps ({_fmt(half)})")
    lines.append(f"{'load.mixed.errors':<34} {_fmt(mixed['errors']):>12}  0")
    p50_p95 = _fmt(mixed["p50_ms"]) + " / " + _fmt(mixed["p95_ms"])
    lines.append(f"{'load.mixed.p50_ms / p95_ms':<34} {p50_p95:>12}")
    lines.append(f"{'load.mixed.p99_ms':<34} {_fmt(mixed['p99_ms']):>12}  <= 300")
    lines.append(f"{'load.mixed.baseline_rps':<34} {_fmt(mixed['baseline_rps']):>12}")
    lines.append(f"{'load.baseline_p99_ms':<34} {_fmt(load['baseline_p99_ms']):>12}")
    written = " / ".join(
        _fmt(mixed[key])
        for key in ("support_sessions_added", "worksheet_history_added", "questions_answered")
    )
    lines.append(f"{'  rows: sessions / worksheet / answered':<34} {written:>12}")
    for note in results["notes"]:
        lines.append(f"note: {note}")
    return "\n".join(lines)


def setup_django():
    os.environ.setdefault("DATABASE_URL", DEFAULT_DATABASE_URL)
    os.environ.setdefault("REDIS_URL", DEFAULT_REDIS_URL)
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    sys.path.insert(0, str(ROOT))
    from bench import database

    database.create_if_missing(os.environ["DATABASE_URL"])
    import django

    django.setup()


def main(argv=None):
    args = parse_args(argv)
    parts = set(args.only.split(","))
    setup_django()
    from django.core.management import call_command

    from bench import digest, load, pages
    from bench import importing as import_bench

    results = empty_results()
    call_command("migrate", verbosity=0, interactive=False)
    if not args.skip_seed:
        started = time.monotonic()
        call_command("seed_demo", scale="enterprise")
        results["seed_seconds"] = round(time.monotonic() - started, 1)
    # Fresh statistics after the bulk load, as a deployment's autovacuum would have by now.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    # Each part's figures are written as soon as it ends: a part that fails keeps the others'.
    if "pages" in parts:
        pages.measure(results, rounds=args.rounds)
        write_results(results, args.output)
        print("pages measured", flush=True)
    if "import" in parts:
        import_bench.measure(results, rows=args.import_rows)
        write_results(results, args.output)
    if "digest" in parts:
        digest.measure(results, count=args.digests)
        write_results(results, args.output)
        print("digest measured", flush=True)
    if "load" in parts:
        load.measure(results, seconds=args.load_seconds, users=args.users)
    path = write_results(results, args.output)
    print(table(results))
    print(f"\nWritten to {path}")
    return 0


def median(values):
    return statistics.median(values) if values else None


if __name__ == "__main__":
    sys.exit(main())

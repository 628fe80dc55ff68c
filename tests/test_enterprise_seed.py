import json

import pytest
from django.core.management import call_command

from bench.run import empty_results, parse_args, table, write_results
from champions.models import Champion, SupportSession
from reviews.models import Review
from rollout import enterprise
from rollout.models import Membership, Notification, Organization, Rollout, Unit, User
from strategy.models import Worksheet


def enterprise_counts(org):
    return {
        "people": Membership.objects.filter(organization=org).count(),
        "users": User.objects.filter(email__endswith=f"@{enterprise.DOMAIN}").count(),
        "units": Unit.objects.filter(organization=org).count(),
        "rollouts": Rollout.objects.filter(organization=org).count(),
        "champions": Champion.objects.filter(rollout__organization=org).count(),
        "support_sessions": SupportSession.objects.filter(rollout__organization=org).count(),
        "reviews": Review.objects.filter(rollout__organization=org).count(),
        "notifications": Notification.objects.filter(organization=org).count(),
        "worksheets": Worksheet.objects.filter(rollout__organization=org).count(),
        "topics": SupportSession.topics.through.objects.filter(
            supportsession__rollout__organization=org
        ).count(),
    }


@pytest.mark.django_db
def test_the_enterprise_seeder_creates_the_scaled_counts_and_is_idempotent():
    call_command("seed_demo", scale="enterprise", factor=0.002)
    org = Organization.objects.get(slug=enterprise.SLUG)
    first = enterprise_counts(org)
    expected = enterprise.counts(0.002)
    assert first["people"] == first["users"] == expected["people"] == 20
    assert first["units"] == expected["units"] == 1
    assert first["rollouts"] == expected["rollouts"] == 1
    assert first["champions"] == expected["champions"] == 1
    assert first["support_sessions"] == first["topics"] == expected["support_sessions"] == 300
    assert first["reviews"] == expected["reviews"] == 1
    assert first["notifications"] == expected["notifications"] == 100
    assert first["worksheets"] == 1
    call_command("seed_demo", scale="enterprise", factor=0.002)
    assert enterprise_counts(org) == first
    # The demo organization is a separate command: the enterprise scale leaves it alone.
    assert not Organization.objects.filter(slug="northwind-health").exists()


def test_the_bench_writes_every_key_even_when_nothing_was_measured(tmp_path):
    assert parse_args(["--only", "pages", "--rounds", "3"]).rounds == 3
    results = empty_results()
    path = write_results(results, tmp_path / "results.json")
    written = json.loads(path.read_text())
    for key in ("ratio", "queries"):
        assert all(key in page for page in written["pages"].values())
    assert written["import"]["ratio_vs_copy"] is None and "peak_rss_mb" in written["import"]
    assert {"ratio_vs_smtplib", "queries_per_email"} <= set(written["digest"])
    assert {"rps", "errors", "p99_ms", "baseline_rps"} <= set(written["load"])
    assert "pages.unanswered                   not measured (see the notes)" in table(results)


def test_the_import_bench_reads_the_importers_own_peak_memory_not_its_parents():
    """bench/peak.py: a child started by a large process must not report the parent's peak (Linux
    carries it into the child's ru_maxrss, which os.wait4 reports)."""
    import subprocess
    import sys
    from pathlib import Path

    ballast = bytearray(300 * 1024 * 1024)  # the parent's peak: 300 MB, every page touched
    ballast[::4096] = b"\x01" * len(ballast[::4096])
    root = Path(__file__).resolve().parent.parent
    done = subprocess.run(
        [sys.executable, "-m", "bench.peak", "version"], cwd=root, capture_output=True, text=True, check=True
    )
    del ballast
    last = done.stdout.strip().splitlines()[-1]
    assert last.startswith("peak_rss_kb=")
    assert 10_000 < int(last.split("=")[1]) < 200_000  # Django's own, not the parent's 300 MB

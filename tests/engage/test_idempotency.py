"""Importing the same file twice changes nothing; later overlapping exports update, never double
count; the upload limit; the progress endpoint."""

from datetime import date

import pytest
from django.urls import reverse

from engage import services
from engage.models import ActivityRecord, ActivityRollup, ImportBatch
from engage.selectors import active_users

from . import files
from .conftest import import_now, upload


def viva(day, posts=1):
    return files.viva_file(
        [files.viva_row(f"seller{i}@acme.example", "S", posts, 2, 0, refresh=day) for i in range(6)]
    )


def test_the_same_file_twice_is_refused_and_changes_nothing(personas, people):
    import_now(upload(personas.rollout, viva("2026-05-31"), personas.manager), personas.manager)
    before = list(ActivityRecord.objects.order_by("pk").values())
    again = upload(personas.rollout, viva("2026-05-31"), personas.manager)
    assert services.earlier_import(again) is not None
    with pytest.raises(services.AlreadyImported):
        services.confirm(again, personas.manager)
    assert list(ActivityRecord.objects.order_by("pk").values()) == before


def test_the_same_rows_in_another_file_are_counted_unchanged(personas, people):
    import_now(upload(personas.rollout, viva("2026-05-31"), personas.manager), personas.manager)
    other = viva("2026-05-31").replace(b"\r\n", b"\n")  # same rows, another file (hash)
    batch = import_now(upload(personas.rollout, other, personas.manager), personas.manager)
    assert (batch.created_count, batch.updated_count, batch.unchanged_count) == (0, 0, 6)
    assert ActivityRecord.objects.count() == 6


def test_a_later_overlapping_export_supersedes_the_earlier_one(personas, people):
    import_now(upload(personas.rollout, viva("2026-05-28", posts=3), personas.manager), personas.manager)
    import_now(upload(personas.rollout, viva("2026-05-31", posts=5), personas.manager), personas.manager)
    current = ActivityRecord.objects.filter(superseded=False)
    assert current.count() == 6 and set(current.values_list("period_end", flat=True)) == {date(2026, 5, 31)}
    week = ActivityRollup.objects.filter(grain="week", period_start=date(2026, 5, 25))
    assert sum(week.values_list("posts", flat=True)) == 30  # not 48
    assert active_users(personas.rollout, date(2026, 5, 31)) == 6


def test_an_older_export_imported_later_does_not_count_either(personas, people):
    import_now(upload(personas.rollout, viva("2026-05-31", posts=5), personas.manager), personas.manager)
    import_now(upload(personas.rollout, viva("2026-05-28", posts=3), personas.manager), personas.manager)
    week = ActivityRollup.objects.filter(grain="week", period_start=date(2026, 5, 25))
    assert sum(week.values_list("posts", flat=True)) == 30


def test_an_over_size_upload_gets_a_clear_message(personas, people, post_file, settings):
    settings.ENGAGE_MAX_UPLOAD_MB = 1
    response = post_file(personas.manager, personas.rollout, b"x" * (1024 * 1024 + 10))
    assert response.status_code == 400
    assert "the limit is 1 MB" in response.text
    assert not ImportBatch.objects.exists()


def test_the_upload_page_checks_a_small_file_and_shows_the_preview(personas, people, post_file, client):
    response = post_file(personas.manager, personas.rollout, viva("2026-05-31"))
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response.url == reverse(
        "engage:import_detail", args=[personas.rollout.pk, batch.pk]
    )
    page = client.get(response.url)
    assert (
        "Import 6 rows" in page.text and "Column mapping" in page.text and "seller0@acme.example" in page.text
    )


def test_a_large_upload_is_checked_by_the_worker(
    personas, people, post_file, settings, django_capture_on_commit_callbacks, monkeypatch
):
    settings.ENGAGE_INLINE_CHECK_KB = 0
    sent = []
    monkeypatch.setattr("engage.tasks.check_activity_file.delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        post_file(personas.manager, personas.rollout, viva("2026-05-31"))
    batch = ImportBatch.objects.get()
    assert sent == [batch.pk] and batch.status == ImportBatch.Status.CHECKING
    from engage.tasks import check_activity_file

    assert check_activity_file(batch.pk) == ImportBatch.Status.READY


def test_the_progress_endpoint_reports_rows_done_and_the_summary(
    personas, people, client_as, django_capture_on_commit_callbacks, monkeypatch
):
    batch = upload(personas.rollout, viva("2026-05-31"), personas.manager)
    url = reverse("engage:import_progress", args=[personas.rollout.pk, batch.pk])
    client = client_as(personas.manager)
    sent = []
    monkeypatch.setattr("engage.tasks.import_activity.delay", lambda pk: sent.append(pk))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("engage:import_confirm", args=[personas.rollout.pk, batch.pk]))
    assert sent == [batch.pk]
    queued = client.get(url).json()
    assert (queued["status"], queued["finished"]) == ("queued", False)
    services.ImportBatch.objects.filter(pk=batch.pk).update(status="running")
    services.report_progress(batch.pk, 3, 6)
    running = client.get(url).json()
    assert (running["done"], running["total"], running["percent"]) == (3, 6, 50)
    services.ImportBatch.objects.filter(pk=batch.pk).update(status="queued")
    from engage.tasks import import_activity

    import_activity(batch.pk)
    done = client.get(url).json()
    assert (
        done["finished"] and done["percent"] == 100 and done["message"].startswith("Imported 6 rows: 6 new")
    )


def test_daily_exports_supersede_nothing_until_a_weekly_export_covers_their_days(personas, people):
    def daily(day):
        rows = [
            files.viva_row(f"seller{i}@acme.example", "S", 1, 2, 0, refresh=day, period=1) for i in range(6)
        ]
        return files.viva_file(rows)

    for day in ("2026-05-26", "2026-05-27", "2026-05-28"):
        import_now(upload(personas.rollout, daily(day), personas.manager), personas.manager)
    assert (
        ActivityRecord.objects.count() == 18 and not ActivityRecord.objects.filter(superseded=True).exists()
    )
    # A weekly export ending on the 31st covers the three days: it wins, nothing is counted twice.
    import_now(upload(personas.rollout, viva("2026-05-31", posts=5), personas.manager), personas.manager)
    assert ActivityRecord.objects.filter(superseded=True).count() == 18
    week = ActivityRollup.objects.filter(grain="week", period_start=date(2026, 5, 25))
    assert sum(week.values_list("posts", flat=True)) == 30  # not 30 + 18

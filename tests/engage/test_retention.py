"""Retention of activity records: the records of days older than the organization keeps them are
deleted, newer ones and other organizations' stay, every figure (the page's, the trends', an
old day's participation, the rollups and windows) reads the same, a later full rebuild leaves
the figures of the removed days alone, and None keeps everything."""

from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from engage import figures, rollups
from engage.models import ActivityRecord, ImportProblem
from rollout.steps import RetentionPolicy, registry

from ..factories import OrganizationFactory, RolloutFactory
from .conftest import import_now, upload
from .files import generic_file, generic_row
from .test_erasure import figures as page_figures

pytestmark = pytest.mark.django_db

engage = registry.get("engage")
LAST = date(2026, 5, 31)
NOW = timezone.make_aware(datetime(2026, 6, 1, 3, 0))
CUTOFF = date(2026, 4, 2)  # NOW's day less 60 days: the first day kept


def keep(activity_days):
    return RetentionPolicy(
        activity_days=activity_days, conversation_text_days=None, email_body_days=None, audit_days=None
    )


def rows(days, people):
    return [
        generic_row(person, (LAST - timedelta(days=offset)).isoformat(), posts=1 + offset % 4)
        for offset in range(days)
        for person in people
        if offset % (2 + len(person) % 3)  # each person active on some days only
    ]


@pytest.fixture
def loaded(personas):
    people = ["member@acme.example", "leader@acme.example", "champion@acme.example", "someone@else.example"]
    batch = import_now(
        upload(personas.rollout, generic_file(rows(120, people)), personas.manager), personas.manager
    )
    import_now(
        upload(personas.other_rollout, generic_file(rows(120, ["x@globex.example"])), personas.outsider),
        personas.outsider,
    )
    ImportProblem.objects.create(
        batch=batch, row=2, column="person", value="member@acme.example", message="x"
    )
    return batch


def test_records_older_than_the_period_are_deleted_and_newer_ones_kept(personas, loaded):
    records = ActivityRecord.objects.filter(rollout=personas.rollout)
    newer = records.filter(period_end__gte=CUTOFF).count()
    older = records.filter(period_end__lt=CUTOFF).count()
    elsewhere = ActivityRecord.objects.filter(rollout=personas.other_rollout).count()
    assert engage.apply_retention(personas.org, keep(60), NOW) == {
        "activity records": older,
        "conversation texts": 0,
    }
    assert records.count() == newer and not records.filter(period_end__lt=CUTOFF).exists()
    assert ActivityRecord.objects.filter(rollout=personas.other_rollout).count() == elsewhere


def test_the_figures_read_the_same_after_retention_and_after_a_full_rebuild(personas, loaded):
    old_day = LAST - timedelta(days=90)
    before = page_figures(personas.rollout), figures.participation(personas.rollout, old_day)
    assert before[0]["rollups"] and before[0]["windows"]
    engage.apply_retention(personas.org, keep(60), NOW)
    assert (page_figures(personas.rollout), figures.participation(personas.rollout, old_day)) == before
    rollups.rebuild_all(personas.rollout.pk)
    assert (page_figures(personas.rollout), figures.participation(personas.rollout, old_day)) == before


def test_the_first_day_a_rebuild_reads_after_retention_is_a_first_of_a_month_with_a_whole_window():
    assert rollups.first_complete_day(date(2026, 4, 2)) == date(2026, 5, 1)
    assert rollups.first_complete_day(date(2026, 4, 4)) == date(2026, 5, 1)
    assert rollups.first_complete_day(date(2026, 4, 5)) == date(2026, 6, 1)
    assert rollups.first_complete_day(date(2026, 2, 1)) == date(2026, 3, 1)


def test_an_import_whose_days_are_all_gone_loses_its_preview_problems_and_file(
    personas, loaded, django_capture_on_commit_callbacks
):
    path = Path(settings.MEDIA_ROOT) / loaded.stored_path
    assert loaded.preview and path.exists()
    loaded.period_end = CUTOFF - timedelta(days=1)
    loaded.save(update_fields=["period_end"])
    with django_capture_on_commit_callbacks(execute=True):
        engage.apply_retention(personas.org, keep(60), NOW)
    loaded.refresh_from_db()
    assert loaded.preview == [] and loaded.unmatched_sample == [] and loaded.stored_path == ""
    assert not ImportProblem.objects.filter(batch=loaded).exists() and not path.exists()


def test_an_import_with_days_still_kept_keeps_its_preview(personas, loaded):
    engage.apply_retention(personas.org, keep(60), NOW)
    loaded.refresh_from_db()
    assert loaded.preview and loaded.stored_path


def test_none_keeps_every_record(personas, loaded):
    count = ActivityRecord.objects.count()
    assert engage.apply_retention(personas.org, keep(None), NOW) == {
        "activity records": 0,
        "conversation texts": 0,
    }
    assert ActivityRecord.objects.count() == count


def organization_with_days(days):
    organization = OrganizationFactory()
    rollout = RolloutFactory(organization=organization)
    ActivityRecord.objects.bulk_create(
        ActivityRecord(
            rollout=rollout,
            source="generic",
            person_key=f"p{n}@example.com",
            period_start=LAST - timedelta(days=offset),
            period_end=LAST - timedelta(days=offset),
            active_people=1,
        )
        for offset in range(days)
        for n in range(3)
    )
    return organization


def test_retention_costs_the_same_queries_for_few_records_or_many(db):
    counts = []
    for organization in (organization_with_days(70), organization_with_days(300)):
        with CaptureQueriesContext(connection) as queries:
            assert engage.apply_retention(organization, keep(60), NOW)["activity records"] > 0
        counts.append(len(queries))
    assert counts[0] == counts[1]

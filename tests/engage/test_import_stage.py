"""The check's stage (PostgreSQL): the rows a check found valid are kept for the import, which is
then SQL alone; the stage goes when the batch is imported, cancelled, invalid, failed or expired;
the import gives the same records and counts whether it reads the stage or the file. And the Viva
Engage fast path reads every row exactly as `parse` does."""

from datetime import date, timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage import services, staging
from engage.importers import detect, viva_engage
from engage.importers.base import RowProblem
from engage.models import CONCEALED_KEY, ActivityRecord, ImportBatch
from engage.records import COLUMNS
from rollout.models import Membership
from tests.conftest import skip_unless_ci
from tests.factories import UnitFactory

from . import files
from .conftest import import_now, upload


@pytest.fixture
def postgresql():
    if connection.vendor != "postgresql":
        skip_unless_ci("the stage is PostgreSQL's (SQLite reads the file again at import)")


def staged(batch):
    return staging.Stage(batch.pk).exists()


def staged_rows(batch):
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {staging.Stage(batch.pk).name}")
        return cursor.fetchone()[0]


def viva(rows=6, refresh="2026-05-31", posts=1, extra=()):
    body = [
        files.viva_row(f"seller{i}@acme.example", f"S {i}", posts, 2, 0, refresh=refresh) for i in range(rows)
    ]
    return files.viva_file(body + list(extra))


def records():
    """Every record's values as the importer writes them, but for the batch that wrote it."""
    fields = [name for name in COLUMNS if name not in ("rollout_id", "batch_id", "source")]
    return sorted(ActivityRecord.objects.values_list(*fields))


def counts(batch):
    return (batch.created_count, batch.updated_count, batch.unchanged_count, batch.message)


def test_a_checked_file_is_staged_and_the_import_empties_the_stage(postgresql, personas, people):
    batch = upload(personas.rollout, viva(), personas.manager)
    assert batch.status == ImportBatch.Status.READY and staged_rows(batch) == 6
    assert not ActivityRecord.objects.exists()
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.DONE and batch.created_count == 6
    assert ActivityRecord.objects.count() == 6 and not staged(batch)


def test_a_file_with_a_problem_keeps_no_stage(postgresql, personas, people):
    bad = files.viva_row("seller9@acme.example", "x", "lots", 1, 1)
    batch = upload(personas.rollout, viva(extra=[bad]), personas.manager)
    assert batch.status == ImportBatch.Status.INVALID and batch.problem_count == 1
    assert batch.problems.get().row == 8 and not staged(batch)


def test_a_cancelled_batch_keeps_no_stage(postgresql, personas, people):
    batch = upload(personas.rollout, viva(), personas.manager)
    assert services.cancel(batch) and not staged(batch)


def test_a_failed_import_keeps_no_stage(postgresql, personas, people, settings):
    batch = upload(personas.rollout, viva(), personas.manager)
    (settings.MEDIA_ROOT / batch.stored_path).write_bytes(viva(posts=9))  # changed after the check
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.FAILED and "changed after it was checked" in batch.message
    assert not staged(batch) and not ActivityRecord.objects.exists()


def test_an_import_rolled_back_midway_leaves_the_stage_for_the_next_worker(postgresql, personas, people):
    batch = upload(personas.rollout, viva(), personas.manager)
    assert services.confirm(batch, personas.manager, enqueue=False)
    batch.refresh_from_db()
    with pytest.raises(RuntimeError), transaction.atomic():  # a worker killed before its commit
        services._write(batch)
        raise RuntimeError("killed")
    assert staged_rows(batch) == 6 and not ActivityRecord.objects.exists()
    assert services.run_import(batch.pk)["created"] == 6
    assert ActivityRecord.objects.count() == 6 and not staged(batch)


def test_the_import_reads_the_stage_and_the_file_alike(postgresql, personas, people, settings):
    """Twice the same three imports (new rows; a later file changing some, repeating a person,
    with concealed names; the same rows again): once from the stage, once from the file (the
    stage dropped before each import). Same records, same counts."""
    hidden = files.hashed("someone@acme.example")
    first = viva(rows=6)
    second = viva(
        rows=4,
        posts=3,
        extra=[
            files.viva_row("seller5@acme.example", "S 5 (old row)", 7, 7, 7),
            files.viva_row("seller5@acme.example", "S 5", 1, 2, 0),  # the later row counts
            files.viva_row(hidden, "", 2, 5, 1),
            files.viva_row(hidden.lower()[::-1], "", 0, 1, 0),
        ],
    )
    third = second.replace(b"\r\n", b"\n")  # the same rows, another file

    def run(from_file):
        results = []
        for content in (first, second, third):
            batch = upload(personas.rollout, content, personas.manager)
            assert staged(batch)
            if from_file:
                staging.Stage(batch.pk).drop()
            results.append(counts(import_now(batch, personas.manager)))
            assert not staged(batch)
        return results, records()

    from_stage = run(from_file=False)
    ActivityRecord.objects.all().delete()
    ImportBatch.objects.all().delete()
    from_file = run(from_file=True)
    assert from_stage == from_file
    results, rows = from_stage
    assert results[0][:3] == (6, 0, 0)
    assert results[1][:3] == (1, 4, 1)  # the concealed totals are new; seller5's later row is as before
    assert results[1][3].endswith("2 rows had concealed names and were kept as totals only.")
    assert results[2][:3] == (0, 0, 6)
    seller5 = [row for row in rows if row[0] == "seller5@acme.example"]
    assert [(row[1], row[9]) for row in seller5] == [("S 5", 1)]
    concealed = [row for row in rows if row[0] == CONCEALED_KEY]
    assert [(row[6], row[7], row[9]) for row in concealed] == [(True, 2, 2)]


def test_units_are_those_of_the_import_not_the_check(postgresql, personas, people):
    batch = upload(personas.rollout, viva(rows=2), personas.manager)
    moved = UnitFactory(organization=personas.org, name="Marketing")
    Membership.objects.filter(user__email="seller0@acme.example").update(unit=moved)
    import_now(batch, personas.manager)
    units = dict(ActivityRecord.objects.values_list("person_key", "unit_id"))
    assert units == {"seller0@acme.example": moved.pk, "seller1@acme.example": people["sales"].pk}


def test_a_unit_named_in_the_file_and_gone_before_the_import_fails_it(postgresql, personas, people):
    legal = people["legal"]
    content = files.generic_file([files.generic_row("lawyer0@acme.example", "2026-05-31", unit="Legal")])
    batch = upload(personas.rollout, content, personas.manager)
    assert batch.status == ImportBatch.Status.READY
    legal.delete()
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.FAILED and "a unit is gone" in batch.message
    assert not ActivityRecord.objects.exists() and not staged(batch)


def test_the_sweep_drops_expired_cancelled_and_orphan_stages_and_keeps_the_rest(postgresql, personas, people):
    def checked(day):
        return upload(personas.rollout, viva(refresh=day), personas.manager, name=f"{day}.csv")

    staging.drop_stale_stages()  # what other tests left (a flushed database keeps its stages)
    waiting, fresh, expired, queued, orphan = (checked(f"2026-05-{day}") for day in (20, 21, 22, 23, 24))
    ImportBatch.objects.filter(pk=expired.pk).update(checked_at=timezone.now() - timedelta(hours=25))
    assert services.confirm(queued, personas.manager, enqueue=False)
    ImportBatch.objects.filter(pk=orphan.pk).delete()
    ImportBatch.objects.filter(pk=waiting.pk).update(status=ImportBatch.Status.CANCELLED)  # an older release
    assert staging.drop_stale_stages() == 3
    assert [staged(batch) for batch in (waiting, fresh, expired, queued, orphan)] == [
        False,
        True,
        False,
        True,
        False,
    ]
    # An expired stage's batch can still be imported: the import reads the file again.
    expired = import_now(expired, personas.manager)
    assert expired.status == ImportBatch.Status.DONE and expired.created_count == 6


def test_the_resume_sweep_drops_stale_stages(postgresql, personas, people):
    from engage import tasks

    batch = upload(personas.rollout, viva(), personas.manager)
    ImportBatch.objects.filter(pk=batch.pk).update(checked_at=timezone.now() - timedelta(days=2))
    tasks.resume_activity_imports()
    assert not staged(batch)


# The Viva Engage fast path ---------------------------------------------------------------------

NAMES = detect(viva_engage.HEADER.split(",")).names
OPTIONS = {"period_end": date(2026, 5, 31), "period_days": 30}
# Per column, (what exports write there, what they should not): most rows are valid but for a
# cell or two, so they reach the fast path's every test.
COUNTS = (["0", "7", "0042", "1234567"], ["12345678", "1,234", "12.0", "-1", "٣", "²", " 5", ""])
DATES = (["2026-05-31", "2026-05-30"], [" 2026-05-31", "2026-02-30", "2026-W22-1", "5/31/2026", "", " "])
CELLS = {
    "Report Refresh Date": DATES,
    "User Principal Name": (
        ["seller@acme.example", " Seller@Acme.example ", files.hashed("x@acme.example")],
        ["", " ", "İstanbul@acme.example", "a" * 255],
    ),
    "Display Name": (["Amara", ""], [" Amara ", "x" * 250, "Okafor, Amara"]),
    "Last Activity Date": DATES,
    "Posted Count": COUNTS,
    "Read Count": COUNTS,
    "Liked Count": COUNTS,
    "Report Period": (["1", "7", "30", "366"], ["367", "0", "0042", " 7", ""]),
}


def cell(name):
    valid, tricky = CELLS.get(name, (["x"], []))
    return st.one_of(*[st.sampled_from(valid)] * 8, st.sampled_from(tricky or valid), st.text(max_size=8))


row = st.tuples(*(cell(name) for name in NAMES))


def slow(cells):
    try:
        return viva_engage.parse(dict(zip(NAMES, cells, strict=True)), set(NAMES), OPTIONS)
    except RowProblem:
        return None


@settings(max_examples=1000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cells=row)
def test_the_viva_engage_fast_path_reads_a_row_as_parse_does(cells):
    fast = viva_engage.fast(NAMES)(list(cells))
    assert fast is None or fast == slow(list(cells))


@pytest.mark.parametrize(
    "upn, name, concealed",
    [
        ("Seller0@Acme.example", " Amara ", False),
        (" seller0@acme.example", "Amara", False),
        (files.hashed("seller0@acme.example"), "", True),
    ],
)
def test_the_viva_engage_fast_path_takes_an_exported_row(upn, name, concealed):
    cells = [str(value) for value in files.viva_row(upn, name, 3, 40, 0)]
    fast = viva_engage.fast(NAMES)(cells)
    assert fast is not None and fast == slow(cells)
    assert (fast.display_name, fast.period_days, fast.active, fast.concealed) == (
        name.strip(),
        7,
        True,
        concealed,
    )
    assert fast.person_key == upn.strip().lower()


def test_a_stage_emptied_by_a_database_crash_is_read_again_from_the_file(postgresql, personas, people):
    """PostgreSQL empties unlogged tables after a crash and does not copy them to a standby."""
    batch = upload(personas.rollout, viva(), personas.manager)
    for part in staging.Stage(batch.pk).parts():
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {part}")
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.DONE and batch.created_count == 6
    assert ActivityRecord.objects.count() == 6 and not staged(batch)


def test_a_second_check_of_a_confirmed_batch_changes_nothing(postgresql, personas, people):
    """The sweep sends a check again when one looks stuck; the first may have finished by then."""
    batch = upload(personas.rollout, viva(), personas.manager)
    stale = ImportBatch.objects.get(pk=batch.pk)
    stale.status = ImportBatch.Status.CHECKING  # what the second check's message carried
    assert services.confirm(batch, personas.manager, enqueue=False)
    assert services.check(stale).status == ImportBatch.Status.QUEUED
    assert staged_rows(batch) == 6
    assert services.run_import(batch.pk)["created"] == 6


def test_a_check_that_finishes_second_keeps_nothing(postgresql, personas, people):
    batch = upload(personas.rollout, viva(), personas.manager)
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.CHECKING)
    racing = ImportBatch.objects.get(pk=batch.pk)
    people_of = services.People.of

    def first_check_wins_meanwhile(organization):
        # The first check records READY and the batch is confirmed while this one reads the file.
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.QUEUED)
        return people_of(organization)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(services.People, "of", first_check_wins_meanwhile)
        assert services.check(racing).status == ImportBatch.Status.QUEUED
    assert staged_rows(batch) == 6  # the first check's stage, not dropped by the second

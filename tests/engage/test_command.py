"""`manage.py import_activity`: the upload page's check and import without a browser."""

import io

import pytest
from django.core.management import CommandError, call_command

from engage.models import ActivityRecord, ImportBatch

from . import files


def run(path, personas, user=None):
    out = io.StringIO()
    call_command(
        "import_activity",
        str(path),
        rollout=personas.rollout.pk,
        user=(user or personas.manager).email,
        stdout=out,
    )
    return out.getvalue()


def viva(tmp_path, rows, name="export.csv"):
    path = tmp_path / name
    path.write_bytes(files.viva_file(rows))
    return path


def good_rows():
    return [files.viva_row(f"seller{i}@acme.example", f"Seller {i}", i, 10, 1) for i in range(5)]


def test_a_good_file_is_checked_and_imported(personas, people, tmp_path):
    out = run(viva(tmp_path, good_rows()), personas)
    assert "Imported 5 rows: 5 new, 0 updated, 0 unchanged." in out
    assert ActivityRecord.objects.filter(rollout=personas.rollout).count() == 5
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.DONE and batch.confirmed_by == personas.manager


def test_a_file_with_problems_exits_non_zero_and_imports_nothing(personas, people, tmp_path):
    rows = good_rows()
    rows[2][6] = "many"  # Posted Count
    out = io.StringIO()
    with pytest.raises(CommandError, match="1 problem found; nothing was imported"):
        call_command(
            "import_activity",
            str(viva(tmp_path, rows)),
            rollout=personas.rollout.pk,
            user=personas.manager.email,
            stdout=out,
        )
    assert "row 4" in out.getvalue() and "'many'" in out.getvalue()
    assert not ActivityRecord.objects.exists()
    assert ImportBatch.objects.get().status == ImportBatch.Status.INVALID


def test_the_same_file_twice_changes_nothing_and_says_so(personas, people, tmp_path):
    path = viva(tmp_path, good_rows())
    run(path, personas)
    before = list(ActivityRecord.objects.order_by("pk").values())
    out = run(path, personas)
    assert "already imported" in out and "nothing changed" in out
    assert list(ActivityRecord.objects.order_by("pk").values()) == before
    assert ImportBatch.objects.filter(status=ImportBatch.Status.DONE).count() == 1


def test_only_a_manager_or_admin_may_import(personas, people, tmp_path):
    with pytest.raises(CommandError, match="not a manager or admin"):
        run(viva(tmp_path, good_rows()), personas, user=personas.member)
    assert not ImportBatch.objects.exists()

"""Every kind of bad row is reported with its row, column and value, and a file with any problem
imports nothing (all or nothing per file)."""

import pytest
from django.urls import reverse

from engage import services
from engage.models import ActivityRecord, ImportBatch

from . import files
from .conftest import import_now, upload


def problems(batch):
    return list(batch.problems.values_list("row", "column", "value", "message"))


def test_a_count_that_is_not_a_number_is_reported_with_row_column_and_value(personas, people):
    rows = [files.viva_row(f"seller{i}@acme.example", "S", 1, 1, 1) for i in range(12)]
    rows.append(files.viva_row("seller0@acme.example", "S", "abc", 1, 1, refresh="2026-06-07"))
    batch = upload(personas.rollout, files.viva_file(rows), personas.manager)
    assert batch.status == ImportBatch.Status.INVALID
    [problem] = batch.problems.all()
    assert (problem.row, problem.column, problem.value) == (14, "Posted Count", "abc")
    assert str(problem.message) == "Row 14, 'Posted Count': 'abc' is not a number"


@pytest.mark.parametrize(
    ("row", "column", "message"),
    [
        (
            files.viva_row("a@acme.example", "A", -1, 1, 1),
            "Posted Count",
            "'-1' is negative; counts start at 0",
        ),
        (
            files.viva_row("a@acme.example", "A", "", 1, 1),
            "Posted Count",
            "is empty; write 0 for no activity",
        ),
        (
            files.viva_row("a@acme.example", "A", 1, 1, 1, refresh="31/31/2026"),
            "Report Refresh Date",
            "is not a date",
        ),
        (files.viva_row("a@acme.example", "A", 1, 1, 1, period=0), "Report Period", "is not a report period"),
        (files.viva_row("", "A", 1, 1, 1), "User Principal Name", "is empty"),
        (files.viva_row("a@acme.example", "A", "1e9999", 1, 1), "Posted Count", "is not a number"),
        (files.viva_row("a@acme.example", "A", "99999999999", 1, 1), "Posted Count", "too large"),
    ],
)
def test_each_bad_cell_names_its_row_and_column(personas, people, row, column, message):
    batch = upload(
        personas.rollout,
        files.viva_file([files.viva_row("b@acme.example", "B", 1, 1, 1), row]),
        personas.manager,
    )
    [(line, name, _value, text)] = problems(batch)
    assert (line, name) == (3, column) and message in text


def test_a_row_with_too_many_values_is_reported(personas, people):
    content = files.viva_file([files.viva_row("a@acme.example", "A", 1, 1, 1) + ["extra"]])
    [(line, _, _, text)] = problems(upload(personas.rollout, content, personas.manager))
    assert line == 2 and "has 12 values but the header has 11 columns" in text


def test_an_unknown_unit_in_the_template_is_reported(personas, people):
    content = files.generic_file([files.generic_row("a@acme.example", "2026-05-04", unit="Narsing")])
    [(line, column, value, text)] = problems(upload(personas.rollout, content, personas.manager))
    assert (line, column, value) == (2, "unit", "Narsing") and "not a unit of this organization" in text


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "The file is empty"),
        (b"name,colour\r\nAmara,blue\r\n", "does not match a format Rollout reads"),
        (files.viva_file([]), "has a header but no rows"),
        (
            files.viva_file([files.viva_row("a@x.example", "A", 1, 1, 1)])[:-20] + b"\xff\xfe\x00bad",
            "not UTF-8",
        ),
        (b"person,date,posts,replies,reads,reactions,posts\n", "names a column twice"),
        (b'person,date,posts,replies,reads,reactions\n"a@x.example,2026-05-01,1,1,1,1\n', "has 1 values"),
    ],
)
def test_a_file_that_is_not_an_export_is_refused_with_a_reason(personas, people, content, expected):
    batch = upload(personas.rollout, content, personas.manager)
    assert batch.status == ImportBatch.Status.INVALID
    assert any(expected in message for *_, message in problems(batch)), problems(batch)


def test_a_file_with_one_bad_row_imports_nothing_and_cannot_be_confirmed(personas, people, client_as):
    rows = [files.viva_row(f"seller{i}@acme.example", "S", 1, 1, 1) for i in range(5)]
    rows.append(files.viva_row("seller9@acme.example", "S", 1, "lots", 1))
    batch = upload(personas.rollout, files.viva_file(rows), personas.manager)
    assert not services.confirm(batch, personas.manager)
    response = client_as(personas.manager).post(
        reverse("engage:import_confirm", args=[personas.rollout.pk, batch.pk])
    )
    assert response.status_code == 302
    assert ActivityRecord.objects.count() == 0
    page = client_as(personas.leader).get(
        reverse("engage:import_detail", args=[personas.rollout.pk, batch.pk])
    )
    assert "Row 7, &#x27;Read Count&#x27;: &#x27;lots&#x27; is not a number" in page.text


def test_a_failure_during_the_import_rolls_everything_back(personas, people, monkeypatch):
    rows = [files.viva_row(f"seller{i}@acme.example", "S", 1, 1, 1) for i in range(5)]
    batch = upload(personas.rollout, files.viva_file(rows), personas.manager)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("engage.rollups.rebuild", broken)
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.FAILED and "disk full" in batch.message
    assert ActivityRecord.objects.count() == 0


def test_a_file_changed_after_the_check_imports_nothing(personas, people, settings):
    batch = upload(
        personas.rollout, files.viva_file([files.viva_row("a@acme.example", "A", 1, 1, 1)]), personas.manager
    )
    (settings.MEDIA_ROOT / batch.stored_path).write_bytes(b"tampered")
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.FAILED and "changed after it was checked" in batch.message
    assert ActivityRecord.objects.count() == 0

"""Property-based tests that throw malformed CSVs at the importer (no server error, no partial
import), and a 200,000-row file imported with bounded memory."""

import hashlib
import time
import tracemalloc
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engage import services
from engage.importers import generic, slack, teams, viva_engage
from engage.models import ActivityRecord, ActivityRollup, ImportBatch

from .conftest import import_now

HEADERS = [viva_engage.HEADER, teams.OLDER_HEADER, teams.CURRENT_HEADER, slack.HEADER, generic.HEADER]
cells = st.one_of(
    st.sampled_from(
        [
            "",
            "0",
            "1",
            "-3",
            "abc",
            "2026-05-31",
            "5/31/2026",
            "a@acme.example",
            "Yes",
            "1,234",
            '"',
            "\x00",
            "7",
        ]
    ),
    st.text(max_size=12),
    st.integers(min_value=-10, max_value=10**12).map(str),
)
rows = st.lists(st.lists(cells, min_size=0, max_size=32), max_size=8)


def render(header, body, line_end):
    lines = [header] + [",".join(row) for row in body]
    return line_end.join(lines).encode("utf-8", errors="surrogatepass")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    header=st.sampled_from(HEADERS),
    body=rows,
    line_end=st.sampled_from(["\n", "\r\n", "\r"]),
    bom=st.booleans(),
)
def test_malformed_csvs_never_break_and_never_import_half(personas, people, header, body, line_end, bom):
    content = ("\ufeff".encode() if bom else b"") + render(header, body, line_end)
    file = SimpleUploadedFile("fuzz.csv", content)
    batch = services.check(
        services.store_upload(
            personas.rollout, file, personas.manager, {"period_end": date(2026, 5, 31), "period_days": 30}
        )
    )
    assert batch.status in (ImportBatch.Status.READY, ImportBatch.Status.INVALID)
    if batch.status == ImportBatch.Status.INVALID:
        assert batch.problems.exists() and not ActivityRecord.objects.filter(batch=batch).exists()
    else:
        try:
            batch = import_now(batch, personas.manager)
        except services.AlreadyImported:
            return
        assert batch.status == ImportBatch.Status.DONE, batch.message
        assert batch.created_count + batch.updated_count + batch.unchanged_count <= batch.rows_total


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400))
def test_random_bytes_uploaded_through_the_page_get_no_server_error(personas, people, client_as, content):
    client = client_as(personas.manager)
    response = client.post(
        reverse("engage:upload", args=[personas.rollout.pk]),
        {"file": SimpleUploadedFile("random.csv", content)},
    )
    assert response.status_code in (302, 400)
    if response.status_code == 302:
        assert client.get(response.url).status_code == 200
    assert not ActivityRecord.objects.exists()


ROWS = 200_000
PEOPLE = 20_000


def write_big_file(path):
    """20,000 people x 10 days in Rollout's template, written row by row (about 12 MB)."""
    digest = hashlib.sha256()
    start = date(2026, 5, 1)
    with open(path, "wb") as out:
        for line in [generic.HEADER.encode() + b"\r\n"]:
            out.write(line)
            digest.update(line)
        for day in range(ROWS // PEOPLE):
            when = (start + timedelta(days=day)).isoformat()
            for person in range(PEOPLE):
                line = f"p{person}@big.example,,,{when},1,{person % 3},{person % 2},{person % 7},{day % 2}\r\n".encode()
                out.write(line)
                digest.update(line)
    return digest.hexdigest()


def test_a_200000_row_file_imports_with_bounded_memory(personas, settings):
    folder = services.imports_dir()
    path = folder / "big.csv"
    file_hash = write_big_file(path)
    size = path.stat().st_size
    batch = ImportBatch.objects.create(
        rollout=personas.rollout,
        uploaded_by=personas.manager,
        file_name="big.csv",
        stored_path="imports/big.csv",
        file_hash=file_hash,
        size=size,
    )
    began = time.monotonic()
    # The check reads the whole file row by row in Python: its peak is measured (tracemalloc slows
    # allocation-heavy code several times, so the import, whose rows go to the database in chunks
    # of the same size, is timed instead).
    tracemalloc.start()
    try:
        services.check(batch)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert batch.status == ImportBatch.Status.READY and batch.rows_total == ROWS
    assert peak < size / 4, (peak, size)
    batch = import_now(batch, personas.manager)
    assert batch.status == ImportBatch.Status.DONE, batch.message
    assert (batch.created_count, ActivityRecord.objects.count()) == (ROWS, ROWS)
    month = ActivityRollup.objects.get(grain="month", period_start=date(2026, 5, 1), unit=None)
    assert month.people == PEOPLE
    # A bound that catches an import gone quadratic, not a slow machine: the time an idle one
    # takes is in docs/performance.md.
    assert time.monotonic() - began < 120


@pytest.mark.parametrize("where", ["header", "row"])
def test_a_nul_character_is_reported_with_its_row_and_nothing_is_stored_or_imported(
    personas, people, client_as, where
):
    header, row = viva_engage.HEADER, "2026-05-31,seller1@acme.example,Seller,,,,1,2,3,E3,7"
    if where == "header":
        header = header.replace("Display Name", "Display\x00Name")
    else:
        row = row.replace("Seller", "Sel\x00ler")
    content = f"{header}\r\n{row}\r\n".encode()
    client = client_as(personas.manager)
    response = client.post(
        reverse("engage:upload", args=[personas.rollout.pk]), {"file": SimpleUploadedFile("nul.csv", content)}
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.INVALID
    problem = batch.problems.get()
    assert problem.row == (1 if where == "header" else 2) and "NUL character" in problem.message
    assert "NUL character" in client.get(response.url).content.decode()
    assert not ActivityRecord.objects.exists()

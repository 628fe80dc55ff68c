"""CSV formula injection: no export hands a spreadsheet a formula that someone typed.

Every free-text column of every row starts, in turn, with `=`, `+`, `-` and `@` (then a formula
a spreadsheet would run); every CSV the access matrix can download (and the CSVs inside "My
figures"' ZIP) is fetched and parsed. A text cell starting with one of those characters, a tab or
a carriage return must carry rollout/csv_safety.py's leading apostrophe; only numbers may start
with `-` or `+`.
"""

import csv
import io
import zipfile

import pytest
from django.urls import reverse

from rollout.csv_safety import DANGEROUS_STARTS

from ..test_access_matrix import MATRIX
from .seeding import poison

# Every URL of the matrix whose answer is a CSV (test_stored_xss checks that no other GET answers
# one), and the ZIP of one's own records, which holds CSVs.
CSV_EXPORTS = sorted(name for name in MATRIX if name.endswith("_csv"))
ZIP_EXPORTS = ["people:download"]
# Download templates: a constant header and example rows written by the code, no data.
TEMPLATES = {"engage:template", "engage:conversations_template", "people_import:template"}
FORMULA = "cmd|' /C calc'!A0 "
ROLES = ["admin", "manager", "leader", "champion", "member"]


def is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def unsafe_cells(text):
    """Cells a spreadsheet would read as a formula: a dangerous start that is not a number."""
    return [
        cell
        for row in csv.reader(io.StringIO(text))
        for cell in row
        if cell.startswith(DANGEROUS_STARTS) and not is_number(cell)
    ]


def _download(client, personas, name):
    row = MATRIX[name]
    # One's own records: the member's (the seeded recognitions, claims, questions are theirs).
    role = "member" if name in ZIP_EXPORTS else next(role for role in ROLES if row.expect[role] == 200)
    client.force_login(personas.users[role])
    url = reverse(name, kwargs=row.kwargs(personas) if row.kwargs else None)
    return client, url


def _csv_texts(response):
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("application/zip"):
        archive = zipfile.ZipFile(io.BytesIO(content))
        return {n: archive.read(n).decode("utf-8-sig") for n in archive.namelist() if n.endswith(".csv")}
    assert response["Content-Type"].startswith("text/csv")
    return {"": content.decode("utf-8-sig")}


def test_the_check_tells_a_formula_from_a_number_and_from_escaped_text():
    assert unsafe_cells('name,n\n=SUM(A1),-3\n"+1 (555) 0100",+4\n@x,1') == [
        "=SUM(A1)",
        "+1 (555) 0100",
        "@x",
    ]
    assert unsafe_cells("name,n\n'=SUM(A1),-3.5\n'@x,'-x") == []


def test_the_sweep_covers_the_exports_of_every_step():
    assert len(CSV_EXPORTS) >= 12
    prefixes = {name.split(":")[0] for name in CSV_EXPORTS}
    assert prefixes >= {"rollout", "strategy", "incentives", "trust", "champions", "engage", "reviews"}


@pytest.mark.parametrize("name", CSV_EXPORTS + ZIP_EXPORTS)
def test_no_export_lets_a_typed_formula_run_in_a_spreadsheet(client, personas, name):
    client, url = _download(client, personas, name)
    for start in ("=", "+", "-", "@"):
        poison(lambda column: start + FORMULA)  # noqa: B023 - used at once
        response = client.get(url)
        assert response.status_code == 200
        files = _csv_texts(response)
        for file_name, text in files.items():
            assert unsafe_cells(text) == [], f"{name} {file_name} with text starting {start!r}"
        escaped = sum(text.count(f"'{start}{FORMULA}") for text in files.values())
        assert escaped, f"{name}: no typed text reached the export, so this proves nothing: {files}"

"""Reading an HR file of people: a CSV (UTF-8, or Windows-1252 as Excel saves "CSV" on Western
Windows; comma, semicolon or tab between values) or an XLSX workbook (its first sheet).

`rows(path)` yields (row number, cells) from the header on, the row numbers as a spreadsheet shows
them (the header is row 1; blank rows are skipped but counted). `columns(header)` maps the header to
the columns Rollout reads, with the common aliases HR systems use. Nothing here touches the database.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from rollout.i18n import Phrase

# The columns Rollout reads, and the header names (compared without case, spaces or punctuation)
# that HR systems and spreadsheets use for them.
ALIASES = {
    "email": [
        "email",
        "e-mail",
        "email address",
        "work email",
        "mail",
        "user principal name",
        "upn",
        "login",
        # German and French exports (and the template in those languages: hr_views.template_header)
        "e-mail-adresse",
        "dienstliche e-mail",
        "courriel",
        "adresse e-mail",
        "adresse électronique",
        "e-mail professionnel",
    ],
    "name": [
        "name",
        "full name",
        "display name",
        "employee name",
        "person",
        "vollständiger name",
        "mitarbeitername",
        "nom",
        "nom complet",
        "nom et prénom",
        "prénom et nom",
    ],
    "unit": [
        "unit",
        "department",
        "dept",
        "department name",
        "org unit",
        "organizational unit",
        "division",
        "einheit",
        "abteilung",
        "bereich",
        "organisationseinheit",
        "unité",
        "service",
        "département",
        "direction",
    ],
    "location": [
        "location",
        "site",
        "office",
        "work location",
        "office location",
        "standort",
        "arbeitsort",
        "dienstort",
        "lieu",
        "lieu de travail",
        "établissement",
    ],
    "shift": ["shift", "work shift", "shift pattern", "schicht", "schichtmodell", "équipe horaire", "équipe"],
    "manager": [
        "manager",
        "manager email",
        "manager e-mail",
        "manager's email",
        "manager email address",
        "line manager",
        "line manager email",
        "supervisor",
        "supervisor email",
        "reports to",
        "vorgesetzte(r)",
        "vorgesetzte",
        "vorgesetzter e-mail",
        "e-mail vorgesetzte(r)",
        "führungskraft",
        "führungskraft e-mail",
        "responsable",
        "e-mail du responsable",
        "responsable hiérarchique",
        "supérieur hiérarchique",
    ],
    "employee_id": [
        "employee_id",
        "employee id",
        "employee number",
        "employee no",
        "staff id",
        "personnel number",
        "external id",
        "personalnummer",
        "mitarbeiternummer",
        "personalnr",
        "matricule",
        "numéro d'employé",
        "numéro de matricule",
        "identifiant employé",
    ],
}
COLUMNS = tuple(ALIASES)
# A spreadsheet's XML, unpacked, is many times its file; more than this is not a list of people.
MAX_UNPACKED_BYTES = 400 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"
XLS_MAGIC = b"\xd0\xcf\x11\xe0"


def normalize(name: str) -> str:
    """A header name without case, accents, spaces or punctuation ("Unité" and "unite" are one)."""
    plain = "".join(char for char in unicodedata.normalize("NFKD", name) if not unicodedata.combining(char))
    return re.sub(r"[^a-z0-9]", "", plain.strip().lower())


_BY_NAME = {normalize(alias): column for column, aliases in ALIASES.items() for alias in aliases}


class Unreadable(Exception):
    """The file cannot be read as a CSV or XLSX of people; `row` is where reading broke. The
    message is a whole sentence, a Phrase read in each reader's language."""

    def __init__(self, row: int | None, message: Phrase) -> None:
        super().__init__(message)
        self.row, self.message = row, message


@dataclass
class Header:
    """Which cell of each row holds which column, and the header's cells Rollout does not read."""

    positions: dict[str, int] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # column -> the header's own name for it
    ignored: list[str] = field(default_factory=list)
    repeated: list[str] = field(default_factory=list)  # columns named twice (e.g. "Email" and "E-mail")


def columns(header: list[str]) -> Header:
    found = Header()
    for position, cell in enumerate(header):
        column = _BY_NAME.get(normalize(cell))
        if column is None:
            if cell.strip():
                found.ignored.append(cell.strip()[:100])
        elif column in found.positions:
            found.repeated.append(f"{found.names[column]} / {cell.strip()}")
        else:
            found.positions[column] = position
            found.names[column] = cell.strip()
    return found


def kind_of(head: bytes) -> str:
    """ "xlsx", "xls" (refused: an old binary workbook) or "csv", from the file's first bytes."""
    if head.startswith(XLSX_MAGIC):
        return "xlsx"
    if head.startswith(XLS_MAGIC):
        return "xls"
    return "csv"


def rows(path: Path | str) -> Iterator[tuple[int, list[str]]]:
    """Yield (row number, cells) of every non-blank row, the header first."""
    with open(path, "rb") as handle:
        kind = kind_of(handle.read(8))
    if kind == "xls":
        raise Unreadable(
            None,
            Phrase.gettext(
                "The file is an old Excel workbook (.xls); save it as .xlsx or as CSV and upload it again."
            ),
        )
    yield from (_xlsx_rows(path) if kind == "xlsx" else _csv_rows(path))


def encoding_of(path: Path | str) -> str:
    """ "utf-8-sig" if the whole file is UTF-8 (a byte-order mark is dropped), else "cp1252"."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with open(path, "rb") as handle:
        try:
            for block in iter(lambda: handle.read(1 << 20), b""):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "cp1252"
    return "utf-8-sig"


def _delimiter(first_line: str) -> str:
    counts = {delimiter: first_line.count(delimiter) for delimiter in (",", ";", "\t")}
    return max(counts, key=lambda delimiter: counts[delimiter]) if any(counts.values()) else ","


def _csv_rows(path: Path | str) -> Iterator[tuple[int, list[str]]]:
    encoding = encoding_of(path)
    with open(path, encoding=encoding, errors="replace", newline="") as handle:
        delimiter = _delimiter(handle.readline())
        handle.seek(0)
        reader = csv.reader(handle, delimiter=delimiter)
        number = 0
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except csv.Error as error:
                raise Unreadable(
                    number + 1, Phrase.gettext("The file cannot be read as CSV (%(error)s).", error=error)
                ) from None
            number += 1
            text = "".join(cells)
            if "\x00" in text:
                raise Unreadable(
                    number,
                    Phrase.gettext(
                        "The file holds a NUL character: this is not a text file; upload a CSV or XLSX."
                    ),
                )
            if text.strip():
                yield number, cells


def _xlsx_rows(path: Path | str) -> Iterator[tuple[int, list[str]]]:
    # openpyxl parses with defusedxml when it is installed (requirements.txt): no entity expansion.
    from openpyxl import load_workbook

    try:
        with zipfile.ZipFile(path) as archive:
            if sum(entry.file_size for entry in archive.infolist()) > MAX_UNPACKED_BYTES:
                raise Unreadable(
                    None,
                    Phrase.gettext("The file unpacks to more than 400 MB: this is not a list of people."),
                )
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Unreadable:
        raise
    except Exception:  # a broken archive or workbook: openpyxl raises many kinds
        raise Unreadable(
            None,
            Phrase.gettext(
                "The file cannot be read as an XLSX workbook; save it again from Excel, or as CSV."
            ),
        ) from None
    try:
        sheet = workbook.worksheets[0]
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            if "".join(cells).strip():
                yield number, cells
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # an employee number typed as a number
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time() else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)

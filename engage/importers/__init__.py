"""Activity exports, one module per format; the format is detected from the header line.

`detect(header)` returns a `Format` (which module, which variant, the file's column names mapped
to the names the module reads) or raises `UnknownFormat` with a message that lists what Rollout
reads. `rows(path)` streams a file as (row number, dict) pairs, so memory does not grow with the
file's size. `detect_upload(upload)` reads an upload's header before anything is stored, so that
a file the rollout does not accept (`fit.py`) is refused at once.
"""

import csv
import io
from dataclasses import dataclass

from django.utils.translation import gettext

from ..models import Source
from . import generic, slack, teams, viva_engage
from .base import Problem, RowProblem, normalize

FORMATS = [
    (Source.VIVA_ENGAGE, viva_engage),
    (Source.TEAMS, teams),
    (Source.SLACK, slack),
    (Source.GENERIC, generic),
]
KNOWN = {
    normalize(name): name
    for name in (
        set(viva_engage.HEADER.split(","))
        | set(teams.CURRENT_HEADER.split(","))
        | set(teams.OLDER_HEADER.split(","))
        | slack.COLUMNS
        | generic.COLUMNS
        | {"Display Name"}
    )
}


class UnknownFormat(Exception):
    pass


@dataclass
class Format:
    source: str
    module: object
    names: list  # the header's cells renamed to the names the module reads
    variant: str

    @property
    def columns(self):
        return set(self.names)

    @property
    def label(self):
        return self.module.NAME + (f" ({self.variant})" if self.variant else "")

    def mapping(self):
        module = self.module
        return module.MAPPING if hasattr(module, "MAPPING") else module.mapping(self.columns)

    def parse(self, row, line, options):
        """(ParsedRow, None) or (None, Problem) for one row given as a list of cells."""
        if len(row) != len(self.names):
            return None, Problem(
                line,
                "",
                "",
                gettext("has %(values)s values but the header has %(columns)s columns")
                % {"values": len(row), "columns": len(self.names)},
            )
        values = dict(zip(self.names, row, strict=False))  # the lengths are checked above
        try:
            return self.module.parse(values, self.columns, options), None
        except RowProblem as problem:
            return None, Problem(line, problem.column, problem.value[:200], problem.message)

    def parser(self, options):
        """`parse` as one function of (cells, line) for this file: the format's fast path (`fast`,
        if it has one) for the rows it takes, `parse` for every other row and every problem."""
        slow = self.parse
        fast = self.module.fast(self.names) if hasattr(self.module, "fast") else None
        if fast is None:
            return lambda cells, line: slow(cells, line, options)
        width = len(self.names)

        def parse(cells, line):
            if len(cells) == width:
                parsed = fast(cells)
                if parsed is not None:
                    return parsed, None
            return slow(cells, line, options)

        return parse


def detect(header):
    names = [KNOWN.get(normalize(cell), cell.strip()) for cell in header]
    columns = set(names)
    duplicated = sorted({name for name in names if names.count(name) > 1 and name})
    if duplicated:
        raise UnknownFormat(
            gettext("The header names a column twice: %(columns)s.") % {"columns": ", ".join(duplicated)}
        )
    for source, module in FORMATS:
        if module.matches(columns):
            return Format(source, module, names, module.variant(columns))
    raise UnknownFormat(
        gettext(
            "The header does not match a format Rollout reads: Viva Engage or Teams user activity detail "
            "(Microsoft 365 admin centre, Reports, Usage, Export), Slack member analytics, or Rollout's "
            "activity template (download it on this page). The first line of this file is: %(header)s"
        )
        % {"header": ", ".join(cell.strip() for cell in header)[:300]}
    )


# Real headers are a few hundred bytes (Teams' current one, the longest, under 1 KB).
HEADER_BYTES = 64 * 1024


def detect_upload(upload):
    """The `Format` of an uploaded file, from its first non-blank line, read without storing
    anything; None when those bytes hold no header Rollout knows (the check then reports it, with
    the row and the reason). The upload is left at its start, ready to be stored."""
    upload.seek(0)
    head = upload.read(HEADER_BYTES)
    upload.seek(0)
    # A character cut at the limit, or a file that is not UTF-8 at all, must not hide a header
    # that is plain text: undecodable bytes become U+FFFD, which matches no column name.
    text = head.decode("utf-8-sig", errors="replace") if isinstance(head, bytes) else head
    try:
        for row in csv.reader(io.StringIO(text, newline="")):
            if "".join(row).strip():
                return detect(row)
    except (csv.Error, UnknownFormat):
        return None
    return None


class Unreadable(Exception):
    """The file is not text Rollout can read (not UTF-8, a NUL byte, a broken quote)."""

    def __init__(self, line, message):
        super().__init__(message)
        self.line, self.message = line, message


def rows(path):
    """Yield (row number, list of cells) from the header on; blank lines are skipped.

    Opens with `utf-8-sig` (a BOM is dropped) and newline="" (Windows line ends and quoted line
    breaks are the csv module's to handle). Raises `Unreadable` with the row where reading broke.
    """
    with open(path, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError:
                raise Unreadable(
                    reader.line_num + 1,
                    gettext("is not UTF-8 text; save the file as 'CSV UTF-8' and upload it again"),
                ) from None
            except csv.Error as error:
                raise Unreadable(
                    reader.line_num, gettext("cannot be read as CSV (%(error)s)") % {"error": error}
                ) from None
            text = "".join(row)  # one string to look at, not one per cell: a million rows come here
            if not text.strip():
                continue
            if "\x00" in text:  # csv reads NUL since Python 3.11; text has none
                raise Unreadable(reader.line_num, gettext("holds a NUL character: this is not a text export"))
            yield reader.line_num, row

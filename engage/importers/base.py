"""What every activity format shares: reading a CSV as a stream, parsing cells, reporting problems.

A format turns one CSV row (a dict keyed by the header's names) into a `ParsedRow`, or reports
`Problem`s that name the row, the column and the value, in words a manager can act on.
"""

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.utils.translation import gettext

# Wide enough for any real export, small enough that a hostile file cannot exhaust memory.
csv.field_size_limit(1_000_000)

HASHED = re.compile(r"^[0-9a-f]{32}$", re.IGNORECASE)
DATE_FORMATS = (
    "%Y-%m-%d",  # Microsoft 365 admin centre and Graph, the Rollout template
    "%m/%d/%Y",  # Microsoft 365 opened and saved in a US spreadsheet
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%b %d, %Y",  # Slack ("Jan 5, 2026")
    "%B %d, %Y",
    "%d %b %Y",
)
MAX_COUNT = 10_000_000


@dataclass(frozen=True)
class Problem:
    row: int | None
    column: str
    value: str
    message: str

    def __str__(self):
        # "Row 14, 'Posted Count': 'abc' is not a number", in the language of the check.
        values = {"row": self.row, "column": self.column, "problem": self.message}
        if self.row and self.column:
            return gettext("Row %(row)s, '%(column)s': %(problem)s") % values
        if self.row:
            return gettext("Row %(row)s, %(problem)s") % values
        if self.column:
            return gettext("'%(column)s': %(problem)s") % values
        return self.message


class RowProblem(Exception):
    """Raised by a cell parser; the format adds the row number."""

    def __init__(self, column, value, message):
        super().__init__(message)
        self.column, self.value, self.message = column, value, message


@dataclass(slots=True)
class ParsedRow:
    person_key: str
    display_name: str
    unit_name: str
    period_end: date
    period_days: int
    posts: int = 0
    replies: int = 0
    reads: int = 0
    reactions: int = 0
    active: bool = False
    replies_known: bool = False
    concealed: bool = False
    last_activity: date | None = None

    @property
    def period_start(self):
        return self.period_end - timedelta(days=self.period_days - 1)

    @property
    def key(self):
        return (self.person_key, self.period_end, self.period_days)


def normalize(name):
    """Header names compared without case, surrounding spaces or doubled spaces."""
    return " ".join(str(name).replace("\ufeff", "").split()).lower()


def shown(value, limit=60):
    value = str(value)
    return value if len(value) <= limit else value[: limit - 1] + "…"


def cell(row, column):
    return (row.get(column) or "").strip()


def required_text(row, column):
    value = cell(row, column)
    if not value:
        raise RowProblem(column, value, gettext("is empty; every row needs a value here"))
    return value


def count(row, column, *, required=True):
    """A non-negative whole number; "1,234" and "12.0" as spreadsheets write them are accepted."""
    value = row.get(column)
    # The common case first, before any other work: a few plain digits (a million rows call this
    # several times each).
    if value and len(value) < 8 and value.isdigit() and value.isascii():
        return int(value)
    value = (value or "").strip()
    if value.isdigit() and value.isascii() and len(value) < 8:
        return int(value)
    if not value:
        if required:
            raise RowProblem(column, value, gettext("is empty; write 0 for no activity"))
        return 0
    text = value.replace(",", "").replace(" ", "")
    if text.endswith(".0"):
        text = text[:-2]
    if not re.fullmatch(r"[+-]?\d+", text):
        raise RowProblem(column, value, gettext("'%(value)s' is not a number") % {"value": shown(value)})
    number = int(text)
    if number < 0:
        raise RowProblem(
            column, value, gettext("'%(value)s' is negative; counts start at 0") % {"value": shown(value)}
        )
    if number > MAX_COUNT:
        raise RowProblem(
            column, value, gettext("'%(value)s' is too large to be a count") % {"value": shown(value)}
        )
    return number


# Dates already read, by their text as the file wrote it: an export repeats a few dates on every
# row. Bounded, so a file of many distinct dates cannot grow it without end.
_DATES: dict[str, object] = {}
_DATES_KEPT = 4096


def parse_date(row, column, *, required=True):
    raw = row.get(column)
    known = _DATES.get(raw)
    if known is not None:
        return known
    value = (raw or "").strip()
    if not value:
        if required:
            raise RowProblem(column, value, gettext("is empty; a date is needed here (e.g. 2026-05-31)"))
        return None
    day = _read_date(value)
    if day is None:
        raise RowProblem(
            column,
            value,
            gettext("'%(value)s' is not a date (write it as 2026-05-31)") % {"value": shown(value)},
        )
    if len(_DATES) >= _DATES_KEPT:
        _DATES.clear()
    _DATES[raw] = day
    return day


def known_date(raw):
    """What `parse_date` reads in a non-blank cell, or None (a blank cell, or a problem): for the
    formats' fast paths, which leave every None to `parse`."""
    day = _DATES.get(raw)
    if day is None and raw:
        value = raw.strip()
        day = _read_date(value) if value else None
        if day is not None:
            if len(_DATES) >= _DATES_KEPT:
                _DATES.clear()
            _DATES[raw] = day
    return day


def _read_date(value):
    if len(value) == 10 and value[4] == "-":  # ISO, the common case, fast
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    text = value.replace("T", " ").split(" ")[0] if re.match(r"\d{4}-\d{2}-\d{2}[ T]", value) else value
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def period_days(row, column):
    days = count(row, column)
    if not 1 <= days <= 366:
        raise RowProblem(
            column,
            cell(row, column),
            gettext("'%(days)s' is not a report period (1 to 366 days)") % {"days": days},
        )
    return days


def yes(row, column):
    return cell(row, column).lower() in {"yes", "true", "1", "y"}


def person(row, column):
    value = required_text(row, column).lower()
    if len(value) > 254:
        raise RowProblem(
            column,
            value,
            gettext("'%(value)s' is too long for an email address or name") % {"value": shown(value)},
        )
    return value


def is_concealed(key):
    return len(key) == 32 and "@" not in key and bool(HASHED.match(key))

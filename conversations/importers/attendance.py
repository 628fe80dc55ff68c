"""A training attendance list: who attended a training session, and when.

Columns (matched without regard to case or spaces): email, trained_on (YYYY-MM-DD); optional unit.
"""

import csv
import io
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext, ngettext

from . import ImportFailed
from .generic_csv import _decode, _key

TEMPLATE = "email,trained_on,unit\r\nana@example.com,2025-03-03,Nursing\r\n"


@dataclass
class Attendance:
    email: str
    trained_on: date
    unit_name: str = ""


def parse(upload):
    reader = csv.reader(io.StringIO(_decode(upload), newline=""))
    header = next(reader, None)
    if not header:
        raise ImportFailed([gettext("The file is empty: it needs the columns email and trained_on.")])
    columns = {_key(name): index for index, name in enumerate(header)}
    missing = [name for name in ("email", "trained_on") if name not in columns]
    if missing:
        raise ImportFailed(
            [
                ngettext("Missing column: %(columns)s.", "Missing columns: %(columns)s.", len(missing))
                % {"columns": ", ".join(missing)}
            ]
        )
    rows, errors = {}, []
    for line, row in enumerate(reader, start=2):
        if not any(cell.strip() for cell in row):
            continue
        cells = {name: row[i].strip() if i < len(row) else "" for name, i in columns.items()}
        email = cells["email"].lower()
        if "@" not in email:
            errors.append(
                gettext("Row %(row)s, column '%(column)s': %(value)s is not an email address.")
                % {"row": line, "column": "email", "value": repr(cells["email"])}
            )
            continue
        try:
            day = date.fromisoformat(cells["trained_on"])
        except ValueError:
            errors.append(
                gettext("Row %(row)s, column '%(column)s': %(value)s is not a date (use YYYY-MM-DD).")
                % {"row": line, "column": "trained_on", "value": repr(cells["trained_on"])}
            )
            continue
        rows[(email, day)] = Attendance(email, day, cells.get("unit", ""))
    if errors:
        raise ImportFailed(errors)
    if not rows:
        raise ImportFailed([gettext("The file has a header but no attendance rows.")])
    return list(rows.values())

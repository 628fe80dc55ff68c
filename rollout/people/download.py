"""A person's records as one ZIP: each table twice, as CSV (for a spreadsheet) and as JSON (for a
program), with a note saying what is in it. The same file answers an admin's subject-access export."""

import csv
import io
import json
import zipfile
from datetime import date, datetime

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ..csv_safety import safe_row
from ..models import Membership
from ..steps import PersonalRecords


def _cell(value):
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


def _csv(table: PersonalRecords) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(safe_row(table.columns))
    for row in table.rows:
        writer.writerow(safe_row([_cell(value) for value in row]))
    return out.getvalue()


def _json(table: PersonalRecords) -> str:
    # The CSV's headings are in the reader's language; the JSON's keys stay English for programs
    # (a step that gives its headings as gettext_lazy gets both).
    with translation.override("en"):
        keys = [str(column) for column in table.columns]
    rows = [dict(zip(keys, (_cell(value) for value in row), strict=True)) for row in table.rows]
    return json.dumps(
        {"title": str(table.title), "rows": rows}, cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    )


def records_zip(membership: Membership, tables: list[tuple[str, list[PersonalRecords]]]) -> bytes:
    """The ZIP of `tables` ([(the step's key, or "rollout" for the centre, its tables)]) for
    `membership`: each table is "<key>-<table key>.csv" and ".json"."""
    buffer = io.BytesIO()
    lines = [
        _("What Rollout holds about %(email)s in %(organization)s,\nexported on %(when)s.")
        % {
            "email": membership.user.email,
            "organization": membership.organization.name,
            "when": timezone.localtime().strftime("%Y-%m-%d %H:%M %Z"),
        },
        "",
        _(
            "Each table is here twice: as CSV for a spreadsheet and as JSON. Answers to pulse\n"
            "surveys are anonymous: they are not linked to you, so they are not in this file."
        ),
        "",
    ]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for prefix, step_tables in tables:
            for table in step_tables:
                name = f"{prefix}-{table.key}"
                archive.writestr(f"{name}.csv", _csv(table))
                archive.writestr(f"{name}.json", _json(table))
                count = len(table.rows)
                lines.append(
                    ngettext(
                        "%(name)s: %(title)s (%(count)s row)", "%(name)s: %(title)s (%(count)s rows)", count
                    )
                    % {"name": name, "title": table.title, "count": count}
                )
        archive.writestr("README.txt", "\n".join(lines) + "\n")
    return buffer.getvalue()

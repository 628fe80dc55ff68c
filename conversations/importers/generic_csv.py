"""The generic conversations CSV, documented in docs/steps/engage-conversations.md and offered as a template.

Required columns: thread_id, message_id, parent_id, author, created_at, text. Optional:
author_name, channel, unit, is_question (yes/no: overrides the question rule), bot (yes/no).
Column names are matched without regard to case, spaces or underscores. `author` is any stable id;
an email address is matched to the organization's people. `created_at` is ISO 8601; a time without
an offset is read in the organization's time zone. Files may carry a UTF-8 BOM, quoted commas and
Windows line ends.
"""

import csv
import io
import re
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext, ngettext

from rollout.csv_safety import safe_row

from . import ImportFailed, ParsedMessage, yes_no

REQUIRED = ("thread_id", "message_id", "parent_id", "author", "created_at", "text")
OPTIONAL = ("author_name", "channel", "unit", "is_question", "bot")
TEMPLATE_ROWS = [
    (
        "t-1",
        "m-1",
        "",
        "ana@example.com",
        "2025-03-03T09:12:00",
        "How do I join the nursing community?",
        "Ana",
        "help",
        "Nursing",
        "",
        "",
    ),
    (
        "t-1",
        "m-2",
        "m-1",
        "ben@example.com",
        "2025-03-03T10:40:00",
        "Search for Nursing and press Join.",
        "Ben",
        "help",
        "",
        "",
        "",
    ),
    (
        "t-2",
        "m-3",
        "",
        "cara@example.com",
        "2025-03-04T14:05:00",
        "Shift swaps go in #ward-7 from now on",
        "Cara",
        "ward-7",
        "",
        "",
        "",
    ),
]
MAX_ROWS = 200_000


def _key(name):
    return re.sub(r"[\s_\-]+", "_", (name or "").strip().lower())


def template():
    """The template offered for download: the header and three example rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    # Constant rows from the code, escaped all the same, as every CSV the project writes.
    writer.writerow(safe_row(REQUIRED + OPTIONAL))
    writer.writerows(safe_row(row) for row in TEMPLATE_ROWS)
    return out.getvalue()


def _decode(upload):
    raw = upload.read()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFailed(
            [gettext("The file is not UTF-8 text: save it as 'CSV UTF-8' and upload it again.")]
        ) from None


def _when(value, tz):
    parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, tz)


def parse(upload, tz):
    """[ParsedMessage] from the generic CSV; ImportFailed listing every bad row (up to 20)."""
    reader = csv.reader(io.StringIO(_decode(upload), newline=""))
    header = next(reader, None)
    if not header:
        raise ImportFailed([gettext("The file is empty: start from the template.")])
    columns = {_key(name): index for index, name in enumerate(header)}
    missing = [name for name in REQUIRED if name not in columns]
    if missing:
        raise ImportFailed(
            [
                ngettext(
                    "Missing column: %(columns)s. Start from the template.",
                    "Missing columns: %(columns)s. Start from the template.",
                    len(missing),
                )
                % {"columns": ", ".join(missing)}
            ]
        )
    messages, errors, seen = [], [], set()
    for line, row in enumerate(reader, start=2):
        if line > MAX_ROWS:
            raise ImportFailed(
                [gettext("The file has more than %(max)s rows: split it.") % {"max": MAX_ROWS}]
            )
        if not any(cell.strip() for cell in row):
            continue

        def cell(name, row=row):
            index = columns.get(name)
            return row[index].strip() if index is not None and index < len(row) else ""

        problems = [
            gettext("Row %(row)s, column '%(column)s': it is empty.") % {"row": line, "column": name}
            for name in ("thread_id", "message_id", "author", "created_at")
            if not cell(name)
        ]
        created = None
        if cell("created_at"):
            try:
                created = _when(cell("created_at"), tz)
            except ValueError:
                problems.append(
                    gettext(
                        "Row %(row)s, column '%(column)s': %(value)s is not a date and time "
                        "(use ISO 8601, e.g. 2025-03-03T09:12:00)."
                    )
                    % {"row": line, "column": "created_at", "value": repr(cell("created_at"))}
                )
        flags = {}
        for name in ("is_question", "bot"):
            try:
                flags[name] = yes_no(cell(name))
            except ValueError:
                problems.append(
                    gettext("Row %(row)s, column '%(column)s': %(value)s is not yes or no.")
                    % {"row": line, "column": name, "value": repr(cell(name))}
                )
        key = (cell("thread_id"), cell("message_id"))
        if not problems and key in seen:
            problems.append(
                gettext("Row %(row)s: message %(message)s of thread %(thread)s appears twice.")
                % {"row": line, "message": repr(key[1]), "thread": repr(key[0])}
            )
        if problems:
            errors.extend(problems)
            if len(errors) >= 20:
                break
            continue
        seen.add(key)
        author = cell("author")
        messages.append(
            ParsedMessage(
                thread_id=cell("thread_id"),
                message_id=cell("message_id"),
                parent_id=cell("parent_id"),
                author_key=author.lower() if "@" in author else author,
                author_name=cell("author_name"),
                email=author.lower() if "@" in author else "",
                is_bot=bool(flags["bot"]),
                created_at=created,
                text=row[columns["text"]] if columns["text"] < len(row) else "",
                channel=cell("channel"),
                unit_name=cell("unit"),
                marked_question=flags["is_question"],
            )
        )
    if errors:
        raise ImportFailed(errors)
    if not messages:
        raise ImportFailed([gettext("The file has a header but no messages.")])
    return messages

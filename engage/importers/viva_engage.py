"""Microsoft 365 "Viva Engage user activity detail" report (admin centre or Graph).

Active (docs/metrics.md, "Active users"): posted, read or liked in the report period. The report does not
count replies apart from posts, so it gives no dialogue ratio.
"""

from django.utils.translation import gettext_noop

from .base import _DATES, HASHED, ParsedRow, count, is_concealed, known_date, parse_date, period_days, person

NAME = "Viva Engage user activity detail"
HEADER = (
    "Report Refresh Date,User Principal Name,Display Name,User State,State Change Date,"
    "Last Activity Date,Posted Count,Read Count,Liked Count,Assigned Products,Report Period"
)
REQUIRED = {
    "Report Refresh Date",
    "User Principal Name",
    "Posted Count",
    "Read Count",
    "Liked Count",
    "Report Period",
}
MAPPING = [
    ("User Principal Name", gettext_noop("person (matched to a unit by email)")),
    ("Display Name", gettext_noop("name")),
    ("Report Refresh Date", gettext_noop("last day of the period")),
    ("Report Period", gettext_noop("period length in days")),
    ("Posted Count", gettext_noop("posts")),
    ("Read Count", gettext_noop("reads")),
    ("Liked Count", gettext_noop("reactions")),
    ("Last Activity Date", gettext_noop("last activity")),
]


def matches(columns):
    return columns >= REQUIRED and "Liked Count" in columns


def variant(columns):
    return ""


def parse(row, columns, options):
    key = person(row, "User Principal Name")
    posts, reads, likes = count(row, "Posted Count"), count(row, "Read Count"), count(row, "Liked Count")
    return ParsedRow(
        person_key=key,
        display_name=(row.get("Display Name") or "").strip()[:200],
        unit_name="",
        period_end=parse_date(row, "Report Refresh Date"),
        period_days=period_days(row, "Report Period"),
        posts=posts,
        reads=reads,
        reactions=likes,
        active=bool(posts or reads or likes),
        concealed=is_concealed(key),
        last_activity=parse_date(row, "Last Activity Date", required=False)
        if "Last Activity Date" in columns
        else None,
    )


def fast(names):
    """`parse` for the rows an export is made of (plain digits, ISO dates), given the header's
    names: a function of a row's cells that returns the same `ParsedRow` as `parse`, or None for
    any other row (then `parse` reads it, and reports its problem if it has one). A million rows
    go through here: no dict per row, no call per cell (tests/engage/test_import_stage.py holds
    it to `parse`)."""
    at = {name: index for index, name in enumerate(names)}
    upn, refresh, period = at["User Principal Name"], at["Report Refresh Date"], at["Report Period"]
    posted, read, liked = at["Posted Count"], at["Read Count"], at["Liked Count"]
    shown_name, last = at.get("Display Name"), at.get("Last Activity Date")
    hashed, dates = HASHED.match, _DATES.get  # (the dates already read: most rows repeat a few)

    def parse_fast(cells):
        posts, reads, likes, days = cells[posted], cells[read], cells[liked], cells[period]
        # count(): up to 7 plain ASCII digits are read as they are; anything else goes to parse.
        if not (
            0 < len(posts) < 8
            and 0 < len(reads) < 8
            and 0 < len(likes) < 8
            and 0 < len(days) < 4
            and (posts + reads + likes + days).isdigit()
            and (posts + reads + likes + days).isascii()
        ):
            return None
        days = int(days)
        end = dates(cells[refresh]) or known_date(cells[refresh])
        key = cells[upn].strip().lower()
        if not 1 <= days <= 366 or end is None or not key or len(key) > 254:
            return None
        if last is None or not cells[last]:
            last_activity = None
        else:
            last_activity = dates(cells[last]) or known_date(cells[last])
            if last_activity is None:
                return None
        posts, reads, likes = int(posts), int(reads), int(likes)
        return ParsedRow(
            key,
            cells[shown_name].strip()[:200] if shown_name is not None else "",
            "",  # unit name
            end,
            days,
            posts,
            0,  # replies
            reads,
            likes,
            bool(posts or reads or likes),
            False,  # replies known
            len(key) == 32 and "@" not in key and hashed(key) is not None,  # is_concealed
            last_activity,
        )

    return parse_fast

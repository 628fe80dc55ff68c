"""Microsoft 365 "Viva Engage user activity detail" report (admin centre or Graph).

Active (DESIGN.md section 4): posted, read or liked in the report period. The report does not
count replies apart from posts, so it gives no dialogue ratio.
"""

from .base import ParsedRow, count, is_concealed, parse_date, period_days, person

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
    ("User Principal Name", "person (matched to a unit by email)"),
    ("Display Name", "name"),
    ("Report Refresh Date", "last day of the period"),
    ("Report Period", "period length in days"),
    ("Posted Count", "posts"),
    ("Read Count", "reads"),
    ("Liked Count", "reactions"),
    ("Last Activity Date", "last activity"),
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

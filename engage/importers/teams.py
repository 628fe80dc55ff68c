"""Microsoft 365 "Teams user activity detail" report, the older and the current header.

Active (docs/metrics.md, "Active users"): a channel post, chat, call or meeting in the period, or
`Has Other Action` = Yes. The current header counts channel posts and replies apart
(`Post Messages`, `Reply Messages`), which gives a dialogue ratio; the older one does not.
"""

from django.utils.translation import gettext_noop

from .base import ParsedRow, count, is_concealed, parse_date, period_days, person, yes

NAME = "Teams user activity detail"
OLDER_HEADER = (
    "Report Refresh Date,User Principal Name,Last Activity Date,Is Deleted,Deleted Date,Assigned Products,"
    "Team Chat Message Count,Private Chat Message Count,Call Count,Meeting Count,Has Other Action,Report Period"
)
CURRENT_HEADER = (
    "Report Refresh Date,Tenant Display Name,User Id,User Principal Name,Last Activity Date,Is Deleted,"
    "Deleted Date,Assigned Products,Team Chat Message Count,Private Chat Message Count,Call Count,"
    "Meeting Count,Meetings Organized Count,Meetings Attended Count,Ad Hoc Meetings Organized Count,"
    "Ad Hoc Meetings Attended Count,Scheduled One-time Meetings Organized Count,"
    "Scheduled One-time Meetings Attended Count,Scheduled Recurring Meetings Organized Count,"
    "Scheduled Recurring Meetings Attended Count,Audio Duration In Seconds,Video Duration In Seconds,"
    "Screen Share Duration In Seconds,Has Other Action,Urgent Messages,Post Messages,Reply Messages,"
    "Is Licensed,Report Period"
)
REQUIRED = {
    "Report Refresh Date",
    "User Principal Name",
    "Team Chat Message Count",
    "Private Chat Message Count",
    "Call Count",
    "Meeting Count",
    "Report Period",
}
CURRENT = {"Post Messages", "Reply Messages"}


def matches(columns):
    return columns >= REQUIRED


def variant(columns):
    return gettext_noop("current header") if columns >= CURRENT else gettext_noop("older header")


def mapping(columns):
    rows = [
        ("User Principal Name", gettext_noop("person (matched to a unit by email)")),
        ("Report Refresh Date", gettext_noop("last day of the period")),
        ("Report Period", gettext_noop("period length in days")),
    ]
    if columns >= CURRENT:
        rows += [("Post Messages", gettext_noop("posts")), ("Reply Messages", gettext_noop("replies"))]
    else:
        rows += [("Team Chat Message Count", gettext_noop("posts"))]
    rows += [
        (
            "Private Chat Message Count, Call Count, Meeting Count, Has Other Action",
            gettext_noop("active or not"),
        ),
        ("Last Activity Date", gettext_noop("last activity")),
    ]
    return rows


def parse(row, columns, options):
    key = person(row, "User Principal Name")
    channel = count(row, "Team Chat Message Count")
    chats = count(row, "Private Chat Message Count")
    calls = count(row, "Call Count")
    meetings = count(row, "Meeting Count")
    other = yes(row, "Has Other Action") if "Has Other Action" in columns else False
    current = columns >= CURRENT
    posts = count(row, "Post Messages") if current else channel
    replies = count(row, "Reply Messages") if current else 0
    return ParsedRow(
        person_key=key,
        display_name=(row.get("Display Name") or "").strip()[:200],
        unit_name="",
        period_end=parse_date(row, "Report Refresh Date"),
        period_days=period_days(row, "Report Period"),
        posts=posts,
        replies=replies,
        active=bool(channel or chats or calls or meetings or other or posts or replies),
        replies_known=current,
        concealed=is_concealed(key),
        last_activity=parse_date(row, "Last Activity Date", required=False)
        if "Last Activity Date" in columns
        else None,
    )

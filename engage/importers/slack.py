"""Slack "member analytics" CSV (Workspace analytics, Members tab, Export).

The columns vary by plan, so they are mapped by name. Active (docs/metrics.md, "Active users"):
read or posted, i.e. at least one day active or one message posted. The export does not say which period
it covers: the upload form asks (by default the 30 days up to yesterday, Slack's default range).
"""

from django.utils.translation import gettext, gettext_noop

from .base import ParsedRow, RowProblem, count, parse_date, person

NAME = "Slack member analytics"
HEADER = (
    "Name,What I Do,User ID,Username,Email,Account type,Account created (UTC),Claimed Date,"
    "Days active,Days active (Desktop),Days active (Android),Days active (iOS),Messages posted,"
    "Messages posted in channels,Reactions added,Last active (UTC)"
)
IDENTITY = ("Email", "Username", "User ID")
COLUMNS = set(HEADER.split(",")) | {"Display Name", "Messages posted in DMs", "Deactivated date (UTC)"}


def matches(columns):
    return (
        "Account type" in columns
        and bool({"Days active", "Messages posted"} & columns)
        and any(name in columns for name in IDENTITY)
    )


def variant(columns):
    return "" if "Email" in columns else gettext_noop("no Email column: people cannot be matched to units")


def identity(columns):
    return next(name for name in IDENTITY if name in columns)


def mapping(columns):
    rows = [(identity(columns), gettext_noop("person (matched to a unit by email)"))]
    for name, feeds in (
        ("Name", gettext_noop("name")),
        ("Messages posted", gettext_noop("posts")),
        ("Reactions added", gettext_noop("reactions")),
        ("Days active", gettext_noop("active or not")),
        ("Last active (UTC)", gettext_noop("last activity")),
    ):
        if name in columns:
            rows.append((name, feeds))
    return rows


def parse(row, columns, options):
    key = person(row, identity(columns))
    days = count(row, "Days active") if "Days active" in columns else 0
    posted = count(row, "Messages posted") if "Messages posted" in columns else 0
    reactions = count(row, "Reactions added", required=False) if "Reactions added" in columns else 0
    if days > options["period_days"]:
        raise RowProblem(
            "Days active",
            str(days),
            gettext("'%(days)s' is more than the period's %(period)s days")
            % {"days": days, "period": options["period_days"]},
        )
    name = (row.get("Name") or row.get("Display Name") or "").strip()[:200]
    return ParsedRow(
        person_key=key,
        display_name=name,
        unit_name="",
        period_end=options["period_end"],
        period_days=options["period_days"],
        posts=posted,
        reactions=reactions,
        active=bool(days or posted),
        last_activity=parse_date(row, "Last active (UTC)", required=False)
        if "Last active (UTC)" in columns
        else None,
    )

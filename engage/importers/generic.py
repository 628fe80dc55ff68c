"""Rollout's own activity template: one row per person and day (or period), documented in
docs/steps/engage.md and offered for download on the Engage page.

Active: at least one post, reply, read or reaction.
"""

from django.utils.translation import gettext, gettext_noop

from .base import ParsedRow, RowProblem, cell, count, parse_date, period_days, person

NAME = "Rollout activity template"
HEADER = "person,name,unit,date,period_days,posts,replies,reads,reactions"
REQUIRED = {"person", "date", "posts", "replies", "reads", "reactions"}
COLUMNS = set(HEADER.split(","))
EXAMPLE = [
    ["amara.okafor@example.org", "Amara Okafor", "Nursing", "2026-05-04", "1", "2", "5", "40", "7"],
    ["ben.lindqvist@example.org", "Ben Lindqvist", "", "2026-05-04", "1", "0", "0", "12", "1"],
]


def matches(columns):
    return columns >= REQUIRED


def variant(columns):
    return ""


def mapping(columns):
    rows = [("person", gettext_noop("person (matched to a unit by email)"))]
    for name, feeds in (
        ("name", gettext_noop("name")),
        ("unit", gettext_noop("unit (by name; else by email)")),
        ("date", gettext_noop("last day of the period")),
        ("period_days", gettext_noop("period length in days (1 if absent)")),
        ("posts", gettext_noop("posts")),
        ("replies", gettext_noop("replies")),
        ("reads", gettext_noop("reads")),
        ("reactions", gettext_noop("reactions")),
    ):
        if name in columns:
            rows.append((name, feeds))
    return rows


def parse(row, columns, options):
    key = person(row, "person")
    if "@" not in key:
        raise RowProblem("person", key, gettext("'%(key)s' is not an email address") % {"key": key[:60]})
    posts, replies = count(row, "posts"), count(row, "replies")
    reads, reactions = count(row, "reads"), count(row, "reactions")
    return ParsedRow(
        person_key=key,
        display_name=cell(row, "name")[:200] if "name" in columns else "",
        unit_name=cell(row, "unit") if "unit" in columns else "",
        period_end=parse_date(row, "date"),
        period_days=period_days(row, "period_days") if cell(row, "period_days") else 1,
        posts=posts,
        replies=replies,
        reads=reads,
        reactions=reactions,
        active=bool(posts or replies or reads or reactions),
        replies_known=True,
    )

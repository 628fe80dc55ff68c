"""Rollout's own activity template: one row per person and day (or period), documented in
docs/steps/engage.md and offered for download on the Engage page.

Active: at least one post, reply, read or reaction.
"""

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
    rows = [("person", "person (matched to a unit by email)")]
    for name, feeds in (
        ("name", "name"),
        ("unit", "unit (by name; else by email)"),
        ("date", "last day of the period"),
        ("period_days", "period length in days (1 if absent)"),
        ("posts", "posts"),
        ("replies", "replies"),
        ("reads", "reads"),
        ("reactions", "reactions"),
    ):
        if name in columns:
            rows.append((name, feeds))
    return rows


def parse(row, columns, options):
    key = person(row, "person")
    if "@" not in key:
        raise RowProblem("person", key, f"'{key[:60]}' is not an email address")
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

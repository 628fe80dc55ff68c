"""Realistic export files built in the tests: the real headers (docs/steps/engage.md), a BOM,
quoted commas, Windows line ends, blank trailing lines and concealed names."""

import csv
import hashlib
import io

from engage.importers import generic, slack, teams, viva_engage

BOM = "\ufeff"


def to_csv(header, rows, bom=True, crlf=True, trailing_blank=True):
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n" if crlf else "\n")
    writer.writerow(header.split(",") if isinstance(header, str) else header)
    writer.writerows(rows)
    text = out.getvalue() + (("\r\n" if crlf else "\n") * 2 if trailing_blank else "")
    return ((BOM if bom else "") + text).encode("utf-8")


def viva_row(upn, name, posted, read, liked, refresh="2026-05-31", period=7, last="2026-05-30"):
    return [refresh, upn, name, "Active", "", last, posted, read, liked, "MICROSOFT 365 E3", period]


def viva_file(rows, **options):
    return to_csv(viva_engage.HEADER, rows, **options)


def hashed(text):
    return hashlib.md5(text.encode()).hexdigest().upper()


def teams_older_row(upn, channel, chats, calls, meetings, other="No", refresh="2026-05-31", period=7):
    return [
        refresh,
        upn,
        "2026-05-30",
        "False",
        "",
        "MICROSOFT TEAMS",
        channel,
        chats,
        calls,
        meetings,
        other,
        period,
    ]


def teams_older_file(rows, **options):
    return to_csv(teams.OLDER_HEADER, rows, **options)


def teams_current_row(upn, posts, replies, chats=0, other="No", refresh="2026-05-31", period=7):
    values = dict.fromkeys(teams.CURRENT_HEADER.split(","), "0")
    values.update(
        {
            "Report Refresh Date": refresh,
            "Tenant Display Name": "Acme, Inc.",  # a quoted comma
            "User Id": "00000000-0000-0000-0000-000000000001",
            "User Principal Name": upn,
            "Last Activity Date": "2026-05-30",
            "Is Deleted": "False",
            "Deleted Date": "",
            "Assigned Products": "MICROSOFT 365 E5+MICROSOFT TEAMS",
            "Team Chat Message Count": str(posts + replies),
            "Private Chat Message Count": str(chats),
            "Has Other Action": other,
            "Post Messages": str(posts),
            "Reply Messages": str(replies),
            "Is Licensed": "Yes",
            "Report Period": str(period),
        }
    )
    return list(values.values())


def teams_current_file(rows, **options):
    return to_csv(teams.CURRENT_HEADER, rows, **options)


def slack_row(name, email, days, posted, reactions):
    return [
        name,
        "Nurse, night shift",
        "U01",
        name.split()[0].lower(),
        email,
        "Full Member",
        "2025-01-02",
        "2025-01-02",
        days,
        days,
        0,
        0,
        posted,
        posted,
        reactions,
        "May 30, 2026",
    ]


def slack_file(rows, **options):
    return to_csv(slack.HEADER, rows, **options)


def generic_row(person, day, posts=1, replies=1, reads=5, reactions=2, unit="", name=""):
    return [person, name, unit, day, 1, posts, replies, reads, reactions]


def generic_file(rows, **options):
    return to_csv(generic.HEADER, rows, **options)

"""The rollups and windows an import leaves are those of a full rebuild from the records: after a
first import, a re-import that updates rows and adds days, an overlapping (superseding) export,
and a concealed export. (PostgreSQL writes the three grains in one statement, other databases one
per grain; the reference is the per-grain aggregate, `grain_rows`, over every record.)"""

from datetime import date, timedelta

import pytest
from django.db.models import Max, Min

from engage import rollups
from engage.models import ActivityRecord, ActivityRollup, ActivityWindow

from . import files
from .conftest import import_now, upload

pytestmark = pytest.mark.django_db

FIGURES = [
    "people",
    "active_users",
    "posts",
    "replies",
    "reads",
    "reactions",
    "dialogue_posts",
    "dialogue_replies",
]
# Eight days across a week's and a month's end: Wednesday 27 May to Wednesday 3 June 2026.
DAYS = [date(2026, 5, 27) + timedelta(days=d) for d in range(8)]


def stored_rollups(rollout):
    return sorted(
        (row["grain"], row["period_start"], row["unit_id"] or 0, *(row[name] for name in FIGURES))
        for row in ActivityRollup.objects.filter(rollout=rollout).values()
    )


def rebuilt_rollups(rollout):
    """Every grain's rollups aggregated afresh from all the current records."""
    span = ActivityRecord.objects.filter(rollout=rollout).aggregate(
        start=Min("period_end"), end=Max("period_end")
    )
    found = []
    for grain in rollups.GRAINS:
        for row in rollups.grain_rows(rollout.pk, grain, span["start"], span["end"]):
            found.append(
                (
                    str(grain),
                    rollups._date(row["bucket"]),
                    row["unit_id"] or 0,  # (no unit: 0, to sort)
                    *(row[f"n_{name}"] for name in ["people", "active", *FIGURES[2:]]),
                )
            )
    return sorted(found)


def stored_windows(rollout):
    return list(ActivityWindow.objects.filter(rollout=rollout).order_by("day").values_list(*WINDOW_FIELDS))


WINDOW_FIELDS = ["day", "active_users", "dialogue_posts", "dialogue_replies", "records", "last_day"]


def rebuilt_windows(rollout):
    first = ActivityRecord.objects.filter(rollout=rollout).aggregate(first=Min("period_end"))["first"]
    ActivityWindow.objects.filter(rollout=rollout).delete()
    rollups.rebuild_windows(rollout.pk, first)
    return stored_windows(rollout)


def assert_as_rebuilt(rollout):
    assert stored_rollups(rollout) == rebuilt_rollups(rollout)
    assert stored_windows(rollout) == rebuilt_windows(rollout)


def daily(days, people, posts=1, reads=2, period=1):
    """A Viva Engage export with a row per person and day; some people idle on some days."""
    rows = []
    for day in days:
        for index, person in enumerate(people):
            busy = (index + day.day) % 3 != 0
            rows.append(
                files.viva_row(
                    person,
                    person.split("@")[0],
                    posts * busy,
                    reads * busy,
                    index % 2,
                    refresh=f"{day:%Y-%m-%d}",
                    period=period,
                    last=f"{day:%Y-%m-%d}" if busy else "",
                )
            )
    return files.viva_file(rows)


def generic(days, people):
    """Rollout's template (replies counted apart: the dialogue), people named in two units."""
    rows = [
        files.generic_row(person, f"{day:%Y-%m-%d}", posts=index % 3, replies=day.day % 2, unit=unit)
        for day in days
        for index, (person, unit) in enumerate(people)
    ]
    return files.generic_file(rows)


def test_every_import_leaves_the_rollups_and_windows_a_full_rebuild_gives(personas, people):
    manager, rollout = personas.manager, personas.rollout
    sellers = [f"seller{i}@acme.example" for i in range(12)]
    lawyers = [f"lawyer{i}@acme.example" for i in range(3)]
    strangers = [f"guest{i}@elsewhere.example" for i in range(2)]  # matched to no unit

    first = import_now(upload(rollout, daily(DAYS[:5], sellers + lawyers + strangers), manager), manager)
    assert first.status == "done" and first.created_count == 5 * 17
    assert_as_rebuilt(rollout)

    # The same days again with other figures (updates) and two more days (new rows).
    again = import_now(upload(rollout, daily(DAYS[2:7], sellers + lawyers, posts=4), manager), manager)
    assert again.status == "done" and again.updated_count and again.created_count == 2 * 15
    assert_as_rebuilt(rollout)

    # A weekly export ending Sunday 31 May covers the sellers' daily rows of that week: it wins.
    weekly = [files.viva_row(person, "S", 9, 9, 1, refresh="2026-05-31", period=7) for person in sellers[:6]]
    import_now(upload(rollout, files.viva_file(weekly), manager), manager)
    assert ActivityRecord.objects.filter(rollout=rollout, superseded=True).exists()
    assert_as_rebuilt(rollout)

    # Another source on the same days, with units named in the file and the dialogue known; one
    # seller named in Legal's rows there (in both units the same week, counted in each).
    mixed = [(person, "Sales") for person in sellers[:4]] + [(person, "Legal") for person in lawyers]
    mixed.append((sellers[0], "Legal"))
    import_now(upload(rollout, generic(DAYS[3:], mixed), manager), manager)
    assert_as_rebuilt(rollout)

    # A concealed export: totals only, on the last day.
    concealed = [
        files.viva_row(
            files.hashed(str(i)), files.hashed(f"P{i}"), i % 2, 3, 0, refresh="2026-06-03", period=1
        )
        for i in range(5)
    ]
    batch = import_now(upload(rollout, files.viva_file(concealed), manager), manager)
    assert batch.concealed and ActivityRecord.objects.filter(rollout=rollout, aggregated=True).exists()
    assert_as_rebuilt(rollout)

    # An older day's export again, later, with other figures: its week and month are recomputed
    # whole, from the records after it as well.
    import_now(upload(rollout, daily(DAYS[:1], sellers[6:], posts=7), manager), manager)
    assert_as_rebuilt(rollout)

    # The rollups count distinct people: a seller busy on several days of the week counts once.
    week = ActivityRollup.objects.get(
        rollout=rollout, grain="week", period_start=date(2026, 6, 1), unit=people["legal"]
    )
    assert week.people == 4

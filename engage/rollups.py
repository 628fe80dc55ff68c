"""Rollups: a rollout's activity per day, week and month and per unit, computed in the database.

After every import the affected periods are recomputed from the current (not superseded)
records: per grain one DELETE and one INSERT ... SELECT, aggregated in the database. Pages read
only these rows, so they stay fast however many records were imported.

Active users in a week or month are distinct people (a person active on five days counts once),
plus the totals of exports with concealed names, whose people cannot be told apart.

The 28-day windows (`ActivityWindow`, one per day) are rebuilt from the import's first day on:
a person counts in the windows that end from an active day until the next one or 28 days later,
whichever comes first, so one window function over the records (in the database) and a running
sum over at most a few thousand (day, next day) pairs give every day's active users.
"""

import logging
import time
from collections import defaultdict
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Max, Min, Q, Sum, Window
from django.db.models.functions import Cast, Coalesce, Collate, Lead, TruncMonth, TruncWeek

from rollout.data_versions import new_data_version
from rollout.models import Rollout

from .models import ActivityRecord, ActivityRollup, ActivityWindow

Grain = ActivityRollup.Grain
log = logging.getLogger(__name__)


def week_start(day):
    return day - timedelta(days=day.weekday())


def month_start(day):
    return day.replace(day=1)


def bucket_start(grain, day):
    return {Grain.DAY: day, Grain.WEEK: week_start(day), Grain.MONTH: month_start(day)}[grain]


def _bucket(grain):
    if grain == Grain.DAY:
        return F("period_end")
    if grain == Grain.WEEK:
        return TruncWeek("period_end")
    return TruncMonth("period_end")


def figures():
    named = Q(aggregated=False)
    return {
        "n_people": Count("person_key", filter=named, distinct=True)
        + Coalesce(Sum("people", filter=Q(aggregated=True)), 0),
        "n_active": Count("person_key", filter=named & Q(active_people__gt=0), distinct=True)
        + Coalesce(Sum("active_people", filter=Q(aggregated=True)), 0),
        "n_posts": Coalesce(Sum("posts"), 0),
        "n_replies": Coalesce(Sum("replies"), 0),
        "n_reads": Coalesce(Sum("reads"), 0),
        "n_reactions": Coalesce(Sum("reactions"), 0),
        "n_dialogue_posts": Coalesce(Sum("posts", filter=Q(replies_known=True)), 0),
        "n_dialogue_replies": Coalesce(Sum("replies", filter=Q(replies_known=True)), 0),
    }


@transaction.atomic
def rebuild(rollout_id, start, end):
    """Recompute every grain's rollups for the periods that contain start..end, and the windows.

    Set-based, inside the database: no row travels through Python. On PostgreSQL one INSERT ...
    SELECT writes the three grains from one read and one sort of the records (`_insert_grains`);
    elsewhere one per grain (`grain_rows`). Returns the number of rollups and windows written.
    """
    if start is None or end is None:
        return 0
    started = time.perf_counter()
    for grain in GRAINS:
        _delete(
            ActivityRollup,
            {"rollout": rollout_id, "grain": grain},
            ("period_start", ">=", bucket_start(grain, start)),
            ("period_start", "<=", end),
        )
    if connection.vendor == "postgresql":
        written = _insert_grains(rollout_id, start, end)
    else:
        written = sum(
            _insert_rollups(rollout_id, grain, grain_rows(rollout_id, grain, start, end)) for grain in GRAINS
        )
    log.debug("Rollups of %s: %s written in %.2f s", rollout_id, written, time.perf_counter() - started)
    started = time.perf_counter()
    written += rebuild_windows(rollout_id, start)
    log.debug("Rollups of %s: windows in %.2f s", rollout_id, time.perf_counter() - started)
    # The rollout's figures (its health, the Engage page's) are out of date now.
    organization_id = Rollout.objects.filter(pk=rollout_id).values_list("organization_id", flat=True).first()
    new_data_version(organization_id, rollout=rollout_id, app="engage")
    return written


GRAINS = (Grain.DAY, Grain.WEEK, Grain.MONTH)


def _delete(model, equal, *bounds):
    """DELETE the rows of `model` whose fields equal `equal` ({field: value}) and meet each of
    `bounds` ((field, "<=" or ">=", value)), in one statement.

    Not `QuerySet.delete()`: that loads every row to send its post_delete signal (the data-version
    receiver listens to every model), which for a year of rollups or windows costs more than the
    rebuild itself. These rows are this module's alone, and the rollout's figures are marked out of
    date once, at the end of the rebuild."""
    quote = connection.ops.quote_name
    column = {
        field: quote(model._meta.get_field(field).column) for field in [*equal, *(b[0] for b in bounds)]
    }
    conditions = [f"{column[field]} = %s" for field in equal] + [
        f"{column[f]} {op} %s" for f, op, _ in bounds
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"DELETE FROM {quote(model._meta.db_table)} WHERE {' AND '.join(conditions)}",  # noqa: S608
            [*equal.values(), *(value for _, _, value in bounds)],
        )


def grain_rows(rollout_id, grain, start, end):
    """One grain's rollups for the periods that contain start..end, as an aggregate values
    queryset over the current records: what a rollup means, and SQLite's way to compute it."""
    first = bucket_start(grain, start)
    return (
        ActivityRecord.objects.filter(
            rollout_id=rollout_id,
            superseded=False,
            period_end__gte=first,
            period_end__lte=_last_day(grain, end),
        )
        .annotate(bucket=Cast(_bucket(grain), DateField()))
        .values("bucket", "unit_id")
        .annotate(**figures())
        .order_by()
    )


def _insert_grains(rollout_id, start, end):
    """PostgreSQL: the three grains of `grain_rows` in one INSERT ... SELECT.

    COUNT(DISTINCT person) per grain sorted the records three times (and once more inside every
    group). Instead the records are sorted once, by unit and person and day, and a row counts as
    a person in a bucket when the same unit's same person has no earlier row in that bucket: the
    previous row's day (LAG) is before the bucket, and likewise the previous *active* row's day
    for active users. GROUPING SETS then sums each grain's buckets in one hash pass. Concealed
    exports' rows (aggregated) are partitioned apart, so they are never taken for a person.
    The records read are those of every bucket that holds a day of start..end; HAVING keeps those
    buckets (a day outside start..end is left as it is, as per grain).
    """
    quote = connection.ops.quote_name
    record_table = quote(ActivityRecord._meta.db_table)
    table = quote(ActivityRollup._meta.db_table)
    targets = ", ".join(
        quote(ActivityRollup._meta.get_field(f).column) for f in ["rollout", "grain", *_COLUMNS]
    )
    params = {
        "rollout": rollout_id,
        "first": min(week_start(start), month_start(start)),
        "last": max(_last_day(Grain.WEEK, end), _last_day(Grain.MONTH, end)),
        "start": start,
        "end": end,
        "first_week": week_start(start),
        "last_week": week_start(end),
        "first_month": month_start(start),
        "last_month": month_start(end),
    }
    # Which grain a grouping set is, and its bucket's first day; `new` per grain: the row is its
    # person's first in the bucket.
    per_grain = "CASE WHEN GROUPING(day) = 0 THEN {day} WHEN GROUPING(week) = 0 THEN {week} ELSE {month} END"

    def people(seen, extra=""):
        return per_grain.format(
            **{
                grain: f"COUNT(*) FILTER (WHERE NOT aggregated{extra} AND ({seen} IS NULL OR {seen} < {grain}))"
                for grain in ("day", "week", "month")
            }
        )

    select = f"""
        SELECT %(rollout)s,
            {per_grain.format(day="'day'", week="'week'", month="'month'")},
            COALESCE(day, week, month),
            unit_id,
            {people("seen")} + COALESCE(SUM(people) FILTER (WHERE aggregated), 0),
            {people("seen_active", " AND active_people > 0")}
                + COALESCE(SUM(active_people) FILTER (WHERE aggregated), 0),
            COALESCE(SUM(posts), 0),
            COALESCE(SUM(replies), 0),
            COALESCE(SUM(reads), 0),
            COALESCE(SUM(reactions), 0),
            COALESCE(SUM(posts) FILTER (WHERE replies_known), 0),
            COALESCE(SUM(replies) FILTER (WHERE replies_known), 0)
        FROM (
            SELECT period_end AS day,
                date_trunc('week', period_end::timestamp)::date AS week,
                date_trunc('month', period_end::timestamp)::date AS month,
                unit_id, aggregated, people, active_people, posts, replies, reads, reactions,
                replies_known,
                LAG(period_end) OVER person AS seen,
                MAX(period_end) FILTER (WHERE active_people > 0)
                    OVER (person ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS seen_active
            FROM {record_table}
            WHERE rollout_id = %(rollout)s AND NOT superseded
                AND period_end BETWEEN %(first)s AND %(last)s
            -- "C": byte order, a cheaper sort; the same people either way (equal is equal).
            WINDOW person AS (PARTITION BY unit_id, aggregated, person_key COLLATE "C" ORDER BY period_end)
        ) records
        GROUP BY GROUPING SETS ((day, unit_id), (week, unit_id), (month, unit_id))
        HAVING {
        per_grain.format(
            day="day BETWEEN %(start)s AND %(end)s",
            week="week BETWEEN %(first_week)s AND %(last_week)s",
            month="month BETWEEN %(first_month)s AND %(last_month)s",
        )
    }
    """
    with connection.cursor() as cursor:
        # The one sort holds a large import's records in memory (a million: about 150 MB)
        # rather than spilling them to disk; only this transaction's.
        cursor.execute("SET LOCAL work_mem = '256MB'")
        cursor.execute(f"INSERT INTO {table} ({targets}) {select}", params)
        return cursor.rowcount


# The rollup's columns and, in the same order, the aggregate query's output that fills them.
_COLUMNS = {
    "period_start": "bucket",
    "unit_id": "unit_id",
    "people": "n_people",
    "active_users": "n_active",
    "posts": "n_posts",
    "replies": "n_replies",
    "reads": "n_reads",
    "reactions": "n_reactions",
    "dialogue_posts": "n_dialogue_posts",
    "dialogue_replies": "n_dialogue_replies",
}


def _insert_rollups(rollout_id, grain, rows):
    """INSERT INTO the rollups SELECT the aggregate `rows` (a values queryset), in one statement."""
    select, params = rows.query.sql_with_params()
    quote = connection.ops.quote_name
    table = quote(ActivityRollup._meta.db_table)
    targets = ", ".join(
        quote(ActivityRollup._meta.get_field(f).column) for f in ["rollout", "grain", *_COLUMNS]
    )
    values = ", ".join(f"agg.{quote(alias)}" for alias in _COLUMNS.values())
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({targets}) SELECT %s, %s, {values} FROM ({select}) agg",
            [rollout_id, str(grain), *params],
        )
        return cursor.rowcount


def _last_day(grain, end):
    """The last day of the bucket that holds `end` (a week or month is recomputed whole)."""
    if grain == Grain.DAY:
        return end
    if grain == Grain.WEEK:
        return week_start(end) + timedelta(days=6)
    following = (month_start(end) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


WINDOW = timedelta(days=28)


def rebuild_windows(rollout_id, start, record_model=ActivityRecord, window_model=ActivityWindow):
    """Recompute the 28-day windows that end on `start` or later (the models are parameters for
    the migration that fills them the first time). Returns the number of windows written.

    A window ending before `start` reads only records before `start`, which an import from
    `start` on leaves alone; a window ending on `start` or later reads records from 27 days before
    `start` on, so only those are read.

    Each window also says who its active users are (`by_unit`, `unmatched_users`,
    `concealed_users`): a named person counts once, in the unit (and member or not) of their
    latest active day in the window, so the parts always add up to `active_users`.
    """
    first = start - WINDOW + timedelta(days=1)
    current = record_model.objects.filter(rollout_id=rollout_id, superseded=False, period_end__gte=first)
    # Per day, the changes from that day on: +active people per (unit, member) and
    # [concealed, records, dialogue posts, dialogue replies]; the same amounts are taken away
    # when the day leaves the window.
    people = defaultdict(lambda: defaultdict(int))
    changes = defaultdict(lambda: [0, 0, 0, 0])
    # Named people: from each active day to the person's next one (or 28 days). Several records of
    # a person on one day give empty spans (the next "day" is the same day), which cancel out.
    spans = (
        current.filter(aggregated=False, active_people__gt=0)
        .annotate(
            following=Window(Lead("period_end"), partition_by=[_person()], order_by=F("period_end").asc())
        )
        .order_by()  # no sort by the model's ordering on top of the window's
    )
    select, params = spans.values_list("period_end", "following", "unit_id", "member").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT spans.period_end, spans.following, spans.unit_id, spans.member, COUNT(*) "
            f"FROM ({select}) spans GROUP BY spans.period_end, spans.following, spans.unit_id, spans.member",
            params,
        )
        for day, following, unit_id, member, count in cursor.fetchall():
            day, following = _date(day), _date(following)
            who = _who(unit_id, member)
            people[day][who] += count
            people[min(day + WINDOW, following) if following else day + WINDOW][who] -= count
    # Everything else adds up per day: records, concealed exports' active people, the dialogue.
    data_days = []
    for row in (
        current.values("period_end")
        .annotate(
            n=Count("pk"),
            concealed=Coalesce(Sum("active_people", filter=Q(aggregated=True)), 0),
            posts=Coalesce(Sum("posts", filter=Q(replies_known=True)), 0),
            replies=Coalesce(Sum("replies", filter=Q(replies_known=True)), 0),
        )
        .order_by("period_end")
    ):
        day = row["period_end"]
        data_days.append(day)
        amounts = (row["concealed"], row["n"], row["posts"], row["replies"])
        for k, amount in enumerate(amounts):
            changes[day][k] += amount
            changes[day + WINDOW][k] -= amount
    _delete(window_model, {"rollout": rollout_id}, ("day", ">=", start))
    if not changes and not people:
        return 0
    windows, running, who_now, latest = [], [0, 0, 0, 0], defaultdict(int), None
    days = set(changes) | set(people)
    day, stop, data = min(days), max(days), iter(data_days)
    upcoming = next(data, None)
    while day < stop:
        for k, change in enumerate(changes.get(day, ())):
            running[k] += change
        for who, change in people.get(day, {}).items():
            who_now[who] += change
        while upcoming is not None and upcoming <= day:
            latest, upcoming = upcoming, next(data, None)
        if day >= start:
            unmatched = who_now.get(UNMATCHED, 0)
            by_unit = {who: n for who, n in sorted(who_now.items()) if n and who != UNMATCHED}
            windows.append(
                window_model(
                    rollout_id=rollout_id,
                    day=day,
                    active_users=sum(by_unit.values()) + unmatched + running[0],
                    by_unit=by_unit,
                    unmatched_users=unmatched,
                    concealed_users=running[0],
                    records=running[1],
                    dialogue_posts=running[2],
                    dialogue_replies=running[3],
                    last_day=latest if latest is not None and latest > day - WINDOW else None,
                )
            )
        day += timedelta(days=1)
    window_model.objects.bulk_create(windows, batch_size=1000)
    return len(windows)


# The keys of ActivityWindow.by_unit: a unit's id as text, NO_UNIT for members without a unit.
NO_UNIT = ""
UNMATCHED = "unmatched"


def _who(unit_id, member):
    """A named person's place in a window: their unit (a unit named in the file counts even
    for someone who is not a member), a member without a unit, or matched to no member."""
    if unit_id is not None:
        return str(unit_id)
    return NO_UNIT if member else UNMATCHED


def _person():
    """The person key to partition by: in byte order on PostgreSQL ("C", a cheaper sort than the
    database's collation; a partition holds the same rows either way)."""
    if connection.vendor == "postgresql":
        return Collate(F("person_key"), "C")
    return F("person_key")


def _date(value):
    """A date from a raw query (SQLite returns text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def rebuild_all(rollout_id):
    """Rebuild every period of the rollout's records.

    When retention removed the records of its earlier days (engage/privacy.py), the day rollups
    before the first record are all that is left of them: the rebuild then starts on the first
    1st of a month whose month, week and 28-day window read no removed day, and leaves the
    figures before it as they are."""
    span = ActivityRecord.objects.filter(rollout_id=rollout_id).aggregate(
        start=Min("period_end"), end=Max("period_end")
    )
    start, end = span["start"], span["end"]
    if (
        start is not None
        and ActivityRollup.objects.filter(
            rollout_id=rollout_id, grain=Grain.DAY, period_start__lt=start
        ).exists()
    ):
        start = first_complete_day(start)
        if start > end:
            return 0
    return rebuild(rollout_id, start, end)


def first_complete_day(first_record):
    """The first day from which a rebuild reads only days on or after `first_record`: a 1st of a
    month (its month and its week start no earlier) at least 27 days later (its 28-day window)."""
    day = first_record + WINDOW - timedelta(days=1)
    return day if day.day == 1 else (month_start(day) + timedelta(days=32)).replace(day=1)

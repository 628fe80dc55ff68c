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

from collections import defaultdict
from datetime import date, timedelta

from django.db import connection, transaction
from django.db.models import Count, DateField, F, Max, Min, Q, Sum, Window
from django.db.models.functions import Cast, Coalesce, Lead, TruncMonth, TruncWeek

from rollout.portfolio import bump_data_version

from .models import ActivityRecord, ActivityRollup, ActivityWindow

Grain = ActivityRollup.Grain


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
    """Recompute every grain's rollups for the periods that contain start..end.

    Set-based: per grain one DELETE and one INSERT ... SELECT that aggregates the records inside
    the database, so a rollout with millions of records rebuilds in seconds and no row travels
    through Python. Returns the number of rollups written.
    """
    if start is None or end is None:
        return 0
    written = 0
    for grain in (Grain.DAY, Grain.WEEK, Grain.MONTH):
        first = bucket_start(grain, start)
        stale = ActivityRollup.objects.filter(
            rollout_id=rollout_id, grain=grain, period_start__gte=first, period_start__lte=end
        )
        # No per-row delete signals for rows that only this function writes; the data version
        # is bumped once below.
        stale._raw_delete(stale.db)
        rows = (
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
        written += _insert_rollups(rollout_id, grain, rows)
    written += rebuild_windows(rollout_id, start)
    # Cached figures (the portfolio's, the Engage page's) are stale now.
    bump_data_version(ActivityRollup)
    return written


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
    """
    first = start - WINDOW + timedelta(days=1)
    current = record_model.objects.filter(rollout_id=rollout_id, superseded=False, period_end__gte=first)
    # (+active, +records, +dialogue posts, +dialogue replies) from each day on; the same amounts
    # are taken away when the day leaves the window.
    changes = defaultdict(lambda: [0, 0, 0, 0])
    # Named people: from each active day to the person's next one (or 28 days). Several records of
    # a person on one day give empty spans (the next "day" is the same day), which cancel out.
    spans = (
        current.filter(aggregated=False, active_people__gt=0)
        .annotate(
            following=Window(
                Lead("period_end"), partition_by=[F("person_key")], order_by=F("period_end").asc()
            )
        )
        .order_by()  # no sort by the model's ordering on top of the window's
    )
    select, params = spans.values_list("period_end", "following").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT spans.period_end, spans.following, COUNT(*) FROM ({select}) spans "
            "GROUP BY spans.period_end, spans.following",
            params,
        )
        for day, following, people in cursor.fetchall():
            day, following = _date(day), _date(following)
            changes[day][0] += people
            changes[min(day + WINDOW, following) if following else day + WINDOW][0] -= people
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
    stale = window_model.objects.filter(rollout_id=rollout_id, day__gte=start)
    stale._raw_delete(stale.db)
    if not changes:
        return 0
    windows, running, latest = [], [0, 0, 0, 0], None
    day, stop, data = min(changes), max(changes), iter(data_days)
    upcoming = next(data, None)
    while day < stop:
        for k, change in enumerate(changes.get(day, ())):
            running[k] += change
        while upcoming is not None and upcoming <= day:
            latest, upcoming = upcoming, next(data, None)
        if day >= start:
            windows.append(
                window_model(
                    rollout_id=rollout_id,
                    day=day,
                    active_users=running[0],
                    records=running[1],
                    dialogue_posts=running[2],
                    dialogue_replies=running[3],
                    last_day=latest if latest is not None and latest > day - WINDOW else None,
                )
            )
        day += timedelta(days=1)
    window_model.objects.bulk_create(windows, batch_size=1000)
    return len(windows)


def _date(value):
    """A date from a raw query (SQLite returns text)."""
    return date.fromisoformat(value) if isinstance(value, str) else value


def rebuild_all(rollout_id):
    span = ActivityRecord.objects.filter(rollout_id=rollout_id).aggregate(
        start=Min("period_end"), end=Max("period_end")
    )
    return rebuild(rollout_id, span["start"], span["end"])

"""Rollups: a rollout's activity per day, week and month and per unit, computed in the database.

After every import the affected periods are recomputed from the current (not superseded)
records: one aggregate query and one bulk insert per grain. Pages read only these rows, so they
stay fast however many records were imported.

Active users in a week or month are distinct people (a person active on five days counts once),
plus the totals of exports with concealed names, whose people cannot be told apart.
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import Coalesce, TruncMonth, TruncWeek

from .models import ActivityRecord, ActivityRollup

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


def _as_date(value):
    return value.date() if hasattr(value, "date") and not isinstance(value, date) else value


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
    """Recompute every grain's rollups for the periods that contain start..end."""
    if start is None or end is None:
        return 0
    written = 0
    for grain in (Grain.DAY, Grain.WEEK, Grain.MONTH):
        first = bucket_start(grain, start)
        ActivityRollup.objects.filter(
            rollout_id=rollout_id, grain=grain, period_start__gte=first, period_start__lte=end
        ).delete()
        rows = (
            ActivityRecord.objects.filter(
                rollout_id=rollout_id,
                superseded=False,
                period_end__gte=first,
                period_end__lte=_last_day(grain, end),
            )
            .annotate(bucket=_bucket(grain))
            .values("bucket", "unit_id")
            .annotate(**figures())
            .order_by()
        )
        written += len(
            ActivityRollup.objects.bulk_create(
                [
                    ActivityRollup(
                        rollout_id=rollout_id,
                        grain=grain,
                        period_start=_as_date(row["bucket"]),
                        unit_id=row["unit_id"],
                        people=row["n_people"],
                        active_users=row["n_active"],
                        posts=row["n_posts"],
                        replies=row["n_replies"],
                        reads=row["n_reads"],
                        reactions=row["n_reactions"],
                        dialogue_posts=row["n_dialogue_posts"],
                        dialogue_replies=row["n_dialogue_replies"],
                    )
                    for row in rows
                ],
                batch_size=1000,
            )
        )
    return written


def _last_day(grain, end):
    """The last day of the bucket that holds `end` (a week or month is recomputed whole)."""
    if grain == Grain.DAY:
        return end
    if grain == Grain.WEEK:
        return week_start(end) + timedelta(days=6)
    following = (month_start(end) + timedelta(days=32)).replace(day=1)
    return following - timedelta(days=1)


def rebuild_all(rollout_id):
    span = ActivityRecord.objects.filter(rollout_id=rollout_id).aggregate(
        start=Min("period_end"), end=Max("period_end")
    )
    return rebuild(rollout_id, span["start"], span["end"])

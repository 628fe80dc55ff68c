"""The 28-day windows (ActivityWindow) say what counting the records says: distinct active people,
concealed exports' totals, the dialogue, for every day and after a partial rebuild."""

import random
from datetime import date, timedelta

import pytest
from django.db.models import Count, Max, Q, Sum
from django.db.models.functions import Coalesce

from engage import rollups, selectors
from engage.models import ActivityRecord, ActivityWindow, Source
from tests.factories import RolloutFactory

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)


def counted(rollout_id, on):
    """The figures counted from the records, as window_figures() did before the windows."""
    start, before = on - timedelta(days=27), on - timedelta(days=55)
    recent = Q(period_end__gte=start)
    row = ActivityRecord.objects.filter(
        rollout_id=rollout_id, superseded=False, period_end__gte=before, period_end__lte=on
    ).aggregate(
        active=Count("person_key", filter=recent & Q(aggregated=False, active_people__gt=0), distinct=True)
        + Coalesce(Sum("active_people", filter=recent & Q(aggregated=True)), 0),
        previous=Count("person_key", filter=~recent & Q(aggregated=False, active_people__gt=0), distinct=True)
        + Coalesce(Sum("active_people", filter=~recent & Q(aggregated=True)), 0),
        known_posts=Coalesce(Sum("posts", filter=recent & Q(replies_known=True)), 0),
        known_replies=Coalesce(Sum("replies", filter=recent & Q(replies_known=True)), 0),
        in_window=Count("pk", filter=recent),
        last=Max("period_end"),
        n=Count("pk"),
    )
    if not row.pop("n"):
        return None
    return dict(row, rollout_id=rollout_id)


def records(rollout, rng, people=12, days=120, source=Source.TEAMS):
    """Daily records with habits, gaps longer than a window, inactive rows, concealed totals and a
    second source for some people on the same days."""
    rows = []
    for p in range(people):
        habit = rng.choice((0.0, 0.05, 0.3, 0.8))
        for d in range(days):
            day = START + timedelta(days=d)
            if 40 <= d < 75 and p % 2:
                continue  # a gap longer than 28 days
            active = rng.random() < habit
            if not active and rng.random() < 0.8:
                continue
            for kind in (source, Source.GENERIC) if p % 5 == 0 else (source,):
                rows.append(
                    ActivityRecord(
                        rollout=rollout,
                        source=kind,
                        person_key=f"p{p}@acme.example",
                        period_start=day,
                        period_end=day,
                        active_people=int(active),
                        posts=rng.randint(0, 3) if active else 0,
                        replies=rng.randint(0, 3) if active else 0,
                        replies_known=kind == Source.GENERIC,
                        superseded=d % 17 == 0 and p == 1,
                    )
                )
    for week in range(0, days, 7):
        day = START + timedelta(days=week + 6)
        rows.append(
            ActivityRecord(
                rollout=rollout,
                source=Source.VIVA_ENGAGE,
                person_key="(concealed names)",
                aggregated=True,
                period_start=day - timedelta(days=6),
                period_end=day,
                period_days=7,
                people=30,
                active_people=rng.randint(5, 20),
            )
        )
    ActivityRecord.objects.bulk_create(rows)


def test_every_windows_figures_match_the_records():
    rng = random.Random(7)
    rollout, other = RolloutFactory(), RolloutFactory()
    records(rollout, rng)
    records(other, rng, people=5, days=60)
    rollups.rebuild_all(rollout.pk)
    rollups.rebuild_all(other.pk)
    days = [START - timedelta(days=3) + timedelta(days=d) for d in range(0, 200)]
    for on in days:
        windows = selectors.window_figures([rollout.pk, other.pk], on)
        for rollout_id in (rollout.pk, other.pk):
            assert windows.get(rollout_id) == counted(rollout_id, on), (rollout_id, on)


def test_a_rebuild_from_a_later_day_keeps_the_earlier_windows_and_fixes_the_later_ones():
    rng = random.Random(11)
    rollout = RolloutFactory()
    records(rollout, rng, days=90)
    rollups.rebuild_all(rollout.pk)
    earlier = list(
        ActivityWindow.objects.filter(rollout=rollout, day__lt=START + timedelta(days=60)).values()
    )
    # A later import: new people from day 60 on, and one person's day 70 superseded.
    later = START + timedelta(days=60)
    ActivityRecord.objects.bulk_create(
        [
            ActivityRecord(
                rollout=rollout,
                source=Source.SLACK,
                person_key=f"new{k}@acme.example",
                period_start=later + timedelta(days=k),
                period_end=later + timedelta(days=k),
                active_people=1,
            )
            for k in range(20)
        ]
    )
    ActivityRecord.objects.filter(rollout=rollout, period_end=later + timedelta(days=10)).update(
        superseded=True
    )
    rollups.rebuild(rollout.pk, later, later + timedelta(days=19))
    assert list(ActivityWindow.objects.filter(rollout=rollout, day__lt=later).values()) == earlier
    for d in range(55, 130):
        on = START + timedelta(days=d)
        assert selectors.window_figures([rollout.pk], on).get(rollout.pk) == counted(rollout.pk, on), on

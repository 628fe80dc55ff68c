"""Momentum after training, and the drop-off alert (docs/metrics.md).

"Active" in a window means at least one counted action in it, from either source:
- the activity imports (Engage part 1, read through engage/active_records.py): an
  `ActivityRecord` of the person with `active_people > 0` whose reporting period overlaps the
  window and is no longer than it (a 30-day report cannot say which week someone was active), not
  superseded and not an aggregate of concealed names;
- the conversations: a message the person posted in the window (Slack: "read or posted").

A person is matched across sources by lower-case email (ActivityRecord.person_key,
TrainingAttendance.person_key, a message author's email or key).

Cohorts: people trained in week W (Monday to Sunday) and the share of them active in each of
weeks W+1 .. W+8. Alert: a unit whose active users over the last 4 weeks are more than the
rollout's drop percentage (default 30 %) below the peak of that 4-week figure over the last 8
weeks, measured weekly. One alert per unit per week at most (a unique row).
"""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone
from django.utils.translation import gettext

from engage.active_records import active_records

from .models import Message, MomentumAlert, MomentumCheck, MomentumSettings, TrainingAttendance

WEEKS_AFTER = 8
COHORTS = 8
PEAK_WEEKS = 8
WINDOW_DAYS = 28
DEFAULT_DROP = 30


def monday(day):
    return day - timedelta(days=day.weekday())


def _posts(rollout, start, end):
    return Message.objects.filter(
        rollout=rollout, is_bot=False, deleted=False, created_at__date__gte=start, created_at__date__lt=end
    )


def _person(prefix=""):
    """A message author as a person key: their email when matched, else the source's key."""
    return Lower(Coalesce(f"{prefix}author__email", f"{prefix}author_key"))


def active_in(rollout, start, end, max_days=7):
    """Q on a model with `person_key`: the person was active in [start, end)."""
    posted = _posts(rollout, start, end).annotate(person=_person()).filter(person=OuterRef("person_key"))
    recorded = active_records(rollout, start, end, max_days).filter(person_key=OuterRef("person_key"))
    return Q(Exists(recorded)) | Q(Exists(posted))


def cohorts(rollout, today=None, count=COHORTS):
    """[(week start, trained, [share active in week +1 .. +8 or None if not yet over])], newest
    first: one query for the weeks, one per cohort (at most `count`)."""
    today = today or timezone.localdate()
    attendance = TrainingAttendance.objects.filter(rollout=rollout)
    weeks = sorted(
        {monday(day) for day in attendance.values_list("trained_on", flat=True).distinct()[:500]},
        reverse=True,
    )[:count]
    result = []
    for week in weeks:
        cohort = attendance.filter(trained_on__gte=week, trained_on__lt=week + timedelta(days=7))
        annotations = {}
        for k in range(1, WEEKS_AFTER + 1):
            start = week + timedelta(days=7 * k)
            if start + timedelta(days=7) > today:
                break
            annotations[f"w{k}"] = Count(
                "person_key", distinct=True, filter=active_in(rollout, start, start + timedelta(days=7))
            )
        row = cohort.aggregate(trained=Count("person_key", distinct=True), **annotations)
        trained = row["trained"]
        shares = [
            round(100 * row[f"w{k}"] / trained) if f"w{k}" in row and trained else None
            for k in range(1, WEEKS_AFTER + 1)
        ]
        result.append((week, trained, shares))
    return result


def unit_activity(rollout, today=None):
    """{unit id: [active people in the 4 weeks ending each of the last 8 Mondays]}, oldest first.

    Two queries whatever the data size: activity records and posts, each counting distinct people
    per unit with one conditional count per window; posts by people already counted from the
    records of that window are left out, so nobody counts twice.
    """
    today = today or timezone.localdate()
    ends = [monday(today) - timedelta(days=7 * j) for j in range(PEAK_WEEKS - 1, -1, -1)]
    windows = [(end - timedelta(days=WINDOW_DAYS), end) for end in ends]
    first, last = windows[0][0], windows[-1][1]
    records = (
        active_records(rollout, first, last, WINDOW_DAYS)
        .filter(unit__isnull=False)
        .values("unit_id")
        .annotate(
            **{
                f"w{i}": Count(
                    "person_key", distinct=True, filter=Q(period_start__lt=end, period_end__gte=start)
                )
                for i, (start, end) in enumerate(windows)
            }
        )
        .order_by()
    )
    posts = (
        _posts(rollout, first, last)
        .filter(unit__isnull=False)
        .annotate(person=_person())
        .values("unit_id")
        .annotate(
            **{
                f"w{i}": Count(
                    "person",
                    distinct=True,
                    filter=Q(created_at__date__gte=start, created_at__date__lt=end)
                    & ~Q(
                        Exists(
                            active_records(rollout, start, end, WINDOW_DAYS).filter(
                                person_key=OuterRef("person")
                            )
                        )
                    ),
                )
                for i, (start, end) in enumerate(windows)
            }
        )
        .order_by()
    )
    table = {}
    for row in [*records, *posts]:
        counts = table.setdefault(row["unit_id"], [0] * len(windows))
        for i in range(len(windows)):
            counts[i] += row[f"w{i}"]
    return table


def drops(series, drop_percent):
    """(peak, current) when the last value is more than `drop_percent` below the series' peak."""
    if not series:
        return None
    peak, current = max(series), series[-1]
    if peak and current < peak * (1 - drop_percent / 100):
        return peak, current
    return None


def drop_percent(rollout):
    settings = MomentumSettings.objects.filter(rollout=rollout).first()
    return settings.drop_percent if settings else DEFAULT_DROP


@transaction.atomic
def check(rollout, today=None):
    """Raise this week's alerts for the units that dropped; returns the alerts created."""
    today = today or timezone.localdate()
    week = monday(today)
    percent = drop_percent(rollout)
    created = []
    for unit_id, series in unit_activity(rollout, today).items():
        found = drops(series, percent)
        if found is None:
            continue
        alert, new = MomentumAlert.objects.get_or_create(
            rollout=rollout,
            unit_id=unit_id,
            week=week,
            defaults={"peak": found[0], "current": found[1], "drop_percent": percent},
        )
        if new:
            created.append(alert)
    MomentumCheck.objects.get_or_create(rollout=rollout, day=today)
    return created


def current_alerts(rollouts, today=None):
    """{rollout.pk: [alert]} of the last two weeks, in one query."""
    today = today or timezone.localdate()
    since = monday(today) - timedelta(days=7)
    found = {}
    for alert in MomentumAlert.objects.filter(rollout__in=list(rollouts), week__gte=since).select_related(
        "unit"
    ):
        found.setdefault(alert.rollout_id, []).append(alert)
    return found


def week_label(day: date):
    return gettext("week of %(day)s") % {"day": f"{day:%d %b %Y}"}

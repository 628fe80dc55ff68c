"""Read queries of the activity metrics (DESIGN.md section 4): active users, participation rate,
dialogue ratio and the official accounts' posting cadence.

Pages read the rollups (engage/rollups.py); the catalogue's metrics, the step's health and the
page's figures read the 28-day windows (ActivityWindow, rebuilt with the rollups: a person active
on several days is one active user). Units smaller than the organization's privacy threshold
merge into "Other".
"""

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from django.db.models import Max, Q, Sum
from django.db.models.functions import Coalesce, TruncWeek

from rollout.models import Unit
from rollout.steps import Trend
from strategy.selectors import success_metrics, success_metrics_for

from .models import (
    ActivityRecord,
    ActivityRollup,
    ActivityWindow,
    CadenceBand,
    ImportBatch,
    OfficialAccount,
    Source,
)
from .rollups import week_start

WINDOW_DAYS = 28
OTHER = "Other (small units and unmatched people)"


def _current(rollout_ids):
    return ActivityRecord.objects.filter(rollout_id__in=rollout_ids, superseded=False)


def default_audience_sizes(organization_ids):
    """{organization id: people in its departments}: the audience when the strategy names none."""
    return dict(
        Unit.objects.filter(organization_id__in=organization_ids, kind=Unit.Kind.DEPARTMENT)
        .values("organization_id")
        .annotate(n=Sum("headcount"))
        .values_list("organization_id", "n")
    )


def participation_target(metrics):
    """The strategy's participation_rate success metric (a MetricTarget), if it has one."""
    return next((metric for metric in metrics if metric.metric_key == "participation_rate"), None)


def audience_size(rollout, metrics=None, defaults=None):
    metrics = success_metrics(rollout) if metrics is None else metrics
    target = participation_target(metrics)
    if target is not None and target.audience_size:
        return target.audience_size
    if defaults is None:
        defaults = default_audience_sizes([rollout.organization_id])
    return defaults.get(rollout.organization_id) or None


def expected_participation(rollout, target, on):
    """The linear path from the baseline at the rollout's start to the target on its date."""
    if target is None:
        return None
    end = target.target_date or rollout.target_date
    start = rollout.start_date
    if not end or not start or end <= start:
        return Decimal(target.target)
    if on <= start:
        return Decimal(target.baseline)
    share = Decimal(min(1, (on - start).days / (end - start).days))
    return Decimal(target.baseline) + (Decimal(target.target) - Decimal(target.baseline)) * share


# The catalogue's metrics -----------------------------------------------------------------------


def window_figures(rollout_ids, on):
    """{rollout id: {"active", "previous", "known_posts", "known_replies", "in_window", "last"}}:
    the 28 days up to `on` (and "previous": active users in the 28 days before), for the rollouts
    with data in those 56 days. One indexed query on the windows (see ActivityWindow), two rows
    per rollout, however many records there are."""
    before = on - timedelta(days=WINDOW_DAYS)
    found = {}
    for window in ActivityWindow.objects.filter(rollout_id__in=rollout_ids, day__in=[on, before]):
        found.setdefault(window.rollout_id, {})[window.day] = window
    figures = {}
    for rollout_id, days in found.items():
        now, then = days.get(on), days.get(before)
        if not ((now and now.records) or (then and then.records)):
            continue
        figures[rollout_id] = {
            "rollout_id": rollout_id,
            "active": now.active_users if now else 0,
            "previous": then.active_users if then else 0,
            "known_posts": now.dialogue_posts if now else 0,
            "known_replies": now.dialogue_replies if now else 0,
            "in_window": now.records if now else 0,
            "last": max((w.last_day for w in (now, then) if w and w.last_day), default=None),
        }
    return figures


def active_users(rollout, on):
    """People with at least one counted action in the 28 days up to `on`; None without data."""
    row = window_figures([rollout.pk], on).get(rollout.pk)
    if not row or not row["in_window"]:
        return None
    return row["active"]


def participation_rate(rollout, on):
    """Active users in the 28 days up to `on` / audience size, in %."""
    active = active_users(rollout, on)
    size = audience_size(rollout)
    if active is None or not size:
        return None
    return round(100 * active / size, 2)


def dialogue_ratio(rollout, on):
    """Replies / (posts + replies) in the 28 days up to `on`, in %, from exports that count replies."""
    row = window_figures([rollout.pk], on).get(rollout.pk)
    if not row or not (row["known_posts"] + row["known_replies"]):
        return None
    return round(100 * row["known_replies"] / (row["known_posts"] + row["known_replies"]), 2)


# The Engage page ---------------------------------------------------------------------------


def weekly_series(rollout, weeks=26, until=None):
    """[(week start, {active_users, posts, replies, reads, reactions, dialogue_posts, dialogue_replies})]
    of the last `weeks` weeks that have data, oldest first (one query on the weekly rollups)."""
    rows = ActivityRollup.objects.filter(rollout=rollout, grain=ActivityRollup.Grain.WEEK)
    if until is not None:
        rows = rows.filter(period_start__lte=until)
    totals = (
        rows.values("period_start")
        .annotate(
            active=Sum("active_users"),
            n_posts=Sum("posts"),
            n_replies=Sum("replies"),
            n_reads=Sum("reads"),
            n_reactions=Sum("reactions"),
            d_posts=Sum("dialogue_posts"),
            d_replies=Sum("dialogue_replies"),
        )
        .order_by("-period_start")[:weeks]
    )
    return [(row["period_start"], row) for row in reversed(list(totals))]


@dataclass
class UnitRow:
    name: str
    size: int | None
    active: int
    posts: int
    replies: int
    reads: int
    dialogue_posts: int
    dialogue_replies: int
    merged: bool = False

    @property
    def participation(self):
        return round(100 * self.active / self.size) if self.size else None

    @property
    def dialogue(self):
        total = self.dialogue_posts + self.dialogue_replies
        return round(100 * self.dialogue_replies / total) if total else None


def unit_rows(rollout, month, units):
    """Per unit for one month, largest participation first; units under the privacy threshold
    (and people matched to no unit) are merged into one "Other" row. Two queries."""
    minimum = rollout.organization.privacy_min_group
    by_unit = {
        row["unit_id"]: row
        for row in ActivityRollup.objects.filter(
            rollout=rollout, grain=ActivityRollup.Grain.MONTH, period_start=month
        )
        .values("unit_id")
        .annotate(
            active=Sum("active_users"),
            seen=Sum("people"),
            n_posts=Sum("posts"),
            n_replies=Sum("replies"),
            n_reads=Sum("reads"),
            d_posts=Sum("dialogue_posts"),
            d_replies=Sum("dialogue_replies"),
        )
        .order_by()
    }
    names = {unit.pk: unit for unit in units.filter(pk__in=[pk for pk in by_unit if pk])}
    rows, other = [], UnitRow(OTHER, None, 0, 0, 0, 0, 0, 0, merged=True)
    for unit_id, row in by_unit.items():
        unit = names.get(unit_id)
        size = unit.headcount if unit is not None and unit.headcount else row["seen"]
        figures = (
            row["active"],
            row["n_posts"],
            row["n_replies"],
            row["n_reads"],
            row["d_posts"],
            row["d_replies"],
        )
        if unit is None or size < minimum:
            other.active += figures[0]
            other.posts += figures[1]
            other.replies += figures[2]
            other.reads += figures[3]
            other.dialogue_posts += figures[4]
            other.dialogue_replies += figures[5]
            continue
        rows.append(UnitRow(unit.name, unit.headcount or None, *figures))
    rows.sort(key=lambda row: (-(row.participation or 0), row.name))
    if other.active or other.posts or other.reads:
        rows.append(other)
    return rows


def account_rows(rollout, since):
    """Named accounts since `since`: posts, replies and dialogue ratio, most posts first (a
    queryset of aggregated rows, for a paginator)."""
    return (
        _current([rollout.pk])
        .filter(aggregated=False, period_end__gte=since)
        .values("person_key")
        .annotate(
            name=Max("display_name"),
            n_posts=Sum("posts"),
            n_replies=Sum("replies"),
            d_posts=Coalesce(Sum("posts", filter=Q(replies_known=True)), 0),
            d_replies=Coalesce(Sum("replies", filter=Q(replies_known=True)), 0),
            n_reads=Sum("reads"),
        )
        .filter(Q(n_posts__gt=0) | Q(n_replies__gt=0))
        .order_by("-n_posts", "person_key")
    )


@dataclass
class CadenceRow:
    account: OfficialAccount
    weeks: list  # posts per week, oldest first
    low: int
    high: int

    @property
    def average(self):
        return round(sum(self.weeks) / len(self.weeks), 1) if self.weeks else 0

    @property
    def verdict(self):
        if self.average < self.low:
            return "too_little"
        if self.average > self.high:
            return "too_much"
        return "in_band"

    @property
    def verdict_label(self):
        return {"too_little": "Too quiet", "too_much": "Too much", "in_band": "In the band"}[self.verdict]


def cadence_band(rollout):
    return CadenceBand.objects.filter(rollout=rollout).first() or CadenceBand(rollout=rollout)


def cadence_rows(rollout, until, weeks=8):
    """The official accounts' posts per week over the last `weeks` weeks up to `until`, against
    the band. Two queries, however many accounts."""
    band = cadence_band(rollout)
    accounts = list(OfficialAccount.objects.filter(rollout=rollout))
    if not accounts:
        return band, []
    first = week_start(until) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=index) for index in range(weeks)]
    posts = {}
    for row in (
        _current([rollout.pk])
        # source IN (every source) changes nothing in the result but lets the natural key's index
        # (rollout, source, person_key, period_end, ...) read just the accounts' weeks.
        .filter(
            source__in=Source.values,
            person_key__in=[a.person_key for a in accounts],
            period_end__gte=first,
            period_end__lte=until,
        )
        .annotate(week=TruncWeek("period_end"))
        .values("person_key", "week")
        .annotate(n=Sum("posts"))
        .order_by()
    ):
        week = (
            row["week"].date() if hasattr(row["week"], "date") and callable(row["week"].date) else row["week"]
        )
        posts[(row["person_key"], week)] = row["n"]
    rows = [
        CadenceRow(
            account,
            [posts.get((account.person_key, start), 0) for start in starts],
            band.min_posts_per_week,
            band.max_posts_per_week,
        )
        for account in accounts
    ]
    return band, rows


def last_data_day(rollout):
    return (
        ActivityRollup.objects.filter(rollout=rollout, grain=ActivityRollup.Grain.DAY)
        .aggregate(last=Max("period_start"))
        .get("last")
    )


def concealed_import(rollout, recent=()):
    """The latest imported file whose names were concealed, if the latest import was one.

    `recent`: the rollout's newest batches, already read (the page's "recent imports"); a query
    only when none of them was imported."""
    done = ImportBatch.Status.DONE
    latest = next((batch for batch in recent if batch.status == done), None)
    if latest is None:
        latest = ImportBatch.objects.filter(rollout=rollout, status=done).first()
    return latest if latest is not None and latest.concealed else None


def health_inputs(rollouts, on):
    """Everything the step's health needs for many rollouts, in three queries."""
    ids = [rollout.pk for rollout in rollouts]
    return (
        window_figures(ids, on),
        success_metrics_for(rollouts),
        default_audience_sizes({rollout.organization_id for rollout in rollouts}),
    )


def data_days(rollout):
    """(last day with data, first day of the last month with data), both None without data."""
    found = ActivityRollup.objects.filter(rollout=rollout).aggregate(
        last=Max("period_start", filter=Q(grain=ActivityRollup.Grain.DAY)),
        month=Max("period_start", filter=Q(grain=ActivityRollup.Grain.MONTH)),
    )
    return found["last"], found["month"]


def home_figures(rollout, units):
    """Everything the Engage page shows about activity, each figure read once: the 28-day window
    (one query for active users, participation and dialogue), the weekly rollups (one query for
    the three charts), the month's units and the official accounts' cadence. A dozen queries
    however much activity there is; the page caches the result until the data changes."""
    last_day, month = data_days(rollout)
    figures = {"last_day": last_day, "month": month}
    if last_day is None:
        return figures
    metrics = success_metrics(rollout)
    size = audience_size(rollout, metrics)
    window = window_figures([rollout.pk], last_day).get(rollout.pk)
    active = window["active"] if window and window["in_window"] else None
    known = window["known_posts"] + window["known_replies"] if window else 0
    band, cadence = cadence_rows(rollout, last_day)
    figures.update(
        audience=size,
        trends=engagement_trends(rollout, size, metrics, weekly_series(rollout)),
        units=unit_rows(rollout, month, units) if month else [],
        active_now=active,
        participation_now=round(100 * active / size, 2) if active is not None and size else None,
        dialogue_now=round(100 * window["known_replies"] / known, 2) if known else None,
        band=band,
        cadence=cadence,
    )
    return figures


# Charts ----------------------------------------------------------------------------------------


def participation_trend(rollout, weeks=26, size=None, metrics=None, series=None):
    """Weekly participation (% of the audience) with the path to the strategy's target."""
    metrics = success_metrics(rollout) if metrics is None else metrics
    size = audience_size(rollout, metrics) if size is None else size
    series = weekly_series(rollout, weeks) if series is None else series
    if not series or not size:
        missing = (
            "Import an activity report (Engage step) to see participation against its target."
            if not series
            else "Set the audience size (strategy worksheet, success metrics) to see participation."
        )
        return Trend(
            "participation", "Participation against the target path", "% of the audience", missing=missing
        )
    target = participation_target(metrics)
    points = tuple((start, round(100 * row["active"] / size, 1)) for start, row in series)
    path = ()
    if target is not None:
        path = tuple(
            (start, round(float(expected_participation(rollout, target, start)), 1)) for start, _ in series
        )
    return Trend(
        "participation",
        "Participation against the target path",
        "% of the audience",
        points=points,
        target=path,
    )


def engagement_trends(rollout, size=None, metrics=None, series=None):
    """The Engage page's charts: participation, weekly active users and the dialogue ratio."""
    series = weekly_series(rollout) if series is None else series
    dialogue = tuple(
        (start, round(100 * row["d_replies"] / (row["d_posts"] + row["d_replies"]), 1))
        for start, row in series
        if row["d_posts"] + row["d_replies"]
    )
    return [
        participation_trend(rollout, size=size, metrics=metrics, series=series),
        Trend(
            "active-users",
            "Active users per week",
            "people",
            points=tuple((start, row["active"]) for start, row in series),
            kind="bar",
            missing="No activity imported yet.",
        ),
        Trend(
            "dialogue-ratio",
            "Dialogue ratio per week",
            "% replies",
            points=dialogue,
            missing="The imported exports do not count replies apart from posts (Viva Engage, older Teams "
            "header, Slack): import Teams' current report or Rollout's template to see the dialogue ratio.",
        ),
    ]

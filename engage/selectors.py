"""Read queries of the activity metrics: active users, participation rate, dialogue ratio and the
official accounts' posting cadence, as docs/metrics.md ("Engage: activity") defines them.

Pages read the rollups (engage/rollups.py); the catalogue's metrics, the step's health and the
page's figures read the 28-day windows (ActivityWindow, rebuilt with the rollups: a person active
on several days is one active user). Units smaller than the organization's privacy threshold
merge into "Other".
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, cast

from django.db.models import Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils.translation import gettext

from rollout.models import Rollout
from rollout.steps import Trend
from strategy.selectors import MetricTarget, success_metrics, success_metrics_for

from . import figures
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


def _current(rollout_ids: Iterable[int]) -> QuerySet[ActivityRecord]:
    return ActivityRecord.objects.filter(rollout_id__in=rollout_ids, superseded=False)


def participation_target(metrics: Iterable[MetricTarget]) -> MetricTarget | None:
    """The strategy's participation_rate success metric (a MetricTarget), if it has one."""
    return next((metric for metric in metrics if metric.metric_key == "participation_rate"), None)


def expected_participation(rollout: Rollout, target: MetricTarget | None, on: date) -> Decimal | None:
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


def window_figures(
    rollout_ids: Iterable[int], on: date, found: Mapping[int, Mapping[date, ActivityWindow]] | None = None
) -> dict[int, dict[str, Any]]:
    """{rollout id: {"active", "previous", "known_posts", "known_replies", "in_window", "last"}}:
    the 28 days up to `on` (and "previous": active users in the 28 days before), for the rollouts
    with data in those 56 days. One indexed query on the windows (see ActivityWindow), two rows
    per rollout, however many records there are; none when given them (`windows_of`)."""
    before = on - timedelta(days=WINDOW_DAYS)
    found = windows_of(rollout_ids, on) if found is None else found
    figures: dict[int, dict[str, Any]] = {}
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


def windows_of(rollout_ids: Iterable[int], on: date) -> dict[int, dict[date, ActivityWindow]]:
    """{rollout id: {day: ActivityWindow}} of the windows ending on `on` and 28 days before."""
    found: dict[int, dict[date, ActivityWindow]] = {}
    for window in ActivityWindow.objects.filter(
        rollout_id__in=rollout_ids, day__in=[on, on - timedelta(days=WINDOW_DAYS)]
    ):
        found.setdefault(window.rollout_id, {})[window.day] = window
    return found


def active_users(rollout: Rollout, on: date) -> int | None:
    """People with at least one counted action in the 28 days up to `on`; None without data."""
    row = window_figures([rollout.pk], on).get(rollout.pk)
    if not row or not row["in_window"]:
        return None
    return row["active"]


def participation_rate(rollout: Rollout, on: date) -> float | None:
    """The headline audience's participation in the 28 days up to `on`, in % (engage/figures.py);
    None when it is not known."""
    found = figures.participation(rollout, on)
    return found.rate if found else None


def dialogue_ratio(rollout: Rollout, on: date) -> float | None:
    """Replies among posts and replies in the 28 days up to `on`, in %; None when not available
    (engage/figures.py says why)."""
    return figures.dialogue_ratio(rollout, on).rate


# The Engage page ---------------------------------------------------------------------------


def weekly_series(
    rollout: Rollout, weeks: int = 26, until: date | None = None
) -> list[tuple[date, Mapping[str, Any]]]:
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


def account_rows(rollout: Rollout, since: date) -> QuerySet[ActivityRecord, Mapping[str, Any]]:
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
    weeks: list[int]  # posts per week, oldest first
    low: int
    high: int

    @property
    def average(self) -> float:
        return round(sum(self.weeks) / len(self.weeks), 1) if self.weeks else 0

    @property
    def verdict(self) -> str:
        if self.average < self.low:
            return "too_little"
        if self.average > self.high:
            return "too_much"
        return "in_band"

    @property
    def verdict_label(self) -> str:
        return {
            "too_little": gettext("Too quiet"),
            "too_much": gettext("Too much"),
            "in_band": gettext("In the band"),
        }[self.verdict]


def cadence_band(rollout: Rollout) -> CadenceBand:
    return CadenceBand.objects.filter(rollout=rollout).first() or CadenceBand(rollout=rollout)


def cadence_rows(rollout: Rollout, until: date, weeks: int = 8) -> tuple[CadenceBand, list[CadenceRow]]:
    """The official accounts' posts per week over the last `weeks` weeks up to `until`, against
    the band. Two queries, however many accounts."""
    band = cadence_band(rollout)
    accounts = list(OfficialAccount.objects.filter(rollout=rollout))
    if not accounts:
        return band, []
    first = week_start(until) - timedelta(weeks=weeks - 1)
    starts = [first + timedelta(weeks=index) for index in range(weeks)]
    posts: dict[tuple[str, date], int] = {}
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


def last_data_day(rollout: Rollout) -> date | None:
    return (
        ActivityRollup.objects.filter(rollout=rollout, grain=ActivityRollup.Grain.DAY)
        .aggregate(last=Max("period_start"))
        .get("last")
    )


def concealed_import(rollout: Rollout, recent: Iterable[ImportBatch] = ()) -> ImportBatch | None:
    """The latest imported file whose names were concealed, if the latest import was one.

    `recent`: the rollout's newest batches, already read (the page's "recent imports"); a query
    only when none of them was imported."""
    done = ImportBatch.Status.DONE
    latest = next((batch for batch in recent if batch.status == done), None)
    if latest is None:
        latest = ImportBatch.objects.filter(rollout=rollout, status=done).first()
    return latest if latest is not None and latest.concealed else None


def health_inputs(
    rollouts: Collection[Rollout], on: date
) -> tuple[dict[int, dict[str, Any]], dict[int, figures.Participation], dict[int, list[MetricTarget]]]:
    """Everything the step's health needs for many rollouts, in a fixed number of queries: the
    28-day windows (active users now and before), the participation figures, the metrics."""
    found = windows_of([rollout.pk for rollout in rollouts], on)
    metrics = success_metrics_for(rollouts)
    today = {pk: days[on] for pk, days in found.items() if on in days}
    return (
        window_figures([], on, found),
        figures.participation_for(rollouts, on, today, metrics),
        metrics,
    )


def data_days(rollout: Rollout) -> tuple[date | None, date | None]:
    """(last day with data, first day of the last month with data), both None without data."""
    found = ActivityRollup.objects.filter(rollout=rollout).aggregate(
        last=Max("period_start", filter=Q(grain=ActivityRollup.Grain.DAY)),
        month=Max("period_start", filter=Q(grain=ActivityRollup.Grain.MONTH)),
    )
    return found["last"], found["month"]


def home_figures(rollout: Rollout) -> dict[str, Any]:
    """Everything the Engage page shows about activity, each figure read once from
    engage/figures.py: participation per audience and who is outside them, the dialogue ratio,
    the units, the trends and the official accounts' cadence. A dozen queries however much
    activity there is."""
    last_day, _ = data_days(rollout)
    found: dict[str, Any] = {"last_day": last_day}
    if last_day is None:
        return found
    window = figures.windows_on([rollout.pk], last_day).get(rollout.pk)
    share = figures.participation(rollout, last_day)
    band, cadence = cadence_rows(rollout, last_day)
    units = figures.OrganizationUnits.of([rollout.organization_id])[rollout.organization_id]
    found.update(
        window_start=figures.window_start(last_day),
        participation=share,
        dialogue=figures.dialogue_ratio(rollout, last_day, window),
        active_now=window.active_users if window else None,
        trends=engagement_trends(rollout),
        units=figures.unit_figures(rollout, window, units, rollout.organization.privacy_min_group)
        if window
        else [],
        band=band,
        cadence=cadence,
    )
    return found


# Charts ----------------------------------------------------------------------------------------


def participation_trend(rollout: Rollout, weeks: int = 26) -> Trend:
    """Weekly participation of the headline audience (each point: the 28 days to the week's
    last day with data), with the path to the strategy's target."""
    last = last_data_day(rollout)
    title = gettext("Participation against the target path")
    # xgettext:no-python-format
    unit = gettext("% of the audience")
    if last is None:
        return Trend(
            "participation",
            title,
            unit,
            missing=gettext("Import an activity report (Engage step) to see participation."),
        )
    series = figures.participation_series(rollout, [last - timedelta(weeks=k) for k in range(weeks)])
    points = tuple((p.end, p.rate) for p in series if p.rate is not None)
    if not points:
        reason = series[-1].headline.unknown if series and series[-1].headline else ""
        missing = gettext("Participation is not known.")
        return Trend("participation", title, unit, missing=f"{missing} {reason}".strip())
    target = participation_target(success_metrics(rollout))
    path: tuple[tuple[date, float], ...] = ()
    if target is not None:
        path = tuple(
            # With a target, the expected participation is a number.
            (day, round(float(cast(Decimal, expected_participation(rollout, target, day))), 1))
            for day, _ in points
        )
    # Participation known on some day means the rollout has a headline audience.
    headline = cast(figures.AudienceFigure, series[-1].headline)
    title = gettext("Participation against the target path (%(audience)s)") % {"audience": headline.name}
    return Trend("participation", title, unit, points=points, target=path)


def engagement_trends(rollout: Rollout) -> list[Trend]:
    """The Engage page's charts: participation, weekly active users and the dialogue ratio."""
    series = weekly_series(rollout)
    dialogue = tuple(
        (start, round(100 * row["d_replies"] / (row["d_posts"] + row["d_replies"]), 1))
        for start, row in series
        if row["d_posts"] + row["d_replies"]
    )
    return [
        participation_trend(rollout),
        Trend(
            "active-users",
            gettext("Active users per week"),
            gettext("people"),
            points=tuple((start, row["active"]) for start, row in series),
            kind="bar",
            missing=gettext("No activity imported yet."),
        ),
        Trend(
            "dialogue-ratio",
            gettext("Dialogue ratio per week"),
            # xgettext:no-python-format
            gettext("% replies"),
            points=dialogue,
            missing=gettext(
                "The imported exports do not count replies apart from posts (Viva Engage, older Teams "
                "header, Slack): import Teams' current report or Rollout's template to see the dialogue ratio."
            ),
        ),
    ]

"""Read queries of the review step: the KPI table, the comparison, the landscape history, health.

Counts and shares are aggregated in the database; Python only arranges the rows it gets back.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Iterable, Mapping
from datetime import date, datetime
from typing import Any

from django.db.models import Count, F, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404
from django.utils import timezone

from rollout.models import Organization, Platform, Rollout, User
from rollout.steps import organizations_of
from strategy.selectors import review_cadence, success_metrics

from .kpis import KpiRow, kpi_rows, path_start, rows_from_results
from .models import Action, Finding, KpiStatus, PlatformAssessment, Review


def today_in(organization: Organization) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organization.timezone))


def review_of(rollout: Rollout, pk: int) -> Review:
    """A review of `rollout` (a 404 for anything else, including another rollout's review)."""
    queryset = Review.objects.filter(rollout=rollout).select_related("owner", "completed_by")
    return get_object_or_404(queryset, pk=pk)


def open_review(rollout: Rollout) -> Review | None:
    return Review.objects.filter(rollout=rollout, status=Review.Status.OPEN).select_related("owner").first()


def previous_completed(review: Review) -> Review | None:
    return (
        Review.objects.filter(
            rollout_id=review.rollout_id, number__lt=review.number, status=Review.Status.COMPLETED
        )
        .order_by("-number")
        .first()
    )


def kpi_table(review: Review, rollout: Rollout, today: date, previous: Review | None) -> list[KpiRow]:
    """The review's KPI rows: live from the strategy while open, the saved snapshot once completed."""
    before = {result.metric_id: result for result in previous.kpis.all()} if previous else {}
    if not review.is_open:
        return rows_from_results(review.kpis.all(), before)
    saved = {result.metric_id: result for result in review.kpis.all()}
    start = path_start(rollout, review_cadence(rollout))
    return kpi_rows(rollout, success_metrics(rollout), today, start, saved, before)


def findings_before(previous: Review | None) -> dict[str, Finding]:
    return {finding.step: finding for finding in previous.findings.all()} if previous else {}


def assessments_before(previous: Review | None) -> dict[int, PlatformAssessment]:
    if previous is None:
        return {}
    return {a.platform_id: a for a in previous.assessments.all()}


def completed_reviews(rollout: Rollout) -> QuerySet[Review]:
    """Completed reviews, newest first, with their KPI counts."""
    return (
        Review.objects.filter(rollout=rollout, status=Review.Status.COMPLETED)
        .select_related("owner", "completed_by")
        .annotate(**kpi_counts())
        .order_by("-number")
    )


def kpi_counts(prefix: str = "kpis") -> dict[str, Count]:
    return {
        "n_kpis": Count(prefix),
        "n_on_track": Count(prefix, filter=Q(**{f"{prefix}__status": KpiStatus.ON_TRACK})),
        "n_at_risk": Count(prefix, filter=Q(**{f"{prefix}__status": KpiStatus.AT_RISK})),
        "n_off_track": Count(prefix, filter=Q(**{f"{prefix}__status": KpiStatus.OFF_TRACK})),
    }


def actions_of(rollout: Rollout, status: str = "") -> QuerySet[Action]:
    actions = Action.objects.filter(rollout=rollout).select_related("owner", "raised_in", "closed_in")
    if status == "open":
        actions = actions.filter(status__in=Action.OPEN_STATUSES)
    elif status:
        actions = actions.filter(status=status)
    return actions.order_by("due_date", "pk")


def actions_of_completed(review: Review) -> QuerySet[Action]:
    """The actions a completed review dealt with: raised in it or before, and not closed before it.

    Their status is today's (an action's history is not kept; `closed_in` says when it closed).
    """
    return (
        Action.objects.filter(rollout_id=review.rollout_id, raised_in__number__lte=review.number)
        .exclude(closed_in__number__lt=review.number)
        .select_related("owner", "raised_in", "closed_in")
        .order_by("raised_in__number", "due_date", "pk")
    )


def action_counts(rollout: Rollout, today: date) -> dict[str, int]:
    return Action.objects.filter(rollout=rollout, status__in=Action.OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_date__lt=today))
    )


def landscape_history(
    reviews: Iterable[Review],
) -> list[tuple[Platform, list[PlatformAssessment | None]]]:
    """For a page of reviews: [(platform, [assessment or None per review])], platforms by name."""
    reviews = list(reviews)
    assessments = PlatformAssessment.objects.filter(review__in=reviews).select_related("platform")
    table: dict[tuple[int, int], PlatformAssessment] = {}
    platforms: dict[int, Platform] = {}
    for assessment in assessments:
        platforms[assessment.platform_id] = assessment.platform
        table[(assessment.platform_id, assessment.review_id)] = assessment
    ordered = sorted(platforms.values(), key=lambda platform: platform.name.lower())
    return [(platform, [table.get((platform.pk, r.pk)) for r in reviews]) for platform in ordered]


def health_figures(
    rollouts: Collection[Rollout],
) -> tuple[
    dict[int, date], dict[int, dict[str, Any]], dict[int, dict[str, Any]], dict[int, Mapping[str, Any]]
]:
    """Per rollout: its open review, its last completed review's KPI counts, its open actions.

    Two queries for any number of rollouts: the reviews (the open one and the last completed one
    with its KPI counts, together) and the actions. "Today" and "overdue" are the organization's
    local dates; its time zone is read from the rollouts when they were loaded with their
    organization (the portfolio selects it), else in one more query.
    """
    ids = [rollout.pk for rollout in rollouts]
    today = {org.pk: today_in(org) for org in organizations_of(rollouts).values()}
    latest = (
        Review.objects.filter(rollout=OuterRef("rollout"), status=Review.Status.COMPLETED)
        .order_by("-number")
        .values("number")[:1]
    )
    open_reviews: dict[int, dict[str, Any]] = {}
    last_completed: dict[int, dict[str, Any]] = {}
    for row in (
        Review.objects.filter(rollout__in=ids)
        .filter(Q(status=Review.Status.OPEN) | Q(status=Review.Status.COMPLETED, number=Subquery(latest)))
        .values("rollout_id", "pk", "status", "number", "due_date", "completed_on")
        .annotate(**kpi_counts())
        .order_by("-number")
    ):
        if row["status"] == Review.Status.OPEN:
            open_reviews[row["rollout_id"]] = {
                key: row[key] for key in ("rollout_id", "pk", "number", "due_date")
            }
        else:
            counted: Mapping[str, Any] = row  # its KPI counts are named by kpi_counts()
            last_completed[row["rollout_id"]] = {
                key: counted[key] for key in ("rollout_id", "number", "completed_on", *kpi_counts())
            }
    overdue = Q()
    for org_id, day in today.items():
        overdue |= Q(rollout__organization_id=org_id, due_date__lt=day)
    actions: dict[int, Mapping[str, Any]] = {
        row["rollout_id"]: row
        for row in Action.objects.filter(rollout__in=ids, status__in=Action.OPEN_STATUSES)
        .values("rollout_id")
        .annotate(open=Count("pk"), overdue=Count("pk", filter=overdue))
        .order_by()
    }
    return today, open_reviews, last_completed, actions


# The employee's side ----------------------------------------------------------------------------


def shared_reviews(rollouts: Collection[Rollout], since: datetime) -> list[Review]:
    """The completed reviews of `rollouts` that share something with employees (their decisions
    or an action), first shared since `since` (`shared_at`, stamped when something of a completed
    review is first shared: one moment, so a weekly email names a review once), newest first, each with its rollout
    and only its shared actions (`shared_actions`). Two queries for any number of rollouts."""
    ids = [rollout.pk for rollout in rollouts]
    if not ids:
        return []
    return list(
        Review.objects.filter(rollout_id__in=ids, status=Review.Status.COMPLETED)
        .filter(shared_at__gte=since)
        .filter(Q(share_decisions=True) | Q(raised_actions__shared=True))
        .distinct()
        .select_related("rollout")
        .prefetch_related(
            Prefetch(
                "raised_actions",
                # Undated actions last, on every database.
                queryset=Action.objects.filter(shared=True).order_by(
                    F("due_date").asc(nulls_last=True), "pk"
                ),
                to_attr="shared_actions",
            )
        )
        .order_by("-completed_on", "-pk")
    )


def owned_reviews(organization: Organization, user: User) -> QuerySet[Review]:
    """The reviews `user` owns in the organization's rollouts (their personal records)."""
    return (
        Review.objects.filter(rollout__organization=organization, owner=user)
        .select_related("rollout")
        .order_by("rollout__name", "number")
    )


def assigned_actions(organization: Organization, user: User) -> QuerySet[Action]:
    """The review actions assigned to `user` in the organization's rollouts."""
    return (
        Action.objects.filter(rollout__organization=organization, owner=user)
        .select_related("rollout", "raised_in")
        .order_by("rollout__name", "due_date", "pk")
    )

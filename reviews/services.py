"""Writes of the review step: scheduling a review, saving the review form, completing a review."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from rollout import webhooks
from rollout.models import Platform, Rollout, User

from .kpis import KpiRow
from .models import STEPS, Action, Finding, KpiResult, PlatformAssessment, Review

# The fields of the review itself, of an action, a finding and an assessment that a review form edits.
REVIEW_FIELDS = ("due_date", "owner", "decisions", "share_decisions", "shared_summary", "shared_said")
ACTION_FIELDS = ("title", "owner", "due_date", "status", "shared")
# What employees may read of a completed review, set on its sharing page.
SHARING_FIELDS = ("share_decisions", "shared_summary", "shared_said")
FINDING_FIELDS = ("working", "not_working")
ASSESSMENT_FIELDS = ("status", "relevance", "decision", "notes")


class ReviewError(Exception):
    """The review is not in a state that allows this (said to the user as it is)."""


@dataclass(frozen=True)
class ReviewChanges:
    """What a valid review form submits, as cleaned values (reviews.views.review_changes builds it
    from a ReviewSheet). Rows of the review's tables are dicts of their cleaned data; an existing
    row's holds the row itself under "id".

    - `header`: the review's own fields (due_date, owner, decisions, and what of them employees
      may read: share_decisions, shared_summary, shared_said);
    - `kpis`: each row of the KPI table with its values (actual, note); a computed row keeps its
      actual;
    - `findings`, `assessments`: the changed findings and platform assessments;
    - `actions`: the new and changed actions ("id" None for a new one); `deleted_actions`: the
      actions to remove (only those raised in this review are removed);
    - `new_platforms`: platforms to add to the landscape (name, kind, url, status, relevance,
      decision, notes), with "platform", the organization's platform of that name if it has one.
    """

    header: Mapping[str, Any]
    kpis: Sequence[tuple[KpiRow, Mapping[str, Any]]] = ()
    findings: Sequence[Mapping[str, Any]] = ()
    actions: Sequence[Mapping[str, Any]] = ()
    deleted_actions: Sequence[Action] = ()
    assessments: Sequence[Mapping[str, Any]] = ()
    new_platforms: Sequence[Mapping[str, Any]] = ()


def previous_review(review: Review) -> Review | None:
    return (
        Review.objects.filter(rollout_id=review.rollout_id, number__lt=review.number)
        .order_by("-number")
        .first()
    )


def create_review(rollout: Rollout, due_date: date, owner: User | None, number: int | None = None) -> Review:
    """A new open review with its six empty findings and the organization's platforms to assess,
    each starting from what the previous review decided (or the platform's current status)."""
    last = Review.objects.filter(rollout=rollout).order_by("-number").first()
    number = number or (last.number + 1 if last else 1)
    try:
        with transaction.atomic():
            review = Review.objects.create(rollout=rollout, number=number, due_date=due_date, owner=owner)
    except IntegrityError:
        raise ReviewError(gettext("This rollout already has an open review.")) from None
    Finding.objects.bulk_create([Finding(review=review, step=key) for key, _ in STEPS])
    before = {a.platform_id: a for a in last.assessments.all()} if last else {}
    platforms = Platform.objects.filter(organization_id=rollout.organization_id).exclude(
        status=Platform.Status.RETIRED
    )
    PlatformAssessment.objects.bulk_create(
        [
            PlatformAssessment(
                review=review,
                platform=platform,
                status=platform.status,
                relevance=before[platform.pk].relevance if platform.pk in before else "medium",
                decision=before[platform.pk].decision if platform.pk in before else "evaluate",
                notes=before[platform.pk].notes if platform.pk in before else "",
            )
            for platform in platforms
        ]
    )
    return review


@transaction.atomic
def schedule(rollout: Rollout, due_date: date, owner: User | None) -> Review:
    """The first review (or the next one, if a rollout's cycle was ever broken off)."""
    if Review.objects.filter(rollout=rollout, status=Review.Status.OPEN).exists():
        raise ReviewError(
            gettext("This rollout already has an open review: complete it to schedule the next.")
        )
    return create_review(rollout, due_date, owner)


def record_kpis(review: Review, rows: Sequence[KpiRow]) -> None:
    """Store the KPI table (KpiRow objects with their actual and note) as the review's snapshot."""
    for row in rows:
        KpiResult.objects.update_or_create(
            review=review,
            metric_id=row.metric_id,
            defaults={
                "metric_key": row.metric_key,
                "name": row.name,
                "audience": row.audience,
                "baseline": row.baseline,
                "target": row.target,
                "target_date": row.target_date,
                "expected": row.expected,
                "actual": row.actual,
                "computed": row.computed,
                "status": row.status,
                "note": row.note,
            },
        )
    # A metric removed from the strategy while the review was open leaves the table.
    KpiResult.objects.filter(review=review).exclude(metric_id__in=[row.metric_id for row in rows]).delete()


def _assign(instance: Any, fields: Sequence[str], values: Mapping[str, Any]) -> None:
    for name in fields:
        if name in values:
            setattr(instance, name, values[name])


def _save_kpis(review: Review, kpis: Sequence[tuple[KpiRow, Mapping[str, Any]]]) -> None:
    for row, values in kpis:
        if not row.computed:
            row.actual = values.get("actual")
        row.note = values.get("note", "")
    record_kpis(review, [row for row, _ in kpis])


def _save_rows(
    review: Review,
    model: type[Finding] | type[PlatformAssessment],
    fields: Sequence[str],
    rows: Sequence[Mapping[str, Any]],
) -> None:
    """Save the changed findings or assessments of `review` (each a row of the review's own)."""
    for values in rows:
        row = values["id"]
        if not isinstance(row, model) or row.review_id != review.pk:
            raise ValueError(f"{row!r} is not a row of {review!r}.")
        _assign(row, fields, values)
        row.save()


def _save_actions(review: Review, actions: Sequence[Mapping[str, Any]], deleted: Sequence[Action]) -> None:
    for values in actions:
        action = values.get("id") or Action()
        if action.pk is not None and action.rollout_id != review.rollout_id:
            raise ValueError(f"{action!r} is not an action of rollout {review.rollout_id}.")
        _assign(action, ACTION_FIELDS, values)
        if action.pk is None:
            action.rollout_id, action.raised_in = review.rollout_id, review
        action.closed_in = None if action.is_open else (action.closed_in or review)
        action.save()
    for action in deleted:
        # An action carried over from an earlier review is dropped (its status), never removed.
        if action.pk and action.raised_in_id == review.pk:
            action.delete()


def _save_new_platforms(review: Review, platforms: Sequence[Mapping[str, Any]]) -> None:
    for data in platforms:
        platform = data.get("platform")
        if platform is None:
            platform = Platform.objects.create(
                organization_id=review.rollout.organization_id,
                name=data["name"],
                kind=data["kind"],
                url=data["url"],
                status=data["status"],
            )
        PlatformAssessment.objects.create(
            review=review,
            platform=platform,
            status=data["status"],
            relevance=data["relevance"],
            decision=data["decision"],
            notes=data["notes"],
        )


@transaction.atomic
def save_review(review: Review, changes: ReviewChanges) -> Review:
    """Save every part of a valid review form: all of it, or (on an exception) nothing."""
    _assign(review, REVIEW_FIELDS, changes.header)
    # Only the form's own fields: the status may have been changed by a completion meanwhile.
    review.save(update_fields=[*REVIEW_FIELDS, "updated_at"])
    _save_kpis(review, changes.kpis)
    _save_rows(review, Finding, FINDING_FIELDS, changes.findings)
    _save_actions(review, changes.actions, changes.deleted_actions)
    _save_rows(review, PlatformAssessment, ASSESSMENT_FIELDS, changes.assessments)
    _save_new_platforms(review, changes.new_platforms)
    # A carried-over action shared now belongs to the completed review that raised it.
    stamp_shared(review.rollout_id)
    return review


@transaction.atomic
def complete_review(
    review: Review,
    changes: ReviewChanges,
    user: User,
    today: date,
    *,
    next_due_date: date,
    next_owner: User | None = None,
) -> Review:
    """Save the form, close the review, bring the platforms' status up to date, schedule the next
    (due on `next_due_date`, held by `next_owner`).

    The review is claimed with a conditional UPDATE, so two managers completing it at the same
    moment cannot both schedule a next review: the second gets a ReviewError and nothing of
    their submission is saved.
    """
    review = save_review(review, changes)
    claimed = Review.objects.filter(pk=review.pk, status=Review.Status.OPEN).update(
        status=Review.Status.COMPLETED, completed_on=today, completed_by=user
    )
    if not claimed:
        raise ReviewError(gettext("This review was completed in the meantime; nothing was changed."))
    review.refresh_from_db()
    stamp_shared(review.rollout_id)
    _emit_completed(review)
    for status in Platform.Status.values:
        Platform.objects.filter(
            organization_id=review.rollout.organization_id,
            assessments__review=review,
            assessments__status=status,
        ).exclude(status=status).update(status=status)
    return create_review(review.rollout, next_due_date, next_owner)


def stamp_shared(rollout_id: int) -> int:
    """Date the completed reviews of a rollout that share something with employees for the first
    time (`shared_at`: when "You said, we did" publishes them). One UPDATE; the number stamped."""
    return (
        Review.objects.filter(rollout_id=rollout_id, status=Review.Status.COMPLETED, shared_at__isnull=True)
        .filter(Q(share_decisions=True) | Q(raised_actions__shared=True))
        .update(shared_at=timezone.now())
    )


@transaction.atomic
def share_review(
    review: Review,
    *,
    share_decisions: bool,
    shared_summary: str = "",
    shared_said: str = "",
    shared_actions: Collection[Action] = (),
) -> Review:
    """Choose what employees may read of a completed review: its decisions (with an optional
    plain-language summary and what people told us) and which of the actions raised in it.
    Every other action raised in it stops being shared."""
    if review.is_open:
        raise ReviewError(
            gettext("Review %(number)s is still open: choose what to share in its form.")
            % {"number": review.number}
        )
    review.share_decisions = share_decisions
    review.shared_summary, review.shared_said = shared_summary, shared_said
    review.save(update_fields=[*SHARING_FIELDS, "updated_at"])
    chosen = {action.pk for action in shared_actions}
    raised = Action.objects.filter(raised_in=review)
    raised.filter(pk__in=chosen).update(shared=True)
    raised.exclude(pk__in=chosen).update(shared=False)
    stamp_shared(review.rollout_id)
    review.refresh_from_db(fields=["shared_at"])
    return review


def _emit_completed(review: Review) -> None:
    """The `review.completed` webhook (rollout/webhooks.py), in the completing transaction."""
    rollout = review.rollout
    webhooks.emit(
        rollout.organization_id,
        "review.completed",
        {
            "review": {
                "id": review.pk,
                "number": review.number,
                "completed_on": review.completed_on.isoformat() if review.completed_on else None,
                "url": webhooks.absolute(reverse("reviews:detail", args=[rollout.pk, review.pk])),
            },
            "rollout": webhooks.rollout_ref(rollout),
        },
        key=f"review.completed:{review.pk}",
    )

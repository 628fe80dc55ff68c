"""Writes of the review step: scheduling a review, saving the review form, completing a review."""

from django.db import IntegrityError, transaction

from rollout.models import Platform

from .models import STEPS, Finding, KpiResult, PlatformAssessment, Review


class ReviewError(Exception):
    """The review is not in a state that allows this (said to the user as it is)."""


def previous_review(review):
    return (
        Review.objects.filter(rollout_id=review.rollout_id, number__lt=review.number)
        .order_by("-number")
        .first()
    )


def create_review(rollout, due_date, owner, number=None):
    """A new open review with its six empty findings and the organization's platforms to assess,
    each starting from what the previous review decided (or the platform's current status)."""
    last = Review.objects.filter(rollout=rollout).order_by("-number").first()
    number = number or (last.number + 1 if last else 1)
    try:
        with transaction.atomic():
            review = Review.objects.create(rollout=rollout, number=number, due_date=due_date, owner=owner)
    except IntegrityError:
        raise ReviewError("This rollout already has an open review.") from None
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
def schedule(rollout, due_date, owner):
    """The first review (or the next one, if a rollout's cycle was ever broken off)."""
    if Review.objects.filter(rollout=rollout, status=Review.Status.OPEN).exists():
        raise ReviewError("This rollout already has an open review: complete it to schedule the next.")
    return create_review(rollout, due_date, owner)


def record_kpis(review, rows):
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


def _save_kpis(review, sheet):
    for form in sheet.kpis.forms:
        if not form.row.computed:
            form.row.actual = form.cleaned_data.get("actual")
        form.row.note = form.cleaned_data.get("note", "")
    record_kpis(review, sheet.kpi_rows)


def _save_actions(review, formset):
    for form in formset.forms:
        if form in formset.deleted_forms or not form.has_changed():
            continue
        action = form.save(commit=False)
        if action.pk is None:
            action.rollout_id, action.raised_in = review.rollout_id, review
        action.closed_in = None if action.is_open else (action.closed_in or review)
        action.save()
    for form in formset.deleted_forms:
        if form.instance.pk and not form.carried_over:
            form.instance.delete()


def _save_new_platforms(review, formset):
    for form in formset.forms:
        if not form.has_changed():
            continue
        data = form.cleaned_data
        platform = form.existing
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
def save_review(sheet):
    """Save every part of a valid review form: all of it, or (on an exception) nothing."""
    review = sheet.form.save(commit=False)
    # Only the form's own fields: the status may have been changed by a completion meanwhile.
    review.save(update_fields=[*sheet.form.Meta.fields, "updated_at"])
    _save_kpis(review, sheet)
    sheet.findings.save()
    _save_actions(review, sheet.actions)
    sheet.landscape.save()
    _save_new_platforms(review, sheet.new_platforms)
    return review


@transaction.atomic
def complete_review(sheet, user, today):
    """Save the form, close the review, bring the platforms' status up to date, schedule the next.

    The review is claimed with a conditional UPDATE, so two managers completing it at the same
    moment cannot both schedule a next review: the second gets a ReviewError and nothing of
    their submission is saved.
    """
    review = save_review(sheet)
    claimed = Review.objects.filter(pk=review.pk, status=Review.Status.OPEN).update(
        status=Review.Status.COMPLETED, completed_on=today, completed_by=user
    )
    if not claimed:
        raise ReviewError("This review was completed in the meantime; nothing was changed.")
    review.refresh_from_db()
    for status in Platform.Status.values:
        Platform.objects.filter(
            organization_id=review.rollout.organization_id,
            assessments__review=review,
            assessments__status=status,
        ).exclude(status=status).update(status=status)
    data = sheet.complete.cleaned_data
    return create_review(review.rollout, data["next_due_date"], data["next_owner"])

"""Review reminders, sent through the notifications outbox (rollout/notifications.py).

The review's owner is reminded at 08:00 in the organization's time zone:

- `week-before`: seven days before the due date;
- `due`: on the due date;
- `overdue-1`, `overdue-2`, ...: every seven days after the due date while the review is still
  open, copying the rollout's owner.

The producer yields only the *current* stage of each open review (the latest one whose time has
passed): a stage that was skipped (the review was scheduled late, or the dispatcher was down for a
week) is stale and is not sent afterwards. The dispatcher skips keys it has already inserted, so
yielding the same stage on every tick is harmless. The context is built when the email is sent;
a review completed (or handed to someone else) in the meantime cancels its pending reminders.
"""

import zoneinfo
from datetime import datetime, time, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop

from rollout.models import Membership
from rollout.notifications import Cancel, Due, producer, register_kind
from strategy.selectors import success_metrics

from .models import Action, KpiResult, Review
from .selectors import previous_completed, today_in

KIND = "review-reminder"
SEND_AT = time(8, 0)
WEEK = timedelta(days=7)
SUMMARY_ACTIONS = 10


def _at(day, tz):
    return datetime.combine(day, SEND_AT, tzinfo=tz).astimezone(zoneinfo.ZoneInfo("UTC"))


def current_stage(due_date, now, tz):
    """(stage, scheduled_for) of the latest reminder whose time has passed at `now`, or None."""
    today = now.astimezone(tz).date()
    stages = [("week-before", due_date - WEEK), ("due", due_date)]
    weeks_late = (today - due_date).days // 7
    stages += [(f"overdue-{n}", due_date + n * WEEK) for n in (weeks_late - 1, weeks_late) if n >= 1]
    passed = [(stage, _at(day, tz)) for stage, day in stages if _at(day, tz) <= now]
    return passed[-1] if passed else None


@producer
def review_reminders(now):
    """One query: the open reviews with an owner that are due within eight days or overdue."""
    horizon = now.date() + timedelta(days=8)  # wide enough for any time zone's "seven days before"
    reviews = Review.objects.filter(
        status=Review.Status.OPEN, owner__isnull=False, due_date__lte=horizon
    ).select_related("rollout__organization", "rollout__owner")
    for review in reviews:
        rollout = review.rollout
        current = current_stage(review.due_date, now, zoneinfo.ZoneInfo(rollout.organization.timezone))
        if current is None:
            continue
        stage, scheduled_for = current
        copy = stage.startswith("overdue") and rollout.owner and rollout.owner_id != review.owner_id
        yield Due(
            kind=KIND,
            key=f"{KIND}:{review.pk}:{stage}",
            organization_id=rollout.organization_id,
            recipient_id=review.owner_id,
            scheduled_for=scheduled_for,
            payload={"review": review.pk, "stage": stage},
            cc=(rollout.owner.email,) if copy else (),
        )


def reminder_context(notification):
    review = (
        Review.objects.select_related("rollout__organization", "owner")
        .filter(pk=notification.payload.get("review"))
        .first()
    )
    if review is None or not review.is_open:
        raise Cancel(gettext_noop("The review has been completed."))
    if review.owner_id is None or review.owner_id != notification.recipient_id:
        raise Cancel(gettext_noop("The review has no owner, or another owner now."))
    rollout = review.rollout
    if not Membership.objects.filter(
        user_id=review.owner_id, organization_id=rollout.organization_id
    ).exists():
        raise Cancel(gettext_noop("The review's owner has left the organization."))
    today = today_in(rollout.organization)
    previous = previous_completed(review)
    last = {r.metric_id: r for r in KpiResult.objects.filter(review=previous)} if previous else {}
    actions = Action.objects.filter(rollout=rollout, status__in=Action.OPEN_STATUSES).select_related("owner")
    path = reverse("reviews:edit", kwargs={"pk": rollout.pk, "review": review.pk})
    return {
        "review": review,
        "rollout": rollout,
        "stage": notification.payload.get("stage", ""),
        "days": (review.due_date - today).days,
        "days_late": max(0, (today - review.due_date).days),
        "link": f"{settings.SITE_URL}{path}",
        "previous": previous,
        "kpis": [(metric, last.get(metric.id)) for metric in success_metrics(rollout)],
        "actions": list(actions.order_by("due_date", "pk")[:SUMMARY_ACTIONS]),
        "open_actions": actions.count(),
        "overdue_actions": actions.filter(due_date__lt=today).count(),
        "today": today,
    }


register_kind(KIND, _("Review reminder"), context=reminder_context)

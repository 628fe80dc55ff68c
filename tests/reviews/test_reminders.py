from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Action, KpiResult, Review
from reviews.notifications import current_stage, reminder_context, review_reminders
from reviews.services import create_review
from rollout.emails import render_email
from rollout.models import Notification
from rollout.notifications import Cancel
from rollout.outbox import insert_due

from ..factories import RolloutFactory

pytestmark = pytest.mark.django_db


def utc(*args):
    return datetime(*args, tzinfo=UTC)


def due_now(now):
    return list(review_reminders(now))


@pytest.mark.parametrize(
    "now, stage, scheduled",
    [
        (utc(2026, 1, 26, 7, 59), None, None),
        (utc(2026, 1, 26, 8, 0), "week-before", utc(2026, 1, 26, 8)),
        (utc(2026, 2, 1, 23, 0), "week-before", utc(2026, 1, 26, 8)),
        (utc(2026, 2, 2, 8, 0), "due", utc(2026, 2, 2, 8)),
        (utc(2026, 2, 9, 7, 0), "due", utc(2026, 2, 2, 8)),
        (utc(2026, 2, 9, 8, 0), "overdue-1", utc(2026, 2, 9, 8)),
        (utc(2026, 2, 16, 7, 0), "overdue-1", utc(2026, 2, 9, 8)),
        (utc(2026, 3, 3, 12, 0), "overdue-4", utc(2026, 3, 2, 8)),
    ],
)
def test_the_current_reminder_is_the_latest_whose_time_has_passed(now, stage, scheduled):
    current = current_stage(date(2026, 2, 2), now, UTC)
    assert current == ((stage, scheduled) if stage else None)


def test_reminders_go_at_eight_in_the_organizations_time_zone():
    from zoneinfo import ZoneInfo

    seattle = ZoneInfo("America/Los_Angeles")
    assert current_stage(date(2026, 2, 2), utc(2026, 2, 2, 15, 59), seattle)[0] == "week-before"
    assert current_stage(date(2026, 2, 2), utc(2026, 2, 2, 16, 0), seattle) == ("due", utc(2026, 2, 2, 16))


def test_the_owner_is_reminded_a_week_before_on_the_day_and_weekly_when_overdue(personas, review):
    personas.rollout.owner = personas.admin
    personas.rollout.save()
    assert due_now(utc(2026, 1, 20, 12)) == []
    (week_before,) = due_now(utc(2026, 1, 26, 9))
    assert week_before.kind == "review-reminder"
    assert week_before.key == f"review-reminder:{review.pk}:week-before"
    assert week_before.recipient_id == personas.manager.pk
    assert week_before.organization_id == personas.org.pk
    assert week_before.payload == {"review": review.pk, "stage": "week-before"}
    assert week_before.cc == ()
    (on_the_day,) = due_now(utc(2026, 2, 2, 8, 30))
    assert on_the_day.key.endswith(":due") and on_the_day.cc == ()
    (overdue,) = due_now(utc(2026, 2, 17, 9))
    assert overdue.key.endswith(":overdue-2") and overdue.scheduled_for == utc(2026, 2, 16, 8)
    assert overdue.cc == ("admin@acme.example",)  # the rollout's owner is copied


def test_no_reminder_for_a_completed_review_or_one_without_owner(personas, review):
    Review.objects.filter(pk=review.pk).update(owner=None)
    assert due_now(utc(2026, 2, 2, 9)) == []
    Review.objects.filter(pk=review.pk).update(owner=personas.manager, status="completed")
    assert due_now(utc(2026, 2, 2, 9)) == []


def test_the_rollout_owner_is_not_copied_on_their_own_review(personas, review):
    (overdue,) = due_now(utc(2026, 2, 10, 9))  # the manager owns both the rollout and the review
    assert overdue.cc == ()


def test_the_producer_costs_one_query_however_many_reviews(personas, strategy):
    for _ in range(3):
        create_review(RolloutFactory(organization=personas.org), date(2026, 2, 2), personas.manager)
    with CaptureQueriesContext(connection) as few:
        assert len(due_now(utc(2026, 2, 2, 9))) == 3
    for _ in range(12):
        create_review(RolloutFactory(organization=personas.org), date(2026, 2, 2), personas.manager)
    with CaptureQueriesContext(connection) as many:
        assert len(due_now(utc(2026, 2, 2, 9))) == 15
    assert len(few) == len(many) == 1


def test_the_outbox_inserts_each_reminder_once(personas, review):
    now = utc(2026, 2, 2, 9)
    insert_due(now)
    insert_due(now)
    (row,) = Notification.objects.filter(kind="review-reminder")
    assert row.key == f"review-reminder:{review.pk}:due" and row.recipient == personas.manager


def notification(review, stage="due"):
    return Notification(
        organization_id=review.rollout.organization_id,
        kind="review-reminder",
        key=f"review-reminder:{review.pk}:{stage}",
        recipient_id=review.owner_id,
        payload={"review": review.pk, "stage": stage},
        scheduled_for=utc(2026, 2, 2, 8),
    )


def test_the_email_links_to_the_form_and_summarizes_kpis_and_open_actions(personas, review, settings):
    import time_machine

    settings.SITE_URL = "https://rollout.example"
    Action.objects.create(
        rollout=personas.rollout,
        raised_in=review,
        title="Recruit a Finance champion",
        due_date=date(2026, 1, 30),
    )
    Action.objects.create(rollout=personas.rollout, raised_in=review, title="Done already", status="done")
    with time_machine.travel(utc(2026, 2, 4, 9), tick=False):
        subject, text, html = render_email(
            "review-reminder", reminder_context(notification(review, "overdue-1"))
        )
    assert subject == "Overdue: review 1 of Engage for all"
    link = f"https://rollout.example/r/{personas.rollout.pk}/review/{review.pk}/edit/"
    assert link in text and f'href="{link}"' in html
    assert "2 days overdue" in text
    for body in (text, html):
        assert "Participation rate" in body and "All-staff emails per month" in body
        assert "Recruit a Finance champion" in body and "Done already" not in body
    assert "Open actions: 1, 1 overdue." in text


def test_the_email_shows_the_last_actual_of_the_previous_review(personas, review):
    review.status = "completed"
    review.save()
    metric_id = review.rollout.worksheet.metrics.get(metric_key="participation_rate").pk
    KpiResult.objects.create(
        review=review,
        metric_id=metric_id,
        metric_key="participation_rate",
        name="Participation rate",
        baseline=10,
        target=60,
        actual=21,
        status="on_track",
    )
    following = create_review(personas.rollout, date(2026, 3, 2), personas.manager)
    context = reminder_context(notification(following))
    assert context["previous"] == review
    _, text, _ = render_email("review-reminder", context)
    assert "last 21 (on track)" in text


def test_a_completed_or_reassigned_review_cancels_its_reminder(personas, review):
    pending = notification(review)
    Review.objects.filter(pk=review.pk).update(owner=personas.admin)
    with pytest.raises(Cancel):
        reminder_context(pending)
    Review.objects.filter(pk=review.pk).update(owner=personas.manager, status="completed")
    with pytest.raises(Cancel):
        reminder_context(pending)
    Review.objects.filter(pk=review.pk).delete()
    with pytest.raises(Cancel):
        reminder_context(pending)


def test_a_reminder_to_an_owner_who_left_the_organization_is_cancelled(personas, review):
    personas.org.memberships.filter(user=personas.manager).delete()
    with pytest.raises(Cancel):
        reminder_context(notification(review))

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Action, KpiResult
from reviews.services import create_review
from rollout.steps import registry

from ..factories import RolloutFactory

pytestmark = pytest.mark.django_db

TODAY = datetime(2026, 2, 16, 12, tzinfo=UTC)


def health(rollouts):
    return registry.get("review").health(rollouts)


def completed(rollout, number, statuses):
    review = create_review(rollout, date(2026, 1, 5), None, number=number)
    review.status, review.completed_on = "completed", date(2026, 1, 5)
    review.save()
    for metric_id, status in enumerate(statuses, start=1):
        KpiResult.objects.create(
            review=review,
            metric_id=metric_id,
            metric_key="custom",
            name=f"KPI {metric_id}",
            baseline=0,
            target=10,
            status=status,
        )
    return review


@time_machine.travel(TODAY, tick=False)
def test_a_rollout_without_reviews_has_not_started(personas):
    result = health([personas.rollout])[personas.rollout.pk]
    assert not result.started and result.next_action == "Schedule the first review"
    assert result.next_url == f"/r/{personas.rollout.pk}/review/"


@time_machine.travel(TODAY, tick=False)
def test_a_review_due_soon_with_nothing_overdue_is_on_track(personas):
    review = create_review(personas.rollout, date(2026, 2, 23), personas.manager)
    result = health([personas.rollout])[personas.rollout.pk]
    assert result.score == 100 and result.status == "on_track"
    assert "Review 1 due 23 Feb 2026 (in 7 days)." in result.reasons
    assert "No review completed yet." in result.reasons
    assert result.next_url == f"/r/{personas.rollout.pk}/review/{review.pk}/edit/"


@time_machine.travel(TODAY, tick=False)
def test_an_overdue_review_kpis_off_track_and_overdue_actions_lower_the_score(personas):
    last = completed(personas.rollout, 1, ["on_track", "at_risk", "off_track", "off_track"])
    create_review(personas.rollout, date(2026, 2, 2), personas.manager)  # 14 days overdue
    for due in (date(2026, 2, 1), date(2026, 2, 10), date(2026, 3, 1)):
        Action.objects.create(rollout=personas.rollout, raised_in=last, title="Do it", due_date=due)
    Action.objects.create(
        rollout=personas.rollout, raised_in=last, title="Done", due_date=date(2026, 1, 1), status="done"
    )
    result = health([personas.rollout])[personas.rollout.pk]
    # schedule 40 x 0.5, KPIs 40 x (1 + 0.5) / 4, actions 20 x (1 - 2/4)
    assert result.score == 20 + 15 + 10 and result.status == "at_risk"
    assert result.reasons == [
        "Review 2 is 14 days overdue.",
        "1 of 4 KPIs on track at review 1 (1 at risk, 2 off track).",
        "3 open actions, 2 overdue.",
    ]
    assert result.next_action == "Hold review 2, due 2 Feb"


@time_machine.travel(TODAY, tick=False)
def test_health_for_many_rollouts_costs_a_fixed_number_of_queries(personas):
    def build(n):
        rollouts = RolloutFactory.create_batch(n, organization=personas.org)
        for rollout in rollouts:
            last = completed(rollout, 1, ["on_track", "off_track"])
            create_review(rollout, date(2026, 3, 2), None)
            Action.objects.create(rollout=rollout, raised_in=last, title="x", due_date=date(2026, 2, 1))
        return rollouts

    few = build(2)
    with CaptureQueriesContext(connection) as small:
        health(few)
    many = few + build(10)
    with CaptureQueriesContext(connection) as large:
        result = health(many)
    # The reviews (open and last completed together) and the actions; the rollouts come with their
    # organization (its time zone), so it costs no query.
    assert len(small) == len(large) == 2
    assert all(result[r.pk].score is not None for r in many)

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from reviews.cycles import add_months
from reviews.models import Action, Finding, KpiResult, PlatformAssessment, Review
from reviews.selectors import today_in
from rollout.models import Platform, Rollout
from rollout.steps import registry

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Review.objects.values_list("rollout_id", "number", "status", "due_date")),
        sorted(KpiResult.objects.values_list("review_id", "metric_id", "actual", "status")),
        sorted(Action.objects.values_list("title", "status", "raised_in_id", "closed_in_id")),
        sorted(PlatformAssessment.objects.values_list("review_id", "platform_id", "status", "decision")),
        Finding.objects.count(),
    )


def test_the_demo_has_two_past_reviews_one_due_next_week_and_is_idempotent():
    call_command("seed_demo", stdout=io.StringIO())
    live = Rollout.objects.get(name="Viva Engage for all staff")
    reviews = list(live.reviews.order_by("number"))
    assert [(r.number, r.status) for r in reviews] == [(1, "completed"), (2, "completed"), (3, "open")]
    week = today_in(live.organization) + timedelta(days=7)
    assert week - timedelta(days=3) < reviews[2].due_date <= week
    # One monthly calendar anchored on review 1: completing review 3 proposes its next cycle.
    assert [r.due_date for r in reviews] == [add_months(reviews[0].due_date, k) for k in range(3)]
    assert reviews[2].owner.email == "manager@northwind.example"
    assert all(r.kpis.count() == 5 for r in reviews[:2])
    assert set(reviews[1].kpis.values_list("status", flat=True)) >= {"on_track"}
    assert Action.objects.filter(rollout=live, status__in=["open", "in_progress"]).count() == 3
    statuses = set(PlatformAssessment.objects.filter(review=reviews[1]).values_list("status", flat=True))
    assert {"declining", "emerging", "in_use", "retired"} <= statuses
    assert Platform.objects.filter(organization=live.organization).count() >= 5
    assert reviews[2].assessments.count() == 5  # review 2's landscape without the retired platform
    health = registry.get("review").health([live])[live.pk]
    assert health.started and "Review 3 due" in health.reasons[0]
    # "You said, we did": both completed reviews share decisions and actions, never the unshared one.
    outcomes = registry.get("review").shared_outcomes([live], timezone.now() - timedelta(days=120))
    assert [o.title for o in outcomes] == [f"Review {n} of Viva Engage for all staff" for n in (2, 1)]
    assert all(o.said and o.did for o in outcomes)
    assert not any("idea portal pilot" in line for o in outcomes for line in o.did)

    first = snapshot()
    call_command("seed_demo", stdout=io.StringIO())
    assert snapshot() == first

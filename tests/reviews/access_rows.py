from datetime import date

from reviews.models import Review
from reviews.services import create_review
from tests.access import EDITORS, STAFF, page


def rollout(p):
    return {"pk": p.rollout.pk}


def a_review(p):
    review = create_review(p.rollout, date(2026, 2, 2), p.manager)
    return {"pk": p.rollout.pk, "review": review.pk}


def a_completed_review(p):
    Review.objects.create(
        rollout=p.rollout,
        number=1,
        due_date=date(2026, 2, 2),
        status=Review.Status.COMPLETED,
        completed_on=date(2026, 2, 3),
    )
    return {"pk": p.rollout.pk}


def a_completed_review_to_share(p):
    review = Review.objects.create(
        rollout=p.rollout,
        number=1,
        due_date=date(2026, 2, 2),
        status=Review.Status.COMPLETED,
        completed_on=date(2026, 2, 3),
    )
    return {"pk": p.rollout.pk, "review": review.pk}


ROWS = {
    "reviews:home": page(STAFF, rollout),
    "reviews:actions": page(STAFF, rollout),
    "reviews:actions_csv": page(STAFF, rollout),
    # The KPIs of the last completed review (the portfolio's "KPIs on track"), and their CSV.
    "reviews:kpis": page(STAFF, a_completed_review),
    "reviews:kpis_csv": page(STAFF, a_completed_review),
    "reviews:landscape": page(STAFF, rollout),
    "reviews:detail": page(STAFF, a_review),
    "reviews:edit": page(EDITORS, a_review),
    # What employees may read of a completed review ("You said, we did").
    "reviews:share": page(EDITORS, a_completed_review_to_share),
    # Scheduling redirects to the new review's form (or back, with a message saying why).
    "reviews:schedule": page(
        EDITORS, rollout, ok=302, method="post", data=lambda p: {"due_date": "2026-02-02"}
    ),
}

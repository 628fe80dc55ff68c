from datetime import date

from reviews.services import create_review
from tests.access import EDITORS, STAFF, page


def rollout(p):
    return {"pk": p.rollout.pk}


def a_review(p):
    review = create_review(p.rollout, date(2026, 2, 2), p.manager)
    return {"pk": p.rollout.pk, "review": review.pk}


ROWS = {
    "reviews:home": page(STAFF, rollout),
    "reviews:actions": page(STAFF, rollout),
    "reviews:landscape": page(STAFF, rollout),
    "reviews:detail": page(STAFF, a_review),
    "reviews:edit": page(EDITORS, a_review),
    # Scheduling redirects to the new review's form (or back, with a message saying why).
    "reviews:schedule": page(
        EDITORS, rollout, ok=302, method="post", data=lambda p: {"due_date": "2026-02-02"}
    ),
}

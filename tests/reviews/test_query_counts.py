from datetime import date

import pytest
from django.urls import reverse

from reviews.models import Action, Finding, KpiResult, PlatformAssessment, Review
from reviews.services import create_review

from ..factories import PlatformFactory
from ..pages import query_counts

pytestmark = pytest.mark.django_db


def grow(personas, current, start):
    """More of everything review pages list: platforms, past reviews with KPIs, findings,
    assessments and actions, and the open actions the current review carries."""
    past = Review.objects.create(
        rollout=personas.rollout, number=start + 1, due_date=date(2025, 1, 1), status="completed"
    )
    for n in range(8):
        platform = PlatformFactory(organization=personas.org, name=f"Platform {start}-{n}")
        PlatformAssessment.objects.create(review=past, platform=platform, status="in_use")
        if current is not None:
            PlatformAssessment.objects.create(review=current, platform=platform, status="emerging")
    Finding.objects.bulk_create([Finding(review=past, step=step) for step in ("trust", "engage")])
    for n in range(10):
        Action.objects.create(
            rollout=personas.rollout, raised_in=past, title=f"Action {start}-{n}", owner=personas.manager
        )
        KpiResult.objects.create(
            review=past,
            metric_id=1000 + n,
            metric_key="custom",
            name=f"KPI {n}",
            baseline=0,
            target=10,
            actual=n,
            status="on_track",
        )


@pytest.mark.parametrize("name", ["home", "detail", "edit", "actions", "landscape"])
def test_review_pages_cost_the_same_queries_whatever_the_data(client_as, personas, strategy, name):
    client = client_as(personas.manager)
    grow(personas, None, 0)
    current = create_review(personas.rollout, date(2026, 2, 2), personas.manager, number=1000)
    kwargs = {"pk": personas.rollout.pk}
    if name in ("detail", "edit"):
        kwargs["review"] = current.pk
    url = reverse(f"reviews:{name}", kwargs=kwargs)
    few = query_counts(client, url)  # right after a write, and opened again
    for start in (10, 20, 30):
        grow(personas, current, start)
    assert query_counts(client, url) == few

from datetime import UTC, date, datetime

import pytest
import time_machine
from django.urls import reverse

from reviews.models import Action, Review

pytestmark = pytest.mark.django_db


def home(rollout):
    return reverse("reviews:home", kwargs={"pk": rollout.pk})


@time_machine.travel(datetime(2026, 1, 20, 12, tzinfo=UTC), tick=False)
def test_a_manager_schedules_the_first_review_from_the_cadence(client_as, personas, strategy, platforms):
    client = client_as(personas.manager)
    response = client.get(home(personas.rollout))
    assert response.context["schedule_form"].initial["due_date"] == date(2026, 2, 2)
    response = client.post(
        reverse("reviews:schedule", kwargs={"pk": personas.rollout.pk}),
        {"due_date": "2026-02-02", "owner": personas.manager.pk},
    )
    review = Review.objects.get()
    assert response["Location"] == reverse(
        "reviews:edit", kwargs={"pk": personas.rollout.pk, "review": review.pk}
    )
    assert (review.number, review.due_date, review.owner, review.status) == (
        1,
        date(2026, 2, 2),
        personas.manager,
        "open",
    )
    # A second one is refused while this one is open.
    response = client.post(
        reverse("reviews:schedule", kwargs={"pk": personas.rollout.pk}), {"due_date": "2026-03-02"}
    )
    assert Review.objects.count() == 1
    assert "already has an open review" in client.get(response["Location"]).text


def test_scheduling_needs_a_date_and_an_owner_of_the_organization(client_as, personas):
    client = client_as(personas.manager)
    url = reverse("reviews:schedule", kwargs={"pk": personas.rollout.pk})
    client.post(url, {"due_date": ""})
    client.post(url, {"due_date": "2026-02-02", "owner": personas.outsider.pk})
    assert not Review.objects.exists()


def test_the_home_page_shows_the_open_review_and_past_ones(client_as, personas, review):
    Review.objects.create(
        rollout=personas.rollout,
        number=0,
        due_date=date(2026, 1, 5),
        status="completed",
        completed_on=date(2026, 1, 6),
    )
    response = client_as(personas.champion).get(home(personas.rollout))
    assert response.context["upcoming"] == review
    assert [r.number for r in response.context["page"]] == [0]
    assert "Open the review form" not in response.text  # champions read


def test_the_actions_page_filters_by_status_and_paginates(client_as, personas, review):
    for n in range(30):
        Action.objects.create(rollout=personas.rollout, raised_in=review, title=f"Open {n}")
    Action.objects.create(rollout=personas.rollout, raised_in=review, title="Finished", status="done")
    client = client_as(personas.leader)
    url = reverse("reviews:actions", kwargs={"pk": personas.rollout.pk})
    response = client.get(url)
    assert response.context["page"].paginator.count == 30 and len(response.context["page"]) == 25
    response = client.get(url, {"status": "done"})
    assert [a.title for a in response.context["page"]] == ["Finished"]
    assert client.get(url, {"status": "nonsense"}).context["status"] == "open"


def test_the_landscape_history_shows_each_review_as_a_column(client_as, personas, review):
    from reviews.services import create_review

    review.status = "completed"
    review.save()
    Review.objects.filter(pk=review.pk).update(status="completed")
    following = create_review(personas.rollout, date(2026, 3, 2), personas.manager)
    following.assessments.filter(platform__name="Teams").update(status="declining", decision="retire")
    response = client_as(personas.leader).get(
        reverse("reviews:landscape", kwargs={"pk": personas.rollout.pk})
    )
    assert [r.number for r in response.context["columns"]] == [1, 2]
    rows = {platform.name: cells for platform, cells in response.context["rows"]}
    assert [cell.status for cell in rows["Teams"]] == ["in_use", "declining"]
    assert "Old intranet" not in rows

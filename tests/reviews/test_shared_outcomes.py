"""What employees read of a completed review ("You said, we did"): only what a manager shared."""

from datetime import date, datetime, time, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from reviews.models import Action, Review
from reviews.services import ReviewError, share_review
from reviews.step import ReviewStep

from ..factories import RolloutFactory
from ..pages import query_counts
from .helpers import by_name, detail_url, edit_url, form_data

pytestmark = pytest.mark.django_db

REVIEW_DAY = timezone.make_aware(datetime(2026, 2, 2, 10, 0))
LONG_AGO = timezone.make_aware(datetime(2025, 1, 1))


@pytest.fixture(autouse=True)
def review_day():
    with time_machine.travel(REVIEW_DAY, tick=False):
        yield


def completed(rollout, number=1, on=date(2026, 2, 2), **fields):
    """A completed review; shared (as the review pages stamp it) that evening, if anything of it is."""
    fields.setdefault("shared_at", timezone.make_aware(datetime.combine(on, time(18))))
    return Review.objects.create(
        rollout=rollout,
        number=number,
        due_date=on,
        status=Review.Status.COMPLETED,
        completed_on=on,
        **fields,
    )


def action(review, title, status="open", shared=False, due=None):
    return Action.objects.create(
        rollout_id=review.rollout_id,
        raised_in=review,
        title=title,
        status=status,
        shared=shared,
        due_date=due,
    )


def outcomes(rollouts, since=LONG_AGO):
    return ReviewStep().shared_outcomes(rollouts, since)


def test_a_completed_review_shares_its_decisions_and_only_its_shared_actions(personas):
    review = completed(
        personas.rollout,
        number=2,
        decisions="Move announcements to Engage; recruit champions in Finance (budget line 4).",
        share_decisions=True,
        shared_summary="Announcements move to Engage, and Finance gets champions.",
        shared_said="Too many all-staff emails.\n\nNobody to ask for help in Finance.",
    )
    action(review, "Move announcements", status="done", shared=True)
    action(review, "Recruit a Finance champion", status="in_progress", shared=True, due=date(2026, 3, 2))
    action(review, "Plan the party", shared=True, due=date(2026, 4, 1))
    action(review, "Rewrite the budget line", status="in_progress", shared=False)

    [outcome] = outcomes([personas.rollout])

    assert outcome.kind == "review" and outcome.rollout_id == personas.rollout.pk
    assert outcome.title == "Review 2 of Engage for all"
    assert outcome.said == ("Too many all-staff emails.", "Nobody to ask for help in Finance.")
    assert outcome.did == (
        "Decided: Announcements move to Engage, and Finance gets champions.",
        "Recruit a Finance champion: In progress, due 2 Mar 2026",
        "Plan the party: Planned, due 1 Apr 2026",
        "Move announcements: Done",
    )
    # An unshared action never appears, nor the decisions as the managers wrote them.
    assert not any("budget" in line for line in outcome.did + outcome.said)


def test_the_decisions_are_shared_as_written_when_there_is_no_summary(personas):
    completed(personas.rollout, decisions="Pilot the idea portal.", share_decisions=True)
    [outcome] = outcomes([personas.rollout])
    assert outcome.did == ("Decided: Pilot the idea portal.",) and outcome.said == ()


def test_shared_actions_alone_make_an_outcome_without_the_decisions(personas):
    review = completed(personas.rollout, decisions="Internal only.")
    action(review, "Publish the FAQ", status="done", shared=True)
    [outcome] = outcomes([personas.rollout])
    assert outcome.did == ("Publish the FAQ: Done",)


def test_a_review_that_shares_nothing_is_no_outcome(personas):
    review = completed(personas.rollout, decisions="Internal only.", shared_summary="Not ticked.")
    action(review, "Internal action", status="done")
    assert outcomes([personas.rollout]) == []


def test_an_open_review_is_never_an_outcome_whatever_its_flags(personas, review):
    review.share_decisions, review.decisions = True, "Not decided yet."
    review.save()
    action(review, "Draft action", shared=True)
    assert outcomes([personas.rollout]) == []


def test_reviews_before_since_are_left_out_unless_shared_since(personas):
    old = completed(personas.rollout, number=1, on=date(2025, 6, 1), decisions="Old.", share_decisions=True)
    old.shared_at = timezone.make_aware(datetime(2025, 6, 1, 12))
    old.save()
    completed(personas.rollout, number=2, on=date(2026, 1, 20), decisions="New.", share_decisions=True)
    since = timezone.make_aware(datetime(2026, 1, 1))
    assert [o.title for o in outcomes([personas.rollout], since)] == ["Review 2 of Engage for all"]

    # Shared long after its completion: it is news again.
    share_review(old, share_decisions=True)
    Review.objects.filter(pk=old.pk).update(shared_at=REVIEW_DAY)
    assert {o.title for o in outcomes([personas.rollout], since)} == {
        "Review 1 of Engage for all",
        "Review 2 of Engage for all",
    }


def test_only_the_rollouts_asked_for_are_read(personas):
    completed(personas.rollout, decisions="Ours.", share_decisions=True)
    completed(personas.other_rollout, decisions="Theirs.", share_decisions=True)
    assert [o.did for o in outcomes([personas.rollout])] == [("Decided: Ours.",)]
    assert outcomes([]) == []


def test_shared_outcomes_cost_two_queries_whatever_the_number_of_reviews(personas, django_assert_num_queries):
    rollouts = [personas.rollout, *(RolloutFactory(organization=personas.org) for _ in range(3))]
    for rollout in rollouts:
        for number in (1, 2, 3):
            review = completed(rollout, number=number, decisions="Done.", share_decisions=True)
            for n in range(4):
                action(review, f"Action {n}", shared=n % 2 == 0)
    with django_assert_num_queries(2):
        found = outcomes(rollouts)
    assert len(found) == 12 and all(len(o.did) == 3 for o in found)


# Choosing what to share, on the review's pages -------------------------------------------------


def test_completing_the_review_form_shares_the_decisions_and_the_ticked_action_only(
    client_as, personas, review
):
    client = client_as(personas.manager)
    kept = action(review, "Tidy the old groups")
    sheet = client.get(edit_url(review)).context["sheet"]
    new, old = len(sheet.actions.forms) - 1, by_name(sheet, "actions", "pk", kept.pk)
    page = client.get(edit_url(review)).text
    assert "Share with employees in “You said, we did”" in page
    data = form_data(
        sheet,
        complete="1",
        **{
            "kpis-1-actual": "14",
            "kpis-2-actual": "13",
            "decisions": "Recruit a champion in Finance.",
            "share_decisions": "on",
            "shared_summary": "Finance gets a champion.",
            f"actions-{new}-title": "Recruit a Finance champion",
            f"actions-{new}-status": "in_progress",
            f"actions-{new}-due_date": "2026-02-20",
            f"actions-{new}-shared": "on",
        },
    )
    assert f"actions-{old}-shared" not in data
    response = client.post(edit_url(review), data)
    assert response.status_code == 302 and response["Location"] == detail_url(review)

    review.refresh_from_db()
    assert review.share_decisions and review.shared_at == REVIEW_DAY
    assert Action.objects.get(title="Recruit a Finance champion").shared
    [outcome] = outcomes([personas.rollout])
    assert outcome.did == (
        "Decided: Finance gets a champion.",
        "Recruit a Finance champion: In progress, due 20 Feb 2026",
    )
    detail = client.get(detail_url(review)).text
    assert "Decisions shared with employees" in detail and "Not shared" in detail


def share_url(review):
    return reverse("reviews:share", kwargs={"pk": review.rollout_id, "review": review.pk})


def test_a_manager_changes_what_employees_see_of_a_completed_review(client_as, personas):
    review = completed(personas.rollout, decisions="Two things.", shared_at=None)
    first = action(review, "First", shared=True)
    second = action(review, "Second")
    client = client_as(personas.manager)
    assert client.get(share_url(review)).status_code == 200

    response = client.post(
        share_url(review),
        {"share_decisions": "on", "shared_said": "Too many emails.", "actions": [second.pk]},
    )
    assert response.status_code == 302 and response["Location"] == detail_url(review)
    first.refresh_from_db(), second.refresh_from_db(), review.refresh_from_db()
    assert (first.shared, second.shared, review.share_decisions) == (False, True, True)
    assert review.shared_at == REVIEW_DAY
    [outcome] = outcomes([personas.rollout])
    assert outcome.said == ("Too many emails.",) and outcome.did == (
        "Decided: Two things.",
        "Second: Planned",
    )

    # Withdrawn: nothing is shared, and the review is no outcome any more.
    client.post(share_url(review), {})
    assert outcomes([personas.rollout]) == []


def test_an_action_of_another_review_cannot_be_shared_from_this_one(client_as, personas):
    review = completed(personas.rollout, number=1)
    other = action(completed(personas.rollout, number=2), "Not from review 1")
    response = client_as(personas.manager).post(share_url(review), {"actions": [other.pk]})
    assert response.status_code == 400 and "is not one of the available choices" in response.text
    other.refresh_from_db()
    assert not other.shared


def test_an_open_review_is_shared_from_its_form(client_as, personas, review):
    response = client_as(personas.manager).get(share_url(review))
    assert response.status_code == 302 and response["Location"] == edit_url(review)
    with pytest.raises(ReviewError):
        share_review(review, share_decisions=True)


def test_the_share_page_costs_the_same_queries_whatever_the_actions(client_as, personas):
    review = completed(personas.rollout)
    action(review, "The first action")
    client = client_as(personas.manager)
    url = share_url(review)
    few = query_counts(client, url)
    for n in range(20):
        action(review, f"Action {n}", shared=n % 2 == 0)
    assert query_counts(client, url) == few


# The person's records ---------------------------------------------------------------------------


def test_personal_records_list_the_reviews_owned_and_the_actions_assigned(personas):
    review = completed(personas.rollout, owner=personas.manager)
    Action.objects.create(
        rollout=personas.rollout, raised_in=review, title="Mine", owner=personas.manager, shared=True
    )
    Action.objects.create(rollout=personas.rollout, raised_in=review, title="Not mine", owner=personas.admin)
    theirs = completed(personas.other_rollout, owner=personas.manager)  # another organization's
    Action.objects.create(
        rollout=personas.other_rollout, raised_in=theirs, title="Theirs", owner=personas.manager
    )
    membership = personas.org.memberships.get(user=personas.manager)

    reviews, actions = ReviewStep().personal_records(membership)

    assert reviews.rows == (("Engage for all", 1, date(2026, 2, 2), "Completed", date(2026, 2, 2)),)
    assert reviews.summary == "You own 1 review."
    assert actions.rows == (("Engage for all", "Mine", None, "Open", 1, "yes"),)
    assert actions.summary == "1 action assigned to you, 1 still open."


def test_a_shared_review_is_news_in_one_week_only(personas):
    monday = timezone.make_aware(datetime(2026, 2, 2, 9))  # shared at 06:00, before the digest hour
    completed(personas.rollout, decisions="Once.", share_decisions=True, shared_at=monday.replace(hour=6))
    assert len(outcomes([personas.rollout], since=monday - timedelta(days=7))) == 1
    assert outcomes([personas.rollout], since=monday) == []

"""Review cycles anchored on the first review: month ends do not drift after a short month.

Each expected calendar here is built without `reviews.cycles`: walking month by month and taking
the anchor's day, or the month's last day when the month is shorter.
"""

import calendar
from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from reviews.cycles import cycle_date, next_due_date
from reviews.models import Review
from reviews.services import create_review
from strategy.models import Worksheet
from strategy.selectors import ReviewCadence

from .helpers import edit_url, form_data

MONTHLY = ReviewCadence("monthly", None, None)
QUARTERLY = ReviewCadence("quarterly", None, None)


def expected_calendar(anchor, cycles, months_per_cycle=1):
    """The `cycles` dates after `anchor`: each on the anchor's day, or the month's last day."""
    dates = []
    year, month = anchor.year, anchor.month
    for _ in range(cycles):
        for _ in range(months_per_cycle):
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        dates.append(date(year, month, min(anchor.day, calendar.monthrange(year, month)[1])))
    return dates


def reviews_held_on_their_due_dates(rollout, first_due, count):
    """The proposed due dates of `count` reviews after review 1, each held on its due date."""
    dates, due = [], first_due
    for _ in range(count):
        due = next_due_date(rollout, due, due)
        dates.append(due)
    return dates


@pytest.fixture
def plan(personas):
    """A rollout reviewed on a cadence set by the test, and its review 1 due on a given date."""

    def make(cadence, first_due, every_weeks=None):
        Worksheet.objects.create(
            rollout=personas.rollout,
            review_cadence=cadence,
            review_every_weeks=every_weeks,
            first_review_date=first_due,
        )
        return create_review(personas.rollout, first_due, personas.manager)

    return make


def test_the_expectation_keeps_the_day_or_takes_the_months_last():
    # The yardstick itself, on the dates the task is about.
    assert expected_calendar(date(2027, 1, 31), 4) == [
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


def test_monthly_from_31_january_comes_back_to_the_31st_after_february():
    dates = [cycle_date(MONTHLY, date(2027, 1, 31), n) for n in range(5)]
    assert dates == [
        date(2027, 1, 31),
        date(2027, 2, 28),
        date(2027, 3, 31),
        date(2027, 4, 30),
        date(2027, 5, 31),
    ]


@pytest.mark.parametrize("day", [29, 30, 31])
def test_monthly_dates_over_24_months_keep_the_anchors_day(day):
    anchor = date(2027, 1, day)
    dates = [cycle_date(MONTHLY, anchor, n) for n in range(1, 25)]
    assert dates == expected_calendar(anchor, 24)
    # February 2027 is short; February 2028 has its leap day; January 2029 has the day again.
    assert dates[0] == date(2027, 2, 28)
    assert dates[12] == date(2028, 2, 29)
    assert dates[23] == date(2029, 1, day)


@pytest.mark.django_db
@pytest.mark.parametrize("day", [29, 30, 31])
def test_reviews_proposed_one_after_another_do_not_drift_after_february(plan, personas, day):
    review = plan("monthly", date(2027, 1, day))
    dates = reviews_held_on_their_due_dates(personas.rollout, review.due_date, 24)
    assert dates == expected_calendar(review.due_date, 24)
    assert dates[:3] == [date(2027, 2, 28), date(2027, 3, day), date(2027, 4, min(day, 30))]
    assert dates[12] == date(2028, 2, 29)


def test_quarterly_from_31_august_across_years():
    dates = [cycle_date(QUARTERLY, date(2026, 8, 31), n) for n in range(1, 9)]
    assert dates == [
        date(2026, 11, 30),
        date(2027, 2, 28),
        date(2027, 5, 31),
        date(2027, 8, 31),
        date(2027, 11, 30),
        date(2028, 2, 29),
        date(2028, 5, 31),
        date(2028, 8, 31),
    ]
    assert dates == expected_calendar(date(2026, 8, 31), 8, months_per_cycle=3)


@pytest.mark.django_db
def test_quarterly_reviews_proposed_one_after_another_keep_the_31st(plan, personas):
    review = plan("quarterly", date(2026, 8, 31))
    dates = reviews_held_on_their_due_dates(personas.rollout, review.due_date, 8)
    assert dates == expected_calendar(date(2026, 8, 31), 8, months_per_cycle=3)
    assert dates[1] == date(2027, 2, 28) and dates[4] == date(2027, 11, 30)


def test_dates_across_year_ends():
    assert [cycle_date(MONTHLY, date(2027, 10, 31), n) for n in range(1, 6)] == [
        date(2027, 11, 30),
        date(2027, 12, 31),
        date(2028, 1, 31),
        date(2028, 2, 29),
        date(2028, 3, 31),
    ]
    assert [cycle_date(QUARTERLY, date(2026, 11, 30), n) for n in range(1, 6)] == [
        date(2027, 2, 28),
        date(2027, 5, 30),
        date(2027, 8, 30),
        date(2027, 11, 30),
        date(2028, 2, 29),
    ]


@pytest.mark.django_db
def test_every_n_weeks_is_a_fixed_number_of_days_from_the_previous_review(plan, personas):
    review = plan("weeks", date(2027, 1, 31), every_weeks=6)
    dates = reviews_held_on_their_due_dates(personas.rollout, review.due_date, 20)
    # Anchored or stepped from the previous date, six weeks is always 42 days.
    stepped = [date(2027, 1, 31) + timedelta(weeks=6 * n) for n in range(1, 21)]
    assert dates == stepped
    assert dates[0] == date(2027, 3, 14) and dates[-1] == date(2029, 5, 20)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "previous_due, completed_on, expected",
    [
        # Held late, after the next date had passed: that date is skipped, the 31st kept.
        (date(2027, 1, 31), date(2027, 3, 3), date(2027, 3, 31)),
        # Held late but before the next date: the 31st, not 28 days after 28 February.
        (date(2027, 2, 28), date(2027, 3, 10), date(2027, 3, 31)),
        # Held on what would have been the next date: the next one must come after that day.
        (date(2027, 2, 28), date(2027, 3, 31), date(2027, 4, 30)),
        # Held early: the next one still follows the review's own due date.
        (date(2027, 4, 30), date(2027, 4, 20), date(2027, 5, 31)),
        # Moved off the calendar by the manager: the next one returns to it.
        (date(2027, 4, 5), date(2027, 4, 5), date(2027, 4, 30)),
    ],
)
def test_a_late_or_moved_review_does_not_shift_the_calendar(
    plan, personas, previous_due, completed_on, expected
):
    plan("monthly", date(2027, 1, 31))
    assert next_due_date(personas.rollout, previous_due, completed_on) == expected


@pytest.mark.django_db
@pytest.mark.parametrize(
    "cadence, every_weeks, expected",
    [
        # Quarterly from 31 Jan: 30 Apr, 31 Jul, ... The first of those after 31 Mar.
        ("quarterly", None, date(2027, 4, 30)),
        # Every 4 weeks from 31 Jan: 28 Feb, 28 Mar, 25 Apr, ...
        ("weeks", 4, date(2027, 4, 25)),
    ],
)
def test_a_cadence_changed_after_reviews_exist_counts_from_review_1(
    plan, personas, cadence, every_weeks, expected
):
    plan("monthly", date(2027, 1, 31))
    for due in (date(2027, 1, 31), date(2027, 2, 28)):
        Review.objects.filter(status="open").update(status="completed", completed_on=due)
        create_review(personas.rollout, next_due_date(personas.rollout, due, due), personas.manager)
    assert Review.objects.get(status="open").due_date == date(2027, 3, 31)  # review 3
    # The strategy changes its cadence, and its first review date, while review 3 is open.
    Worksheet.objects.filter(rollout=personas.rollout).update(
        review_cadence=cadence, review_every_weeks=every_weeks, first_review_date=date(2027, 3, 15)
    )
    assert next_due_date(personas.rollout, date(2027, 3, 31), date(2027, 3, 31)) == expected


@pytest.mark.django_db
def test_completing_a_review_schedules_the_next_on_the_anchored_date(client_as, personas, plan):
    first = plan("monthly", date(2027, 1, 31))
    Review.objects.filter(pk=first.pk).update(status="completed", completed_on=date(2027, 1, 31))
    second = create_review(personas.rollout, date(2027, 2, 28), personas.manager)
    with time_machine.travel(timezone.make_aware(datetime(2027, 2, 28, 10, 0)), tick=False):
        client = client_as(personas.manager)  # signed in on the day, so the session is fresh
        sheet = client.get(edit_url(second)).context["sheet"]
        # Proposed on the 31st again, not on 28 March.
        assert sheet.complete.initial["next_due_date"] == date(2027, 3, 31)
        response = client.post(edit_url(second), form_data(sheet, complete="1"), follow=True)
    assert "Review 3 is scheduled for 31 Mar 2027." in response.text
    third = Review.objects.get(rollout=personas.rollout, number=3)
    assert third.is_open and third.due_date == date(2027, 3, 31)

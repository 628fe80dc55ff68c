"""The KPI status rule and the review cadence, on their edge cases."""

from datetime import date
from decimal import Decimal as D

import pytest

from reviews.cycles import add_months, cycle_date, next_due_date
from reviews.kpis import expected_value, higher_is_better, kpi_status
from strategy.selectors import ReviewCadence

START, TARGET_DATE = date(2026, 1, 1), date(2026, 12, 27)  # 360 days


@pytest.mark.parametrize(
    "on, expected",
    [
        (date(2025, 12, 1), D("10")),  # before the start: the baseline
        (START, D("10")),
        (date(2026, 6, 30), D("10") + D("50") * D(180) / D(360)),  # half way: 35
        (TARGET_DATE, D("60")),
        (date(2027, 3, 1), D("60")),  # the target date has passed: the target
    ],
)
def test_the_expected_value_lies_on_the_straight_path(on, expected):
    assert expected_value(D("10"), D("60"), on, START, TARGET_DATE) == expected


def test_without_a_start_the_baseline_is_expected_and_without_a_target_date_the_target():
    assert expected_value(D("10"), D("60"), date(2026, 6, 1), None, TARGET_DATE) == D("10")
    assert expected_value(D("10"), D("60"), date(2026, 6, 1), START, None) == D("60")


@pytest.mark.parametrize(
    "actual, status",
    [
        (D("35"), "on_track"),  # at the expected value
        (D("50"), "on_track"),  # beyond it
        (D("30"), "at_risk"),  # 5 behind: within 10% of the distance 10 -> 60
        (D("29.99"), "off_track"),
        (None, "no_data"),  # no actual yet: no status
    ],
)
def test_status_when_higher_is_better(actual, status):
    assert kpi_status(actual, D("35"), D("10"), D("60"), higher=True) == status


@pytest.mark.parametrize(
    "actual, status",
    [(D("9"), "on_track"), (D("10"), "on_track"), (D("10.8"), "at_risk"), (D("11"), "off_track")],
)
def test_status_when_lower_is_better(actual, status):
    # All-staff emails from 14 down to 6; expected 10; 10% of the distance is 0.8.
    assert kpi_status(actual, D("10"), D("14"), D("6"), higher=False) == status


def test_the_direction_comes_from_the_catalogue_or_from_baseline_to_target():
    assert higher_is_better("champion_coverage", D("120"), D("50")) is False  # catalogue says lower
    assert higher_is_better("support_sessions", D("0"), D("100")) is True
    assert higher_is_better("custom", D("14"), D("6")) is False
    assert higher_is_better("custom", D("1"), D("6")) is True


def test_months_keep_the_day_or_take_the_months_last():
    assert add_months(date(2026, 1, 31), 1) == date(2026, 2, 28)
    assert add_months(date(2026, 11, 30), 3) == date(2027, 2, 28)
    assert add_months(date(2026, 12, 15), 1) == date(2027, 1, 15)


@pytest.mark.parametrize(
    "cadence, expected",
    [
        (ReviewCadence("monthly", None, None), date(2026, 3, 2)),
        (ReviewCadence("quarterly", None, None), date(2026, 5, 2)),
        (ReviewCadence("weeks", 6, None), date(2026, 3, 16)),
    ],
)
def test_each_cadence_gives_the_next_date(cadence, expected):
    assert cycle_date(cadence, date(2026, 2, 2), 1) == expected


@pytest.mark.django_db
def test_a_late_review_does_not_shift_the_calendar_but_skips_passed_dates(personas, strategy):
    # Due 2 Feb, held on 10 Feb: the next is 2 Mar; held on 5 Mar: 2 Mar has passed, so 2 Apr.
    assert next_due_date(personas.rollout, date(2026, 2, 2), date(2026, 2, 10)) == date(2026, 3, 2)
    assert next_due_date(personas.rollout, date(2026, 2, 2), date(2026, 3, 5)) == date(2026, 4, 2)


@pytest.mark.django_db
def test_without_a_cadence_the_manager_picks_the_date(personas):
    assert next_due_date(personas.rollout, date(2026, 2, 2), date(2026, 2, 2)) is None

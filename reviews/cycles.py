"""Review cycles: when the next review is due, from the cadence in the strategy worksheet.

The cadence is read through `strategy.selectors.review_cadence` (monthly, quarterly or every N
weeks). The next review follows the previous one's *due date*, not the day it was held, so a late
review does not shift the whole calendar; if that date has already passed when the review is
completed, the cycle is stepped forward until it lies after the completion day.
"""

import calendar
from datetime import date, timedelta

from strategy.selectors import review_cadence


def add_months(day, months):
    """`day` plus `months` calendar months, on the same day of the month or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def step_after(cadence, day):
    """One cycle of `cadence` after `day`."""
    if cadence.cadence == "quarterly":
        return add_months(day, 3)
    if cadence.cadence == "weeks" and cadence.every_weeks:
        return day + timedelta(weeks=cadence.every_weeks)
    return add_months(day, 1)


def first_due_date(rollout, today):
    """The first review's date: the strategy's first review date, else one cycle from today."""
    cadence = review_cadence(rollout)
    if cadence is None:
        return None
    return cadence.first_review_date or step_after(cadence, today)


def next_due_date(rollout, previous_due, completed_on):
    """The review after one due on `previous_due` and completed on `completed_on`, or None
    when the strategy sets no cadence (the manager then picks the date)."""
    cadence = review_cadence(rollout)
    if cadence is None:
        return None
    due = step_after(cadence, previous_due)
    while due <= completed_on:
        due = step_after(cadence, due)
    return due

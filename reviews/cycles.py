"""Review cycles: when the next review is due, from the cadence in the strategy worksheet.

The cadence is read through `strategy.selectors.review_cadence` (monthly, quarterly or every N
weeks). A rollout's review dates form one calendar anchored on its first review (review 1's due
date): the date N cycles on is the anchor plus N cycles, computed from the anchor in one step.
Stepping from the previous date instead would let a month end drift for good once a short month
clamped it (31 Jan → 28 Feb → 28 Mar); from the anchor, 31 Jan gives 28 Feb, 31 Mar, 30 Apr.

The next review follows the previous one's *due date*, not the day it was held, so a late review
does not shift the calendar; it is the first date of the calendar after both the previous due date
and the completion day.
"""

import calendar
from datetime import date, timedelta

from rollout.models import Rollout
from strategy.selectors import ReviewCadence, review_cadence

from .models import Review


def add_months(day: date, months: int) -> date:
    """`day` plus `months` calendar months, on the same day of the month or the month's last day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def cycle_date(cadence: ReviewCadence, anchor: date, cycles: int) -> date:
    """The date `cycles` cycles of `cadence` after `anchor` (`cycles` = 0 is the anchor itself).

    Always counted from the anchor, never from an earlier date of the calendar, so a month end
    clamped in a short month comes back the month after (31 Jan, 28 Feb, 31 Mar).
    """
    if cadence.cadence == "quarterly":
        return add_months(anchor, 3 * cycles)
    if cadence.cadence == "weeks" and cadence.every_weeks:
        return anchor + timedelta(weeks=cadence.every_weeks * cycles)
    return add_months(anchor, cycles)


def first_due_date(rollout: Rollout, today: date) -> date | None:
    """The first review's date: the strategy's first review date, else one cycle from today."""
    cadence = review_cadence(rollout)
    if cadence is None:
        return None
    return cadence.first_review_date or cycle_date(cadence, today, 1)


def next_due_date(rollout: Rollout, previous_due: date, completed_on: date) -> date | None:
    """The review after one due on `previous_due` and completed on `completed_on`, or None when
    the strategy sets no cadence (the manager then picks the date).

    The calendar is anchored on the due date of the rollout's review 1, whatever the cadence or
    the strategy's first review date say now: a cadence changed later is counted from that same
    anchor. Before any review exists, `previous_due` is taken as the anchor. The answer is the
    first date of the calendar after both `previous_due` (so a review held early is not followed
    by its own date) and `completed_on` (so a late review skips the dates that have passed).
    """
    cadence = review_cadence(rollout)
    if cadence is None:
        return None
    first_review = Review.objects.filter(rollout=rollout).order_by("number").only("due_date").first()
    anchor = first_review.due_date if first_review else previous_due
    after = max(previous_due, completed_on)
    cycles = 0
    while (due := cycle_date(cadence, anchor, cycles)) <= after:
        cycles += 1
    return due

import io

import pytest
from django.core.management import call_command

from engage.models import ActivityRecord
from engage.selectors import participation_rate
from rollout.models import Rollout

pytestmark = pytest.mark.django_db


def test_the_demo_has_six_months_of_activity_with_a_dip_in_two_units():
    call_command("seed_demo", stdout=io.StringIO())
    live = Rollout.objects.get(name="Viva Engage for all staff")
    records = ActivityRecord.objects.filter(rollout=live)
    count = records.count()
    assert count > 5000
    days = records.dates("period_end", "day")
    assert (days.last() - days.first()).days >= 170
    call_command("seed_demo", stdout=io.StringIO())
    assert records.count() == count  # idempotent
    first_month_end = days.first().toordinal() + 30

    def per_person_day(unit_names, after):
        qs = records.filter(unit__name__in=unit_names)
        qs = (
            qs.filter(period_end__gte=days.first().fromordinal(first_month_end))
            if after
            else qs.filter(period_end__lt=days.first().fromordinal(first_month_end))
        )
        people = qs.values("person_key").distinct().count() or 1
        span = (days.last().toordinal() - first_month_end) if after else 30
        return qs.count() / people / span

    dipping = ("Radiology", "Finance")
    assert per_person_day(dipping, after=True) < 0.6 * per_person_day(dipping, after=False)
    assert participation_rate(live, days.last()) is not None

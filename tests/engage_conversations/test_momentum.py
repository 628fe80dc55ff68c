"""Momentum: cohorts after training, the drop-off rule and one alert per unit per week."""

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from conversations import momentum
from conversations.models import MomentumAlert, TrainingAttendance
from engage.models import ActivityRecord
from rollout.models import Notification, Rollout
from rollout.outbox import insert_due

from ..factories import MembershipFactory, UnitFactory
from .factories import MessageFactory

pytestmark = pytest.mark.django_db
MONDAY = date(2026, 3, 2)


def active(rollout, person, day, unit=None):
    ActivityRecord.objects.create(
        rollout=rollout,
        source="viva_engage",
        person_key=person,
        unit=unit,
        period_start=day,
        period_end=day,
        period_days=1,
        active_people=1,
        posts=1,
    )


def test_drops_compares_the_last_value_with_the_peak():
    assert momentum.drops([10, 20, 14], 30) is None  # exactly 30 % below is not "more than"
    assert momentum.drops([10, 20, 13], 30) == (20, 13)
    assert momentum.drops([0, 0, 0], 30) is None
    assert momentum.drops([], 30) is None


def test_a_cohort_counts_its_trainees_active_in_each_following_week(personas):
    rollout = personas.rollout
    for person in ("a@x", "b@x", "c@x", "d@x"):
        TrainingAttendance.objects.create(
            rollout=rollout, person_key=person, trained_on=MONDAY + timedelta(days=2)
        )
    active(rollout, "a@x", MONDAY + timedelta(days=8))  # week +1
    active(rollout, "b@x", MONDAY + timedelta(days=9))  # week +1
    active(rollout, "a@x", MONDAY + timedelta(days=15))  # week +2
    # c@x posted in an imported conversation in week +2: that counts too.
    MessageFactory(thread__rollout=rollout, author_key="c@x", created_at=datetime(2026, 3, 17, 9, tzinfo=UTC))
    active(rollout, "zz@x", MONDAY + timedelta(days=8))  # not a trainee
    ((week, trained, shares),) = momentum.cohorts(rollout, today=MONDAY + timedelta(days=30))
    assert week == MONDAY and trained == 4
    assert shares[:3] == [50, 50, 0] and shares[3] is None  # week +4 is not over yet


def _unit_with_dip(rollout, unit, today):
    """10 people active 5-8 weeks ago, 3 of them in the last 4 weeks."""
    for i in range(10):
        active(rollout, f"p{i}@x", today - timedelta(days=45), unit)
    for i in range(3):
        active(rollout, f"p{i}@x", today - timedelta(days=5), unit)


def test_a_unit_falling_below_its_peak_raises_one_alert_a_week(personas):
    rollout = personas.rollout
    Rollout.objects.filter(pk=rollout.pk).update(status=Rollout.Status.LIVE)
    champion = MembershipFactory(
        organization=personas.org, role="champion", unit=UnitFactory(organization=personas.org)
    ).user
    today = date(2026, 5, 6)  # a Wednesday
    _unit_with_dip(rollout, personas.unit, today)
    table = momentum.unit_activity(rollout, today)
    assert max(table[personas.unit.pk]) == 10 and table[personas.unit.pk][-1] == 3
    with time_machine.travel(datetime(2026, 5, 6, 12, tzinfo=UTC), tick=False):
        insert_due(datetime(2026, 5, 6, 12, tzinfo=UTC))
        insert_due(datetime(2026, 5, 6, 12, 1, tzinfo=UTC))
    with time_machine.travel(datetime(2026, 5, 8, 12, tzinfo=UTC), tick=False):
        insert_due(datetime(2026, 5, 8, 12, tzinfo=UTC))  # another day, same week
    alert = MomentumAlert.objects.get()
    assert (alert.unit, alert.week, alert.peak, alert.current) == (personas.unit, date(2026, 5, 4), 10, 3)
    recipients = set(Notification.objects.filter(kind="momentum-alert").values_list("recipient", flat=True))
    # Sales' champion persona and the rollout's owner; not the champion of another unit.
    assert recipients == {personas.champion.pk, personas.manager.pk}
    assert champion.pk not in recipients
    with time_machine.travel(datetime(2026, 5, 12, 12, tzinfo=UTC), tick=False):
        insert_due(datetime(2026, 5, 12, 12, tzinfo=UTC))  # next week: a new alert
    assert MomentumAlert.objects.count() == 2
    assert Notification.objects.filter(kind="momentum-alert").count() == 4


def test_the_threshold_is_a_setting(personas, client_as):
    from django.urls import reverse

    client_as(personas.manager).post(
        reverse("engage:momentum_settings", kwargs={"pk": personas.rollout.pk}), {"drop_percent": "80"}
    )
    today = date(2026, 5, 6)
    _unit_with_dip(personas.rollout, personas.unit, today)
    assert momentum.check(personas.rollout, today) == []  # 70 % down is within an 80 % allowance

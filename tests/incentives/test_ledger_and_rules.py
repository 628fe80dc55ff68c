"""The points ledger (append-only, sum = balance) and rules paying for events, once, within caps."""

import threading
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from incentives import services
from incentives.models import PointsEntry, ReceivedEvent
from incentives.selectors import balance
from rollout.events import activity, emit

from ..conftest import skip_unless_ci
from ..factories import RolloutFactory
from .factories import PointsEntryFactory, PointsRuleFactory

pytestmark = pytest.mark.django_db


def test_a_balance_is_the_sum_of_the_entries_corrections_included(personas):
    for points in (10, 25, 5):
        PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=points)
    services.correct(personas.rollout, personas.member, -15, "Counted twice", personas.manager)
    total = PointsEntry.objects.filter(person=personas.member).aggregate(t=Sum("points"))["t"]
    assert balance(personas.rollout, personas.member) == total == 25
    assert PointsEntry.objects.filter(person=personas.member).count() == 4


def test_an_entry_can_be_neither_changed_nor_deleted(personas):
    entry = PointsEntryFactory(rollout=personas.rollout, person=personas.member)
    entry.points = 1000
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()
    with pytest.raises(TypeError):
        PointsEntry.objects.filter(pk=entry.pk).update(points=1000)
    with pytest.raises(TypeError):
        PointsEntry.objects.filter(pk=entry.pk).delete()
    assert PointsEntry.objects.get(pk=entry.pk).points == 10


def test_a_manager_corrects_a_balance_with_a_new_negative_entry(client_as, personas):
    PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=30)
    url = reverse("incentives:ledger", args=[personas.rollout.pk])
    response = client_as(personas.manager).post(
        url, {"person": personas.member.pk, "points": "-10", "reason": "A duplicate claim"}
    )
    assert response.status_code == 302
    assert list(PointsEntry.objects.order_by("pk").values_list("points", flat=True)) == [30, -10]
    assert balance(personas.rollout, personas.member) == 20


def test_a_correction_of_zero_points_is_refused_with_a_plain_message(client_as, personas):
    url = reverse("incentives:ledger", args=[personas.rollout.pk])
    response = client_as(personas.manager).post(
        url, {"person": personas.member.pk, "points": "0", "reason": "x"}
    )
    assert response.status_code == 200
    assert "changes nothing" in str(response.context["form"].errors["points"])
    assert not PointsEntry.objects.exists()


def test_the_ledger_offers_only_people_of_the_organization(client_as, personas):
    url = reverse("incentives:ledger", args=[personas.rollout.pk])
    response = client_as(personas.manager).post(
        url, {"person": personas.outsider.pk, "points": "5", "reason": "x"}
    )
    assert "person" in response.context["form"].errors
    assert not PointsEntry.objects.exists()


def test_an_event_with_a_rule_pays_its_points_once_however_often_it_is_delivered(personas, event_of, deliver):
    rule = PointsRuleFactory(rollout=personas.rollout, event="support_session_logged", points=10)
    event = event_of("support_session_logged", personas.champion)
    for _ in range(3):
        deliver(event)
    services.process(ReceivedEvent.objects.get())  # a redelivered task after processing
    assert list(PointsEntry.objects.values_list("rule_id", "points", "person_id")) == [
        (rule.pk, 10, personas.champion.pk)
    ]
    assert ReceivedEvent.objects.get().processed_at is not None


def test_emitting_an_event_records_it_and_enqueues_the_task_after_commit(
    personas, queued, django_capture_on_commit_callbacks
):
    PointsRuleFactory(rollout=personas.rollout, event="recognition_given", points=2)
    with django_capture_on_commit_callbacks(execute=True):
        emit(
            "recognition_given",
            user=personas.leader,
            organization_id=personas.org.pk,
            source=personas.rollout,
            rollout=personas.rollout,
        )
    received = ReceivedEvent.objects.get()
    assert queued == [("process_event", received.pk)]
    assert not PointsEntry.objects.exists()  # the listener only records; the task pays


def test_the_listener_is_connected_to_the_activity_signal():
    assert any(receiver[0][0] == "incentives.on_activity" for receiver in activity.receivers)


def test_events_nobody_rewards_and_unknown_names_cost_nothing(personas, event_of, deliver):
    deliver(event_of("support_session_logged", personas.champion))
    deliver(event_of("something_else", personas.champion))
    assert not PointsEntry.objects.exists()
    assert ReceivedEvent.objects.count() == 1


def test_a_rule_of_another_rollout_does_not_pay(personas, event_of, deliver):
    other = RolloutFactory(organization=personas.org, platform=personas.platform, name="Pilot")
    PointsRuleFactory(rollout=other, event="support_session_logged")
    deliver(event_of("support_session_logged", personas.champion))
    assert not PointsEntry.objects.exists()


def test_an_event_without_a_rollout_pays_the_rules_of_every_rollout_of_the_organization(
    personas, event_of, deliver
):
    other = RolloutFactory(organization=personas.org, platform=personas.platform, name="Pilot")
    PointsRuleFactory(rollout=personas.rollout, event="guideline_acknowledged", points=5)
    PointsRuleFactory(rollout=other, event="guideline_acknowledged", points=7)
    PointsRuleFactory(rollout=personas.other_rollout, event="guideline_acknowledged", points=9)
    deliver(event_of("guideline_acknowledged", personas.member, rollout=None))
    assert sorted(PointsEntry.objects.values_list("points", flat=True)) == [5, 7]


def test_a_paused_rule_pays_nothing(personas, event_of, deliver):
    PointsRuleFactory(rollout=personas.rollout, active=False)
    deliver(event_of("support_session_logged", personas.champion))
    assert not PointsEntry.objects.exists()


def test_the_daily_cap_stops_points_for_the_rest_of_the_day_but_not_the_next(personas, event_of, deliver):
    PointsRuleFactory(rollout=personas.rollout, points=10, daily_cap=3)
    today = timezone.now()
    for _ in range(5):
        deliver(event_of("support_session_logged", personas.champion, occurred_at=today))
    assert balance(personas.rollout, personas.champion) == 30
    deliver(event_of("support_session_logged", personas.champion, occurred_at=today + timedelta(days=1)))
    assert balance(personas.rollout, personas.champion) == 40
    # Another person has a cap of their own.
    deliver(event_of("support_session_logged", personas.manager, occurred_at=today))
    assert balance(personas.rollout, personas.manager) == 10


def test_a_rule_can_be_added_and_a_second_rule_for_the_same_event_is_refused(client_as, personas):
    client = client_as(personas.manager)
    url = reverse("incentives:rules", args=[personas.rollout.pk])
    data = {"event": "training_passed", "points": "20", "daily_cap": "2", "active": "on"}
    assert client.post(url, data).status_code == 302
    response = client.post(url, data)
    assert response.status_code == 200
    assert "already has a rule" in str(response.context["form"].errors["event"])
    assert personas.rollout.points_rules.count() == 1


@pytest.mark.django_db(transaction=True)
def test_concurrent_deliveries_of_the_same_and_of_many_events_respect_idempotency_and_the_cap(
    personas, event_of
):
    """Eight workers at once: the same event four times, and more events than the cap allows."""
    if connection.vendor != "postgresql":
        skip_unless_ci("the race needs PostgreSQL's concurrent writers")
    PointsRuleFactory(rollout=personas.rollout, points=10, daily_cap=3)
    same = event_of("support_session_logged", personas.champion)
    others = [event_of("support_session_logged", personas.manager) for _ in range(6)]
    events = [same] * 4 + others + others[:2]
    received = [services.record_event(event) for event in events[:4] + others]
    ids = {event.key: row.pk for event, row in zip(events[:4] + others, received, strict=True)}
    barrier = threading.Barrier(len(events))
    errors = []

    def work(event):
        try:
            barrier.wait()
            services.process(ReceivedEvent.objects.get(pk=ids[event.key]))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work, args=(event,)) for event in events]
    [t.start() for t in threads]
    [t.join() for t in threads]
    assert errors == []
    assert PointsEntry.objects.filter(person=personas.champion).count() == 1
    assert PointsEntry.objects.filter(person=personas.manager).count() == 3

"""The weekly digest: the schedule across time zones and DST, role tailoring, unsubscribing."""

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from rollout import digest, notifications, outbox
from rollout.models import DigestRun, Membership, Notification, Role, Rollout

from .factories import MembershipFactory, OrganizationFactory, RolloutFactory

pytestmark = pytest.mark.django_db

MONDAY_NOON = datetime(2027, 3, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def monday_noon():
    with time_machine.travel(MONDAY_NOON, tick=False):
        yield MONDAY_NOON


@pytest.fixture
def only_digests(monkeypatch):
    monkeypatch.setattr(notifications, "_producers", [digest.weekly_digests])


def skipped(moment, hour):
    """Does the wall-clock hour `hour` not exist on `moment`'s day (a spring-forward gap)?"""
    naive = datetime.combine(moment.date(), time(hour))
    return naive.replace(tzinfo=moment.tzinfo).astimezone(UTC).astimezone(moment.tzinfo).hour != hour


def test_two_years_across_dst_give_one_digest_per_week_at_the_local_hour(only_digests):
    zones = {"Europe/London": (0, 8), "America/New_York": (4, 7), "Australia/Sydney": (6, 2)}
    people = {}
    for zone, (weekday, hour) in zones.items():
        org = OrganizationFactory(timezone=zone, digest_weekday=weekday, digest_hour=hour)
        RolloutFactory(organization=org, status=Rollout.Status.LIVE)
        people[zone] = MembershipFactory(organization=org, role=Role.MANAGER).user
    start = datetime(2027, 1, 4, tzinfo=UTC)
    tick = start
    while tick < start + timedelta(days=730):
        with time_machine.travel(tick, tick=False):
            outbox.insert_due(tick)
        tick += timedelta(minutes=60)
    for zone, (weekday, hour) in zones.items():
        rows = Notification.objects.filter(recipient=people[zone], kind="digest").order_by("scheduled_for")
        local = [row.scheduled_for.astimezone(ZoneInfo(zone)) for row in rows]
        assert all(moment.weekday() == weekday and moment.minute == 0 for moment in local), zone
        # At the local hour; on the day a DST change skips that hour, at the first valid instant.
        assert all(
            moment.hour == hour or (skipped(moment, hour) and moment.hour == hour + 1) for moment in local
        ), zone
        weeks = [moment.isocalendar()[:2] for moment in local]
        assert len(weeks) == len(set(weeks)), f"{zone}: a week got two digests"
        # 104 or 105 weeks in two years, none skipped: consecutive digests are 7 days apart locally.
        assert 103 <= len(local) <= 105
        assert all((b.date() - a.date()).days == 7 for a, b in zip(local, local[1:], strict=False)), zone


def test_the_digest_waits_for_the_local_moment_and_runs_once_per_week(personas, only_digests):
    personas.org.timezone, personas.org.digest_weekday, personas.org.digest_hour = "Europe/Amsterdam", 0, 9
    personas.org.save()
    monday_8_local = datetime(2027, 3, 1, 7, 0, tzinfo=UTC)  # 08:00 in Amsterdam (UTC+1)
    assert outbox.insert_due(monday_8_local) == 0
    monday_9_local = monday_8_local + timedelta(hours=1)
    with time_machine.travel(monday_9_local, tick=False):
        inserted = outbox.insert_due(monday_9_local)
        assert outbox.insert_due(monday_9_local + timedelta(minutes=1)) == 0
    # admin + manager + champion get the rollout digest, the leader the portfolio; members nothing.
    kinds = sorted(Notification.objects.filter(organization=personas.org).values_list("kind", flat=True))
    assert kinds == ["digest", "digest", "digest", "portfolio-digest"] and inserted >= 4
    assert DigestRun.objects.get(organization=personas.org).week == "2027-W09"


def test_people_who_opted_out_or_rollouts_in_planning_get_nothing(personas, only_digests, monday_noon):
    Membership.objects.filter(organization=personas.org).exclude(user=personas.manager).update(
        weekly_digest=False
    )
    RolloutFactory(organization=personas.org, status=Rollout.Status.PLANNING)
    outbox.insert_due(monday_noon)
    assert list(
        Notification.objects.filter(organization=personas.org).values_list("recipient__email", "payload")
    ) == [("manager@acme.example", {"rollout": personas.rollout.pk, "week": "2027-W09"})]


def _send_all():
    for pk in Notification.objects.values_list("pk", flat=True):  # noqa: B007
        outbox.send(pk)


def test_managers_get_the_success_metrics_and_leaders_a_portfolio_line(personas, only_digests, monday_noon):
    from strategy.models import SuccessMetric, Worksheet

    ws = Worksheet.objects.create(rollout=personas.rollout)
    SuccessMetric.objects.create(worksheet=ws, metric_key="participation_rate", baseline=5, target=60)
    outbox.insert_due(monday_noon)
    _send_all()
    by_person = {message.to[0]: message for message in mail.outbox}
    assert "Participation rate: from 5 to 60" in by_person["manager@acme.example"].body
    assert "Participation rate" not in by_person["champion@acme.example"].body
    leader = by_person["leader@acme.example"]
    assert "Engage for all" in leader.body and "weakest first" in leader.body
    assert all("List-Unsubscribe" in message.extra_headers for message in mail.outbox)


def test_the_unsubscribe_link_asks_first_then_stops_the_digest(client, personas, only_digests, monday_noon):
    outbox.insert_due(monday_noon)
    notification = Notification.objects.get(recipient=personas.manager)
    url = reverse("unsubscribe", args=[outbox.unsubscribe_token(notification)])
    response = client.get(url)
    assert "Stop the weekly digest?" in response.text
    assert Membership.objects.get(user=personas.manager, organization=personas.org).weekly_digest
    client.post(url)
    assert not Membership.objects.get(user=personas.manager, organization=personas.org).weekly_digest
    # The already queued digest is cancelled when its turn comes.
    assert outbox.send(notification.pk) == "cancelled"
    assert client.get(url[:-5] + "xxxx/").status_code == 404


def test_people_change_their_digest_settings_on_their_page(client_as, personas):
    client = client_as(personas.manager)
    membership = Membership.objects.get(user=personas.manager)
    response = client.get(reverse("rollout:notification_settings"))
    assert "Acme" in response.text
    client.post(reverse("rollout:notification_settings"), {})
    membership.refresh_from_db()
    assert not membership.weekly_digest
    client.post(reverse("rollout:notification_settings"), {"weekly_digest": [str(membership.pk)]})
    membership.refresh_from_db()
    assert membership.weekly_digest


def test_a_digest_for_a_rollout_that_closed_is_cancelled(personas, only_digests, monday_noon):
    outbox.insert_due(monday_noon)
    Rollout.objects.filter(pk=personas.rollout.pk).update(status=Rollout.Status.CLOSED)
    notification = Notification.objects.filter(kind="digest", organization=personas.org).first()
    assert outbox.send(notification.pk) == "cancelled"


def test_a_rollout_closed_during_the_run_gets_no_more_digests(personas, only_digests, monday_noon):
    outbox.insert_due(monday_noon)
    first, *others = Notification.objects.filter(kind="digest", organization=personas.org)
    assert outbox.send(first.pk) == "sent"  # the run's figures, the rollout with them, are cached
    personas.rollout.status = Rollout.Status.CLOSED
    personas.rollout.save()
    assert set(outbox.send_many([row.pk for row in others]).values()) == {"cancelled"}


def test_the_steps_add_their_sections_to_the_demo_digest(db):
    """On the demo data: managers read the reviews and champion network; champions their week."""
    import io

    from django.core.management import call_command

    from rollout.models import Organization, User

    call_command("seed_demo", stdout=io.StringIO())
    org = Organization.objects.get(slug="northwind-health")
    live = org.rollouts.get(status=Rollout.Status.LIVE)
    for role in ("manager", "champion"):
        notification = Notification.objects.create(
            organization=org,
            kind="digest",
            key=f"demo-digest:{role}",
            recipient=User.objects.get(email=f"{role}@northwind.example"),
            payload={"rollout": live.pk, "week": "2026-W48"},
            scheduled_for=datetime.now(UTC),
            next_attempt_at=datetime.now(UTC),
        )
        assert outbox.send(notification.pk) == "sent"
    manager, champion = (
        next(m for m in mail.outbox if m.to == [f"{r}@northwind.example"]) for r in ("manager", "champion")
    )
    for title in ("Success metrics", "Reviews", "Champions"):
        assert f"\n{title}\n" in manager.body
    assert "Review 3 is due" in manager.body
    assert "\nYour champion week\n" in champion.body and "open follow-up" in champion.body
    assert "\nReviews\n" not in champion.body


def test_the_admins_digest_says_what_retention_removed_that_week(personas, only_digests, monday_noon):
    from rollout import retention

    RolloutFactory(organization=personas.org, name="Second rollout")  # the admin's digest is per rollout
    personas.org.keep_audit_days = 90
    personas.org.save()
    from rollout.models import AuditEvent

    AuditEvent.objects.create(
        organization=personas.org, action="login", created_at=MONDAY_NOON - timedelta(days=200)
    )
    retention.apply(personas.org, MONDAY_NOON - timedelta(days=2))
    outbox.insert_due(monday_noon)
    _send_all()
    by_person = {message.to[0]: message.body for message in mail.outbox}
    assert "Retention: old records removed" in by_person["admin@acme.example"]
    assert "Removed audit events: 1." in by_person["admin@acme.example"]
    assert "Retention" not in by_person["manager@acme.example"]

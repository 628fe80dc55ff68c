"""An approved nomination is announced: an email to every person the new champion covers (units
inside theirs included) who takes the organization's news, and a welcome to the champion."""

import pytest
from django.core import mail

from champions import services
from champions.models import Champion
from rollout import outbox
from rollout.models import Notification

from ..factories import MembershipFactory, UnitFactory
from ..trust.factories import GuidelineFactory, TrainingModuleFactory
from .factories import ChampionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def appointment(personas):
    """The member nominated for Sales, which holds Ward B; people in both, one opted out, one elsewhere."""
    ward = UnitFactory(organization=personas.org, name="Ward B", parent=personas.unit)
    people = {
        "ward": MembershipFactory(organization=personas.org, unit=ward, user__full_name="Wanda Ward"),
        "opted_out": MembershipFactory(organization=personas.org, unit=ward, announcements=False),
        "elsewhere": MembershipFactory(
            organization=personas.org, unit=UnitFactory(organization=personas.org)
        ),
        "left": MembershipFactory(organization=personas.org, unit=ward, is_active=False),
    }
    nominee = ChampionFactory(
        rollout=personas.rollout,
        user=personas.member,
        status=Champion.Status.NOMINATED,
        units=[personas.unit],
        office_hours="Tuesdays 12:00–13:00, Ward B staff room",
    )
    return nominee, people


def announced(kind="champion-announcement"):
    return set(Notification.objects.filter(kind=kind).values_list("recipient__email", flat=True))


def test_approving_announces_to_everyone_covered_but_the_champion_and_those_opted_out(personas, appointment):
    nominee, people = appointment
    assert services.decide(nominee, approve=True, decided_by=personas.manager)
    sales = {personas.users[role].email for role in ("admin", "manager", "champion", "leader")}
    assert announced() == sales | {people["ward"].user.email}
    assert announced("champion-welcome") == {personas.member.email}


def test_an_appointment_is_announced_once_to_each_person(personas, appointment):
    nominee, _ = appointment
    services.decide(nominee, approve=True, decided_by=personas.manager)
    count = Notification.objects.count()
    nominee.refresh_from_db()
    services.announce_appointment(nominee)
    assert Notification.objects.count() == count


def test_declining_announces_nothing(personas, appointment):
    nominee, _ = appointment
    services.decide(nominee, approve=False, decided_by=personas.manager)
    assert not Notification.objects.exists()


def test_the_announcement_says_who_the_champion_is_and_how_to_reach_them(personas, appointment):
    nominee, people = appointment
    services.decide(nominee, approve=True, decided_by=personas.manager)
    row = Notification.objects.get(kind="champion-announcement", recipient=people["ward"].user)
    assert outbox.send(row.pk) == "sent"
    [message] = mail.outbox
    assert message.subject == "Member is now your champion for Engage for all"
    assert "Tuesdays 12:00–13:00, Ward B staff room" in message.body
    assert "/champions/help/" in message.body


def test_an_announcement_is_cancelled_if_the_person_opted_out_meanwhile(personas, appointment):
    nominee, people = appointment
    services.decide(nominee, approve=True, decided_by=personas.manager)
    people["ward"].announcements = False
    people["ward"].save()
    row = Notification.objects.get(kind="champion-announcement", recipient=people["ward"].user)
    assert outbox.send(row.pk) == "cancelled"
    assert mail.outbox == []


def test_an_announcement_is_cancelled_if_the_champion_stepped_down_meanwhile(personas, appointment):
    nominee, people = appointment
    services.decide(nominee, approve=True, decided_by=personas.manager)
    Champion.objects.filter(pk=nominee.pk).update(status=Champion.Status.STEPPED_DOWN)
    row = Notification.objects.get(kind="champion-announcement", recipient=people["ward"].user)
    assert outbox.send(row.pk) == "cancelled"


def test_the_welcome_gives_the_guide_the_coverage_and_what_is_still_to_do(personas, appointment):
    nominee, _ = appointment
    GuidelineFactory(organization=personas.org, title="Using Engage")
    TrainingModuleFactory(organization=personas.org, title="Spotting phishing")
    services.decide(nominee, approve=True, decided_by=personas.manager, override_reason="Launch week")
    row = Notification.objects.get(kind="champion-welcome")
    assert outbox.send(row.pk) == "sent"
    [message] = mail.outbox
    assert message.subject == "Welcome, champion of Engage for all"
    assert f"/r/{personas.rollout.pk}/champion/" in message.body
    assert "Sales, 6 people who can now turn to you" in message.body
    assert 'Acknowledge "Using Engage": still to do' in message.body
    assert 'Pass "Spotting phishing": still to do' in message.body

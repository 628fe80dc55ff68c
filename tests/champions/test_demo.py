import io
import time

import pytest
from django.core.management import call_command

from champions.coverage import coverage_summary
from champions.models import Champion, Skill, SupportSession
from rollout.models import Organization, Rollout

pytestmark = pytest.mark.django_db


def counts():
    return (
        Skill.objects.count(),
        Champion.objects.count(),
        SupportSession.objects.count(),
        SupportSession.topics.through.objects.count(),
        sorted(Champion.objects.values_list("status", "shift", "start_date")),
    )


def test_the_demo_has_15_champions_600_sessions_two_gaps_and_is_idempotent():
    started = time.monotonic()
    call_command("seed_demo", stdout=io.StringIO())
    assert time.monotonic() - started < 30
    first = counts()
    call_command("seed_demo", stdout=io.StringIO())
    assert counts() == first

    org = Organization.objects.get(slug="northwind-health")
    live = Rollout.objects.get(organization=org, status="live")
    assert live.champions.count() == 15
    assert live.champions.filter(status="active").count() == 12
    assert live.champions.filter(status="nominated").count() == 2
    assert 550 <= live.support_sessions.count() <= 650
    casey = live.champions.get(user__email="champion@northwind.example")
    assert casey.is_active and casey.sessions.count() >= 40
    uncovered = coverage_summary(live, org.units.all())["gaps"]
    # Finance and the Emergency night shift, and the two departments the directory brought in
    # (Clinical Informatics by SCIM, Patient Transport by the HR file), which no champion covers yet.
    assert uncovered == 4
    assert SupportSession.objects.filter(topics__isnull=True, other_topic="").count() == 0


def test_the_demo_shows_the_employees_side():
    """Contact details, the coming sessions, a recent appointment with its override, and the demo
    member has a champion to turn to."""
    from champions.member import who_can_help
    from champions.models import ChampionEvent
    from rollout.models import Membership

    call_command("seed_demo", stdout=io.StringIO())
    call_command("seed_demo", stdout=io.StringIO())
    live = Rollout.objects.get(organization__slug="northwind-health", status="live")
    active = live.champions.filter(status="active")
    assert not active.filter(chat_link="").exists()
    assert active.exclude(office_hours="").count() >= 8
    assert ChampionEvent.objects.filter(rollout=live).count() == 5  # moved, not added, by a re-run
    assert active.exclude(readiness_override="").count() == 1
    member = Membership.objects.get(user__email="member@northwind.example")
    found = who_can_help(member)
    assert found.yours and found.events

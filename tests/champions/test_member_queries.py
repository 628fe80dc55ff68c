"""The employee's pages, the network page (with readiness) and the /me/ panels cost the same number
of queries with few champions, units and sessions and with many."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import Champion
from rollout.steps import registry

from ..factories import MembershipFactory, UnitFactory
from ..pages import query_counts
from ..trust.factories import GuidelineFactory, TrainingModuleFactory
from .factories import ChampionEventFactory, ChampionFactory, SkillFactory

pytestmark = pytest.mark.django_db


def grow(personas, champions):
    """`champions` more champions (a nominee among every three), each with a unit of their own
    inside Sales, a skill, a drop-in, and a guideline and a module for readiness to read."""
    skill = SkillFactory(organization=personas.org, name="Mobile set-up")
    for i in range(champions):
        unit = UnitFactory(organization=personas.org, parent=personas.unit)
        user = MembershipFactory(organization=personas.org, role="champion", unit=unit).user
        status = Champion.Status.NOMINATED if i % 3 == 0 else Champion.Status.ACTIVE
        champion = ChampionFactory(
            rollout=personas.rollout,
            user=user,
            units=[unit, personas.unit],
            status=status,
            languages="English",
        )
        champion.skills.add(skill)
        ChampionEventFactory(champion=champion, units=[unit] if i % 2 else [])
        GuidelineFactory(organization=personas.org, audience_unit=unit)
        TrainingModuleFactory(organization=personas.org)


PAGES = [
    ("champions_org:help", "member", {}),
    ("champions_org:directory", "member", {}),
    ("champions_org:directory", "leader", {"language": "english"}),
    ("champions:network", "manager", "rollout"),
    ("champions:events", "champion", "rollout"),
]


@pytest.mark.parametrize("url_name, role, query", PAGES)
def test_query_count_does_not_grow_with_champions_and_units(
    client_as, personas, champion, url_name, role, query
):
    client = client_as(personas.users[role])
    if query == "rollout":
        url, query = reverse(url_name, args=[personas.rollout.pk]), {}
    else:
        url = reverse(url_name)
    url += "?" + "&".join(f"{key}={value}" for key, value in query.items()) if query else ""
    grow(personas, champions=2)
    small = query_counts(client, url)
    grow(personas, champions=12)
    assert query_counts(client, url) == small


def test_the_member_panels_cost_the_same_with_many_champions(personas):
    step = registry.get("champion")
    membership = personas.org.memberships.get(user=personas.member)
    grow(personas, champions=2)
    with CaptureQueriesContext(connection) as small:
        step.member_panels(membership)
    grow(personas, champions=12)
    with CaptureQueriesContext(connection) as large:
        panels = step.member_panels(membership)
    assert len(large) == len(small)
    assert len(panels[0].context["help"].top) == 3

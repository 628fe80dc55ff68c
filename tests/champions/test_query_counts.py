"""Every champion page costs the same number of queries with little data and with a lot, right after
a write and opened again."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from ..factories import MembershipFactory, UnitFactory
from ..pages import query_counts
from .factories import ChampionFactory, SkillFactory, SupportSessionFactory

pytestmark = pytest.mark.django_db


def grow(personas, champions, sessions_each):
    skill = SkillFactory(organization=personas.org, name="Mobile set-up")
    for _ in range(champions):
        unit = UnitFactory(organization=personas.org, headcount=80)
        user = MembershipFactory(organization=personas.org, role="champion", unit=unit).user
        champion = ChampionFactory(rollout=personas.rollout, user=user, units=[unit, personas.unit])
        champion.skills.add(skill)
        for i in range(sessions_each):
            SupportSessionFactory(
                champion=champion,
                happened_at=timezone.now() - timedelta(days=7 * i),
                topics=[skill],
                outcome="follow_up" if i % 2 else "resolved",
                follow_up_on=timezone.localdate() if i % 2 else None,
                helped_unit=unit,
            )
    UnitFactory(organization=personas.org, headcount=30)  # a gap


PAGES = [
    ("champions:home", "champion"),
    ("champions:home", "manager"),
    ("champions:coverage", "leader"),
    ("champions:network", "manager"),
    ("champions:sessions", "manager"),
    ("champions:sessions", "champion"),
    ("champions:report", "leader"),
    ("champions:report_csv", "leader"),
    ("champions_org:my_sessions", "champion"),
    ("champions_org:skills", "admin"),
    ("rollout:overview", "manager"),
]


@pytest.mark.parametrize("url_name, role", PAGES)
def test_query_count_does_not_grow_with_champions_and_sessions(client_as, personas, champion, url_name, role):
    client = client_as(personas.users[role])
    kwargs = {} if url_name.startswith("champions_org") else {"pk": personas.rollout.pk}
    url = reverse(url_name, kwargs=kwargs)
    for i in range(2):
        SupportSessionFactory(champion=champion, happened_at=timezone.now() - timedelta(days=i))
    grow(personas, champions=2, sessions_each=2)
    small = query_counts(client, url)
    for i in range(30):
        SupportSessionFactory(champion=champion, happened_at=timezone.now() - timedelta(days=i, hours=1))
    grow(personas, champions=30, sessions_each=6)
    assert query_counts(client, url) == small

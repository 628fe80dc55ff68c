"""Every incentive page costs the same number of queries with little data and with a lot, right after
a write and opened again."""

import pytest
from django.urls import reverse

from incentives import services

from ..factories import MembershipFactory, UnitFactory
from ..pages import query_counts
from .factories import (
    AppraisalObjectiveFactory,
    BadgeAwardFactory,
    BadgeFactory,
    PlannedIncentiveFactory,
    PointsClaimFactory,
    PointsEntryFactory,
    PointsRuleFactory,
    RecognitionFactory,
)

pytestmark = pytest.mark.django_db


def grow(personas, people):
    rule = (
        PointsRuleFactory(rollout=personas.rollout, event="training_passed")
        if not personas.rollout.points_rules.exists()
        else personas.rollout.points_rules.first()
    )
    unit = UnitFactory(organization=personas.org)
    for _ in range(people):
        person = MembershipFactory(organization=personas.org, unit=unit, role="leader").user
        badge = BadgeFactory(rollout=personas.rollout, levels=[(1, 1), (2, 5)])
        badge.requires.set(personas.rollout.badges.all()[:2])
        for target in (person, personas.member):
            PointsEntryFactory(
                rollout=personas.rollout,
                person=target,
                points=7,
                rule=rule,
                event_key=f"k{target.pk}-{badge.pk}",
            )
            BadgeAwardFactory(level=badge.levels.first(), person=target)
            RecognitionFactory(
                rollout=personas.rollout,
                giver=person,
                recipient=target if target != person else personas.member,
                unit=unit,
            )
            PointsClaimFactory(rollout=personas.rollout, person=target)
        AppraisalObjectiveFactory(rollout=personas.rollout, person=personas.member)
        PlannedIncentiveFactory(rollout=personas.rollout)
    services.start_new_season(personas.rollout, f"Season {personas.rollout.seasons.count() + 2}")


PAGES = [
    ("incentives:home", "manager"),
    ("incentives:home", "champion"),
    ("incentives:plan", "manager"),
    ("incentives:rules", "manager"),
    ("incentives:ledger", "manager"),
    ("incentives:claim", "member"),
    ("incentives:claims", "manager"),
    ("incentives:badges", "member"),
    ("incentives:recognition", "member"),
    ("incentives:leaderboard", "member"),
    ("incentives:seasons", "manager"),
    ("incentives:objectives", "manager"),
    ("incentives:leaders", "manager"),
    ("incentives_org:me", "member"),
]


@pytest.mark.parametrize("url_name, role", PAGES)
def test_query_count_does_not_grow_with_people_points_and_badges(client_as, personas, url_name, role):
    client = client_as(personas.users[role])
    kwargs = {} if url_name.startswith("incentives_org") else {"pk": personas.rollout.pk}
    url = reverse(url_name, kwargs=kwargs)

    grow(personas, 2)
    few = query_counts(client, url)
    grow(personas, 12)
    assert query_counts(client, url) == few

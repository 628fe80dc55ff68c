import io

import pytest
from django.core.management import call_command

from incentives.models import BadgeAward, PointsEntry, Recognition, Season
from rollout.models import Membership, Rollout, User
from rollout.steps import registry

pytestmark = pytest.mark.django_db


def test_the_demo_gives_about_half_the_people_points_and_badges_and_runs_twice_without_duplicates():
    call_command("seed_demo", stdout=io.StringIO())
    live = Rollout.objects.get(name="Viva Engage for all staff")
    counts = (PointsEntry.objects.count(), BadgeAward.objects.count(), Recognition.objects.count())
    people = Membership.objects.filter(organization=live.organization).count()
    with_points = PointsEntry.objects.filter(rollout=live).values("person").distinct().count()
    assert 0.4 * people <= with_points <= 0.6 * people
    assert BadgeAward.objects.filter(rollout=live).values("person").distinct().count() >= 0.3 * people
    assert Season.objects.filter(rollout=live).count() == 2
    assert Recognition.objects.filter(rollout=live, from_leader=True).exists()
    member = User.objects.get(email="member@northwind.example")
    assert BadgeAward.objects.filter(person=member).exists()
    assert Recognition.objects.filter(recipient=member).exists()
    # Leaders who agreed to be seen, with what they did, on every person's own page.
    membership = Membership.objects.select_related("user", "organization").get(user=member)
    panels = {panel.key: panel for panel in registry.get("incentivize").member_panels(membership)}
    assert panels["your-recognition"].context["badge_count"] >= 1
    assert panels["leaders-taking-part"].context["leaders"]
    call_command("seed_demo", stdout=io.StringIO())
    assert (PointsEntry.objects.count(), BadgeAward.objects.count(), Recognition.objects.count()) == counts

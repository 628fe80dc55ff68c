"""Health, metrics and digest of the step; the plan, appraisal objectives and lead-by-example pages."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from incentives.models import AppraisalObjective, PlannedIncentive
from rollout.metrics import catalogue
from rollout.models import Membership
from rollout.steps import registry

from .factories import (
    AppraisalObjectiveFactory,
    BadgeAwardFactory,
    BadgeFactory,
    PlannedIncentiveFactory,
    PointsEntryFactory,
    RecognitionFactory,
)

pytestmark = pytest.mark.django_db


def health(rollout):
    return registry.get("incentivize").health([rollout])[rollout.pk]


def test_without_a_plan_or_any_activity_the_step_has_not_started(personas):
    result = health(personas.rollout)
    assert not result.started
    assert result.next_url == f"/r/{personas.rollout.pk}/incentives/"


def test_health_weighs_the_plan_the_share_reached_and_the_leaders_taking_part(personas):
    PlannedIncentiveFactory(rollout=personas.rollout)
    result = health(personas.rollout)
    assert result.score == 30
    assert "Invite leaders" in result.next_action
    # 3 of 5 people reached (60% > the 50% that counts as full reach), the only leader took part.
    RecognitionFactory(rollout=personas.rollout, giver=personas.leader, recipient=personas.member)
    PointsEntryFactory(rollout=personas.rollout, person=personas.champion)
    BadgeAwardFactory(level=BadgeFactory(rollout=personas.rollout).levels.get(), person=personas.manager)
    RecognitionFactory(
        rollout=personas.rollout, recipient=personas.admin, created_at=timezone.now() - timedelta(days=40)
    )
    result = health(personas.rollout)
    assert result.score == 100
    assert result.reasons[0].startswith("60% of the 5 people")
    assert result.reasons[1] == "1 of 1 leader took part in the last 30 days."


def test_the_metrics_count_recognitions_and_the_share_recognised(personas):
    today = timezone.localdate()
    RecognitionFactory(rollout=personas.rollout, giver=personas.leader, recipient=personas.member)
    RecognitionFactory(rollout=personas.rollout, giver=personas.leader, recipient=personas.member)
    RecognitionFactory(
        rollout=personas.rollout, recipient=personas.champion, created_at=timezone.now() - timedelta(days=45)
    )
    assert catalogue.get("recognitions_given").compute(personas.rollout, today) == 2
    assert catalogue.get("people_recognised_share").compute(personas.rollout, today) == 20.0
    assert catalogue.get("badges_awarded").compute(personas.rollout, today) == 0


def test_the_digest_gives_each_person_their_new_badges_and_managers_the_most_thanked(personas):
    since = timezone.now() - timedelta(days=7)
    award = BadgeAwardFactory(
        level=BadgeFactory(rollout=personas.rollout, name="Helper").levels.get(), person=personas.manager
    )
    RecognitionFactory.create_batch(
        2, rollout=personas.rollout, recipient=personas.champion, from_leader=True
    )
    RecognitionFactory(rollout=personas.rollout, recipient=personas.member)
    step = registry.get("incentivize")
    manager = Membership.objects.get(user=personas.manager)
    section = step.digest_section(personas.rollout, manager, since)
    assert section.lines[0] == f"New badge: {award.level}."
    assert "3 recognitions given this week." in section.lines
    assert "Most thanked: Champion (2, 2 from leaders)." in section.lines
    champion = Membership.objects.get(user=personas.champion)
    assert step.digest_section(personas.rollout, champion, since) is None


def test_the_plan_takes_an_incentive_per_audience_and_refuses_a_duplicate(client_as, personas):
    url = reverse("incentives:plan", args=[personas.rollout.pk])
    data = {"incentive": "badges", "audience": "Ward nurses", "rationale": "They like visible progress."}
    client = client_as(personas.manager)
    assert client.post(url, data).status_code == 302
    response = client.post(url, {**data, "audience": "ward nurses"})
    assert "already planned" in str(response.context["form"].errors["audience"])
    assert PlannedIncentive.objects.count() == 1


def test_a_manager_records_objectives_and_each_person_sees_their_own_and_their_roles(client_as, personas):
    url = reverse("incentives:objectives", args=[personas.rollout.pk])
    client = client_as(personas.manager)
    client.post(url, {"role": "champion", "objective": "Answers within a day", "measure": "80% in 24 hours"})
    client.post(
        url, {"person": personas.member.pk, "objective": "Posts a weekly update", "measure": "4 a month"}
    )
    client.get(url)  # shows (and so consumes) the success messages
    AppraisalObjectiveFactory(rollout=personas.other_rollout, person=personas.member, objective="Elsewhere")
    member_page = client_as(personas.member).get(reverse("incentives_org:me")).content.decode()
    assert "Posts a weekly update" in member_page
    assert "Answers within a day" not in member_page and "Elsewhere" not in member_page
    champion_page = client_as(personas.champion).get(reverse("incentives_org:me")).content.decode()
    assert "Answers within a day" in champion_page and "Posts a weekly update" not in champion_page


def test_an_objective_for_both_a_person_and_a_role_is_refused(client_as, personas):
    url = reverse("incentives:objectives", args=[personas.rollout.pk])
    response = client_as(personas.manager).post(
        url, {"person": personas.member.pk, "role": "member", "objective": "x", "measure": "y"}
    )
    assert "either a person or a role" in str(response.context["form"].non_field_errors())
    assert not AppraisalObjective.objects.exists()


def test_lead_by_example_lists_each_leader_with_what_they_did(client_as, personas, event_of, deliver):
    RecognitionFactory.create_batch(
        2, rollout=personas.rollout, giver=personas.leader, recipient=personas.member
    )
    deliver(event_of("question_answered", personas.leader))
    response = client_as(personas.manager).get(reverse("incentives:leaders", args=[personas.rollout.pk]))
    [row] = response.context["page"].object_list
    assert (row.user, row.recognitions, row.answers, row.events) == (personas.leader, 2, 1, 1)


def test_the_member_page_lists_badges_with_their_open_badges_links(client_as, personas):
    award = BadgeAwardFactory(
        level=BadgeFactory(rollout=personas.rollout, name="Helper").levels.get(), person=personas.member
    )
    RecognitionFactory(
        rollout=personas.rollout, giver=personas.leader, recipient=personas.member, message="Well done"
    )
    page = client_as(personas.member).get(reverse("incentives_org:me")).content.decode()
    assert "Helper" in page and "Well done" in page
    assert reverse("openbadges:assertion", args=[award.public_id]) in page

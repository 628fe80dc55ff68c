"""The step's health, its metrics and its part of the weekly digest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from rollout.metrics import catalogue
from rollout.models import Membership
from rollout.steps import Status, registry
from trust.services import acknowledge, publish_version

from ..factories import RolloutFactory
from .factories import CompletionFactory, GuidelineFactory, IncidentFactory, TrainingModuleFactory

pytestmark = pytest.mark.django_db


def health(rollout):
    return registry.get("trust").health([rollout])[rollout.pk]


def test_nothing_recorded_is_not_started_and_points_to_the_guidelines(personas):
    result = health(personas.rollout)
    assert result.status == Status.NOT_STARTED
    assert result.next_action == "Publish the usage guidelines"
    assert result.next_url == f"/r/{personas.rollout.pk}/trust/"


def test_health_weighs_acknowledgement_training_and_open_incidents(personas, guideline):
    for user in (personas.admin, personas.manager, personas.member):
        acknowledge(guideline, guideline.current, user)
    module = TrainingModuleFactory(organization=personas.org)
    for user in (personas.admin, personas.member):
        CompletionFactory(module=module, user=user)
    IncidentFactory(organization=personas.org, severity="high")
    result = health(personas.rollout)
    # 50 x 60% + 30 x 40% + 20 x (1 - 0.5)
    assert result.score == 52 and result.status == Status.AT_RISK
    assert result.reasons == [
        "60% acknowledged the current guidelines (2 persons outstanding).",
        "Training 40% complete (1 module).",
        "1 open incident, 1 high or critical.",
    ]
    assert result.next_action == "Handle 1 open high-severity incident"


def test_the_next_action_chases_the_outstanding_people_of_the_worst_guideline(personas, guideline):
    acknowledge(guideline, guideline.current, personas.member)
    result = health(personas.rollout)
    assert result.next_action.startswith("Remind the 4 persons")
    assert result.next_url == f"/trust/guidelines/{guideline.pk}/"


def test_a_guideline_of_another_rollout_does_not_count(personas):
    other = RolloutFactory(organization=personas.org, platform=personas.platform)
    GuidelineFactory(organization=personas.org, rollout=other)
    assert health(personas.rollout).status == Status.NOT_STARTED
    assert health(other).started


def test_the_metrics_compute_acknowledgement_and_training_completion(personas, guideline):
    today = timezone.localdate()
    acknowledgement = catalogue.get("guideline_acknowledgement")
    training = catalogue.get("training_completion")
    assert acknowledgement.computed and training.computed
    acknowledge(guideline, guideline.current, personas.member)
    assert acknowledgement.compute(personas.rollout, today) == 20
    assert acknowledgement.compute(personas.rollout, today - timedelta(days=1)) == 0  # not yet then
    publish_version(guideline, "# Material", personas.manager, material=True)
    assert acknowledgement.compute(personas.rollout, today) == 0
    assert training.compute(personas.rollout, today) is None  # no module
    module = TrainingModuleFactory(organization=personas.org)
    CompletionFactory(module=module, user=personas.member)
    assert training.compute(personas.rollout, today) == 20


def test_the_digest_tells_managers_about_incidents_and_champions_about_the_rest(personas, guideline):
    IncidentFactory(organization=personas.org)
    module = TrainingModuleFactory(organization=personas.org)
    CompletionFactory(module=module, user=personas.member)
    step = registry.get("trust")
    since = timezone.now() - timedelta(days=7)
    manager = Membership.objects.get(user=personas.manager)
    champion = Membership.objects.get(user=personas.champion)
    section = step.digest_section(personas.rollout, manager, since)
    assert section.title == "Trust"
    assert section.lines == [
        "Guidelines acknowledged by 0% (5 persons outstanding).",
        "Training 20% complete; 1 module passed this week.",
        "1 open incident, 1 reported this week.",
    ]
    assert len(step.digest_section(personas.rollout, champion, since).lines) == 2
    leader = Membership.objects.get(user=personas.leader)
    assert step.digest_section(personas.rollout, leader, since) is None

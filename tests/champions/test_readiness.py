"""Readiness (trust/readiness.py): who acknowledged the guidelines that apply to them and passed the
required training, and the network page's use of it: a nominee who is not ready is approved only
with an override and a reason, which the champion and the audit trail keep."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from champions.models import Champion
from rollout.models import AuditEvent, Role, Rollout
from trust.readiness import readiness, readiness_of
from trust.services import acknowledge, publish_version

from ..factories import MembershipFactory, RolloutFactory, UnitFactory
from ..trust.factories import CompletionFactory, GuidelineFactory, TrainingModuleFactory
from .factories import ChampionFactory

pytestmark = pytest.mark.django_db


def test_nobody_is_asked_anything_where_nothing_is_published(personas):
    GuidelineFactory(organization=personas.org, body=False)  # a draft, never published
    TrainingModuleFactory(organization=personas.org, active=False)
    assert readiness_of(personas.org, personas.member.pk).ready


def test_a_person_is_ready_once_they_acknowledged_and_passed(personas):
    guideline = GuidelineFactory(organization=personas.org, title="Using Engage")
    module = TrainingModuleFactory(organization=personas.org, title="Spotting phishing")
    before = readiness_of(personas.org, personas.member.pk)
    assert not before.ready
    assert before.summary == "Not ready: acknowledge “Using Engage”; pass “Spotting phishing”"
    acknowledge(guideline, guideline.current, personas.member)
    CompletionFactory(module=module, user=personas.member)
    assert readiness_of(personas.org, personas.member.pk).ready


def test_a_material_change_asks_for_a_new_acknowledgement_and_a_minor_one_does_not(personas):
    guideline = GuidelineFactory(organization=personas.org)
    acknowledge(guideline, guideline.current, personas.member)
    publish_version(guideline, "Typo fixed", by=None, material=False)
    assert readiness_of(personas.org, personas.member.pk).ready
    publish_version(guideline, "New rule", by=None, material=True)
    assert not readiness_of(personas.org, personas.member.pk).ready


def test_a_failed_attempt_or_a_retired_module_does_not_count(personas):
    failed = TrainingModuleFactory(organization=personas.org, title="Copyright")
    CompletionFactory(module=failed, user=personas.member, passed_at=None, score=20, last_score=20)
    TrainingModuleFactory(organization=personas.org, title="Old module", active=False)
    [item] = readiness_of(personas.org, personas.member.pk).training
    assert (item.title, item.done) == ("Copyright", False)


def test_guidelines_for_other_units_or_other_rollouts_do_not_apply(personas):
    elsewhere = UnitFactory(organization=personas.org, name="Finance")
    GuidelineFactory(organization=personas.org, title="Finance only", audience_unit=elsewhere)
    planned = RolloutFactory(
        organization=personas.org, platform=personas.platform, status=Rollout.Status.PLANNING
    )
    GuidelineFactory(organization=personas.org, title="Planned rollout", rollout=planned)
    GuidelineFactory(organization=personas.org, title="Sales", audience_unit=personas.unit)
    GuidelineFactory(organization=personas.org, title="This rollout", rollout=personas.rollout)
    GuidelineFactory(organization=GuidelineFactory().organization, title="Another organization")
    titles = [g.title for g in readiness_of(personas.org, personas.member.pk, personas.rollout).guidelines]
    assert titles == ["Sales", "This rollout"]


def test_a_unit_guideline_reaches_the_units_inside_it(personas):
    ward = UnitFactory(organization=personas.org, name="Ward B", parent=personas.unit)
    nurse = MembershipFactory(organization=personas.org, unit=ward).user
    GuidelineFactory(organization=personas.org, title="Sales", audience_unit=personas.unit)
    assert [g.title for g in readiness_of(personas.org, nurse.pk).guidelines] == ["Sales"]


def test_readiness_of_many_people_costs_five_queries(personas):
    guideline = GuidelineFactory(organization=personas.org)
    module = TrainingModuleFactory(organization=personas.org)
    people = [MembershipFactory(organization=personas.org, unit=personas.unit).user for _ in range(12)]
    for person in people[:6]:
        acknowledge(guideline, guideline.current, person)
        CompletionFactory(module=module, user=person)
    with CaptureQueriesContext(connection) as queries:
        found = readiness(personas.org, [person.pk for person in people])
    assert len(queries) == 5
    assert [found[person.pk].ready for person in people] == [True] * 6 + [False] * 6


# The network page and approving -------------------------------------------------------------


@pytest.fixture
def nominee(personas):
    GuidelineFactory(organization=personas.org, title="Using Engage")
    return ChampionFactory(
        rollout=personas.rollout,
        user=personas.member,
        status=Champion.Status.NOMINATED,
        units=[personas.unit],
    )


def decide_url(personas, nominee):
    return reverse("champions:decide", args=[personas.rollout.pk, nominee.pk])


def test_the_network_page_shows_each_nominees_readiness_in_words(client_as, personas, nominee):
    response = client_as(personas.manager).get(reverse("champions:network", args=[personas.rollout.pk]))
    assert "Not ready: acknowledge “Using Engage”" in response.content.decode()
    assert "Approve anyway" in response.content.decode()


def test_approving_a_nominee_who_is_not_ready_is_refused_with_what_is_missing(client_as, personas, nominee):
    response = client_as(personas.manager).post(
        decide_url(personas, nominee), {"decision": "approve"}, follow=True
    )
    nominee.refresh_from_db()
    assert nominee.status == Champion.Status.NOMINATED
    assert "cannot be approved yet. Not ready: acknowledge “Using Engage”" in response.content.decode()


def test_an_override_without_a_reason_is_refused(client_as, personas, nominee):
    response = client_as(personas.manager).post(
        decide_url(personas, nominee),
        {"decision": "approve", "override": "on", "override_reason": " "},
        follow=True,
    )
    nominee.refresh_from_db()
    assert nominee.status == Champion.Status.NOMINATED
    assert "Say why you approve" in response.content.decode()


def test_an_override_with_a_reason_approves_and_is_kept_and_audited(client_as, personas, nominee):
    client_as(personas.manager).post(
        decide_url(personas, nominee),
        {
            "decision": "approve",
            "override": "on",
            "override_reason": "Acknowledges on Monday, needed for the launch",
        },
    )
    nominee.refresh_from_db()
    assert nominee.status == Champion.Status.ACTIVE
    assert nominee.readiness_override == "Acknowledges on Monday, needed for the launch"
    assert nominee.readiness_override_by == personas.manager
    event = AuditEvent.objects.get(target_type="champions.champion", target_id=str(nominee.pk))
    assert event.actor == personas.manager
    assert "before ready" in event.summary and "needed for the launch" in event.summary


def test_a_ready_nominee_is_approved_without_an_override(client_as, personas, nominee):
    guideline = personas.org.guidelines.get()
    acknowledge(guideline, guideline.current, personas.member)
    client_as(personas.manager).post(decide_url(personas, nominee), {"decision": "approve"})
    nominee.refresh_from_db()
    assert (nominee.status, nominee.readiness_override) == (Champion.Status.ACTIVE, "")
    assert personas.org.memberships.get(user=personas.member).role == Role.CHAMPION
    assert not AuditEvent.objects.filter(target_type="champions.champion").exists()


def test_declining_a_nominee_who_is_not_ready_needs_no_override(client_as, personas, nominee):
    client_as(personas.manager).post(decide_url(personas, nominee), {"decision": "decline"})
    nominee.refresh_from_db()
    assert nominee.status == Champion.Status.DECLINED

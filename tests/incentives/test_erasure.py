"""Erasing a person from the incentive step (GDPR article 17): their consents, objectives and
unpaid claims go, the ledger, badges and recognitions stay for the figures and for the other
people in them, and no text of the organization names them any more."""

import pytest
from django.apps import apps
from django.utils import timezone

from incentives import selectors, services
from incentives.models import (
    AppraisalObjective,
    BadgeAward,
    LeaderboardOptOut,
    LeaderVisibility,
    PointsClaim,
    PointsEntry,
    ReceivedEvent,
    Recognition,
)
from rollout.models import Role
from rollout.privacy import pseudonym_for
from rollout.steps import registry

from ..erasure import rows_naming as shared_rows_naming
from ..factories import MembershipFactory, UserFactory
from .factories import (
    AppraisalObjectiveFactory,
    BadgeAwardFactory,
    BadgeFactory,
    PlannedIncentiveFactory,
    PointsClaimFactory,
    PointsEntryFactory,
    RecognitionFactory,
)

NAME, EMAIL = "Max Mustermann", "max.mustermann@acme.example"


def rows_naming(needles):
    return shared_rows_naming("incentives", needles)


def world(org, rollout, person, colleague, manager, n=1):
    """The person's incentive records in `rollout`, n of each kind, and others' records naming them."""
    MembershipFactory(organization=org, user=colleague)
    PlannedIncentiveFactory(rollout=rollout, rationale=f"{NAME} asked for public thanks.")
    for i in range(n):
        PointsEntryFactory(rollout=rollout, person=person, reason=f"Helped {i}")
        RecognitionFactory(rollout=rollout, giver=person, recipient=colleague, message=f"Thanks! — {NAME}")
        RecognitionFactory(
            rollout=rollout, giver=colleague, recipient=person, message=f"Thanks {NAME} ({EMAIL})"
        )
        PointsClaimFactory(rollout=rollout, person=person, reason=f"Lunch-and-learn {i}")
        PointsClaimFactory(rollout=rollout, person=person, status="rejected")
        AppraisalObjectiveFactory(rollout=rollout, person=person, created_by=manager)
        ReceivedEvent.objects.create(
            key=f"recognition_given:{rollout.pk}:{i}",
            name="recognition_given",
            organization=org,
            rollout=rollout,
            person=person,
            source_type="incentives.recognition",
            source_id=i,
            occurred_at=timezone.now(),
        )
    paid = PointsClaimFactory(rollout=rollout, person=person, reason=f"Trained my ward, {NAME}")
    services.decide_claim(paid, approve=True, decided_by=manager)
    theirs = PointsClaimFactory(rollout=rollout, person=colleague, reason="Ran a drop-in")
    services.decide_claim(theirs, approve=True, decided_by=person)
    services.correct(rollout, colleague, 5, f"Missed by {NAME}", by=person)
    badge = BadgeFactory(rollout=rollout, levels=[(1, None), (2, None)])
    bronze, silver = badge.levels.all()
    BadgeAwardFactory(level=bronze, person=person, evidence=f"{NAME} trained 30 people")
    BadgeAwardFactory(level=silver, person=colleague, awarded_by=person, evidence="Ran the launch")
    AppraisalObjectiveFactory(
        rollout=rollout, person=None, role=Role.CHAMPION, created_by=person, measure=f"As agreed with {NAME}"
    )
    LeaderVisibility.objects.create(organization=org, user=person)


@pytest.fixture
def erased(personas):
    """The person (a member of Acme and of Globex), their records in both, and the figures before."""
    person = UserFactory(email=EMAIL, full_name=NAME)
    membership = MembershipFactory(organization=personas.org, user=person, role=Role.LEADER)
    MembershipFactory(organization=personas.other_org, user=person)
    colleague = UserFactory(full_name="Kim Colleague")
    world(personas.org, personas.rollout, person, colleague, personas.manager, n=2)
    world(personas.other_org, personas.other_rollout, person, UserFactory(), personas.outsider)
    return membership


def figures(rollout):
    step = registry.get("incentivize")
    health = step.health([rollout])[rollout.pk]
    return {
        "health": (health.score, health.status, health.reasons),
        "recognitions": Recognition.objects.filter(rollout=rollout).count(),
        "badges issued": BadgeAward.objects.filter(rollout=rollout).count(),
        "points": sorted(PointsEntry.objects.filter(rollout=rollout).values_list("person_id", "points")),
        "events": ReceivedEvent.objects.filter(rollout=rollout).count(),
    }


def test_no_text_of_the_organization_names_the_person_after_erasure(personas, erased):
    changed = registry.get("incentivize").erase_person(erased, pseudonym_for(erased.user))

    assert changed > 0
    remaining = rows_naming([NAME, EMAIL])
    # Globex's rows still name them (it was not asked), Acme's none.
    assert remaining
    assert {_organization_of(row) for row in remaining} == {personas.other_org.pk}


def _organization_of(row):
    name, pk = row
    instance = apps.get_model("incentives", name)._default_manager.get(pk=pk)
    return getattr(instance, "organization_id", None) or instance.rollout.organization_id


def test_the_person_is_named_by_the_pseudonym_where_others_wrote_about_them(personas, erased):
    pseudonym = pseudonym_for(erased.user)
    registry.get("incentivize").erase_person(erased, pseudonym)

    thanked = Recognition.objects.filter(rollout=personas.rollout, recipient=erased.user).first()
    assert thanked.message == f"Thanks {pseudonym.name} ({pseudonym.email})"
    correction = PointsEntry.objects.get(rollout=personas.rollout, reason__startswith="Correction")
    assert correction.reason == f"Correction: Missed by {pseudonym.name}"
    assert correction.awarded_by is None


def test_what_is_the_persons_alone_is_deleted_and_what_others_rely_on_stays(personas, erased):
    person, org, rollout = erased.user, personas.org, personas.rollout
    before = figures(rollout)

    registry.get("incentivize").erase_person(erased, pseudonym_for(person))

    assert not LeaderVisibility.objects.filter(organization=org, user=person).exists()
    assert not AppraisalObjective.objects.filter(rollout=rollout, person=person).exists()
    # Claims that paid nothing go; the paid one stays under its ledger entry.
    assert list(
        PointsClaim.objects.filter(rollout=rollout, person=person).values_list("status", flat=True)
    ) == ["approved"]
    assert not PointsClaim.objects.filter(rollout=rollout, decided_by=person).exists()
    assert not AppraisalObjective.objects.filter(rollout=rollout, created_by=person).exists()
    assert not BadgeAward.objects.filter(rollout=rollout, awarded_by=person).exists()
    # Still-valid badges are revoked, so their public assertion says nothing of them.
    assert not BadgeAward.objects.filter(rollout=rollout, person=person, revoked_at__isnull=True).exists()
    # Off the leaderboard, which reads the ledger under their User.
    assert LeaderboardOptOut.objects.filter(organization=org, user=person).exists()
    assert person.pk not in [row["person_id"] for row in selectors.leaderboard(rollout)]
    assert figures(rollout) == before


def test_another_organization_of_the_person_is_untouched(personas, erased):
    person, org_b, rollout_b = erased.user, personas.other_org, personas.other_rollout

    def state():
        return {
            model.__name__: sorted(map(str, model._default_manager.filter(**lookup).values()))
            for model, lookup in [
                (Recognition, {"rollout": rollout_b}),
                (PointsEntry, {"rollout": rollout_b}),
                (PointsClaim, {"rollout": rollout_b}),
                (BadgeAward, {"rollout": rollout_b}),
                (AppraisalObjective, {"rollout": rollout_b}),
                (LeaderVisibility, {"organization": org_b}),
                (LeaderboardOptOut, {"organization": org_b}),
            ]
        }

    before = state()
    registry.get("incentivize").erase_person(erased, pseudonym_for(person))
    assert state() == before


def test_the_ledger_refuses_any_other_change_than_an_erasure(personas):
    PointsEntryFactory(rollout=personas.rollout, person=personas.member)
    entries = PointsEntry.objects.filter(rollout=personas.rollout)
    with pytest.raises(TypeError):
        entries.erase_personal_data(points=1000)
    with pytest.raises(TypeError):
        entries.update(reason="rewritten")
    assert entries.erase_personal_data(reason="scrubbed") == 1

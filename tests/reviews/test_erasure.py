"""Erasing a person from the review step (GDPR article 17): the reviews and actions they own stay
with the rollout, without an owner, and no text of the organization names them any more."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.models import Action, Finding, KpiResult, PlatformAssessment, Review
from rollout.data_versions import organization_of
from rollout.models import Role
from rollout.privacy import pseudonym_for
from rollout.steps import registry

from ..erasure import rows_naming as shared_rows_naming
from ..factories import MembershipFactory, OrganizationFactory, PlatformFactory, RolloutFactory, UserFactory

NAME, EMAIL = "Max Mustermann", "max.mustermann@acme.example"


def rows_naming(needles):
    return shared_rows_naming("reviews", needles)


def organization_of_row(row):
    name, pk = row
    return organization_of(apps.get_model("reviews", name)._default_manager.get(pk=pk))


def world(rollout, person, manager, n=1):
    """n completed reviews of `rollout` owned by the person, their actions, and texts naming them;
    then an open review owned by someone else."""
    platform = PlatformFactory(organization=rollout.organization)
    start = date(2026, 1, 5)
    for number in range(1, n + 1):
        review = Review.objects.create(
            rollout=rollout,
            number=number,
            due_date=start + timedelta(weeks=4 * number),
            owner=person,
            status=Review.Status.COMPLETED,
            completed_on=start + timedelta(weeks=4 * number),
            completed_by=person,
            decisions=f"{NAME} takes the champions' training further.",
            share_decisions=True,
            shared_said=f"Ask {EMAIL} for the slides",
        )
        KpiResult.objects.create(
            review=review,
            metric_id=number,
            metric_key="custom",
            name="All-staff emails",
            baseline=Decimal(14),
            target=Decimal(6),
            actual=Decimal(10),
            note=f"Counted by {NAME}",
        )
        Finding.objects.create(
            review=review, step="champion", working=f"{NAME} runs drop-ins", not_working=""
        )
        Action.objects.create(
            rollout=rollout, raised_in=review, title=f"{NAME} to brief the wards", owner=person
        )
        Action.objects.create(rollout=rollout, raised_in=review, title="Brief the leaders", owner=manager)
        PlatformAssessment.objects.create(
            review=review, platform=platform, status="active", notes=f"Ask {NAME}"
        )
    Review.objects.create(rollout=rollout, number=n + 1, due_date=date(2026, 12, 1), owner=manager)


@pytest.fixture
def erased(personas):
    """The person (a member of Acme and of Globex) and their records in both."""
    person = UserFactory(email=EMAIL, full_name=NAME)
    membership = MembershipFactory(organization=personas.org, user=person, role=Role.MANAGER)
    MembershipFactory(organization=personas.other_org, user=person)
    world(personas.rollout, person, personas.manager, n=2)
    world(personas.other_rollout, person, personas.outsider)
    return membership


def figures(rollout):
    health = registry.get("review").health([rollout])[rollout.pk]
    actions = Action.objects.filter(rollout=rollout)
    return {
        "health": (health.score, health.status, health.reasons),
        "reviews": sorted(Review.objects.filter(rollout=rollout).values_list("number", "status")),
        "actions": sorted(actions.values_list("pk", "status", "due_date")),
        "kpis": sorted(
            KpiResult.objects.filter(review__rollout=rollout).values_list("pk", "actual", "status")
        ),
    }


def test_no_text_of_the_organization_names_the_person_after_erasure(personas, erased):
    changed = registry.get("review").erase_person(erased, pseudonym_for(erased.user))

    assert changed > 0
    remaining = rows_naming([NAME, EMAIL])
    assert remaining  # Globex's rows still name them
    assert {organization_of_row(row) for row in remaining} == {personas.other_org.pk}


@time_machine.travel("2026-06-01 09:00Z")
def test_reviews_and_actions_stay_with_the_rollout_without_the_person(personas, erased):
    person, rollout = erased.user, personas.rollout
    pseudonym = pseudonym_for(person)
    before = figures(rollout)

    registry.get("review").erase_person(erased, pseudonym)

    assert figures(rollout) == before
    assert not Review.objects.filter(rollout=rollout, owner=person).exists()
    assert not Review.objects.filter(rollout=rollout, completed_by=person).exists()
    assert not Action.objects.filter(rollout=rollout, owner=person).exists()
    assert Action.objects.filter(rollout=rollout, owner=personas.manager).count() == 2
    assert Review.objects.get(rollout=rollout, number=1).decisions == (
        f"{pseudonym.name} takes the champions' training further."
    )


def test_another_organization_of_the_person_is_untouched(personas, erased):
    rollout_b = personas.other_rollout

    def state():
        return {
            model.__name__: sorted(map(str, model._default_manager.filter(**{lookup: rollout_b.pk}).values()))
            for model, lookup in [
                (Review, "rollout_id"),
                (Action, "rollout_id"),
                (Finding, "review__rollout_id"),
                (KpiResult, "review__rollout_id"),
                (PlatformAssessment, "review__rollout_id"),
            ]
        }

    before = state()
    registry.get("review").erase_person(erased, pseudonym_for(erased.user))
    assert state() == before


def test_erasure_costs_the_same_queries_for_few_and_many_records(db):
    def erase(n):
        org = OrganizationFactory()
        rollout = RolloutFactory(organization=org)
        person = UserFactory(full_name=f"Erased {n}")
        membership = MembershipFactory(organization=org, user=person)
        manager = MembershipFactory(organization=org, role=Role.MANAGER).user
        world(rollout, person, manager, n=n)
        with CaptureQueriesContext(connection) as queries:
            changed = registry.get("review").erase_person(membership, pseudonym_for(person))
        return len(queries), changed

    few, many = erase(1), erase(6)
    assert many[1] > few[1]
    assert many[0] == few[0]

"""Erasing a person from the trust step (GDPR article 17): their acknowledgements and training
results stay as counts, the register keeps its incidents without them, and no text of the
organization names them any more."""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rollout.data_versions import organization_of
from rollout.models import Role
from rollout.privacy import pseudonym_for
from rollout.steps import registry
from trust import selectors, services
from trust.models import Acknowledgement, Completion, GuidelineVersion, Incident

from ..erasure import rows_naming as shared_rows_naming
from ..factories import MembershipFactory, OrganizationFactory, RolloutFactory, UserFactory
from .factories import (
    BoundaryFactory,
    CompletionFactory,
    GuidelineFactory,
    IncidentFactory,
    TrainingModuleFactory,
)

NAME, EMAIL = "Max Mustermann", "max.mustermann@acme.example"


def rows_naming(needles):
    return shared_rows_naming("trust", needles)


def organization_of_row(row):
    name, pk = row
    return organization_of(apps.get_model("trust", name)._default_manager.get(pk=pk))


def world(org, person, manager, n=1):
    """The person's trust records in `org`, n of each kind, and others' texts naming them."""
    for i in range(n):
        guideline = GuidelineFactory(organization=org, body=f"Ask {NAME} ({EMAIL}) when unsure. {i}")
        services.acknowledge(guideline, guideline.current, person)
        services.publish_version(guideline, "Think before you post.", by=person, changes=f"Edited by {NAME}")
        module = TrainingModuleFactory(organization=org, lesson=f"{NAME} explains phishing.", questions=1)
        CompletionFactory(module=module, user=person)
        IncidentFactory(organization=org, reported_by=person, what_happened=f"Seen by {NAME}")
        IncidentFactory(
            organization=org,
            handler=person,
            status=Incident.Status.RESOLVED,
            resolution=f"{NAME} removed the post",
            lessons=f"Write to {EMAIL} sooner",
        )
        IncidentFactory(organization=org, anonymous=True, what_happened=f"{NAME} shared a patient's photo")
        IncidentFactory(organization=org, reported_by=manager, handler=manager, what_happened="Phishing")
    BoundaryFactory(organization=org, restrictions=f"Only {NAME}'s team may post")


@pytest.fixture
def erased(personas):
    """The person (a member of Acme and of Globex) and their records in both."""
    person = UserFactory(email=EMAIL, full_name=NAME)
    membership = MembershipFactory(organization=personas.org, user=person, unit=personas.unit)
    MembershipFactory(organization=personas.other_org, user=person)
    world(personas.org, person, personas.manager, n=2)
    world(personas.other_org, person, personas.outsider)
    return membership


def figures(rollout):
    today = timezone.localdate()
    health = registry.get("trust").health([rollout])[rollout.pk]
    return {
        "health": (health.score, health.status, health.reasons),
        "acknowledgement rate": selectors.acknowledgement_rate(rollout, today),
        "training completion": selectors.training_completion(rollout, today),
        # The counts of the register (its lessons' text is scrubbed).
        "incidents": {
            key: value
            for key, value in selectors.incident_summary(rollout.organization, None, None).items()
            if key != "lessons"
        },
        "acknowledgements": Acknowledgement.objects.count(),
        "completions": Completion.objects.count(),
    }


def test_no_text_of_the_organization_names_the_person_after_erasure(personas, erased):
    changed = registry.get("trust").erase_person(erased, pseudonym_for(erased.user))

    assert changed > 0
    remaining = rows_naming([NAME, EMAIL])
    assert remaining  # Globex's rows still name them
    assert {organization_of_row(row) for row in remaining} == {personas.other_org.pk}


def test_the_register_keeps_its_incidents_without_the_person(personas, erased):
    person = erased.user
    pseudonym = pseudonym_for(person)
    incidents = Incident.objects.filter(organization=personas.org)
    count = incidents.count()

    registry.get("trust").erase_person(erased, pseudonym)

    assert incidents.count() == count
    assert not incidents.filter(reported_by=person).exists()
    assert not incidents.filter(handler=person).exists()
    assert incidents.filter(reported_by=personas.manager, handler=personas.manager).count() == 2
    assert set(incidents.filter(anonymous=True).values_list("what_happened", flat=True)) == {
        f"{pseudonym.name} shared a patient's photo"
    }
    assert not GuidelineVersion.objects.filter(
        guideline__organization=personas.org, published_by=person
    ).exists()


def test_acknowledgements_and_training_results_stay_as_counts(personas, erased):
    before = figures(personas.rollout)

    registry.get("trust").erase_person(erased, pseudonym_for(erased.user))

    assert figures(personas.rollout) == before
    assert Acknowledgement.objects.filter(user=erased.user).count() == 3


def test_another_organization_of_the_person_is_untouched(personas, erased):
    org_b = personas.other_org

    def state():
        return {
            model.__name__: sorted(map(str, model._default_manager.filter(**{lookup: org_b.pk}).values()))
            for model, lookup in [
                (Incident, "organization_id"),
                (GuidelineVersion, "guideline__organization_id"),
                (Acknowledgement, "version__guideline__organization_id"),
                (Completion, "module__organization_id"),
            ]
        }

    before = state()
    registry.get("trust").erase_person(erased, pseudonym_for(erased.user))
    assert state() == before


def test_erasure_costs_the_same_queries_for_few_and_many_records(db):
    def erase(n):
        org = OrganizationFactory()
        RolloutFactory(organization=org)
        person = UserFactory(full_name=f"Erased {n}")
        membership = MembershipFactory(organization=org, user=person)
        manager = MembershipFactory(organization=org, role=Role.MANAGER).user
        world(org, person, manager, n=n)
        with CaptureQueriesContext(connection) as queries:
            changed = registry.get("trust").erase_person(membership, pseudonym_for(person))
        return len(queries), changed

    few, many = erase(1), erase(6)
    assert many[1] > few[1]
    assert many[0] == few[0]

"""Erasing a person from the strategy (GDPR article 17): the worksheets they own, submitted or
approved no longer name them, nor does any text or list of the organization's worksheets, their
history included."""

from datetime import date
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from rollout.models import Role
from rollout.privacy import pseudonym_for
from rollout.steps import registry
from strategy.audiences import audiences
from strategy.completeness import annotate_counts, completeness
from strategy.models import Audience, Stakeholder, SuccessMetric, Worksheet

from ..erasure import rows_naming as shared_rows_naming
from ..factories import MembershipFactory, OrganizationFactory, RolloutFactory, UserFactory

NAME, EMAIL = "Max Mustermann", "max.mustermann@acme.example"


def rows_naming(needles):
    return shared_rows_naming("strategy", needles)


def organization_of_row(row):
    name, pk = row
    instance = apps.get_model("strategy", name)._default_manager.get(pk=pk)
    worksheet = (
        instance if isinstance(instance, Worksheet) or name == "HistoricalWorksheet" else instance.worksheet
    )
    return worksheet.rollout.organization_id


def world(rollout, person, manager, n=1):
    """A worksheet of `rollout` the person owns, with n rows of each kind naming them, its history
    written by them."""
    worksheet = Worksheet.objects.create(
        rollout=rollout,
        status=Worksheet.Status.APPROVED,
        business_owner=person,
        budget_holder=manager,
        process_manager=person,
        submitted_by=person,
        approved_by=manager,
        purpose_notes=f"{NAME} wants answers in a day.",
        review_comment=f"Fine, {NAME}.",
        main_purpose="knowledge_sharing",
    )
    for i in range(n):
        Stakeholder.objects.create(
            worksheet=worksheet, name=NAME, need=f"Write to {EMAIL}", involvement=f"{i}"
        )
        Audience.objects.create(
            worksheet=worksheet,
            name=f"Pilot group {i}",
            people=f"kim@acme.example\n{EMAIL.upper()}\nlee@acme.example",
        )
        SuccessMetric.objects.create(
            worksheet=worksheet,
            metric_key="custom",
            custom_name=f"Questions answered by {NAME}",
            baseline=Decimal(0),
            target=Decimal(10),
            target_date=date(2026, 12, 31),
        )
    Worksheet.history.filter(id=worksheet.pk).update(history_user=person)
    for tracked in (Stakeholder, Audience, SuccessMetric):
        tracked.history.filter(worksheet_id=worksheet.pk).update(history_user=person)
    return worksheet


@pytest.fixture
def erased(personas):
    """The person (a member of Acme and of Globex) and the worksheets of both."""
    person = UserFactory(email=EMAIL, full_name=NAME)
    membership = MembershipFactory(organization=personas.org, user=person, role=Role.MANAGER)
    MembershipFactory(organization=personas.other_org, user=person)
    world(personas.other_rollout, person, personas.outsider)
    world(personas.rollout, person, personas.manager, n=2)
    return membership


def test_no_text_of_the_organization_names_the_person_after_erasure(personas, erased):
    changed = registry.get("strategize").erase_person(erased, pseudonym_for(erased.user))

    assert changed > 0
    remaining = rows_naming([NAME, EMAIL])
    assert any(name.startswith("Historical") for name, _ in remaining)  # Globex's history too
    assert {organization_of_row(row) for row in remaining} == {personas.other_org.pk}


def test_the_worksheet_no_longer_names_the_person_as_owner_or_author(personas, erased):
    person = erased.user
    erase = registry.get("strategize").erase_person

    erase(erased, pseudonym_for(person))

    worksheet = Worksheet.objects.get(rollout=personas.rollout)
    assert (worksheet.business_owner, worksheet.process_manager, worksheet.submitted_by) == (None, None, None)
    assert (worksheet.budget_holder, worksheet.approved_by) == (personas.manager, personas.manager)
    assert worksheet.status == Worksheet.Status.APPROVED
    history = Worksheet.history.filter(rollout=personas.rollout)
    assert not history.filter(history_user=person).exists()
    assert not history.filter(business_owner=person).exists()
    assert Worksheet.history.filter(rollout=personas.other_rollout, history_user=person).exists()


def test_listed_audiences_keep_their_size_and_no_longer_reach_the_person(personas, erased):
    pseudonym = pseudonym_for(erased.user)
    sizes = sorted(len(spec.people) for spec in audiences(personas.rollout))

    registry.get("strategize").erase_person(erased, pseudonym)

    specs = audiences(personas.rollout)
    assert sorted(len(spec.people) for spec in specs) == sizes
    assert all(EMAIL not in spec.people and pseudonym.email in spec.people for spec in specs)


def test_the_other_sections_of_the_worksheet_are_as_complete_as_before(personas, erased):
    def sections():
        worksheet = annotate_counts(Worksheet.objects.filter(rollout=personas.rollout)).get()
        by_section = completeness(worksheet)[1]
        by_section.pop("ownership")  # the person owned it: it asks for a new owner now
        return by_section, list(SuccessMetric.objects.filter(worksheet=worksheet).values_list("pk", "target"))

    before = sections()
    registry.get("strategize").erase_person(erased, pseudonym_for(erased.user))
    assert sections() == before


def test_another_organization_of_the_person_is_untouched(personas, erased):
    def state():
        worksheet = Worksheet.objects.get(rollout=personas.other_rollout)
        return {
            model.__name__: sorted(map(str, model._default_manager.filter(**lookup).values()))
            for model, lookup in [
                (Worksheet, {"pk": worksheet.pk}),
                (Worksheet.history.model, {"id": worksheet.pk}),
                (Stakeholder, {"worksheet": worksheet}),
                (Audience, {"worksheet": worksheet}),
                (Audience.history.model, {"worksheet": worksheet}),
            ]
        }

    before = state()
    registry.get("strategize").erase_person(erased, pseudonym_for(erased.user))
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
            changed = registry.get("strategize").erase_person(membership, pseudonym_for(person))
        return len(queries), changed

    few, many = erase(1), erase(6)
    assert many[1] > few[1]
    assert many[0] == few[0]

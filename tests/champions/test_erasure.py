"""Erasing a person from the champion step (GDPR article 17): their contact details go, their
roles stop serving, the sessions stay for the figures, and no text of the organization names them
any more."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from champions.models import Champion, ChampionEvent, SupportSession, active_on
from champions.selectors import health_figures
from rollout.data_versions import organization_of
from rollout.models import Role
from rollout.privacy import pseudonym_for
from rollout.steps import registry

from ..erasure import rows_naming as shared_rows_naming
from ..factories import MembershipFactory, OrganizationFactory, RolloutFactory, UnitFactory, UserFactory
from .factories import ChampionEventFactory, ChampionFactory, SkillFactory, SupportSessionFactory

NAME, EMAIL = "Max Mustermann", "max.mustermann@acme.example"


def rows_naming(needles):
    return shared_rows_naming("champions", needles)


def organization_of_row(row):
    name, pk = row
    return organization_of(apps.get_model("champions", name)._default_manager.get(pk=pk))


def world(rollout, person, manager, n=1):
    """The person as an active champion of `rollout` with n sessions logged, n sessions where
    another champion helped them, and others' texts naming them."""
    org = rollout.organization
    unit = UnitFactory(organization=org, headcount=30)
    mine = ChampionFactory(
        rollout=rollout,
        user=person,
        units=[unit],
        chat_link=f"https://teams.example/chat?with={EMAIL}",
        office_hours="Tuesdays 12:00, Ward B",
        languages="English, German",
        motivation=f"{NAME} already helps everyone.",
        readiness_override="Training booked for next week",
        readiness_override_by=manager,
        nominated_by=manager,
    )
    colleague = ChampionFactory(rollout=rollout, units=[unit], nominated_by=person, decided_by=person)
    ChampionFactory(rollout=rollout, status=Champion.Status.NOMINATED, nominated_by=person)
    SkillFactory(organization=org, name=f"Ask {NAME}")
    for i in range(n):
        SupportSessionFactory(champion=mine, other_topic=f"Teams setup {i}", minutes=20)
        SupportSessionFactory(
            champion=colleague, helped_person=person, other_topic=f"{NAME}'s phone", minutes=10
        )
    ChampionEventFactory(champion=mine, title=f"Drop-in with {NAME}", created_by=person)
    ChampionEventFactory(champion=colleague, where=f"{NAME}'s desk", created_by=manager)
    return mine


@pytest.fixture
def erased(personas):
    """The person (a member of Acme and of Globex) and their records in both."""
    person = UserFactory(email=EMAIL, full_name=NAME)
    membership = MembershipFactory(organization=personas.org, user=person, role=Role.CHAMPION)
    MembershipFactory(organization=personas.other_org, user=person)
    world(personas.rollout, person, personas.manager, n=2)
    world(personas.other_rollout, person, personas.outsider)
    return membership


def session_figures(rollout):
    _, sessions, *_ = health_figures([rollout], timezone.now())
    rows = SupportSession.objects.filter(rollout=rollout)
    return {
        "sessions": sessions,
        "logged": sorted(rows.values_list("pk", "champion_id", "minutes", "happened_at")),
        "covered yesterday": Champion.objects.filter(
            active_on(timezone.localdate() - timedelta(days=1)), rollout=rollout
        ).count(),
    }


def test_no_text_of_the_organization_names_the_person_after_erasure(personas, erased):
    changed = registry.get("champion").erase_person(erased, pseudonym_for(erased.user))

    assert changed > 0
    remaining = rows_naming([NAME, EMAIL])
    assert remaining  # Globex's rows still name them
    assert {organization_of_row(row) for row in remaining} == {personas.other_org.pk}


def test_contact_details_go_and_the_roles_stop_serving(personas, erased):
    person, rollout = erased.user, personas.rollout

    registry.get("champion").erase_person(erased, pseudonym_for(person))

    role = Champion.objects.get(rollout=rollout, user=person)
    assert (role.chat_link, role.office_hours, role.languages, role.motivation, role.readiness_override) == (
        "",
        "",
        "",
        "",
        "",
    )
    assert role.status == Champion.Status.STEPPED_DOWN
    assert role.stepped_down_on == timezone.localdate()
    assert role.units.count() == 1
    champions = Champion.objects.filter(rollout=rollout)
    assert not champions.filter(nominated_by=person).exists()
    assert not champions.filter(decided_by=person).exists()
    assert not ChampionEvent.objects.filter(rollout=rollout, created_by=person).exists()


def test_the_sessions_stay_for_the_figures_without_the_person_helped(personas, erased):
    person, rollout = erased.user, personas.rollout
    before = session_figures(rollout)

    registry.get("champion").erase_person(erased, pseudonym_for(person))

    assert session_figures(rollout) == before
    assert not SupportSession.objects.filter(rollout=rollout, helped_person=person).exists()
    assert SupportSession.objects.filter(rollout=rollout, champion__user=person).count() == 2


def test_another_organization_of_the_person_is_untouched(personas, erased):
    rollout_b = personas.other_rollout

    def state():
        return {
            model.__name__: sorted(map(str, model._default_manager.filter(rollout=rollout_b).values()))
            for model in (Champion, SupportSession, ChampionEvent)
        }

    before = state()
    registry.get("champion").erase_person(erased, pseudonym_for(erased.user))
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
            changed = registry.get("champion").erase_person(membership, pseudonym_for(person))
        return len(queries), changed

    few, many = erase(1), erase(6)
    assert many[1] > few[1]
    assert many[0] == few[0]

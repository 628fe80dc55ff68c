from datetime import date

import pytest
import time_machine
from django.urls import reverse

from champions.models import Champion
from rollout.models import Membership, Role

from ..factories import MembershipFactory, UnitFactory
from .factories import ChampionFactory

pytestmark = pytest.mark.django_db


def nominate_url(p):
    return reverse("champions:nominate", args=[p.rollout.pk])


def test_a_manager_nominates_someone_in_the_organization(client_as, personas):
    response = client_as(personas.manager).post(
        nominate_url(personas),
        {"person": personas.member.pk, "units": [personas.unit.pk], "motivation": "Everyone asks her."},
    )
    assert response.status_code == 302
    nominee = Champion.objects.get(rollout=personas.rollout, user=personas.member)
    assert nominee.status == Champion.Status.NOMINATED
    assert nominee.nominated_by == personas.manager
    assert list(nominee.units.all()) == [personas.unit]


def test_a_member_nominates_themselves_and_cannot_name_someone_else(client_as, personas):
    client = client_as(personas.member)
    form = client.get(nominate_url(personas)).context["form"]
    assert "person" not in form.fields
    client.post(nominate_url(personas), {"person": personas.leader.pk, "motivation": "I like helping."})
    assert list(Champion.objects.values_list("user", flat=True)) == [personas.member.pk]


def test_someone_already_nominated_cannot_be_nominated_twice(client_as, personas):
    ChampionFactory(rollout=personas.rollout, user=personas.member, status=Champion.Status.NOMINATED)
    response = client_as(personas.manager).post(nominate_url(personas), {"person": personas.member.pk})
    assert response.status_code == 200
    assert "already nominated" in str(response.context["form"].non_field_errors())
    assert Champion.objects.count() == 1


def test_a_person_of_another_organization_cannot_be_nominated(client_as, personas):
    response = client_as(personas.manager).post(nominate_url(personas), {"person": personas.outsider.pk})
    assert "person" in response.context["form"].errors
    assert not Champion.objects.exists()


@time_machine.travel("2026-05-04 09:00 +00:00", tick=False)
def test_approving_a_nomination_makes_an_active_champion_and_a_second_click_changes_nothing(
    client_as, personas
):
    nominee = ChampionFactory(
        rollout=personas.rollout, user=personas.member, status=Champion.Status.NOMINATED, start_date=None
    )
    client = client_as(personas.manager)
    url = reverse("champions:decide", args=[personas.rollout.pk, nominee.pk])
    client.post(url, {"decision": "approve"})
    nominee.refresh_from_db()
    assert (nominee.status, nominee.start_date, nominee.decided_by) == (
        "active",
        date(2026, 5, 4),
        personas.manager,
    )
    # An approved member becomes a champion of the organization, so the champion pages open.
    assert Membership.objects.get(user=personas.member, organization=personas.org).role == Role.CHAMPION
    response = client.post(url, {"decision": "decline"}, follow=True)
    nominee.refresh_from_db()
    assert nominee.status == "active"
    assert "already decided" in response.text


def test_declining_a_nomination_keeps_the_role(client_as, personas):
    nominee = ChampionFactory(
        rollout=personas.rollout, user=personas.member, status=Champion.Status.NOMINATED
    )
    client_as(personas.admin).post(
        reverse("champions:decide", args=[personas.rollout.pk, nominee.pk]), {"decision": "decline"}
    )
    nominee.refresh_from_db()
    assert nominee.status == Champion.Status.DECLINED
    assert Membership.objects.get(user=personas.member, organization=personas.org).role == Role.MEMBER


def test_a_champion_of_another_rollout_cannot_be_decided_through_this_one(client_as, personas):
    foreign = ChampionFactory(rollout=personas.other_rollout, status=Champion.Status.NOMINATED)
    response = client_as(personas.manager).post(
        reverse("champions:decide", args=[personas.rollout.pk, foreign.pk]), {"decision": "approve"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.status == Champion.Status.NOMINATED


def test_a_champion_edits_their_own_profile_but_not_a_colleagues(client_as, personas, champion, skills):
    client = client_as(personas.champion)
    location = UnitFactory(organization=personas.org, name="Tacoma", kind="location")
    response = client.post(
        reverse("champions:champion_edit", args=[personas.rollout.pk, champion.pk]),
        {
            "location": location.pk,
            "skills": [skills[0].pk],
            "languages": "English, Spanish",
            "shift": "night",
            "time_zone": "America/Los_Angeles",
            "status": "stepped_down",  # not a field of the champion's own form: ignored
        },
    )
    assert response.status_code == 302
    champion.refresh_from_db()
    assert champion.language_list == ["English", "Spanish"]
    assert (champion.shift, champion.location, champion.status) == ("night", location, "active")
    colleague = ChampionFactory(
        rollout=personas.rollout, user=MembershipFactory(organization=personas.org, role="champion").user
    )
    response = client.get(reverse("champions:champion_edit", args=[personas.rollout.pk, colleague.pk]))
    assert response.status_code == 403


@time_machine.travel("2026-06-01 12:00 +00:00", tick=False)
def test_a_manager_records_that_a_champion_stepped_down(client_as, personas, champion):
    response = client_as(personas.manager).post(
        reverse("champions:champion_edit", args=[personas.rollout.pk, champion.pk]),
        {
            "units": [personas.unit.pk],
            "shift": "day",
            "time_zone": "UTC",
            "start_date": "2026-01-05",
            "status": "stepped_down",
        },
    )
    assert response.status_code == 302
    champion.refresh_from_db()
    assert (champion.status, champion.stepped_down_on) == ("stepped_down", date(2026, 6, 1))


def test_a_location_must_be_a_location_of_this_organization(client_as, personas, champion):
    department = UnitFactory(organization=personas.org, name="Finance", kind="department")
    response = client_as(personas.champion).post(
        reverse("champions:champion_edit", args=[personas.rollout.pk, champion.pk]),
        {"location": department.pk, "shift": "day", "time_zone": "UTC"},
    )
    assert "location" in response.context["form"].errors


def test_the_network_lists_champions_with_their_profile_and_filters_quiet_ones(client_as, personas, champion):
    response = client_as(personas.leader).get(reverse("champions:network", args=[personas.rollout.pk]))
    assert "Champion" in response.text and "Sales" in response.text
    assert "Approve" not in response.text
    response = client_as(personas.leader).get(
        reverse("champions:network", args=[personas.rollout.pk]), {"status": "quiet"}
    )
    assert list(response.context["page"].object_list) == [champion]

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout.models import Rollout

from .factories import PlatformFactory, RolloutFactory
from .pages import query_counts

pytestmark = pytest.mark.django_db


def test_the_list_shows_own_rollouts_only(client_as, personas):
    response = client_as(personas.leader).get(reverse("rollout:list"))
    assert "Engage for all" in response.text
    assert "Globex chat" not in response.text


def test_the_list_filters_by_status(client_as, personas):
    RolloutFactory(organization=personas.org, name="Pilot in Tacoma", status=Rollout.Status.PILOT)
    client = client_as(personas.manager)
    response = client.get(reverse("rollout:list"), {"status": "pilot"})
    assert "Pilot in Tacoma" in response.text
    assert "Engage for all" not in response.text
    response = client.get(reverse("rollout:list"), {"q": "tacoma"})
    assert "Pilot in Tacoma" in response.text
    assert "Engage for all" not in response.text


def test_the_list_paginates(client_as, personas):
    RolloutFactory.create_batch(30, organization=personas.org, platform=personas.platform)
    response = client_as(personas.manager).get(reverse("rollout:list"))
    assert "Page 1 of 2" in response.text
    assert len(response.context["rows"]) == 25


def test_a_manager_creates_a_rollout(client_as, personas):
    response = client_as(personas.manager).post(
        reverse("rollout:create"),
        {
            "name": "Slack for engineering",
            "platform": personas.platform.pk,
            "status": "planning",
            "owner": personas.manager.pk,
            "purpose": "Fewer emails.",
            "start_date": "2027-01-04",
            "target_date": "2027-03-31",
        },
    )
    rollout = Rollout.objects.get(name="Slack for engineering")
    assert response.status_code == 302
    assert response["Location"] == reverse("rollout:overview", args=[rollout.pk])
    assert rollout.organization == personas.org
    assert rollout.target_date == date(2027, 3, 31)


@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"target_date": "2026-12-01"}, "target_date", "must not be before the start"),
        ({"name": "engage FOR all"}, "name", "already has one called"),
        ({"name": ""}, "name", "This field is required"),
        ({"start_date": "31/31/2027"}, "start_date", "Enter a valid date"),
    ],
)
def test_bad_rollout_input_rerenders_with_the_error_and_saves_nothing(
    client_as, personas, change, field, message
):
    data = {
        "name": "New one",
        "platform": personas.platform.pk,
        "status": "planning",
        "start_date": "2027-01-04",
    }
    data.update(change)
    response = client_as(personas.manager).post(reverse("rollout:create"), data)
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Rollout.objects.filter(organization=personas.org).count() == 1


def test_another_organizations_platform_cannot_be_chosen(client_as, personas):
    foreign = PlatformFactory(organization=personas.other_org)
    response = client_as(personas.manager).post(
        reverse("rollout:create"), {"name": "Sneaky", "platform": foreign.pk, "status": "planning"}
    )
    assert "platform" in response.context["form"].errors
    assert not Rollout.objects.filter(name="Sneaky").exists()


def test_an_admin_edits_a_rollout(client_as, personas):
    url = reverse("rollout:edit", args=[personas.rollout.pk])
    client = client_as(personas.admin)
    assert client.get(url).context["form"].initial["name"] == "Engage for all"
    response = client.post(
        url, {"name": "Engage for everyone", "platform": personas.platform.pk, "status": "paused"}
    )
    assert response.status_code == 302
    personas.rollout.refresh_from_db()
    assert (personas.rollout.name, personas.rollout.status) == ("Engage for everyone", "paused")


def test_the_overview_shows_the_six_steps_in_order_with_where_to_start(client_as, personas):
    response = client_as(personas.champion).get(reverse("rollout:overview", args=[personas.rollout.pk]))
    text = response.text
    names = ["Strategize", "Incentivize", "Trust", "Champion", "Engage", "Review"]
    positions = [text.index(f"</span> {name}</h3>") for name in names]
    assert positions == sorted(positions)
    assert text.count("Nothing has been recorded for this step yet.") >= 6
    assert "Write the strategy worksheet" in text
    assert reverse("rollout:step", args=[personas.rollout.pk, "strategize"]) in text


def test_a_step_page_shows_its_questions(client_as, personas):
    response = client_as(personas.leader).get(reverse("rollout:step", args=[personas.rollout.pk, "champion"]))
    assert "Step 4: Champion" in response.text
    assert "Where are the gaps" in response.text


def test_an_unknown_step_is_404(client_as, personas):
    response = client_as(personas.leader).get(reverse("rollout:step", args=[personas.rollout.pk, "nonsense"]))
    assert response.status_code == 404


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("url_name", ["rollout:list", "rollout:overview"])
def test_query_count_does_not_grow_with_the_number_of_rollouts(client_as, personas, url_name):
    client = client_as(personas.manager)
    url = reverse(url_name, **({"args": [personas.rollout.pk]} if url_name == "rollout:overview" else {}))
    RolloutFactory.create_batch(
        2, organization=personas.org, platform=personas.platform, owner=personas.admin
    )
    at_3 = query_counts(client, url)
    RolloutFactory.create_batch(27, organization=personas.org, owner=personas.leader)
    at_30 = query_counts(client, url)
    assert at_3 == at_30


def test_an_owner_who_belongs_to_two_organizations_can_be_chosen(client_as, personas):
    from rollout.models import Role

    from .factories import MembershipFactory

    MembershipFactory(user=personas.admin, organization=personas.other_org, role=Role.ADMIN)
    response = client_as(personas.manager).post(
        reverse("rollout:create"),
        {"name": "Owned", "platform": personas.platform.pk, "status": "planning", "owner": personas.admin.pk},
    )
    assert response.status_code == 302
    assert Rollout.objects.get(name="Owned").owner == personas.admin

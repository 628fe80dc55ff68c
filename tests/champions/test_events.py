"""Drop-ins and training sessions: managers plan any, a champion plans and changes their own."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from champions.models import ChampionEvent

from ..factories import MembershipFactory
from .factories import ChampionEventFactory, ChampionFactory

pytestmark = pytest.mark.django_db


def values(**changes):
    starts = timezone.localtime() + timedelta(days=2)
    data = {
        "kind": "drop_in",
        "title": "Viva Engage drop-in",
        "starts_at": starts.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (starts + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
        "where": "Ward B staff room",
    }
    data.update(changes)
    return data


def test_a_champion_plans_a_drop_in_they_run(client_as, personas, champion):
    url = reverse("champions:event_create", args=[personas.rollout.pk])
    response = client_as(personas.champion).post(url, values(units=[personas.unit.pk]))
    assert response.status_code == 302
    event = ChampionEvent.objects.get()
    assert (event.champion, event.rollout, list(event.units.all())) == (
        champion,
        personas.rollout,
        [personas.unit],
    )


def test_a_manager_picks_who_runs_it(client_as, personas, champion):
    url = reverse("champions:event_create", args=[personas.rollout.pk])
    client_as(personas.manager).post(url, values(champion=champion.pk, kind="training"))
    event = ChampionEvent.objects.get()
    assert (event.champion, event.kind, event.units.count()) == (champion, "training", 0)


@pytest.mark.parametrize(
    "changes, error",
    [
        (
            {"ends_at": "2030-01-01T09:00", "starts_at": "2030-01-01T10:00"},
            "The end must be after the start.",
        ),
        ({"starts_at": "2030-01-01T08:00", "ends_at": "2030-01-01T22:00"}, "at most 12 hours"),
        ({"starts_at": "2020-01-01T08:00", "ends_at": "2020-01-01T09:00"}, "This is in the past"),
        ({"where": ""}, "This field is required."),
    ],
)
def test_an_impossible_event_is_refused_with_the_reason(client_as, personas, champion, changes, error):
    url = reverse("champions:event_create", args=[personas.rollout.pk])
    response = client_as(personas.champion).post(url, values(**changes))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not ChampionEvent.objects.exists()


def test_a_champion_cannot_change_another_champions_event(client_as, personas, champion):
    colleague = ChampionFactory(
        rollout=personas.rollout, user=MembershipFactory(organization=personas.org, role="champion").user
    )
    event = ChampionEventFactory(champion=colleague)
    client = client_as(personas.champion)
    assert (
        client.get(reverse("champions:event_edit", args=[personas.rollout.pk, event.pk])).status_code == 403
    )
    assert (
        client.post(reverse("champions:event_delete", args=[personas.rollout.pk, event.pk])).status_code
        == 403
    )
    assert ChampionEvent.objects.filter(pk=event.pk).exists()


def test_a_champion_who_is_not_active_cannot_plan_sessions(client_as, personas):
    ChampionFactory(rollout=personas.rollout, user=personas.champion, status="stepped_down")
    response = client_as(personas.champion).get(reverse("champions:event_create", args=[personas.rollout.pk]))
    assert response.status_code == 403


def test_editing_keeps_a_past_start_and_deleting_removes_it(client_as, personas, champion):
    event = ChampionEventFactory(champion=champion, starts_at=timezone.now() - timedelta(minutes=30))
    client = client_as(personas.manager)
    edit = reverse("champions:event_edit", args=[personas.rollout.pk, event.pk])
    starts = timezone.localtime(event.starts_at)
    response = client.post(
        edit,
        values(
            title="Renamed",
            champion=champion.pk,
            starts_at=starts.strftime("%Y-%m-%dT%H:%M"),
            ends_at=(starts + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        ),
    )
    assert response.status_code == 302
    event.refresh_from_db()
    assert event.title == "Renamed"
    client.post(reverse("champions:event_delete", args=[personas.rollout.pk, event.pk]))
    assert not ChampionEvent.objects.exists()


def test_the_list_shows_what_is_coming_up_and_what_is_past(client_as, personas, champion):
    ChampionEventFactory(champion=champion, title="Tomorrow")
    ChampionEventFactory(champion=champion, title="Last week", starts_at=timezone.now() - timedelta(days=7))
    client = client_as(personas.leader)
    url = reverse("champions:events", args=[personas.rollout.pk])
    coming = client.get(url).content.decode()
    assert "Tomorrow" in coming and "Last week" not in coming
    assert "Plan a session" not in coming  # leaders read, they do not plan
    past = client.get(url, {"when": "past"}).content.decode()
    assert "Last week" in past and "Tomorrow" not in past

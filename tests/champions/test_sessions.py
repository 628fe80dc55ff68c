import uuid
from datetime import date, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from champions.models import SupportSession

from ..factories import UnitFactory
from .factories import ChampionFactory, SupportSessionFactory

pytestmark = pytest.mark.django_db

NOW = "2026-05-04 10:00 +00:00"


def log_url(p):
    return reverse("champions:log", args=[p.rollout.pk])


def good_data(p, skills, **change):
    data = {
        "token": str(uuid.uuid4()),
        "happened_at": "2026-05-04T09:30",
        "minutes": "20",
        "people_helped": "3",
        "topics": [skills[1].pk],
        "other_topic": "",
        "channel": "office_hours",
        "outcome": "resolved",
        "follow_up_on": "",
        "helped_email": "",
        "helped_unit": "",
    }
    data.update(change)
    return data


@time_machine.travel(NOW, tick=False)
def test_a_champion_logs_a_session_and_the_form_defaults_to_now(client_as, personas, champion, skills):
    personas.org.timezone = "America/Los_Angeles"
    personas.org.save()
    client = client_as(personas.champion)
    # Now, in the organization's time zone (10:00 UTC is 03:00 in Seattle).
    assert 'value="2026-05-04T03:00"' in client.get(log_url(personas)).text
    response = client.post(
        log_url(personas),
        good_data(
            personas,
            skills,
            happened_at="2026-05-04T02:30",
            helped_email="MEMBER@acme.example",
            outcome="follow_up",
            follow_up_on="2026-05-08",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("champions:home", args=[personas.rollout.pk])
    session = SupportSession.objects.get()
    assert (session.champion, session.rollout, session.minutes, session.people_helped) == (
        champion,
        personas.rollout,
        20,
        3,
    )
    assert session.happened_at.isoformat() == "2026-05-04T09:30:00+00:00"
    assert list(session.topics.all()) == [skills[1]]
    assert session.helped_person == personas.member
    assert session.helped_unit == personas.unit  # taken from the person's membership
    assert session.follow_up_open


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize(
    "change, field, message",
    [
        ({"minutes": "0"}, "minutes", "greater than or equal to 1"),
        ({"minutes": "abc"}, "minutes", "Enter a whole number"),
        ({"minutes": "900"}, "minutes", "less than or equal to 480"),
        ({"people_helped": ""}, "people_helped", "required"),
        ({"happened_at": "2026-05-05T09:00"}, "happened_at", "in the future"),
        ({"happened_at": "2026-01-01T09:00"}, "happened_at", "older than 60 days"),
        ({"happened_at": "yesterday"}, "happened_at", "Enter a valid date/time"),
        ({"topics": [], "other_topic": "  "}, "topics", "at least one topic"),
        ({"outcome": "follow_up"}, "follow_up_on", "by when you will follow up"),
        ({"outcome": "follow_up", "follow_up_on": "2026-05-01"}, "follow_up_on", "cannot be before"),
        ({"channel": "pigeon"}, "channel", "Select a valid choice"),
        ({"helped_email": "stranger@example.com"}, "helped_email", "No one with this email"),
        ({"token": ""}, "token", "required"),
    ],
)
def test_bad_input_rerenders_the_log_form_with_the_error_and_saves_nothing(
    client_as, personas, champion, skills, change, field, message
):
    response = client_as(personas.champion).post(log_url(personas), good_data(personas, skills, **change))
    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert not SupportSession.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_topic_or_unit_of_another_organization_is_refused(client_as, personas, champion, skills):
    foreign_unit = UnitFactory(organization=personas.other_org)
    response = client_as(personas.champion).post(
        log_url(personas), good_data(personas, skills, helped_unit=foreign_unit.pk)
    )
    assert "helped_unit" in response.context["form"].errors
    assert not SupportSession.objects.exists()


@time_machine.travel(NOW, tick=False)
def test_a_double_tap_logs_the_session_once(client_as, personas, champion, skills):
    client = client_as(personas.champion)
    data = good_data(personas, skills)
    first = client.post(log_url(personas), data)
    second = client.post(log_url(personas), data, follow=True)
    assert first.status_code == 302
    assert SupportSession.objects.count() == 1
    assert "already logged" in second.text
    client.post(log_url(personas), good_data(personas, skills))  # a fresh form is a new session
    assert SupportSession.objects.count() == 2


def test_only_an_active_champion_of_this_rollout_logs(client_as, personas, champion):
    champion.status = "stepped_down"
    champion.save()
    assert client_as(personas.champion).get(log_url(personas)).status_code == 403
    assert client_as(personas.manager).get(log_url(personas)).status_code == 403


def test_a_champion_edits_their_session_for_seven_days_and_then_not(client_as, personas, champion, skills):
    with time_machine.travel("2026-05-04 10:00 +00:00", tick=False):
        session = SupportSessionFactory(champion=champion, topics=[skills[0]])
    url = reverse("champions:session_edit", args=[personas.rollout.pk, session.pk])
    client = client_as(personas.champion)
    with time_machine.travel("2026-05-11 09:59 +00:00", tick=False):
        response = client.post(url, good_data(personas, skills, happened_at="2026-05-04T10:00", minutes="45"))
        assert response.status_code == 302
    with time_machine.travel("2026-05-11 10:01 +00:00", tick=False):
        assert client.get(url).status_code == 403
        delete = reverse("champions:session_delete", args=[personas.rollout.pk, session.pk])
        assert client.post(delete).status_code == 403
        # A manager corrects any session, at any time.
        assert client_as(personas.manager).post(delete).status_code == 302
    assert not SupportSession.objects.exists()


def test_a_champion_cannot_change_a_colleagues_session(client_as, personas, champion):
    colleague = ChampionFactory(rollout=personas.rollout)
    session = SupportSessionFactory(champion=colleague)
    client = client_as(personas.champion)
    edit = reverse("champions:session_edit", args=[personas.rollout.pk, session.pk])
    delete = reverse("champions:session_delete", args=[personas.rollout.pk, session.pk])
    assert client.get(edit).status_code == 403
    assert client.post(delete).status_code == 403
    assert SupportSession.objects.filter(pk=session.pk).exists()


def test_a_session_of_another_organization_is_404(client_as, personas):
    foreign = SupportSessionFactory(champion=ChampionFactory(rollout=personas.other_rollout))
    url = reverse("champions:session_edit", args=[personas.rollout.pk, foreign.pk])
    assert client_as(personas.manager).get(url).status_code == 404


def test_champions_see_their_own_sessions_and_managers_see_all(client_as, personas, champion):
    mine = SupportSessionFactory(champion=champion, other_topic="Hashtags for the ward")
    SupportSessionFactory(champion=ChampionFactory(rollout=personas.rollout), other_topic="Resizing photos")
    url = reverse("champions:sessions", args=[personas.rollout.pk])
    assert list(client_as(personas.champion).get(url).context["page"]) == [mine]
    response = client_as(personas.manager).get(url)
    assert response.context["page"].paginator.count == 2
    assert "Resizing photos" in response.text


def test_closing_a_follow_up_removes_it_from_the_home_page(client_as, personas, champion):
    session = SupportSessionFactory(champion=champion, outcome="follow_up", follow_up_on=date.today())
    client = client_as(personas.champion)
    home = reverse("champions:home", args=[personas.rollout.pk])
    assert list(client.get(home).context["my_follow_ups"]) == [session]
    client.post(reverse("champions:follow_up_done", args=[personas.rollout.pk, session.pk]))
    assert list(client.get(home).context["my_follow_ups"]) == []
    session.refresh_from_db()
    assert session.follow_up_done_at is not None


def test_the_champion_home_shows_recent_sessions_follow_ups_and_my_units(client_as, personas, champion):
    SupportSessionFactory(
        champion=champion, other_topic="Tagging posts", happened_at=timezone.now() - timedelta(hours=1)
    )
    response = client_as(personas.champion).get(reverse("champions:home", args=[personas.rollout.pk]))
    assert "Log a session" in response.text
    assert "Tagging posts" in response.text
    [row] = response.context["my_coverage"]
    assert (row.unit, row.ratio_label) == (personas.unit, "1 per 60")


def test_my_sessions_lists_my_sessions_across_rollouts_of_this_organization(client_as, personas, champion):
    SupportSessionFactory(champion=champion, other_topic="First")
    SupportSessionFactory(champion=ChampionFactory(rollout=personas.other_rollout, user=personas.champion))
    response = client_as(personas.champion).get(reverse("champions_org:my_sessions"))
    assert response.context["page"].paginator.count == 1


@time_machine.travel(NOW, tick=False)
def test_the_service_logs_from_plain_values_once_per_token(personas, champion, skills):
    from champions import services

    token = uuid.uuid4()
    helped = personas.org.memberships.get(user=personas.member)
    values = {
        "token": token,
        "happened_at": timezone.now() - timedelta(minutes=30),
        "minutes": 20,
        "people_helped": 2,
        "topics": [skills[0], skills[2]],
        "outcome": SupportSession.Outcome.FOLLOW_UP,
        "follow_up_on": date(2026, 5, 8),
        "helped": helped,
    }
    session, created = services.log_support_session(champion, **values)
    again, created_again = services.log_support_session(champion, **values)
    assert (created, created_again, again) == (True, False, session)
    assert SupportSession.objects.count() == 1
    session.refresh_from_db()
    assert (session.rollout, session.token, session.minutes, session.people_helped) == (
        personas.rollout,
        token,
        20,
        2,
    )
    assert set(session.topics.all()) == {skills[0], skills[2]}
    assert (session.helped_person, session.helped_unit) == (personas.member, helped.unit)
    assert session.follow_up_open

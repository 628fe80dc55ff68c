"""Recognition (kudos, the feed per rollout and unit) and leaderboards (seasons, units, opt-out)."""

import pytest
from django.urls import reverse

from incentives import services
from incentives.models import ReceivedEvent, Recognition
from incentives.selectors import leaderboard
from rollout.paging import PAGE_SIZE

from ..factories import MembershipFactory, UnitFactory
from .factories import PointsEntryFactory, RecognitionFactory

pytestmark = pytest.mark.django_db


def test_a_member_thanks_a_colleague_and_it_shows_in_the_feed(
    client_as, personas, queued, django_capture_on_commit_callbacks
):
    client = client_as(personas.member)
    url = reverse("incentives:recognition", args=[personas.rollout.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            url, {"recipient": personas.champion.pk, "message": "Thanks for setting up my phone!"}
        )
    assert response.status_code == 302
    kudos = Recognition.objects.get()
    assert (kudos.giver, kudos.recipient, kudos.unit, kudos.from_leader) == (
        personas.member,
        personas.champion,
        personas.unit,
        False,
    )
    assert "Thanks for setting up my phone!" in client.get(url).content.decode()
    # The app emits recognition_given, and records it like any other event.
    assert ReceivedEvent.objects.get().name == "recognition_given"


def test_a_leaders_recognition_is_marked_as_such(client_as, personas):
    url = reverse("incentives:recognition", args=[personas.rollout.pk])
    client_as(personas.leader).post(url, {"recipient": personas.member.pk, "message": "Great answer."})
    assert Recognition.objects.get().from_leader
    assert "From a leader" in client_as(personas.member).get(url).content.decode()


def test_nobody_can_thank_themselves_or_someone_outside_the_organization(client_as, personas):
    url = reverse("incentives:recognition", args=[personas.rollout.pk])
    client = client_as(personas.member)
    for recipient in (personas.member, personas.outsider):
        response = client.post(url, {"recipient": recipient.pk, "message": "Me!"})
        assert "recipient" in response.context["form"].errors
    assert not Recognition.objects.exists()


def test_thanking_more_than_the_daily_limit_is_refused(client_as, personas):
    RecognitionFactory.create_batch(
        10, rollout=personas.rollout, giver=personas.member, recipient=personas.champion
    )
    url = reverse("incentives:recognition", args=[personas.rollout.pk])
    response = client_as(personas.member).post(url, {"recipient": personas.champion.pk, "message": "Again"})
    assert "daily limit" in str(response.context["form"].non_field_errors())
    assert Recognition.objects.count() == 10


def test_the_feed_per_unit_shows_only_that_units_recognitions(client_as, personas):
    other_unit = UnitFactory(organization=personas.org, name="Finance")
    RecognitionFactory(rollout=personas.rollout, unit=personas.unit, message="For sales")
    RecognitionFactory(rollout=personas.rollout, unit=other_unit, message="For finance")
    url = reverse("incentives:recognition", args=[personas.rollout.pk])
    page = client_as(personas.member).get(url, {"unit": other_unit.pk}).content.decode()
    assert "For finance" in page and "For sales" not in page


def ranking(rollout, **kwargs):
    return [(row["email"], row["total"], row["rank"]) for row in leaderboard(rollout, **kwargs)]


def test_the_leaderboard_ranks_by_points_in_the_database(personas):
    for person, points in ((personas.member, 30), (personas.champion, 50), (personas.leader, 30)):
        PointsEntryFactory(rollout=personas.rollout, person=person, points=points)
    PointsEntryFactory(rollout=personas.rollout, person=personas.manager, points=5)
    PointsEntryFactory(rollout=personas.rollout, person=personas.manager, points=-5)  # nets to 0: not shown
    assert ranking(personas.rollout) == [
        ("champion@acme.example", 50, 1),
        ("leader@acme.example", 30, 2),
        ("member@acme.example", 30, 2),
    ]


def test_a_person_who_opts_out_disappears_from_the_leaderboard_but_keeps_the_points(client_as, personas):
    PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=30)
    client = client_as(personas.member)
    assert client.post(reverse("incentives_org:opt_out"), {"opt_out": "1"}).status_code == 302
    assert ranking(personas.rollout) == []
    page = client.get(reverse("incentives_org:me")).content.decode()
    assert "You do not appear on the leaderboards" in page and "30" in page
    client.post(reverse("incentives_org:opt_out"), {"opt_out": "0"})
    assert ranking(personas.rollout) == [("member@acme.example", 30, 1)]


def test_closing_a_season_starts_an_empty_leaderboard_and_the_old_one_stays_readable(client_as, personas):
    PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=30)
    client = client_as(personas.manager)
    response = client.post(reverse("incentives:seasons", args=[personas.rollout.pk]), {"name": "Autumn"})
    assert response.status_code == 302
    first, autumn = personas.rollout.seasons.order_by("started_at")
    assert (first.name, first.is_open, autumn.name, autumn.is_open) == ("Season 1", False, "Autumn", True)
    assert ranking(personas.rollout) == []
    assert ranking(personas.rollout, season=first) == [("member@acme.example", 30, 1)]
    PointsEntryFactory(rollout=personas.rollout, person=personas.champion, points=5)
    assert ranking(personas.rollout) == [("champion@acme.example", 5, 1)]
    services.start_new_season(personas.rollout, "Winter")
    assert personas.rollout.seasons.filter(ended_at__isnull=True).get().name == "Winter"
    url = reverse("incentives:leaderboard", args=[personas.rollout.pk])
    page = client_as(personas.member).get(url, {"season": first.pk}).content.decode()
    assert "Season 1" in page and "closed" in page and "Member" in page


def test_the_leaderboard_per_unit_counts_only_that_units_people(personas):
    finance = UnitFactory(organization=personas.org, name="Finance")
    accountant = MembershipFactory(organization=personas.org, unit=finance).user
    PointsEntryFactory(rollout=personas.rollout, person=accountant, points=10)
    PointsEntryFactory(rollout=personas.rollout, person=personas.member, points=20)
    assert [row[1] for row in ranking(personas.rollout, unit=finance)] == [10]
    assert [row[1] for row in ranking(personas.rollout, unit=personas.unit)] == [20]


def test_the_leaderboard_paginates(client_as, personas):
    for _ in range(55):
        PointsEntryFactory(rollout=personas.rollout, person=MembershipFactory(organization=personas.org).user)
    url = reverse("incentives:leaderboard", args=[personas.rollout.pk])
    response = client_as(personas.member).get(url, {"page": 55 // PAGE_SIZE + 1})
    assert len(response.context["page"].object_list) == 55 % PAGE_SIZE
    assert response.context["page"].paginator.count == 55

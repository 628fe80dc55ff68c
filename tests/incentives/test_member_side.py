"""The incentive step on a person's own page: their recognition, the leaders who agreed to be seen
taking part, and every record the step holds about them."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from incentives.models import LeaderboardOptOut, LeaderVisibility, ReceivedEvent, Season
from incentives.services import set_leader_visibility
from incentives.step import IncentivizeStep
from rollout.models import Role

from ..factories import MembershipFactory, RolloutFactory
from .factories import (
    BadgeAwardFactory,
    BadgeFactory,
    PointsClaimFactory,
    PointsEntryFactory,
    RecognitionFactory,
)

pytestmark = pytest.mark.django_db

NOW = timezone.make_aware(datetime(2026, 5, 4, 9, 0))


@pytest.fixture(autouse=True)
def now():
    with time_machine.travel(NOW, tick=False):
        yield


def membership_of(personas, user):
    """The membership as the person's page has it: with its user and organization."""
    return personas.org.memberships.select_related("user", "organization").get(user=user)


def panels(personas, membership=None):
    found = IncentivizeStep().member_panels(membership or membership_of(personas, personas.member))
    return {panel.key: panel for panel in found}


def leader(personas, name):
    return MembershipFactory(organization=personas.org, role=Role.LEADER, user__full_name=name).user


def thank(personas, giver, recipient, days_ago=1, message="Thank you!", rollout=None):
    return RecognitionFactory(
        rollout=rollout or personas.rollout,
        giver=giver,
        recipient=recipient,
        message=message,
        created_at=NOW - timedelta(days=days_ago),
    )


# A leader's choice ------------------------------------------------------------------------------


def test_a_leader_agrees_to_be_seen_and_withdraws_on_their_recognition_page(client_as, personas):
    client = client_as(personas.leader)
    page = client.get(reverse("incentives_org:me")).text
    assert "Seen taking part" in page and "People do not see your participation." in page

    response = client.post(reverse("incentives_org:leader_visibility"), {"visible": "1"})
    assert response.status_code == 302
    agreed = LeaderVisibility.objects.get(organization=personas.org, user=personas.leader)
    assert agreed.agreed_at == NOW
    assert "since you agreed on 4 May 2026" in client.get(reverse("incentives_org:me")).text

    client.post(reverse("incentives_org:leader_visibility"), {"visible": "0"})
    assert not LeaderVisibility.objects.exists()


def test_only_leaders_are_asked_to_be_seen(client_as, personas):
    page = client_as(personas.member).get(reverse("incentives_org:me")).text
    assert "Seen taking part" not in page
    response = client_as(personas.manager).post(reverse("incentives_org:leader_visibility"), {"visible": "1"})
    assert response.status_code == 403 and not LeaderVisibility.objects.exists()


# Leaders taking part ----------------------------------------------------------------------------


def test_leaders_who_agreed_and_took_part_are_seen_with_what_they_did_and_whom_they_thanked(personas):
    seen = leader(personas, "Avery Agreed")
    set_leader_visibility(personas.org, seen, True)
    thank(personas, seen, personas.member, days_ago=2, message="Great answer on the rota app.")
    thank(personas, seen, personas.champion, days_ago=100, message="Too long ago to count.")
    ReceivedEvent.objects.create(
        key="answer-1",
        name="question_answered",
        organization=personas.org,
        rollout=personas.rollout,
        person=seen,
        source_type="engage.question",
        source_id=1,
        occurred_at=NOW - timedelta(days=3),
    )
    # Took part, but never agreed: never shown, not even their thanks.
    hidden = leader(personas, "Hidden Leader")
    thank(personas, hidden, personas.member, message="From a leader who did not agree.")
    # Agreed, but did nothing in 90 days.
    quiet = leader(personas, "Quiet Leader")
    set_leader_visibility(personas.org, quiet, True)

    panel = panels(personas)["leaders-taking-part"]
    assert panel.title == "Leaders taking part"
    [(shown, thanks)] = panel.context["leaders"]
    assert shown.user == seen
    assert (shown.recognitions, shown.answers, shown.events) == (1, 1, 1)
    assert [kudos.message for kudos in thanks] == ["Great answer on the rota app."]


def test_a_leader_who_withdraws_disappears(personas):
    seen = leader(personas, "Avery Agreed")
    set_leader_visibility(personas.org, seen, True)
    thank(personas, seen, personas.member)
    assert "leaders-taking-part" in panels(personas)
    set_leader_visibility(personas.org, seen, False)
    assert "leaders-taking-part" not in panels(personas)


def test_leaders_of_another_organization_and_their_thanks_elsewhere_are_not_shown(personas):
    seen = leader(personas, "Avery Agreed")
    set_leader_visibility(personas.org, seen, True)
    MembershipFactory(organization=personas.other_org, role=Role.LEADER, user=seen)
    thank(personas, seen, personas.outsider, rollout=personas.other_rollout, message="Elsewhere.")
    assert "leaders-taking-part" not in panels(personas)  # nothing in this organization


def test_each_leader_shows_their_latest_three_thanks(personas):
    seen = leader(personas, "Avery Agreed")
    set_leader_visibility(personas.org, seen, True)
    for day in range(1, 6):
        thank(personas, seen, personas.member, days_ago=day, message=f"Thanks {day}")
    [(shown, thanks)] = panels(personas)["leaders-taking-part"].context["leaders"]
    assert shown.recognitions == 5
    assert [kudos.message for kudos in thanks] == ["Thanks 1", "Thanks 2", "Thanks 3"]


# Your recognition -------------------------------------------------------------------------------


def test_your_recognition_counts_this_seasons_points_badges_and_recent_thanks(personas):
    member = personas.member
    Season.objects.create(rollout=personas.rollout, name="Spring", started_at=NOW - timedelta(days=20))
    PointsEntryFactory(
        rollout=personas.rollout, person=member, points=30, created_at=NOW - timedelta(days=40)
    )
    PointsEntryFactory(rollout=personas.rollout, person=member, points=15, created_at=NOW - timedelta(days=5))
    second = RolloutFactory(organization=personas.org, name="Teams for wards")  # no season: all of it
    PointsEntryFactory(rollout=second, person=member, points=7, created_at=NOW - timedelta(days=200))
    BadgeAwardFactory(level=BadgeFactory(rollout=personas.rollout, name="Helper").levels.get(), person=member)
    thank(personas, personas.manager, member, days_ago=3, message="Thanks for the FAQ.")
    thank(personas, personas.manager, member, days_ago=45, message="Older thanks.")

    panel = panels(personas)["your-recognition"]
    summary = panel.context
    assert [(row["rollout__name"], row["points"]) for row in summary["season_points"]] == [
        ("Engage for all", 15),
        ("Teams for wards", 7),
    ]
    assert summary["badge_count"] == 1 and str(summary["badges"][0].level) == "Helper"
    assert summary["received_count"] == 1
    assert [kudos.message for kudos in summary["received"]] == ["Thanks for the FAQ."]


def test_the_panels_cost_the_same_queries_whatever_the_data(personas, django_assert_max_num_queries):
    seen = [leader(personas, f"Leader {n}") for n in range(10)]

    def grow():
        for person in seen:
            set_leader_visibility(personas.org, person, True)
            for _ in range(4):
                thank(personas, person, personas.member)
        for _ in range(5):
            PointsEntryFactory(rollout=RolloutFactory(organization=personas.org), person=personas.member)
            BadgeAwardFactory(
                level=BadgeFactory(rollout=personas.rollout).levels.get(), person=personas.member
            )

    membership = membership_of(personas, personas.member)
    grow()
    with django_assert_max_num_queries(7):
        found = panels(personas, membership)
    assert len(found["leaders-taking-part"].context["leaders"]) == 6
    grow()
    with django_assert_max_num_queries(7):
        panels(personas, membership)


# Personal records ------------------------------------------------------------------------------


def test_personal_records_hold_everything_about_the_person_in_this_organization(personas):
    member = personas.member
    thank(personas, personas.manager, member, message="Received.")
    thank(personas, member, personas.champion, message="Given.")
    thank(personas, personas.outsider, personas.admin, rollout=personas.other_rollout)  # not theirs
    PointsEntryFactory(rollout=personas.rollout, person=member, points=10, reason="Helped")
    PointsEntryFactory(rollout=personas.other_rollout, person=member, points=99)  # another organization
    PointsClaimFactory(rollout=personas.rollout, person=member, reason="Ran a lunch-and-learn")
    BadgeAwardFactory(level=BadgeFactory(rollout=personas.rollout, name="Helper").levels.get(), person=member)
    LeaderboardOptOut.objects.create(organization=personas.org, user=member)

    records = {r.key: r for r in IncentivizeStep().personal_records(membership_of(personas, member))}

    assert [row[2:] for row in records["recognitions-received"].rows] == [("Manager", "Received.")]
    assert [row[2:] for row in records["recognitions-given"].rows] == [("Champion", "Given.")]
    assert [row[1:] for row in records["points"].rows] == [("Engage for all", 10, "Helped")]
    assert records["points"].summary == "10 points in all, from 1 entry."
    assert records["claims"].rows[0][3] == "Ran a lunch-and-learn"
    assert records["badges"].rows[0][2] == "Helper" and records["badges"].summary == "1 badge held."
    assert [row[0] for row in records["choices"].rows] == ["Left off the leaderboards"]


def test_personal_records_keep_a_leaders_choice_to_be_seen(personas):
    set_leader_visibility(personas.org, personas.leader, True)
    records = {r.key: r for r in IncentivizeStep().personal_records(membership_of(personas, personas.leader))}
    assert records["choices"].rows == (("Seen taking part as a leader", NOW),)
    assert records["choices"].summary == "Seen taking part as a leader."


def test_the_panels_render_what_people_may_see_and_nothing_of_leaders_who_did_not_agree(personas):
    from django.template.loader import render_to_string

    seen, hidden = leader(personas, "Avery Agreed"), leader(personas, "Hidden Leader")
    set_leader_visibility(personas.org, seen, True)
    thank(personas, seen, personas.member, message="Great answer on the rota app.")
    thank(personas, hidden, personas.member, message="From a leader who did not agree.")

    html = "".join(render_to_string(panel.template, {"panel": panel}) for panel in panels(personas).values())
    assert "Avery Agreed" in html and "Great answer on the rota app." in html
    assert reverse("incentives_org:me") in html
    # Their thanks to the member is the member's own recognition, but never names them a leader
    # taking part.
    assert html.count("Hidden Leader") == 1
    assert "1 recognition given" in html

"""The employee's side of the champion step: who can help me (the help page and the /me/ panel),
writing to a champion, the directory, new champions and the person's own records."""

from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from champions.member import who_can_help
from champions.models import Champion
from rollout import outbox
from rollout.models import Notification, Rollout, Unit
from rollout.steps import registry

from ..factories import MembershipFactory, RolloutFactory, UnitFactory
from .factories import ChampionEventFactory, ChampionFactory, SkillFactory, SupportSessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def org_tree(personas):
    """Sales (the personas' unit) > Ward B; a location Seattle; a member in Ward B at Seattle on nights."""
    ward = UnitFactory(organization=personas.org, name="Ward B", parent=personas.unit)
    seattle = UnitFactory(organization=personas.org, name="Seattle", kind=Unit.Kind.LOCATION)
    nurse = MembershipFactory(
        organization=personas.org, unit=ward, location=seattle, shift="night", user__full_name="Nia Nurse"
    )
    return ward, seattle, nurse


def champion(personas, name, units, **values):
    user = MembershipFactory(organization=personas.org, role="champion", user__full_name=name).user
    values.setdefault("rollout", personas.rollout)
    return ChampionFactory(user=user, units=units, **values)


def names(helpers):
    return [str(helper.champion.user) for helper in helpers]


def test_champions_covering_the_person_come_first_ranked_by_unit_location_and_shift(personas, org_tree):
    ward, seattle, nurse = org_tree
    elsewhere = UnitFactory(organization=personas.org, name="Finance")
    champion(personas, "Aa Parent unit", [personas.unit])
    champion(personas, "Bb Same location", [personas.unit], location=seattle)
    champion(personas, "Cc Flexible", [personas.unit], shift="flexible")
    champion(personas, "Dd Same unit", [ward], shift="day")
    champion(personas, "Ee Same unit and shift", [ward], shift="night")
    champion(personas, "Ff Elsewhere at Seattle", [elsewhere], location=seattle)
    champion(personas, "Gg Elsewhere", [elsewhere])
    found = who_can_help(nurse)
    assert names(found.yours) == [
        "Ee Same unit and shift",
        "Dd Same unit",
        "Bb Same location",
        "Cc Flexible",
        "Aa Parent unit",
    ]
    assert names(found.others) == ["Ff Elsewhere at Seattle", "Gg Elsewhere"]
    assert found.yours[0].reasons == ["Covers your unit", "Works your shift"]
    assert found.yours[4].reasons == ["Covers your part of the organization"]
    assert not found.others[0].covers_you


def test_only_active_champions_of_pilot_or_live_rollouts_of_the_organization_help(personas, org_tree):
    ward, _, nurse = org_tree
    planned = RolloutFactory(
        organization=personas.org, platform=personas.platform, status=Rollout.Status.PLANNING
    )
    champion(personas, "Nominee", [ward], status=Champion.Status.NOMINATED)
    champion(personas, "Stepped down", [ward], status=Champion.Status.STEPPED_DOWN)
    champion(personas, "Planned rollout", [ward], rollout=planned)
    ChampionFactory(rollout=personas.other_rollout)  # another organization
    ChampionFactory(rollout=personas.rollout, user=nurse.user, units=[ward])  # the person themself
    found = who_can_help(nurse)
    assert found.yours == [] and found.others == []


def test_a_champion_of_two_rollouts_is_listed_once(personas, org_tree):
    ward, _, nurse = org_tree
    pilot = RolloutFactory(organization=personas.org, platform=personas.platform, status=Rollout.Status.PILOT)
    first = champion(personas, "Twice", [ward])
    ChampionFactory(rollout=pilot, user=first.user, units=[ward])
    assert names(who_can_help(nurse).yours) == ["Twice"]


def test_the_next_sessions_are_those_for_the_persons_unit_or_everyone(personas, org_tree):
    ward, _, nurse = org_tree
    helper = champion(personas, "Host", [ward])
    finance = UnitFactory(organization=personas.org, name="Finance")
    soon = timezone.now() + timedelta(hours=2)
    ChampionEventFactory(champion=helper, title="For Finance", units=[finance], starts_at=soon)
    ChampionEventFactory(champion=helper, title="Over", starts_at=soon - timedelta(days=2))
    ChampionEventFactory(
        champion=helper, title="For Sales", units=[personas.unit], starts_at=soon + timedelta(days=1)
    )
    ChampionEventFactory(champion=helper, title="For everyone", starts_at=soon + timedelta(days=2))
    found = who_can_help(nurse)
    assert [event.title for event in found.events] == ["For Sales", "For everyone"]
    assert found.yours[0].next_event.title == "For Sales"


def test_the_help_page_shows_how_to_reach_each_champion(client_as, personas, org_tree):
    helper = champion(
        personas,
        "Casey Champion",
        [personas.unit],
        chat_link="https://teams.microsoft.com/l/chat/0/0?users=casey@acme.example",
        office_hours="Tuesdays 12:00–13:00, Ward B staff room",
        languages="English, Spanish",
    )
    page = client_as(personas.member).get(reverse("champions_org:help")).content.decode()
    assert "Casey Champion" in page and "Your champion" in page
    assert helper.user.email in page
    assert "https://teams.microsoft.com/l/chat/0/0?users=casey@acme.example" in page
    assert "Tuesdays 12:00–13:00, Ward B staff room" in page and "English, Spanish" in page
    assert reverse("champions_org:write", args=[helper.pk]) in page


def test_someone_without_a_champion_sees_the_others_labelled_as_a_fallback(client_as, personas):
    elsewhere = UnitFactory(organization=personas.org, name="Finance")
    champion(personas, "Far Away", [elsewhere])
    page = client_as(personas.member).get(reverse("champions_org:help")).content.decode()
    assert "No champion covers Sales yet" in page
    assert "Other champions in Acme" in page and "Far Away" in page


def test_the_member_panel_shows_the_top_three_and_a_link_to_the_help_page(personas, org_tree):
    ward, _, nurse = org_tree
    for name in ("A", "B", "C", "D"):
        champion(personas, name, [ward])
    [panel] = registry.get("champion").member_panels(nurse)
    assert (panel.key, panel.title) == ("champions-help", "Who can help me")
    assert names(panel.context["help"].top) == ["A", "B", "C"]
    from django.template.loader import render_to_string

    html = render_to_string(panel.template, {"panel": panel})
    assert reverse("champions_org:help") in html and "Write to A" in html


def test_the_new_champions_panel_lists_those_appointed_in_the_last_30_days_who_cover_the_person(
    personas, org_tree
):
    ward, _, nurse = org_tree
    today = timezone.localdate()
    champion(personas, "Fresh", [personas.unit], start_date=today - timedelta(days=3))
    champion(personas, "Old hand", [ward], start_date=today - timedelta(days=40))
    champion(personas, "Fresh elsewhere", [UnitFactory(organization=personas.org)], start_date=today)
    panels = {panel.key: panel for panel in registry.get("champion").member_panels(nurse)}
    assert [str(c.user) for c in panels["champions-new"].context["champions"]] == ["Fresh"]


def test_nobody_new_means_no_new_champions_panel(personas, org_tree):
    *_, nurse = org_tree
    assert [p.key for p in registry.get("champion").member_panels(nurse)] == ["champions-help"]


# Writing to a champion ------------------------------------------------------------------------


def test_writing_to_a_champion_queues_an_email_to_them_with_the_writer_copied(client_as, personas):
    helper = champion(personas, "Casey Champion", [personas.unit])
    url = reverse("champions_org:write", args=[helper.pk])
    client = client_as(personas.member)
    token = "2c1c7d0e-2f7e-4b0e-9d53-6a6c4f1b2a11"
    response = client.post(url, {"token": token, "message": "How do I post a video?"}, follow=True)
    assert "Your message is on its way to Casey Champion" in response.content.decode()
    client.post(url, {"token": token, "message": "How do I post a video?"})  # a double tap
    [queued] = Notification.objects.filter(kind="champion-message")
    assert (queued.recipient, queued.cc) == (helper.user, [personas.member.email])
    assert outbox.send(queued.pk) == "sent"
    [sent] = mail.outbox
    assert sent.to == [helper.user.email] and sent.cc == [personas.member.email]
    assert "How do I post a video?" in sent.body and "Member" in sent.subject


def test_an_empty_message_is_refused(client_as, personas):
    helper = champion(personas, "Casey Champion", [personas.unit])
    response = client_as(personas.member).post(
        reverse("champions_org:write", args=[helper.pk]),
        {"token": "2c1c7d0e-2f7e-4b0e-9d53-6a6c4f1b2a11", "message": "   "},
    )
    assert response.status_code == 200
    assert not Notification.objects.exists()


@pytest.mark.parametrize("status", [Champion.Status.NOMINATED, Champion.Status.STEPPED_DOWN])
def test_one_can_write_only_to_active_champions(client_as, personas, status):
    helper = champion(personas, "Not active", [personas.unit], status=status)
    response = client_as(personas.member).get(reverse("champions_org:write", args=[helper.pk]))
    assert response.status_code == 404


def test_one_cannot_write_to_a_champion_of_another_organization(client_as, personas):
    stranger = ChampionFactory(rollout=personas.other_rollout)
    response = client_as(personas.member).get(reverse("champions_org:write", args=[stranger.pk]))
    assert response.status_code == 404


# The directory -----------------------------------------------------------------------------------


def test_the_directory_searches_by_unit_skill_language_and_name(client_as, personas, org_tree):
    ward, *_ = org_tree
    mobile = SkillFactory(organization=personas.org, name="Mobile set-up")
    spanish = champion(personas, "Sofia Spanish", [personas.unit], languages="English, Spanish")
    spanish.skills.add(mobile)
    champion(personas, "Walter Ward", [ward])
    champion(personas, "Fiona Finance", [UnitFactory(organization=personas.org, name="Finance")])
    champion(personas, "Nora Nominee", [ward], status=Champion.Status.NOMINATED)
    client = client_as(personas.member)
    url = reverse("champions_org:directory")

    def shown(**query):
        page = client.get(url, query).context["page"]
        return [str(c.user) for c in page.object_list]

    assert shown() == ["Fiona Finance", "Sofia Spanish", "Walter Ward"]
    assert shown(unit=ward.pk) == ["Sofia Spanish", "Walter Ward"]  # Sales contains Ward B
    assert shown(skill=mobile.pk) == ["Sofia Spanish"]
    assert shown(language="spanish") == ["Sofia Spanish"]
    assert shown(q="fiona") == ["Fiona Finance"]


# The person's own records ----------------------------------------------------------------------


def test_personal_records_hold_help_received_sessions_logged_and_champion_roles(personas, champion):
    SupportSessionFactory(champion=champion, helped_person=personas.member, minutes=20)
    SupportSessionFactory(champion=champion, helped_person=personas.leader)
    membership = personas.org.memberships.get(user=personas.member)
    records = {r.key: r for r in registry.get("champion").personal_records(membership)}
    assert len(records["helped"].rows) == 1 and records["helped"].rows[0][2] == "Champion"
    assert records["sessions"].rows == () and records["roles"].rows == ()
    mine = {
        r.key: r
        for r in registry.get("champion").personal_records(
            personas.org.memberships.get(user=personas.champion)
        )
    }
    assert len(mine["sessions"].rows) == 2
    assert "Leader" not in str(
        mine["sessions"].rows
    )  # the people helped are theirs, not the champion's records
    assert mine["roles"].rows[0][:2] == ("Engage for all", "Active")
    assert mine["roles"].summary == "You are or were a champion in 1 rollout."


def test_personal_records_leave_out_other_organizations(personas):
    other = ChampionFactory(rollout=personas.other_rollout, user=personas.member)
    SupportSessionFactory(champion=other, helped_person=personas.member)
    membership = personas.org.memberships.get(user=personas.member)
    assert all(not r.rows for r in registry.get("champion").personal_records(membership))


def test_the_profile_form_keeps_the_chat_link_and_office_hours(client_as, personas, champion):
    url = reverse("champions:champion_edit", args=[personas.rollout.pk, champion.pk])
    response = client_as(personas.champion).post(
        url,
        {
            "languages": "English",
            "shift": "day",
            "time_zone": "UTC",
            "chat_link": "teams.microsoft.com/l/chat/0/0?users=champion@acme.example",
            "office_hours": "Tuesdays 12:00–13:00, Ward B staff room",
        },
    )
    assert response.status_code == 302
    champion.refresh_from_db()
    assert champion.chat_link == "https://teams.microsoft.com/l/chat/0/0?users=champion@acme.example"
    assert champion.office_hours == "Tuesdays 12:00–13:00, Ward B staff room"

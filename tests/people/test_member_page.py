"""The employee's side: the rollouts a person is part of, the steps' panels, their records and
their download, "You said, we did" on the page and by email."""

import csv
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rollout import outbox
from rollout.models import Membership, Notification, Rollout
from rollout.people import notifications as news
from rollout.people.models import NewsRun
from rollout.steps import MemberPanel, PersonalRecords, SharedOutcome, registry
from strategy.models import Audience, Worksheet

from ..factories import MembershipFactory, RolloutFactory, UnitFactory

# Acme's digest moment: Monday 09:00 UTC (the organization factory's defaults, see below).
MONDAY = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


def audience(rollout, **fields):
    worksheet, _ = Worksheet.objects.get_or_create(rollout=rollout)
    return Audience.objects.create(worksheet=worksheet, name=fields.pop("name", "Audience"), **fields)


@pytest.fixture
def member_page(client_as, personas):
    return lambda: client_as(personas.member).get(reverse("people:me"))


def test_a_rollout_is_listed_for_the_people_its_audiences_name(personas, member_page):
    other_unit = UnitFactory(organization=personas.org, name="Finance")
    audience(personas.rollout, unit=other_unit)
    for_sales = RolloutFactory(organization=personas.org, platform=personas.platform, name="Sales chat")
    audience(for_sales, unit=personas.unit)
    text = member_page().text
    assert "Sales chat" in text
    assert "Engage for all" not in text


def test_a_unit_audience_reaches_the_units_inside_it(personas, member_page):
    division = UnitFactory(organization=personas.org, name="Commercial")
    personas.unit.parent = division
    personas.unit.save()
    audience(personas.rollout, unit=division)
    assert "Engage for all" in member_page().text


def test_a_listed_audience_reaches_the_listed_people_only(personas, client_as):
    audience(personas.rollout, people="Member@Acme.example")
    assert "Engage for all" in client_as(personas.member).get(reverse("people:me")).text
    assert "Engage for all" not in client_as(personas.champion).get(reverse("people:me")).text


def test_a_rollout_for_customers_only_is_not_being_rolled_out_to_employees(personas, member_page):
    audience(personas.rollout, kind=Audience.Kind.CUSTOMERS, name="Customers")
    assert "Nothing is being rolled out to you right now." in member_page().text


def test_a_rollout_in_planning_or_from_another_organization_is_not_listed(personas, member_page):
    RolloutFactory(organization=personas.org, name="Not yet", status=Rollout.Status.PLANNING)
    text = member_page().text
    assert "Engage for all" in text  # no audience recorded yet: the whole organization
    assert "Not yet" not in text and "Globex chat" not in text


def test_members_start_on_their_page_and_every_role_reaches_it_from_the_menu(personas, client_as):
    assert "Being rolled out to you" in client_as(personas.member).get(reverse("home")).text
    response = client_as(personas.leader).get(reverse("people:me"))
    assert response.status_code == 200
    assert f'href="{reverse("people:me")}"' in response.text


def test_the_steps_panels_are_on_the_page(personas, member_page, monkeypatch):
    panel = MemberPanel("kudos", "A panel from a step", "people/_outcome.html", order=10)
    monkeypatch.setattr(registry.get("incentivize"), "member_panels", lambda membership: [panel])
    text = member_page().text
    assert 'id="kudos"' in text and "A panel from a step" in text


def test_the_page_costs_the_same_queries_with_more_rollouts_and_audiences(personas, client_as):
    client = client_as(personas.member)

    def queries():
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("people:me")).status_code == 200
        return len(context)

    audience(personas.rollout, unit=personas.unit)
    before = queries()
    for number in range(6):
        rollout = RolloutFactory(organization=personas.org, platform=personas.platform, name=f"R{number}")
        audience(rollout, unit=UnitFactory(organization=personas.org, name=f"U{number}"))
        audience(rollout, people="member@acme.example", name="Listed")
    assert queries() == before


# My figures and the download -------------------------------------------------------------------


@pytest.fixture
def records(monkeypatch):
    table = PersonalRecords(
        "kudos",
        "Recognition received",
        ("When", "From", "Message"),
        ((datetime(2026, 11, 2, 9, 30, tzinfo=UTC), "Ana", '=HYPERLINK("http://evil")'),),
        summary="1 recognition received",
    )
    monkeypatch.setattr(registry.get("incentivize"), "personal_records", lambda membership: [table])
    return table


def test_my_figures_shows_each_steps_records_and_their_summary(personas, client_as, records):
    text = client_as(personas.member).get(reverse("people:figures")).text
    assert "Recognition received" in text and "1 recognition received" in text
    assert "Download all" in text


def test_the_download_holds_every_table_as_csv_and_json_without_formulas(personas, client_as, records):
    response = client_as(personas.member).get(reverse("people:download"))
    assert response["Content-Type"] == "application/zip"
    assert "attachment" in response["Content-Disposition"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    assert {"README.txt", "incentivize-kudos.csv", "incentivize-kudos.json"} <= set(archive.namelist())
    rows = list(csv.reader(io.StringIO(archive.read("incentivize-kudos.csv").decode())))
    assert rows[0] == ["When", "From", "Message"]
    assert rows[1][2].startswith("'=")  # a spreadsheet shows it as text, never runs it
    data = json.loads(archive.read("incentivize-kudos.json"))
    assert data["rows"][0]["From"] == "Ana"
    assert "member@acme.example" in archive.read("README.txt").decode()


# You said, we did --------------------------------------------------------------------------------


def outcome(rollout_id, title, days_ago=1, now=MONDAY):
    return SharedOutcome(rollout_id, "review", title, now - timedelta(days=days_ago), ("said",), ("did",))


@pytest.fixture
def shared(monkeypatch, personas):
    """The review step shares one item per rollout it is asked about, and one organization-wide."""
    items = []

    def shared_outcomes(rollouts, since):
        found = [outcome(rollout.pk, f"Decided in {rollout.name}") for rollout in rollouts]
        return [item for item in found + items if item.published_at >= since]

    monkeypatch.setattr(registry.get("review"), "shared_outcomes", shared_outcomes)
    return items


def test_you_said_we_did_shows_the_outcomes_of_the_rollouts_the_person_is_part_of(
    personas, client_as, shared
):
    other = RolloutFactory(organization=personas.org, platform=personas.platform, name="Finance only")
    audience(other, unit=UnitFactory(organization=personas.org, name="Finance"))
    shared.append(outcome(None, "Guideline updated"))
    with time_machine.travel(MONDAY):
        text = client_as(personas.member).get(reverse("people:you_said")).text
    assert "Decided in Engage for all" in text
    assert "Guideline updated" in text and "Everyone in Acme" in text
    assert "Decided in Finance only" not in text


@pytest.fixture
def acme_digest_monday(personas):
    personas.org.timezone, personas.org.digest_weekday, personas.org.digest_hour = "UTC", 0, 9
    personas.org.save()


def news_rows():
    return Notification.objects.filter(kind=news.KIND)


def test_the_news_email_goes_once_a_week_to_the_people_reached(personas, shared, acme_digest_monday):
    other = RolloutFactory(organization=personas.org, platform=personas.platform, name="Finance only")
    audience(other, unit=UnitFactory(organization=personas.org, name="Finance"))
    audience(personas.rollout, unit=personas.unit)
    finance = MembershipFactory(organization=personas.org, unit=other.organization.units.get(name="Finance"))
    Membership.objects.filter(user=personas.leader).update(announcements=False)
    outbox.insert_due(MONDAY)
    outbox.insert_due(MONDAY + timedelta(hours=1))
    recipients = set(news_rows().values_list("recipient__email", flat=True))
    assert "member@acme.example" in recipients and finance.user.email in recipients
    assert "leader@acme.example" not in recipients  # turned the news off
    assert news_rows().count() == len(recipients)  # one each, however many ticks
    assert NewsRun.objects.filter(organization=personas.org).count() == 1


def test_a_week_with_nothing_shared_sends_nothing(personas, monkeypatch, acme_digest_monday):
    monkeypatch.setattr(registry.get("review"), "shared_outcomes", lambda rollouts, since: [])
    outbox.insert_due(MONDAY)
    assert not news_rows().exists()


def test_the_news_email_names_what_was_done_and_its_link_turns_the_news_off(
    personas, client, shared, acme_digest_monday
):
    outbox.insert_due(MONDAY)
    notification = news_rows().get(recipient=personas.member)
    with time_machine.travel(MONDAY):
        assert outbox.send(notification.pk) == "sent"
    message = mail.outbox[-1]
    assert "Decided in Engage for all" in message.body and "We did:" in message.body
    url = reverse("unsubscribe", args=[outbox.unsubscribe_token(notification)])
    assert "Stop news for employees" in client.get(url).text
    client.post(url)
    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    assert not membership.announcements and membership.weekly_digest


def test_a_queued_news_email_is_cancelled_when_the_person_turns_the_news_off(
    personas, shared, acme_digest_monday
):
    outbox.insert_due(MONDAY)
    notification = news_rows().get(recipient=personas.member)
    Membership.objects.filter(user=personas.member).update(announcements=False)
    assert outbox.send(notification.pk) == "cancelled"


def test_email_settings_turn_the_news_on_and_off_per_organization(personas, client_as):
    membership = Membership.objects.get(user=personas.member)
    client_as(personas.member).post(
        reverse("rollout:notification_settings"), {"weekly_digest": [membership.pk]}
    )
    membership.refresh_from_db()
    assert membership.weekly_digest and not membership.announcements

"""Speak up: an employee reports a problem by name or anonymously; the managers are told by email
and find it in the register; an anonymous report leaves no trace of the person anywhere."""

import json
from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core import mail
from django.urls import reverse

from rollout import outbox
from rollout.models import Notification, User, WebhookDelivery, WebhookEndpoint
from trust.models import Incident
from trust.notifications import REPORTED_KIND

from ..factories import MembershipFactory, PlatformFactory, RolloutFactory
from .factories import IncidentFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 4, 10, 37, 12, tzinfo=UTC)
NAME = "Zelda Quixote-Whistler"


@pytest.fixture
def reporter(personas):
    """The member, with a name that cannot appear anywhere by chance."""
    personas.member.full_name = NAME
    personas.member.save(update_fields=["full_name"])
    return personas.member


@pytest.fixture
def hook(personas):
    return WebhookEndpoint.objects.create(
        organization=personas.org, url="https://hooks.acme.example/r", events=["incident.opened"], secret="s"
    )


ADDRESS = "203.0.113.77"  # the reporter's network address, as the server sees it


def report(client, **changes):
    data = {
        "concern": "abuse",
        "what_happened": "Someone keeps mocking a new colleague in the Sales community.",
        "occurred_on": "2026-03-03",
        **changes,
    }
    return client.post(reverse("trust_org:speak_up"), data, REMOTE_ADDR=ADDRESS)


def tell_managers(at):
    """Run the outbox as the worker would at `at`: insert what is due, send it all."""
    outbox.insert_due(at)
    return outbox.send_many(
        list(Notification.objects.filter(kind=REPORTED_KIND).values_list("pk", flat=True))
    )


def snapshot():
    """{model label: {pk: row}} of every table."""
    rows = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        rows[model._meta.label] = {
            row["pk"]: row for row in model._base_manager.values("pk", *_columns(model))
        }
    return rows


def _columns(model):
    return [field.attname for field in model._meta.concrete_fields if field.attname != "id"]


def written_since(before, after):
    """[(model, row)] of the rows added or changed between two snapshots."""
    return [
        (apps.get_model(label), row)
        for label, rows in after.items()
        for pk, row in rows.items()
        if before.get(label, {}).get(pk) != row
    ]


def user_fields(model):
    return [
        field.attname
        for field in model._meta.concrete_fields
        if field.is_relation and field.related_model is User
    ]


# The page -------------------------------------------------------------------------------------


def test_every_role_may_open_the_page_and_the_date_defaults_to_today(client_as, personas):
    with time_machine.travel(NOW, tick=False):
        page = client_as(personas.member).get(reverse("trust_org:speak_up")).content.decode()
    assert 'value="2026-03-04"' in page
    assert "Report anonymously" in page and "How you are protected" in page
    for concern in ("Misuse of the platform", "A security worry", "Abuse or harassment", "A privacy problem"):
        assert concern in page


def test_a_named_report_enters_the_register_with_its_reporter(client_as, personas, reporter):
    with time_machine.travel(NOW, tick=False):
        response = report(client_as(reporter), rollout=personas.rollout.pk, platform=personas.platform.pk)
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert (incident.source, incident.anonymous, incident.reported_by) == ("employee", False, reporter)
    assert (incident.kind, incident.severity, incident.status) == ("conduct", "medium", "open")
    assert (
        incident.title == "Abuse or harassment: Someone keeps mocking a new colleague in the Sales community."
    )
    assert (incident.rollout, incident.platform, incident.occurred_on) == (
        personas.rollout,
        personas.platform,
        date(2026, 3, 3),
    )
    assert incident.created_at == NOW and incident.handler is None


def test_a_named_reporter_sees_the_confirmation_and_follows_their_report(client_as, personas, reporter):
    client = client_as(reporter)
    page = client.get(report(client).url).content.decode()
    assert "Your report is in the incident register" in page and "follow its status below" in page
    Incident.objects.update(status="investigating")
    mine = client.get(reverse("trust_org:speak_up")).content.decode()
    assert "Abuse or harassment: Someone keeps mocking" in mine and "Investigating" in mine


def test_an_anonymous_report_keeps_no_reporter_and_only_the_hour(client_as, personas, reporter):
    with time_machine.travel(NOW, tick=False):
        report(client_as(reporter), anonymous="on")
    incident = Incident.objects.get()
    assert (incident.source, incident.anonymous, incident.reported_by) == ("employee", True, None)
    assert incident.created_at == datetime(2026, 3, 4, 10, tzinfo=UTC)


def test_an_anonymous_reporter_is_told_the_report_will_not_be_listed_and_it_is_not(client_as, reporter):
    client = client_as(reporter)
    page = client.get(report(client, anonymous="on").url).content.decode()
    assert "without your name" in page and "not even you" in page
    assert "Someone keeps mocking" not in page
    assert "You have not reported anything by name." in page


def test_the_database_refuses_an_anonymous_incident_with_a_reporter(personas):
    from django.db import IntegrityError

    with pytest.raises(IntegrityError):
        IncidentFactory(organization=personas.org, anonymous=True, reported_by=personas.member)


@pytest.mark.parametrize(
    "changes, error",
    [
        ({"concern": ""}, "Choose what kind of problem it is"),
        ({"what_happened": " "}, "Describe what happened"),
        ({"occurred_on": "2026-03-05"}, "The date is in the future"),
    ],
)
def test_an_incomplete_report_says_what_is_missing_and_saves_nothing(client_as, personas, changes, error):
    with time_machine.travel(NOW, tick=False):
        response = report(client_as(personas.member), **changes)
    assert response.status_code == 200 and error in response.content.decode()
    assert not Incident.objects.exists()


def test_another_organizations_rollout_or_platform_cannot_be_chosen(client_as, personas):
    theirs = PlatformFactory(organization=personas.other_org)
    for changes in ({"rollout": personas.other_rollout.pk}, {"platform": theirs.pk}):
        response = report(client_as(personas.member), **changes)
        assert "Select a valid choice" in response.content.decode()
    assert not Incident.objects.exists()


def test_a_draft_rollout_is_not_offered_to_employees(client_as, personas):
    RolloutFactory(organization=personas.org, name="Secret pilot plan", status="draft")
    page = client_as(personas.member).get(reverse("trust_org:speak_up")).content.decode()
    assert "Secret pilot plan" not in page


# No trace of an anonymous reporter ------------------------------------------------------------


def test_an_anonymous_report_leaves_no_trace_of_the_reporter_in_the_database(
    client_as, personas, reporter, hook
):
    MembershipFactory(organization=personas.org, role="manager")  # a second recipient
    client = client_as(reporter)
    before = snapshot()
    with time_machine.travel(NOW, tick=False):
        report(client, anonymous="on", rollout=personas.rollout.pk)
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):
        statuses = tell_managers(NOW + timedelta(hours=1))
    assert statuses and set(statuses.values()) == {"sent"}
    written = written_since(before, snapshot())

    written_models = {model for model, _row in written}
    assert {Incident, Notification, WebhookDelivery} <= written_models
    traces = (reporter.email, NAME, ADDRESS)
    for model, row in written:
        for field in user_fields(model):
            if model is Notification and field == "recipient_id":
                assert row[field] != reporter.pk  # the managers, never the member
                continue
            assert row[field] != reporter.pk, f"{model.__name__}.{field} points at the reporter"
        text = json.dumps(row, default=str)
        for trace in traces:
            assert trace not in text, f"{model.__name__} row {row['pk']} holds {trace!r}"
    for message in mail.outbox:
        body = message.subject + message.body + "".join(str(part[0]) for part in message.alternatives)
        assert NAME not in body and reporter.email not in body and "Someone keeps mocking" not in body


def test_an_anonymous_report_writes_no_audit_entry(client_as, reporter):
    from rollout.models import AuditEvent

    client = client_as(reporter)
    events = AuditEvent.objects.count()
    report(client, anonymous="on")
    assert AuditEvent.objects.count() == events


# The email to the managers --------------------------------------------------------------------


def test_the_admins_and_managers_are_told_of_a_named_report_at_the_next_tick(
    client_as, personas, reporter, hook
):
    with time_machine.travel(NOW, tick=False):
        report(client_as(reporter))
        tell_managers(NOW)
    notifications = Notification.objects.filter(kind=REPORTED_KIND)
    assert {n.recipient for n in notifications} == {personas.admin, personas.manager}
    assert {message.to[0] for message in mail.outbox} == {"admin@acme.example", "manager@acme.example"}
    message = mail.outbox[0]
    assert message.subject == "An employee reported a problem: Conduct"
    assert "The reporter gave their name" in message.body and NAME not in message.body
    assert "Someone keeps mocking" not in message.body  # the report is read in Rollout
    assert reverse("trust_org:incident_edit", args=[Incident.objects.get().pk]) in message.body
    assert WebhookDelivery.objects.filter(event="incident.opened").count() == 1
    assert Incident.objects.get().told_managers

    tell_managers(NOW + timedelta(minutes=5))  # told once
    assert notifications.count() == 2 and len(mail.outbox) == 2


def test_the_managers_are_told_of_an_anonymous_report_at_the_next_full_hour(client_as, reporter, hook):
    with time_machine.travel(NOW, tick=False):
        report(client_as(reporter), anonymous="on")
    tell_managers(NOW)
    tell_managers(datetime(2026, 3, 4, 10, 59, tzinfo=UTC))
    assert not Notification.objects.filter(kind=REPORTED_KIND).exists()
    assert not WebhookDelivery.objects.exists()
    tell_managers(datetime(2026, 3, 4, 11, 0, 30, tzinfo=UTC))
    assert Notification.objects.filter(kind=REPORTED_KIND).count() == 2
    assert WebhookDelivery.objects.filter(event="incident.opened").count() == 1
    message = mail.outbox[0]
    assert message.subject == "An employee reported a problem anonymously: Conduct"
    assert "Rollout kept nothing that says who sent it" in message.body


def test_incidents_recorded_by_managers_send_no_report_email(personas):
    IncidentFactory(organization=personas.org, reported_by=personas.manager)
    tell_managers(NOW)
    assert not Notification.objects.filter(kind=REPORTED_KIND).exists()


def test_a_report_email_is_cancelled_for_someone_no_longer_a_manager(client_as, personas, reporter):
    with time_machine.travel(NOW, tick=False):
        report(client_as(reporter))
    outbox.insert_due(NOW)
    personas.org.memberships.filter(user=personas.manager).update(role="member")
    statuses = outbox.send_many(
        list(Notification.objects.filter(kind=REPORTED_KIND).values_list("pk", flat=True))
    )
    assert sorted(statuses.values()) == ["cancelled", "sent"]
    assert [message.to for message in mail.outbox] == [["admin@acme.example"]]


# The register -----------------------------------------------------------------------------------


def test_the_register_marks_employee_reports_and_names_only_named_reporters(client_as, personas, reporter):
    IncidentFactory(organization=personas.org, title="Anonymous one", source="employee", anonymous=True)
    IncidentFactory(organization=personas.org, title="Named one", source="employee", reported_by=reporter)
    IncidentFactory(organization=personas.org, title="Register one", reported_by=personas.manager)
    page = client_as(personas.manager).get(reverse("trust_org:incidents")).content.decode()
    assert page.count("Reported by an employee</span>") == 2
    assert "anonymous</span>" in page and NAME in page


@pytest.mark.parametrize(
    "source, shown",
    [
        ("employee", {"Anonymous one", "Named one"}),
        ("anonymous", {"Anonymous one"}),
        ("named", {"Named one"}),
        ("register", {"Register one"}),
        ("", {"Anonymous one", "Named one", "Register one"}),
    ],
)
def test_the_register_filters_by_how_an_incident_was_reported(client_as, personas, reporter, source, shown):
    IncidentFactory(organization=personas.org, title="Anonymous one", source="employee", anonymous=True)
    IncidentFactory(organization=personas.org, title="Named one", source="employee", reported_by=reporter)
    IncidentFactory(organization=personas.org, title="Register one")
    page = client_as(personas.admin).get(reverse("trust_org:incidents"), {"source": source}).content.decode()
    assert {title for title in ("Anonymous one", "Named one", "Register one") if title in page} == shown


def test_the_incident_page_shows_the_report_and_its_reporter_only_when_named(client_as, personas, reporter):
    anonymous = IncidentFactory(organization=personas.org, source="employee", anonymous=True)
    named = IncidentFactory(organization=personas.org, source="employee", reported_by=reporter)
    client = client_as(personas.manager)
    page = client.get(reverse("trust_org:incident_edit", args=[anonymous.pk])).content.decode()
    assert "Reported by an employee" in page and "do not try to find out" in page and NAME not in page
    page = client.get(reverse("trust_org:incident_edit", args=[named.pk])).content.decode()
    assert NAME in page


def test_a_manager_editing_an_employee_report_keeps_it_anonymous(client_as, personas):
    incident = IncidentFactory(organization=personas.org, source="employee", anonymous=True, kind="conduct")
    data = {
        "title": incident.title,
        "kind": "conduct",
        "severity": "high",
        "occurred_on": "2026-03-02",
        "what_happened": incident.what_happened,
        "handler": personas.manager.pk,
        "status": "investigating",
    }
    client_as(personas.manager).post(reverse("trust_org:incident_edit", args=[incident.pk]), data)
    incident.refresh_from_db()
    assert (incident.severity, incident.anonymous, incident.reported_by, incident.source) == (
        "high",
        True,
        None,
        "employee",
    )

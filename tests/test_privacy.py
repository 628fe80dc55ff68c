"""A person's data on request (rollout/privacy.py), their sessions (rollout/user_sessions.py) and
retention (rollout/retention.py): an admin exports everything about one person, erases them so that
no text column of any table still holds their name or email while others' records and the figures
stay, sees and ends their sessions; old records go once a night and the admins hear of it."""

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.db import models
from django.db.models.functions import Cast
from django.test import Client
from django.urls import reverse

from rollout import retention
from rollout.models import AuditEvent, Membership, Notification, RetentionRun, Role, User, UserSession
from rollout.privacy import erase_person, pseudonym_for

from .factories import InvitationFactory, MembershipFactory, NotificationFactory


def text_columns():
    """(model, field) for every text column of every table: char, text, email and JSON (as text)."""
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField | models.JSONField):
                yield model, field


def tables_holding(*texts):
    """["app.Model.field"] of the columns where any row still holds one of `texts`."""
    found = []
    for model, field in text_columns():
        rows = model._base_manager.all()
        if isinstance(field, models.JSONField):
            rows = rows.annotate(_as_text=Cast(field.name, models.TextField()))
            column = "_as_text"
        else:
            column = field.name
        for text in texts:
            if rows.filter(**{f"{column}__icontains": text}).exists():
                found.append(f"{model._meta.label}.{field.name}")
                break
    return found


# Export ------------------------------------------------------------------------------------------


def test_an_admin_exports_everything_about_one_person_and_the_audit_trail_says_so(client_as, personas):
    membership = Membership.objects.get(user=personas.member)
    NotificationFactory(organization=personas.org, recipient=personas.member, subject="Your digest")
    response = client_as(personas.admin).post(reverse("rollout:member_export", args=[membership.pk]))
    assert response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    account = json.loads(archive.read("rollout-account.json"))["rows"][0]
    assert account["Email"] == "member@acme.example" and account["Role"] == "Member"
    assert "Your digest" in archive.read("rollout-emails.csv").decode()
    event = AuditEvent.objects.get(action=AuditEvent.Action.PERSON_EXPORTED)
    assert event.actor == personas.admin and "member@acme.example" not in event.summary


# Erase -------------------------------------------------------------------------------------------


def test_after_erasure_no_table_holds_the_persons_name_or_email(client_as, personas):
    member = personas.member
    member.full_name = "Zelda Quixote"
    member.save()
    membership = Membership.objects.get(user=member)
    InvitationFactory(organization=personas.org, email=member.email)
    NotificationFactory(organization=personas.org, recipient=member, subject="Hello Zelda Quixote")
    AuditEvent.objects.create(
        organization=personas.org,
        actor=personas.admin,
        action="member_changed",
        summary=f"{member.email}: role",
    )
    assert tables_holding(member.email, "Zelda Quixote")  # the test sees them before
    client_as(personas.admin).post(
        reverse("rollout:member_erase", args=[membership.pk]), {"confirm": "MEMBER@acme.example"}
    )
    assert tables_holding("member@acme.example", "Zelda Quixote") == []
    member.refresh_from_db()
    pseudonym = pseudonym_for(member)
    assert member.full_name == pseudonym.name and not member.is_active and not member.has_usable_password()
    erased = AuditEvent.objects.get(action=AuditEvent.Action.PERSON_ERASED)
    assert pseudonym.name in erased.summary and erased.actor == personas.admin
    # Other people's records stay: the admin's audit event is still there, about the pseudonym.
    assert AuditEvent.objects.filter(summary__contains=pseudonym.email).exists()


def test_the_pseudonym_is_stable_and_names_nobody(personas):
    first, again = pseudonym_for(personas.member), pseudonym_for(User.objects.get(pk=personas.member.pk))
    assert first == again and first.email.endswith("@erased.invalid")
    assert "member" not in first.name.lower().replace("former member", "")


def test_erasing_in_one_organization_leaves_the_other_untouched(personas):
    MembershipFactory(organization=personas.other_org, user=personas.member, role=Role.MEMBER)
    erase_person(Membership.objects.get(user=personas.member, organization=personas.org), personas.admin)
    personas.member.refresh_from_db()
    assert personas.member.email == "member@acme.example" and personas.member.is_active
    assert Membership.objects.filter(user=personas.member, organization=personas.other_org).exists()
    assert not Membership.objects.filter(user=personas.member, organization=personas.org).exists()


def test_erasure_asks_for_the_email_and_refuses_oneself(client_as, personas):
    client = client_as(personas.admin)
    membership = Membership.objects.get(user=personas.member)
    response = client.post(reverse("rollout:member_erase", args=[membership.pk]), {"confirm": "someone@else"})
    assert "nothing was erased" in response.text
    mine = Membership.objects.get(user=personas.admin)
    response = client.post(reverse("rollout:member_erase", args=[mine.pk]), {"confirm": "admin@acme.example"})
    assert "cannot erase yourself" in response.text
    assert User.objects.get(pk=personas.member.pk).email == "member@acme.example"


# Sessions ------------------------------------------------------------------------------------------


@pytest.fixture
def signed_in(client, personas):
    """The member signed in through the login page (so their session is recorded)."""
    client.post(
        reverse("login"), {"username": "member@acme.example", "password": "correct horse battery staple"}
    )
    assert UserSession.objects.filter(user=personas.member).exists()
    return client


def test_an_admin_sees_a_persons_sessions_and_signs_them_out_everywhere(signed_in, personas):
    admin = Client()
    admin.force_login(personas.admin)
    membership = Membership.objects.get(user=personas.member)
    page = admin.get(reverse("rollout:member_edit", args=[membership.pk])).text
    assert "Signed-in sessions" in page and "Since" in page
    admin.post(reverse("rollout:member_sessions_end", args=[membership.pk]))
    assert signed_in.get(reverse("people:me"))["Location"].startswith(reverse("login"))
    assert AuditEvent.objects.filter(action=AuditEvent.Action.SESSIONS_ENDED).exists()


def test_a_role_that_loses_rights_ends_the_persons_sessions_at_once(client, personas):
    client.post(
        reverse("login"), {"username": "manager@acme.example", "password": "correct horse battery staple"}
    )
    assert client.get(reverse("rollout:list")).status_code == 200
    membership = Membership.objects.get(user=personas.manager)

    admin = Client()
    admin.force_login(personas.admin)
    admin.post(
        reverse("rollout:member_edit", args=[membership.pk]), {"role": Role.MEMBER, "unit": personas.unit.pk}
    )
    assert Membership.objects.get(pk=membership.pk).role == Role.MEMBER
    assert client.get(reverse("rollout:list"))["Location"].startswith(reverse("login"))


def test_signing_out_forgets_the_session(signed_in, personas):
    signed_in.post(reverse("logout"))
    assert not UserSession.objects.filter(user=personas.member).exists()


# Retention -----------------------------------------------------------------------------------------

NIGHT = datetime(2026, 12, 3, 2, 30, tzinfo=UTC)


def test_old_emails_and_audit_events_go_and_recent_ones_stay(personas):
    personas.org.keep_email_days, personas.org.keep_audit_days = 90, 365
    personas.org.save()
    with time_machine.travel(NIGHT - timedelta(days=100)):
        old = NotificationFactory(
            organization=personas.org, recipient=personas.member, subject="Old", status="sent"
        )
        AuditEvent.objects.create(
            organization=personas.org, action="login", summary="old", created_at=NIGHT - timedelta(days=400)
        )
    recent = NotificationFactory(
        organization=personas.org, recipient=personas.member, subject="New", status="sent"
    )
    AuditEvent.objects.create(organization=personas.org, action="login", summary="recent")
    removed = retention.apply(personas.org, NIGHT)
    assert removed["copies of sent emails"] == 1 and removed["audit events"] == 1
    assert (
        Notification.objects.get(pk=old.pk).subject == ""
        and Notification.objects.get(pk=recent.pk).subject == "New"
    )
    assert Notification.objects.filter(pk=old.pk).exists()  # its key still stops a second sending
    assert not AuditEvent.objects.filter(summary="old").exists()
    assert AuditEvent.objects.filter(
        action=AuditEvent.Action.RETENTION, summary__startswith="Removed"
    ).exists()


def test_an_empty_setting_keeps_everything(personas):
    personas.org.keep_audit_days = None
    personas.org.save()
    AuditEvent.objects.create(
        organization=personas.org, action="login", summary="ancient", created_at=NIGHT - timedelta(days=4000)
    )
    retention.apply(personas.org, NIGHT)
    assert AuditEvent.objects.filter(summary="ancient").exists()


def test_retention_runs_once_a_night_from_two_in_the_organizations_zone(personas):
    personas.org.timezone = "Europe/Berlin"  # Acme; Globex is in UTC
    personas.org.save()
    assert retention.run_due(datetime(2026, 12, 3, 0, 30, tzinfo=UTC)) == 0  # 01:30 in Berlin
    assert retention.run_due(datetime(2026, 12, 3, 1, 30, tzinfo=UTC)) == 1  # 02:30 in Berlin: Acme
    assert retention.run_due(datetime(2026, 12, 3, 2, 30, tzinfo=UTC)) == 1  # Globex; Acme has run
    assert retention.run_due(datetime(2026, 12, 3, 3, 0, tzinfo=UTC)) == 0
    assert RetentionRun.objects.filter(organization=personas.org).count() == 1


def test_the_scrub_replaces_whole_words_in_any_case_and_leaves_other_words_alone(personas):
    from rollout.steps import Pseudonym

    pseudonym = Pseudonym(
        "Former member x",
        "former-x@erased.invalid",
        "former-x",
        ("ann.lee@acme.example", "Ann Lee", "José Núñez"),
    )
    rows = AuditEvent.objects.filter(organization=personas.org)
    AuditEvent.objects.create(
        organization=personas.org, action="login", summary="Annual review by ANN LEE (ANN.LEE@ACME.EXAMPLE)"
    )
    AuditEvent.objects.create(organization=personas.org, action="login", summary="Leeds office; Ann Leemans")
    NotificationFactory(
        organization=personas.org,
        recipient=personas.admin,
        payload={"message": "Ask José Núñez"},
        cc=["ann.lee@acme.example"],
    )
    assert pseudonym.scrub(rows, "summary") == 1
    assert pseudonym.scrub(Notification.objects.all(), "payload", "cc") == 2
    assert set(rows.values_list("summary", flat=True)) == {
        "Annual review by Former member x (former-x@erased.invalid)",
        "Leeds office; Ann Leemans",
    }
    notification = Notification.objects.get()
    assert notification.payload == {"message": "Ask Former member x"} and notification.cc == [
        "former-x@erased.invalid"
    ]


def test_a_former_member_can_still_be_exported_and_erased(client_as, personas):
    membership = Membership.objects.get(user=personas.member)
    Membership.all_objects.filter(pk=membership.pk).update(is_active=False, deactivated_at=NIGHT)
    client = client_as(personas.admin)
    assert "Former members" in client.get(reverse("rollout:members")).text
    assert (
        client.post(reverse("rollout:member_export", args=[membership.pk]))["Content-Type"]
        == "application/zip"
    )
    client.post(reverse("rollout:member_erase", args=[membership.pk]), {"confirm": "member@acme.example"})
    assert User.objects.get(pk=personas.member.pk).email.endswith("@erased.invalid")

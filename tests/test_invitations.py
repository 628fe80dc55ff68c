from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from rollout import tasks
from rollout.invitations import invitation_token
from rollout.models import Invitation, Membership, Role, User

from .factories import InvitationFactory

pytestmark = pytest.mark.django_db

STRONG = "a-long-unusual-passphrase-41"


def accept_url(invitation):
    return reverse("accept_invitation", args=[invitation_token(invitation)])


def test_a_new_person_accepts_sets_a_password_and_is_logged_in(client, personas):
    invitation = InvitationFactory(
        organization=personas.org, email="newbie@acme.example", role=Role.CHAMPION, unit=personas.unit
    )
    url = accept_url(invitation)
    assert "Join Acme" in client.get(url).text
    response = client.post(url, {"full_name": "New Bie", "password1": STRONG, "password2": STRONG})
    assert response.status_code == 302
    user = User.objects.get(email="newbie@acme.example")
    assert user.check_password(STRONG)
    membership = Membership.objects.get(user=user)
    assert (membership.organization, membership.role, membership.unit) == (
        personas.org,
        Role.CHAMPION,
        personas.unit,
    )
    assert client.get(reverse("rollout:list")).status_code == 200  # logged in, as a champion


def test_mismatched_or_weak_passwords_are_refused_and_create_nothing(client, personas):
    invitation = InvitationFactory(organization=personas.org, email="newbie@acme.example")
    response = client.post(
        accept_url(invitation), {"full_name": "New", "password1": STRONG, "password2": STRONG + "x"}
    )
    assert "differ" in " ".join(response.context["form"].errors["password2"])
    response = client.post(
        accept_url(invitation), {"full_name": "New", "password1": "12345678", "password2": "12345678"}
    )
    assert "password1" in response.context["form"].errors
    assert not User.objects.filter(email="newbie@acme.example").exists()
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_an_existing_account_joins_without_a_new_password(client, personas):
    invitation = InvitationFactory(
        organization=personas.other_org, email=personas.leader.email, role=Role.LEADER
    )
    response = client.post(accept_url(invitation))
    assert response["Location"] == reverse("login")
    assert Membership.objects.filter(
        user=personas.leader, organization=personas.other_org, role=Role.LEADER
    ).exists()


def test_an_invitation_brings_back_a_person_the_directory_deactivated(client, personas):
    from rollout.directory import sync

    membership = Membership.objects.get(user=personas.member, organization=personas.org)
    sync.deactivate(membership)
    assert not Membership.objects.filter(pk=membership.pk).exists()  # no access, history kept
    invitation = InvitationFactory(organization=personas.org, email=personas.member.email, role=Role.CHAMPION)
    assert client.post(accept_url(invitation)).status_code == 302
    membership = Membership.objects.get(pk=membership.pk)
    assert membership.role == Role.CHAMPION and membership.deactivated_at is None
    personas.member.refresh_from_db()
    assert personas.member.is_active


def test_a_link_works_only_once(client, personas):
    invitation = InvitationFactory(organization=personas.org, email="once@acme.example")
    client.post(accept_url(invitation), {"full_name": "Once", "password1": STRONG, "password2": STRONG})
    client.logout()
    response = client.get(accept_url(invitation))
    assert response.status_code == 404
    assert "does not work" in response.text


def test_an_expired_link_is_refused(client, personas):
    invitation = InvitationFactory(organization=personas.org)
    with time_machine.travel(timezone.now() + timedelta(days=8)):
        response = client.get(accept_url(invitation))
    assert response.status_code == 404


def test_a_revoked_or_tampered_link_is_refused(client, personas):
    invitation = InvitationFactory(organization=personas.org, revoked_at=timezone.now())
    assert client.get(accept_url(invitation)).status_code == 404
    other = InvitationFactory(organization=personas.org)
    assert client.get(accept_url(other)[:-3] + "abc/").status_code == 404


def test_the_invitation_email_is_sent_once_with_a_working_link(client, personas):
    invitation = InvitationFactory(
        organization=personas.org, email="mail@acme.example", invited_by=personas.admin
    )
    assert tasks.send_invitation(invitation.pk) == "sent"
    assert tasks.send_invitation(invitation.pk) == "already sent or no longer pending"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["mail@acme.example"]
    assert "Acme" in message.subject
    link = next(line for line in message.body.splitlines() if "/invitations/" in line)
    assert "Join Acme" in client.get(link.split("127.0.0.1:8000", 1)[1]).text
    assert message.alternatives[0].mimetype == "text/html"
    invitation.refresh_from_db()
    assert (invitation.email_attempts, invitation.email_error) == (1, "")


def test_a_failed_send_releases_the_claim_and_shows_the_error(personas, monkeypatch):
    invitation = InvitationFactory(organization=personas.org)

    def fail(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server refused the connection")

    monkeypatch.setattr(tasks, "send_rendered", fail)
    retried = []
    monkeypatch.setattr(
        tasks.send_invitation, "retry", lambda **kw: retried.append(kw) or RuntimeError("retry")
    )
    with pytest.raises(RuntimeError):
        tasks.send_invitation(invitation.pk)
    invitation.refresh_from_db()
    assert invitation.email_sent_at is None
    assert "refused" in invitation.email_error
    assert len(retried) == 1
    assert len(mail.outbox) == 0


def test_the_sweep_queues_unsent_invitations_only(personas, monkeypatch):
    queued = []
    monkeypatch.setattr(tasks.send_invitation, "delay", queued.append)
    old = timezone.now() - timedelta(minutes=10)
    unsent = InvitationFactory(organization=personas.org, created_at=old)
    InvitationFactory(organization=personas.org, created_at=old, email_sent_at=timezone.now())
    InvitationFactory(organization=personas.org, created_at=old, revoked_at=timezone.now())
    InvitationFactory(organization=personas.org)  # just created: its own task is on the way
    InvitationFactory(organization=personas.org, created_at=old, email_attempts=2)  # retrying on its own
    InvitationFactory(organization=personas.org, created_at=timezone.now() - timedelta(days=8))  # expired
    assert tasks.send_pending_invitations() == 1
    assert queued == [unsent.pk]


def test_the_member_page_says_when_retries_are_exhausted(client_as, personas):
    InvitationFactory(
        organization=personas.org,
        email_error="Connection refused",
        email_attempts=tasks.EMAIL_MAX_RETRIES + 1,
    )
    response = client_as(personas.admin).get(reverse("rollout:members"))
    assert "Check the mail settings, then press Resend" in response.text


def test_the_member_page_shows_a_failed_email(client_as, personas):
    InvitationFactory(
        organization=personas.org, email="bounce@acme.example", email_error="Connection refused"
    )
    response = client_as(personas.admin).get(reverse("rollout:members"))
    assert "Email failed: Connection refused" in response.text
    assert Invitation.objects.count() == 1

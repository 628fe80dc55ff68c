import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse

from rollout.models import Role

from .factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_login_with_email_and_password(client, personas):
    response = client.post(
        reverse("login"), {"username": "MANAGER@acme.example", "password": "correct horse battery staple"}
    )
    assert response.status_code == 302
    assert client.get(reverse("rollout:list")).status_code == 200


def test_a_wrong_password_says_so(client, personas):
    response = client.post(reverse("login"), {"username": "manager@acme.example", "password": "nope"})
    assert response.status_code == 200
    assert "correct email" in response.text


def test_members_get_their_personal_page_and_staff_the_rollouts(client_as, personas):
    response = client_as(personas.member).get(reverse("home"))
    assert "Hello" in response.text and "Engage for all" in response.text
    assert (
        "My guidelines and training" in response.text
        and "All your recognition, badges and points" in response.text
    )
    assert client_as(personas.leader).get(reverse("home"))["Location"] == reverse("rollout:portfolio")
    assert client_as(personas.champion).get(reverse("home"))["Location"] == reverse("rollout:list")


def test_a_user_without_organization_is_told_how_to_join(client_as, db):
    response = client_as(UserFactory()).get(reverse("home"))
    assert "do not belong to an organization" in response.text


def test_a_user_in_two_organizations_switches_between_them(client_as, personas):
    MembershipFactory(user=personas.leader, organization=personas.other_org, role=Role.ADMIN)
    client = client_as(personas.leader)
    assert "Engage for all" in client.get(reverse("rollout:list")).text
    assert client.get(reverse("rollout:settings")).status_code == 403  # a leader in Acme
    client.post(reverse("rollout:switch_organization"), {"organization": personas.other_org.pk})
    response = client.get(reverse("rollout:list"))
    assert "Globex chat" in response.text and "Engage for all" not in response.text
    assert client.get(reverse("rollout:settings")).status_code == 200  # an admin in Globex
    # Acme's rollout is now another organization's object.
    assert client.get(reverse("rollout:overview", args=[personas.rollout.pk])).status_code == 404


def test_switching_to_a_foreign_organization_is_refused(client_as, personas):
    client = client_as(personas.leader)
    response = client.post(
        reverse("rollout:switch_organization"), {"organization": personas.other_org.pk}, follow=True
    )
    assert "not a member" in response.text
    assert "Engage for all" in client.get(reverse("rollout:list")).text


def test_password_reset_mails_a_link_that_sets_a_new_password(
    client, personas, django_capture_on_commit_callbacks
):
    from config.celery_app import app

    app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("password_reset"), {"email": "manager@acme.example"})
    finally:
        app.conf.task_always_eager = False
    assert len(mail.outbox) == 1
    link = next(line for line in mail.outbox[0].body.splitlines() if "/accounts/password/reset/" in line)
    assert link.startswith(settings.SITE_URL)  # never the request's Host header
    path = link.split(settings.SITE_URL, 1)[1]
    response = client.get(path, follow=True)
    new = "another-long-passphrase-77"
    response = client.post(response.redirect_chain[-1][0], {"new_password1": new, "new_password2": new})
    assert response["Location"] == reverse("password_reset_complete")
    personas.manager.refresh_from_db()
    assert personas.manager.check_password(new)


def test_password_reset_for_an_unknown_address_sends_nothing_and_reveals_nothing(
    client, db, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(reverse("password_reset"), {"email": "nobody@example.com"})
    assert response["Location"] == reverse("password_reset_done")
    assert callbacks == []


def test_error_pages_use_the_site_layout(client_as, personas):
    response = client_as(personas.member).get(reverse("rollout:list"))
    assert response.status_code == 403 and "Not allowed" in response.text
    response = client_as(personas.member).get("/no/such/page/")
    assert response.status_code == 404 and "Page not found" in response.text


def test_password_reset_still_mails_when_the_broker_is_down(
    client, personas, django_capture_on_commit_callbacks, monkeypatch
):
    def down(*args):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr("rollout.tasks.send_email.delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("password_reset"), {"email": "manager@acme.example"})
    assert response["Location"] == reverse("password_reset_done")
    assert [message.to for message in mail.outbox] == [["manager@acme.example"]]

"""Rate limits on the doors that need no login or that send email (rollout/ratelimits.py): a flood
gets no more than the limit through, the rest a clear 429 with Retry-After, never a server error."""

import pytest
from django.conf import settings as project_settings
from django.core import mail
from django.urls import reverse
from rest_framework.test import APIClient

from rollout.api.tokens import create_token
from rollout.directory.scim_auth import create_token as create_scim_token
from rollout.invitations import invitation_token
from rollout.outbox import unsubscribe_token

from .factories import InvitationFactory, NotificationFactory


@pytest.fixture
def rates(settings):
    """set(name=rate): lower a limit for one test."""

    def set_rates(**changes):
        settings.RATE_LIMITS = {**project_settings.RATE_LIMITS, **changes}

    return set_rates


@pytest.fixture
def eager_email(django_capture_on_commit_callbacks):
    """Password-reset emails are sent by the worker: run its task in the test."""
    from config.celery_app import app

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_a_reset_flood_for_one_address_sends_no_more_than_the_limit(
    client, personas, eager_email, django_capture_on_commit_callbacks
):
    limit = int(project_settings.RATE_LIMITS["password_reset_address"].split("/")[0])
    outcomes = []
    for attempt in range(30):
        email = "Manager@acme.example" if attempt % 2 else "manager@acme.example"  # case changes nothing
        with django_capture_on_commit_callbacks(execute=True):
            outcomes.append(client.post(reverse("password_reset"), {"email": email}))
    assert len(mail.outbox) == limit
    refused = [response for response in outcomes if response.status_code == 429]
    assert len(refused) == 30 - limit
    assert int(refused[0]["Retry-After"]) > 0
    assert "use the latest one" in refused[0].text


def test_one_client_asking_resets_for_many_addresses_is_stopped(client, db, rates):
    rates(password_reset_client="5/h")
    codes = [
        client.post(reverse("password_reset"), {"email": f"p{n}@example.com"}).status_code for n in range(7)
    ]
    assert codes == [302] * 5 + [429] * 2


def test_sign_in_attempts_from_one_client_across_addresses_are_limited(client, db, rates):
    rates(login_client="4/10m")
    codes = [
        client.post(reverse("login"), {"username": f"p{n}@example.com", "password": "wrong"}).status_code
        for n in range(6)
    ]
    assert codes[:4] == [200] * 4 and codes[4:] == [429, 429]
    assert client.get(reverse("login")).status_code == 200  # reading the page is not an attempt


def test_wrong_invitation_and_unsubscribe_links_are_limited_per_client_and_right_ones_never(
    client, personas, rates
):
    rates(invitation="2/10m", unsubscribe="2/10m")
    invitation = reverse(
        "accept_invitation", args=[invitation_token(InvitationFactory(organization=personas.org))]
    )
    # A whole office opening its invitations from one address is never refused.
    assert {client.get(invitation).status_code for _ in range(5)} == {200}
    wrong = reverse("accept_invitation", args=["not-a-token"])
    assert [client.get(wrong).status_code for _ in range(3)] == [404, 404, 429]
    notification = NotificationFactory(organization=personas.org, recipient=personas.member)
    unsubscribe = reverse("unsubscribe", args=[unsubscribe_token(notification)])
    assert {client.get(unsubscribe).status_code for _ in range(5)} == {200}
    wrong = reverse("unsubscribe", args=["not-a-token"])
    assert [client.get(wrong).status_code for _ in range(3)] == [404, 404, 429]


def test_wrong_api_tokens_are_limited_and_a_right_one_always_passes(personas, rates):
    rates(token_failures="3/10m")
    token, text = create_token(personas.manager, personas.org, "script", "read")
    api = APIClient()
    url = reverse("api:rollout-list")
    api.credentials(HTTP_AUTHORIZATION="Bearer rlt_wrong")
    assert [api.get(url).status_code for _ in range(4)] == [401, 401, 401, 429]
    assert int(api.get(url)["Retry-After"]) > 0
    # Another customer of the same provider, behind the same address, is not locked out.
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {text}")
    assert api.get(url).status_code == 200


def test_wrong_scim_tokens_are_limited(client, personas, rates):
    rates(token_failures="2/10m")
    _, text = create_scim_token(personas.org, "Entra", personas.admin)
    url = "/scim/v2/Users"
    wrong = {"HTTP_AUTHORIZATION": "Bearer scim_wrong"}
    assert [client.get(url, **wrong).status_code for _ in range(3)] == [401, 401, 429]
    response = client.get(url, **wrong)
    assert response["Retry-After"] and response.json()["status"] == "429"
    assert client.get(url, HTTP_AUTHORIZATION=f"Bearer {text}").status_code == 200


def test_a_person_asking_for_help_again_and_again_is_asked_to_wait(client_as, personas, rates):
    from conversations.models import Message

    rates(employee_messages="2/h")
    client = client_as(personas.member)
    url = reverse("conversations_org:ask")
    codes = [
        client.post(
            url, {"rollout": personas.rollout.pk, "text": f"How do I post a photo? ({n})"}
        ).status_code
        for n in range(3)
    ]
    assert codes == [302, 302, 429]
    assert Message.objects.filter(author=personas.member).count() == 2
    # The limit is the person's, not their network's: a colleague can still ask.
    other = client_as(personas.champion).post(
        url, {"rollout": personas.rollout.pk, "text": "Where are the files?"}
    )
    assert other.status_code == 302


def test_wrong_pulse_answer_links_are_limited_per_client(client, db, rates):
    rates(pulse="2/10m")
    url = reverse("pulse:answer", args=["not-a-token"])
    assert [client.get(url).status_code for _ in range(3)] == [404, 404, 429]

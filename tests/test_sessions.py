"""Staying signed in: Django's database sessions and ModelBackend, as a person notices them.

A signed-in person stays signed in from page to page; signing out, an expired session, a changed
password or a deactivated account ends the session at the next request; a changed role applies at
the next request, whatever the cache holds.
"""

from datetime import timedelta

import pytest
from asgiref.sync import async_to_sync
from django.contrib.auth import aget_user
from django.contrib.sessions.models import Session
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from rollout.models import Membership, Role

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"  # the factories' password


def signed_in_with_the_form(user):
    """A browser that signed in through the login page (django-axes, then ModelBackend)."""
    client = Client()
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def test_a_person_who_signed_in_stays_signed_in_from_page_to_page(personas):
    client = signed_in_with_the_form(personas.leader)
    for _ in range(3):
        response = client.get(reverse("rollout:portfolio"))
        assert response.status_code == 200
        assert response.wsgi_request.user == personas.leader
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key, expire_date__gt=timezone.now()).exists()


def test_an_expired_session_signs_the_person_out(personas):
    client = signed_in_with_the_form(personas.leader)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    response = client.get(reverse("rollout:portfolio"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_an_unknown_session_cookie_is_a_signed_out_visitor(personas):
    client = Client()
    client.cookies["sessionid"] = "no-such-session-key-00000000000"
    assert client.get(reverse("rollout:portfolio")).status_code == 302


def test_signing_out_ends_the_session_at_once(personas):
    client = signed_in_with_the_form(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(reverse("rollout:portfolio")).status_code == 302


def test_a_deactivated_user_is_signed_out_at_their_next_request(personas):
    client = signed_in_with_the_form(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    personas.leader.is_active = False
    personas.leader.save()
    assert client.get(reverse("rollout:portfolio")).status_code == 302


def test_a_changed_password_signs_out_the_other_sessions_but_not_the_one_that_changed_it(personas):
    laptop = signed_in_with_the_form(personas.leader)
    phone = signed_in_with_the_form(personas.leader)
    response = laptop.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "a-new-long-passphrase-9",
            "new_password2": "a-new-long-passphrase-9",
        },
    )
    assert response.status_code == 302
    assert laptop.get(reverse("rollout:portfolio")).status_code == 200
    assert phone.get(reverse("rollout:portfolio")).status_code == 302


def test_a_role_change_applies_at_the_next_request(personas):
    client = signed_in_with_the_form(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200  # leaders see the portfolio
    Membership.objects.filter(user=personas.leader, organization=personas.org).update(role=Role.MEMBER)
    assert client.get(reverse("rollout:portfolio")).status_code == 403
    Membership.objects.filter(user=personas.leader, organization=personas.org).update(role=Role.LEADER)
    assert client.get(reverse("rollout:portfolio")).status_code == 200


def test_a_removed_membership_leaves_the_organization_at_the_next_request(personas):
    client = signed_in_with_the_form(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    Membership.objects.filter(user=personas.leader, organization=personas.org).delete()
    assert client.get(reverse("rollout:portfolio")).status_code == 403


def test_async_code_reads_the_same_signed_in_user(personas):
    """An async view (request.auser()) finds the person a page finds, through the same session."""
    client = signed_in_with_the_form(personas.leader)
    request = RequestFactory().get("/")
    request.session = client.session
    assert async_to_sync(aget_user)(request) == personas.leader
    personas.leader.is_active = False
    personas.leader.save()
    assert not async_to_sync(aget_user)(request).is_authenticated

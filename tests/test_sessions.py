"""Sessions (rollout/sessions.py): Django's database sessions, read by one statement."""

from datetime import timedelta

import pytest
from django.contrib.sessions.backends.db import SessionStore as DjangoSessionStore
from django.contrib.sessions.models import Session
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from rollout.sessions import SessionStore

pytestmark = pytest.mark.django_db


def test_a_session_reads_what_djangos_own_store_reads(personas):
    client = Client()
    client.force_login(personas.manager)
    key = client.session.session_key
    assert SessionStore(key).load() == DjangoSessionStore(key).load() != {}


def test_an_expired_or_unknown_session_is_empty_and_gets_a_new_key(personas):
    client = Client()
    client.force_login(personas.manager)
    key = client.session.session_key
    Session.objects.filter(session_key=key).update(expire_date=timezone.now() - timedelta(seconds=1))
    store = SessionStore(key)
    assert store.load() == {} and store.session_key is None
    assert SessionStore("no-such-session-key-00000000000").load() == {}
    assert client.get(reverse("rollout:portfolio")).status_code == 302  # signed out


def test_signing_out_ends_the_session_at_once(personas):
    client = Client()
    client.force_login(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    cookie = client.cookies["sessionid"].value
    client.post(reverse("logout"))
    replay = Client()
    replay.cookies["sessionid"] = cookie
    assert replay.get(reverse("rollout:portfolio")).status_code == 302

"""Sessions and the signed-in user (rollout/sessions.py, rollout/auth.py): Django's database sessions
and ModelBackend, each read by one statement."""

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


def test_the_signed_in_user_is_read_as_the_orm_reads_it(personas):
    from rollout.auth import ModelBackend
    from rollout.models import User

    ours = ModelBackend().get_user(personas.manager.pk)
    orms = User.objects.get(pk=personas.manager.pk)
    fields = [field.attname for field in User._meta.concrete_fields]
    assert [getattr(ours, name) for name in fields] == [getattr(orms, name) for name in fields]
    assert ModelBackend().get_user(10**9) is None


def test_a_deactivated_user_is_signed_out_at_their_next_request(personas):
    client = Client()
    client.force_login(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    personas.leader.is_active = False
    personas.leader.save()
    assert client.get(reverse("rollout:portfolio")).status_code == 302


def test_a_changed_password_signs_out_the_other_sessions(personas):
    client = Client()
    client.force_login(personas.leader)
    assert client.get(reverse("rollout:portfolio")).status_code == 200
    personas.leader.set_password("a-new-long-passphrase-9")
    personas.leader.save()
    assert client.get(reverse("rollout:portfolio")).status_code == 302

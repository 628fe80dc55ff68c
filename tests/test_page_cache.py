"""Whole pages from the cache (rollout/pagecache.py): opened again, a page costs three queries; it is
never someone else's page, never older than the latest write, the role or the organization, and
its times and forms stay right."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations import services as conversations
from rollout import portfolio
from rollout.access import SESSION_KEY
from rollout.models import Membership, Role, Rollout

from .engage_conversations.factories import QuestionFactory, ThreadFactory
from .factories import MembershipFactory, RolloutFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def still_clock():
    """A page is kept for its minute: these tests open pages within one, unless they say otherwise."""
    with time_machine.travel(timezone.now(), tick=False):
        yield


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured), response


def test_a_page_opened_again_costs_three_queries_and_is_the_same_page(personas):
    client = signed_in(personas.manager)
    url = reverse("strategy:worksheet", args=[personas.rollout.pk])
    client.get(url)  # the CSRF cookie, as after any first page
    rendered, first = queries(client, url)
    again, second = queries(client, url)
    assert rendered > 3
    assert again == 3  # the session, the user and the membership: nothing of the page
    assert second.content == first.content
    assert second["Content-Type"] == first["Content-Type"]


def test_two_people_of_the_same_role_each_get_their_own_page(personas):
    colleague = MembershipFactory(
        organization=personas.org, role=Role.MANAGER, user__full_name="Zora Colleague"
    ).user
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    for user in (personas.manager, colleague, personas.manager):
        client = signed_in(user)
        client.get(url)
        page = client.get(url).content.decode()
        assert user.email in page
        others = {personas.manager.email, colleague.email} - {user.email}
        assert not any(email in page for email in others)


def test_a_write_shows_at_once_with_its_message_then_the_page_is_cached_again(personas):
    client = signed_in(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(url)
    assert "Engage for all" in client.get(url).content.decode()
    form = {
        "name": "Engage everyone",
        "platform": personas.platform.pk,
        "status": personas.rollout.status,
        "owner": personas.manager.pk,
    }
    response = client.post(reverse("rollout:edit", args=[personas.rollout.pk]), form, follow=True)
    page = response.content.decode()
    assert "Engage everyone" in page, response.context["form"].errors if response.context else page
    assert "Rollout saved." in page
    _, again = queries(client, url)
    assert "Engage everyone" in again.content.decode()
    assert "Rollout saved." not in again.content.decode()  # a message is shown once


def test_a_lost_role_is_a_403_at_once(personas):
    client = signed_in(personas.manager)
    url = reverse("strategy:worksheet", args=[personas.rollout.pk])
    client.get(url)
    assert client.get(url).status_code == 200
    membership = Membership.objects.get(user=personas.manager, organization=personas.org)
    membership.role = Role.MEMBER
    membership.save()
    assert client.get(url).status_code == 403


def test_a_removed_member_loses_the_page_at_once(personas):
    client = signed_in(personas.champion)
    url = reverse("engage:home", args=[personas.rollout.pk])
    client.get(url)
    assert client.get(url).status_code == 200
    Membership.objects.filter(user=personas.champion, organization=personas.org).delete()
    assert client.get(url).status_code in (302, 403, 404)


def test_after_switching_organization_the_other_organizations_page_is_a_404(personas):
    MembershipFactory(organization=personas.other_org, role=Role.MANAGER, user=personas.manager)
    client = signed_in(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(url)
    assert client.get(url).status_code == 200
    client.post(reverse("rollout:switch_organization"), {"organization": personas.other_org.pk})
    assert client.get(url).status_code == 404
    other = RolloutFactory(organization=personas.other_org)
    assert client.get(reverse("rollout:overview", args=[other.pk])).status_code == 200


def test_each_browser_gets_forms_it_can_post(personas):
    """Two browsers of one person have two CSRF secrets: each gets a page whose token it can use."""
    url = reverse("strategy:worksheet", args=[personas.rollout.pk])
    for _ in range(2):
        browser = Client(enforce_csrf_checks=True)
        browser.force_login(personas.manager)
        browser.get(url)
        page = browser.get(url).content.decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        response = browser.post(
            reverse("strategy:submit", args=[personas.rollout.pk]), {"csrfmiddlewaretoken": token}
        )
        assert response.status_code != 403


def test_the_queue_says_how_long_a_question_has_waited_within_a_minute(personas):
    thread = ThreadFactory(rollout=personas.rollout)
    QuestionFactory(thread=thread, created_at=timezone.now() - timedelta(hours=2))
    conversations.refresh_questions({thread.pk})
    client = signed_in(personas.champion)
    url = reverse("engage:queue", args=[personas.rollout.pk])
    client.get(url)
    assert "waiting 2\xa0hours" in client.get(url).content.decode()
    with time_machine.travel(timezone.now() + timedelta(hours=3)):
        assert "waiting 5\xa0hours" in client.get(url).content.decode()


def test_a_page_is_not_cached_for_a_browser_without_a_csrf_cookie(personas):
    client = signed_in(personas.leader)
    url = reverse("rollout:portfolio")
    queries(client, url)  # no cookie yet: rendered, and the cookie set
    assert "csrftoken" in client.cookies
    assert queries(client, url)[0] > 3  # rendered again, now kept
    assert queries(client, url)[0] == 3
    del client.cookies["csrftoken"]
    assert queries(client, url)[0] > 3  # rendered (from the cached figures) with a new token


def test_a_new_session_starts_in_the_oldest_organization_and_keeps_a_switch(personas):
    MembershipFactory(organization=personas.other_org, role=Role.MANAGER, user=personas.manager)
    client = signed_in(personas.manager)
    assert client.session[SESSION_KEY] == personas.org.pk
    client.post(reverse("rollout:switch_organization"), {"organization": personas.other_org.pk})
    client.force_login(personas.manager)  # signing in again in the same session
    assert client.session[SESSION_KEY] == personas.other_org.pk


def test_a_role_change_the_cache_never_heard_of_still_applies_at_once(personas, monkeypatch):
    """A write whose new data version was lost (Redis down at that moment): access is read from
    the database, so the demotion applies at once; the page itself is at most a minute old."""
    client = signed_in(personas.admin)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(url)
    assert client.get(url).status_code == 200
    monkeypatch.setattr(portfolio, "_bump", lambda *keys: None)  # every new data version lost
    membership = Membership.objects.get(user=personas.admin, organization=personas.org)
    membership.role = Role.MEMBER
    membership.save()
    assert client.get(url).status_code == 403
    assert client.get(reverse("rollout:settings")).status_code == 403


def test_a_write_the_cache_never_heard_of_shows_within_a_minute(personas, monkeypatch):
    client = signed_in(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(url)
    assert "Engage for all" in client.get(url).content.decode()
    monkeypatch.setattr(portfolio, "_bump", lambda *keys: None)
    Rollout.objects.filter(pk=personas.rollout.pk).update(name="Engage everyone")
    with time_machine.travel(timezone.now() + timedelta(seconds=61)):
        assert "Engage everyone" in client.get(url).content.decode()


def test_a_new_name_shows_at_once(personas):
    client = signed_in(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(url)
    client.get(url)  # now from the cache
    personas.manager.full_name = "Renamed Manager"
    personas.manager.save()  # a User: no write to the organization's data
    assert "Renamed" in client.get(url).content.decode()


def test_another_persons_new_name_shows_at_once_but_a_sign_in_keeps_the_page(personas):
    owner = MembershipFactory(organization=personas.org, role=Role.MANAGER, user__full_name="Olga Owner").user
    Rollout.objects.filter(pk=personas.rollout.pk).update(owner=owner)
    portfolio.new_data_version(personas.org.pk)
    client = signed_in(personas.manager)
    url = reverse("rollout:overview", args=[personas.rollout.pk])
    client.get(url)
    assert "Olga Owner" in client.get(url).content.decode()
    Client().force_login(owner)  # saves last_login only: the page stays cached
    again, _ = queries(client, url)
    assert again == 3
    owner.full_name = "Olga Renamed"
    owner.save()
    assert "Olga Renamed" in client.get(url).content.decode()

"""One step navigation for every step (templates/rollout/_step_nav.html, `Step.pages`)."""

import pytest
from django.urls import reverse

from rollout.access import EVERYONE
from rollout.steps import registry

pytestmark = pytest.mark.django_db


def _tabs(response):
    html = response.content.decode()
    nav = html[html.index('aria-label="breadcrumb"') :]
    return nav


@pytest.mark.parametrize("step", [step for step in registry.steps() if step.pages], ids=lambda step: step.key)
def test_every_page_a_step_names_opens_for_its_roles(client_as, personas, step):
    for page in step.pages:
        url = page.url(personas.rollout)
        for role in page.roles or EVERYONE:
            user = personas.users[role]
            assert client_as(user).get(url).status_code in (200, 403), (step.key, page.key, role)


def test_a_champion_sees_the_champion_pages_but_not_the_editors(client_as, personas):
    nav = _tabs(client_as(personas.champion).get(reverse("champions:sessions", args=[personas.rollout.pk])))
    assert 'aria-label="Champion pages"' in nav
    assert ">Sessions</a>" in nav and 'aria-current="page">Sessions' in nav
    assert "Skills taxonomy" not in nav and "Activity report" not in nav


def test_a_leader_sees_the_activity_report_and_a_manager_the_skills_too(client_as, personas):
    url = reverse("champions:home", args=[personas.rollout.pk])
    leader = _tabs(client_as(personas.leader).get(url))
    assert "Activity report" in leader and "Skills taxonomy" not in leader
    manager = _tabs(client_as(personas.manager).get(url))
    assert "Activity report" in manager and "Skills taxonomy" in manager


def test_a_member_comes_to_incentives_from_their_own_recognition_page(client_as, personas):
    nav = _tabs(client_as(personas.member).get(reverse("incentives:badges", args=[personas.rollout.pk])))
    assert "My recognition and badges" in nav and ">Rollouts<" not in nav
    assert ">Home<" not in nav and ">Plan<" not in nav  # staff and editors only
    manager = _tabs(client_as(personas.manager).get(reverse("incentives:badges", args=[personas.rollout.pk])))
    assert ">Rollouts<" in manager and ">Plan<" in manager


def test_the_crumb_names_the_page_and_links_back_to_the_step(client_as, personas):
    nav = _tabs(client_as(personas.manager).get(reverse("engage:imports", args=[personas.rollout.pk])))
    assert f'href="{reverse("engage:home", args=[personas.rollout.pk])}">Engage</a>' in nav
    assert 'aria-current="page">Imports</li>' in nav

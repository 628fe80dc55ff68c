"""The Engage page and the unanswered queue cost the same number of queries with little data and
with a lot, and at most 15 once their cached figures are warm (the bench's target)."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from conversations.models import Message
from engage.models import OfficialAccount
from rollout.models import Role
from tests.engage_conversations.factories import QuestionFactory, ThreadFactory
from tests.factories import MembershipFactory, UnitFactory
from tests.pages import query_counts

from .test_query_counts import grow

pytestmark = pytest.mark.django_db

MOST = 15


def queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured)


def ask(personas, questions, units, tag):
    """Open and answered questions from people in new units, some claimed by the champion."""
    now = timezone.now()
    for u in range(units):
        unit = UnitFactory(organization=personas.org, name=f"Queue unit {tag}{u}", headcount=20)
        for q in range(questions):
            asker = MembershipFactory(
                organization=personas.org, unit=unit, user__email=f"q{tag}{u}-{q}@acme.example"
            )
            thread = ThreadFactory(rollout=personas.rollout, started_at=now - timedelta(hours=q + 1))
            answered = q % 3 == 0
            QuestionFactory(
                thread=thread,
                author=asker.user,
                author_key=asker.user.email,
                unit=unit,
                created_at=now - timedelta(hours=q + 1),
                first_response_at=now if answered else None,
                response_seconds=3600 if answered else None,
                claimed_by=personas.champion if q % 4 == 1 else None,
            )


@pytest.mark.parametrize("role", [Role.CHAMPION, Role.MANAGER])
def test_the_engage_page_costs_the_same_with_more_activity(client_as, personas, role):
    client = client_as(personas.users[role])
    url = reverse("engage:home", args=[personas.rollout.pk])
    grow(personas, units=1, people_each=6, weeks=1, accounts=1, bad_rows=1, tag="a")
    small = query_counts(client, url)
    grow(personas, units=5, people_each=8, weeks=6, accounts=4, bad_rows=30, tag="b")
    assert OfficialAccount.objects.filter(rollout=personas.rollout).count() == 5
    large = query_counts(client, url)
    assert large == small
    assert large[1] <= MOST  # warm: the figures are stored, the page's own values cached


@pytest.mark.parametrize("role", [Role.CHAMPION, Role.MANAGER])
def test_the_unanswered_queue_costs_the_same_with_more_questions(client_as, personas, role):
    client = client_as(personas.users[role])
    url = reverse("engage:queue", args=[personas.rollout.pk])
    ask(personas, questions=2, units=1, tag="a")
    client.get(url + "?after=a")  # another page first: the figures are cached, as they mostly are
    small = queries(client, url)
    ask(personas, questions=12, units=4, tag="b")
    client.get(url + "?after=b")
    many = queries(client, url)
    assert many == small <= MOST
    assert queries(client, url + "?page=2") == many


def test_the_queue_links_each_question_to_its_own_actions(client_as, personas):
    ask(personas, questions=2, units=1, tag="a")
    response = client_as(personas.manager).get(reverse("engage:queue", args=[personas.rollout.pk]))
    questions = list(Message.objects.filter(rollout=personas.rollout, first_response_at__isnull=True))
    assert questions
    for question in questions:
        kwargs = {"pk": personas.rollout.pk, "question": question.pk}
        for action in ("queue_answered", "queue_hand_on"):
            assert f'href="{reverse(f"engage:{action}", kwargs=kwargs)}"' in response.text
        if question.claimed_by_id is None:
            assert f'action="{reverse("engage:queue_claim", kwargs=kwargs)}"' in response.text

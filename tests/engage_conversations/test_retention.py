"""Retention of conversation text: messages older than the organization keeps their text lose it
(and the answer's note), keep their rows and question fields, and say why on the queue; newer
messages and other organizations' are untouched; the queue's figures read the same; None keeps
everything; one UPDATE however many messages."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from conversations import selectors
from conversations.models import Message, TextRemoved
from conversations.views.queue import queue_row
from rollout.steps import RetentionPolicy, registry

from ..factories import OrganizationFactory, RolloutFactory
from .factories import MessageFactory, QuestionFactory, ThreadFactory

pytestmark = pytest.mark.django_db

engage = registry.get("engage")
NOW = timezone.make_aware(datetime(2026, 5, 4, 3, 0))


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def keep(days):
    return RetentionPolicy(
        activity_days=None, conversation_text_days=days, email_body_days=None, audit_days=None
    )


def conversation(rollout, days_ago):
    asked = NOW - timedelta(days=days_ago)
    thread = ThreadFactory(rollout=rollout, started_at=asked)
    question = QuestionFactory(
        thread=thread,
        created_at=asked,
        first_response_at=asked + timedelta(hours=3),
        response_seconds=10800,
        first_reply_at=asked + timedelta(hours=3),
        answer_text="See the guide",
    )
    MessageFactory(thread=thread, created_at=asked + timedelta(hours=3), text="Here is how")
    QuestionFactory(thread=ThreadFactory(rollout=rollout, started_at=asked), created_at=asked, text="Anyone?")
    return question


@pytest.fixture
def loaded(personas):
    for days_ago in (400, 200, 100, 20, 2):
        conversation(personas.rollout, days_ago)
        conversation(personas.other_rollout, days_ago)


def figures(rollout):
    return (
        selectors.response_summary(rollout, now=NOW),
        selectors.response_by_unit(rollout, now=NOW),
        selectors.unanswered_questions(rollout).count(),
        Message.objects.filter(rollout=rollout).count(),
    )


def test_older_texts_are_blanked_newer_and_other_organizations_kept(personas, loaded):
    cutoff = NOW - timedelta(days=90)
    assert engage.apply_retention(personas.org, keep(90), NOW) == {
        "activity records": 0,
        "conversation texts": 9,  # three messages in each of the three older conversations
    }
    older = Message.objects.filter(rollout=personas.rollout, created_at__lt=cutoff)
    assert set(older.values_list("text", "answer_text", "text_removed", "text_kept_days")) == {
        ("", "", TextRemoved.RETENTION, 90)
    }
    newer = Message.objects.filter(rollout=personas.rollout, created_at__gte=cutoff)
    assert "" not in set(newer.values_list("text", flat=True)) and not newer.exclude(text_removed="").exists()
    assert not Message.objects.filter(rollout=personas.other_rollout, text="").exists()


def test_the_queue_figures_read_the_same(personas, loaded):
    before = figures(personas.rollout)
    assert before[0]["asked"] == 10 and before[2] == 5
    engage.apply_retention(personas.org, keep(90), NOW)
    assert figures(personas.rollout) == before


class NoLinks:
    def of(self, question):
        return {}


def test_the_queue_says_why_a_text_is_gone(personas, loaded):
    engage.apply_retention(personas.org, keep(90), NOW)
    question = selectors.unanswered_questions(personas.rollout).first()
    assert question.text == "" and question.shown_text == "Text removed after 90 days (retention)."
    row = queue_row(
        question,
        personas.manager,
        NOW,
        timedelta(hours=24),
        set(),
        True,
        NoLinks(),
    )
    assert row.text == "Text removed after 90 days (retention)."


def test_a_second_run_changes_nothing_and_none_keeps_every_text(personas, loaded):
    engage.apply_retention(personas.org, keep(90), NOW)
    assert engage.apply_retention(personas.org, keep(90), NOW)["conversation texts"] == 0
    assert engage.apply_retention(personas.other_org, keep(None), NOW)["conversation texts"] == 0
    assert not Message.objects.filter(rollout=personas.other_rollout, text="").exists()


def test_retention_costs_the_same_queries_for_few_messages_or_many(db):
    counts = []
    for conversations in (2, 20):
        organization = OrganizationFactory()
        rollout = RolloutFactory(organization=organization)
        for n in range(conversations):
            conversation(rollout, 100 + n)
        with CaptureQueriesContext(connection) as queries:
            assert (
                engage.apply_retention(organization, keep(90), NOW)["conversation texts"] == 3 * conversations
            )
        counts.append(len(queries))
    assert counts[0] == counts[1]

"""Moving the conversations models from engage to their own app loses no row.

engage/0007_move_conversations_out and conversations/0001_initial change Django's state only: the
tables keep their `engage_...` names. This test migrates back to the schema before them, stores a
thread, its messages (a question with its response state and a reply), a pulse with a question, an
invitation and an anonymous response with its answer through the models of that state, migrates
forward again and reads every row back through the `conversations` app's models. It runs on
whichever database the suite uses, SQLite by default and PostgreSQL with DATABASE_URL set.
"""

from datetime import UTC, date, datetime
from uuid import UUID

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from conversations.models import (
    Message,
    Pulse,
    PulseAnswer,
    PulseInvitation,
    PulseQuestion,
    PulseResponse,
    Thread,
)

from .factories import RolloutFactory, UnitFactory, UserFactory

BEFORE = [("engage", "0006_people_in_windows_and_matches")]
ASKED = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
REPLIED = datetime(2026, 3, 2, 11, 30, tzinfo=UTC)
NONCE = UUID("0b6f2a4e-9d3c-4f51-8e27-6a1c5d9b3f10")


def migrate(targets):
    """Migrate the test database to `targets` and return the apps of that state."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()  # see the migrations applied by an earlier call
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def latest():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_stored_before_the_move_are_read_unchanged_through_the_conversations_app():
    rollout = RolloutFactory()
    unit = UnitFactory(organization=rollout.organization, name="Nursing")
    asker, helper, invited = UserFactory(), UserFactory(), UserFactory()

    old = migrate(BEFORE)
    assert not any(model._meta.app_label == "conversations" for model in old.get_models())
    OldThread = old.get_model("engage", "Thread")
    OldMessage = old.get_model("engage", "Message")
    OldPulse = old.get_model("engage", "Pulse")
    thread = OldThread.objects.create(
        rollout_id=rollout.pk, source="slack", external_id="C1-1700000000.1", channel="help", started_at=ASKED
    )
    question = OldMessage.objects.create(
        thread=thread,
        rollout_id=rollout.pk,
        external_id="1",
        author_key="U1",
        author_name="Ana",
        author_id=asker.pk,
        unit_id=unit.pk,
        created_at=ASKED,
        text="How do I join the nursing community?",
        is_question=True,
        first_reply_at=REPLIED,
        first_response_at=REPLIED,
        response_seconds=9000,
        claimed_by_id=helper.pk,
        claimed_at=ASKED,
    )
    reply = OldMessage.objects.create(
        thread=thread,
        rollout_id=rollout.pk,
        external_id="2",
        parent_external_id="1",
        author_key="U2",
        author_id=helper.pk,
        created_at=REPLIED,
        text="Search for Nursing and press Join.",
    )
    pulse = OldPulse.objects.create(
        rollout_id=rollout.pk, title="Readiness pulse: launch", status="open", closes_on=date(2026, 3, 20)
    )
    pulse.audience.add(unit.pk)
    pulse_question = old.get_model("engage", "PulseQuestion").objects.create(
        pulse=pulse, order=1, text="I know how to use it.", element="knowledge"
    )
    invitation = old.get_model("engage", "PulseInvitation").objects.create(
        pulse=pulse, user_id=invited.pk, queued=True, answered=True, nonce=NONCE
    )
    response = old.get_model("engage", "PulseResponse").objects.create(
        pulse=pulse, unit_id=unit.pk, submitted_on=date(2026, 3, 5), comment="More training please."
    )
    answer = old.get_model("engage", "PulseAnswer").objects.create(
        response=response, question=pulse_question, score=4
    )

    migrate(latest())

    moved = Thread.objects.get()
    assert (moved.pk, moved.rollout_id, moved.source, moved.external_id, moved.channel, moved.started_at) == (
        thread.pk,
        rollout.pk,
        "slack",
        "C1-1700000000.1",
        "help",
        ASKED,
    )
    asked = Message.objects.get(pk=question.pk)
    assert asked.thread_id == thread.pk and asked.text == "How do I join the nursing community?"
    assert (asked.author_id, asked.unit_id, asked.claimed_by_id) == (asker.pk, unit.pk, helper.pk)
    assert asked.is_question and not asked.is_open
    assert (asked.first_reply_at, asked.first_response_at, asked.response_seconds) == (REPLIED, REPLIED, 9000)
    assert asked.claimed_at == ASKED
    replied = Message.objects.get(pk=reply.pk)
    assert (replied.parent_external_id, replied.author_id, replied.is_question) == ("1", helper.pk, False)
    assert list(moved.messages.values_list("pk", flat=True)) == [question.pk, reply.pk]

    surveyed = Pulse.objects.get()
    assert (surveyed.pk, surveyed.title, surveyed.status) == (pulse.pk, "Readiness pulse: launch", "open")
    assert list(surveyed.audience.values_list("pk", flat=True)) == [unit.pk]
    assert list(PulseQuestion.objects.values_list("pk", "pulse_id", "order", "element")) == [
        (pulse_question.pk, pulse.pk, 1, "knowledge")
    ]
    assert list(PulseInvitation.objects.values_list("pk", "user_id", "queued", "answered", "nonce")) == [
        (invitation.pk, invited.pk, True, True, NONCE)
    ]
    assert list(PulseResponse.objects.values_list("pk", "unit_id", "submitted_on", "comment")) == [
        (response.pk, unit.pk, date(2026, 3, 5), "More training please.")
    ]
    assert list(PulseAnswer.objects.values_list("pk", "response_id", "question_id", "score")) == [
        (answer.pk, response.pk, pulse_question.pk, 4)
    ]
    # The moved models still write: a new message lands in the same table, after the old rows.
    later = Message.objects.create(
        thread=moved,
        rollout=rollout,
        external_id="3",
        parent_external_id="1",
        author_key="U1",
        created_at=REPLIED,
    )
    assert later.pk > reply.pk and Message._meta.db_table == "engage_message"

"""Ask for help: a person asks a question on their own page, and it joins the rollout's queue.

The question is a `Thread` of one `Message` (source "Asked in Rollout", `is_question` and marked
so), authored by the person in their membership's unit: the unanswered queue, time to first
response and "answered within the target" count it like any imported question.

Two emails go through the outbox, each about the person's own question (not employee news, so
`Membership.announcements` does not apply to them):

- `question-asked`: to the champions of the asker's unit (as the momentum alert finds them), or,
  when the unit has none, to the rollout's owner, with a link to the queue;
- `question-answered`: to the asker, when someone marks the question answered in the queue
  (services.mark_answered), with the link and the few words the answerer wrote.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from rollout.models import Membership, Notification, Role, Rollout

from .models import Message, Thread

ASKED = "question-asked"
ANSWERED = "question-answered"
# The rollouts a person may ask in: those being rolled out now.
OPEN_FOR_QUESTIONS = (Rollout.Status.PILOT, Rollout.Status.LIVE)


def helpers_of(rollout: Rollout, unit_id: int | None, asker_id: int) -> list[int]:
    """The user ids who hear of a question from `unit_id`: the unit's active champions, else the
    rollout's owner; never the asker themself (a champion asking for help)."""
    champions: set[int] = set()
    if unit_id is not None:
        champions = set(
            Membership.objects.filter(
                organization_id=rollout.organization_id,
                unit_id=unit_id,
                role=Role.CHAMPION,
                user__is_active=True,
            ).values_list("user_id", flat=True)
        )
    champions.discard(asker_id)
    if not champions and rollout.owner_id and rollout.owner_id != asker_id:
        champions = {rollout.owner_id}
    return sorted(champions)


def _queue(rows: list[Notification]) -> None:
    Notification.objects.bulk_create(rows, ignore_conflicts=True)


def _notification(kind: str, key: str, organization_id: int, user_id: int, payload: dict, now: datetime):
    return Notification(
        organization_id=organization_id,
        kind=kind,
        key=key,
        recipient_id=user_id,
        payload=payload,
        scheduled_for=now,
        next_attempt_at=now,
    )


@transaction.atomic
def ask(membership: Membership, rollout: Rollout, text: str, now: datetime | None = None) -> Message:
    """Put `membership`'s question into `rollout`'s unanswered queue and tell the helpers of their
    unit (helpers_of). The rollout must be the membership's organization's, in pilot or live."""
    if rollout.organization_id != membership.organization_id:
        raise ValueError("A person asks in their own organization's rollouts only.")
    if rollout.status not in OPEN_FOR_QUESTIONS:
        raise ValueError("Questions are asked in a rollout in pilot or live.")
    now = now or timezone.now()
    user = membership.user
    thread = Thread.objects.create(
        rollout=rollout,
        source=Thread.Source.ASKED,
        external_id=f"asked:{uuid.uuid4().hex}",
        started_at=now,
    )
    question = Message.objects.create(
        thread=thread,
        rollout=rollout,
        external_id="1",
        author_key=user.email.lower(),
        author_name=user.get_full_name()[:200],
        author=user,
        unit_id=membership.unit_id,
        created_at=now,
        text=text.strip(),
        marked_question=True,
        is_question=True,
    )
    _queue(
        [
            _notification(
                ASKED,
                f"{ASKED}:{question.pk}:{helper}",
                rollout.organization_id,
                helper,
                {"question": question.pk},
                now,
            )
            for helper in helpers_of(rollout, membership.unit_id, user.pk)
        ]
    )
    return question


def answered(question: Message, now: datetime | None = None) -> None:
    """Queue the asker's "question-answered" email, for a question asked in Rollout (an imported
    question was answered where it was asked). Called by services.mark_answered, in its
    transaction; the key makes a second call change nothing."""
    now = now or timezone.now()
    row = (
        Message.objects.filter(pk=question.pk, thread__source=Thread.Source.ASKED, author__isnull=False)
        .values_list("author_id", "rollout__organization_id")
        .first()
    )
    if row is None:
        return
    author_id, organization_id = row
    _queue(
        [
            _notification(
                ANSWERED,
                f"{ANSWERED}:{question.pk}",
                organization_id,
                author_id,
                {"question": question.pk},
                now,
            )
        ]
    )

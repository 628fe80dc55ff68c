"""Erasing a person and the retention of conversation text (Engage, part 2).

`erase_person` removes one person from the conversations of one organization (GDPR article 17) and
`apply_retention` blanks the text of the messages older than the organization keeps it. Both keep
every row the queue's and the pulses' figures count: a question stays a question with its times,
its unit and its response state, so the unanswered counts, the time to first response and the
pulse results read the same after as before. Engage's step calls both through
conversations/step_parts.py (engage/step.py, engage/privacy.py).

Every write is one UPDATE (or DELETE) over the organization's rows: the number of queries depends
on the number of strings to scrub from free text (the person's name, emails and keys), never on
the number of messages.
"""

import dataclasses
import uuid
from collections.abc import Mapping
from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Replace

from rollout.data_versions import new_data_version
from rollout.models import Membership, Organization, Rollout
from rollout.steps import Pseudonym

from .models import (
    ConnectedChannel,
    ConversationImport,
    Message,
    Pulse,
    PulseInvitation,
    PulseQuestion,
    PulseResponse,
    TextRemoved,
    Thread,
    TrainingAttendance,
)

# Free text that may name anyone, by model: scrubbed of the person's name, emails and keys.
FREE_TEXT = {
    Message: ("text", "answer_text", "author_name"),
    Thread: ("channel",),
    Pulse: ("title", "outcome"),
    PulseQuestion: ("text",),
    PulseResponse: ("comment",),
    ConversationImport: ("filename",),
    ConnectedChannel: ("channel_name", "last_error"),
}
# How each model reaches its rollout, to keep every write inside the organization.
ROLLOUT_OF = {
    Message: "rollout_id",
    Thread: "rollout_id",
    Pulse: "rollout_id",
    PulseQuestion: "pulse__rollout_id",
    PulseResponse: "pulse__rollout_id",
    ConversationImport: "rollout_id",
    ConnectedChannel: "rollout_id",
    PulseInvitation: "pulse__rollout_id",
    TrainingAttendance: "rollout_id",
}


def _in(model, rollout_ids):
    return model.objects.filter(**{f"{ROLLOUT_OF[model]}__in": rollout_ids})


@transaction.atomic
def erase_person(membership: Membership, pseudonym: Pseudonym, keys: Mapping[str, str]) -> int:
    """Erase the membership's person from the conversations of its organization; the number of
    rows changed or deleted. `keys` maps every key an import may use for them (their email, the
    aliases Engage matches to them) to the pseudonymous key that replaces it (engage/privacy.py),
    so that a training attendance row becomes the same "person" in every rollout."""
    user = membership.user
    rollout_ids = list(
        Rollout.objects.filter(organization_id=membership.organization_id).values_list("pk", flat=True)
    )
    emails = {user.email, user.email.lower(), *keys}
    # The source's ids for them (a Slack "U0123", a Teams object id): the keys of the messages
    # matched to their account at import. One query.
    author_keys = set(
        Message.objects.filter(rollout_id__in=rollout_ids, author=user)
        .order_by()
        .values_list("author_key", flat=True)
        .distinct()
    )
    theirs = _in(Message, rollout_ids).filter(Q(author=user) | Q(author_key__in=sorted(emails | author_keys)))
    changed = 0
    # Their own messages: the rows stay (each counts as a post, a reply or a question with its
    # response times), but what they wrote is theirs alone: the text goes, and the pages say why.
    changed += theirs.exclude(text="").update(text="", text_removed=TextRemoved.ERASURE, text_kept_days=None)
    # Then who wrote them: the pseudonymous key of the key they were written under, else the
    # pseudonym's email. Momentum matches a message's author to their training and activity by
    # that email (conversations/momentum.py), and the training and activity rows take the same keys.
    for key, pseudonymous in keys.items():
        changed += theirs.filter(author_key=key).update(
            author=None, author_key=pseudonymous, author_name=pseudonym.name
        )
    changed += theirs.update(author=None, author_key=pseudonym.email, author_name=pseudonym.name)
    # Questions they answered or claimed: the response state and times stay (TTFR, the queue's
    # counts); only who it was goes. A claim is theirs alone, so the question is free to claim.
    changed += _in(Message, rollout_ids).filter(answered_by=user).update(answered_by=None)
    changed += _in(Message, rollout_ids).filter(claimed_by=user).update(claimed_by=None, claimed_at=None)
    # Training attendance counts people trained per unit: the row stays under a pseudonymous key,
    # one per key of theirs, so two rows of a day never merge (the table is unique per key and day).
    for key, pseudonymous in keys.items():
        changed += (
            _in(TrainingAttendance, rollout_ids)
            .filter(person_key=key)
            .update(person_key=pseudonymous, user=None)
        )
    changed += _in(TrainingAttendance, rollout_ids).filter(user=user).update(user=None)
    # Pulse invitations carry a pulse's "invited" and "answered" counts: detached, not deleted.
    # Queued, so that no email goes to nobody, and a new nonce, so that their old link no longer
    # opens the pulse. Their answers were anonymous from the start and stay as they are.
    changed += (
        _in(PulseInvitation, rollout_ids).filter(user=user).update(user=None, queued=True, nonce=uuid.uuid4())
    )
    # Who created a pulse or imported a file: the records are the rollout's, not theirs.
    changed += _in(Pulse, rollout_ids).filter(created_by=user).update(created_by=None)
    changed += _in(ConversationImport, rollout_ids).filter(imported_by=user).update(imported_by=None)
    # Free text by anyone that names them: their name, emails and aliases become the pseudonym's,
    # and Slack's mentions of their id (<@U0123>) a mention of the pseudonymous key.
    scrubbing = dataclasses.replace(
        pseudonym, personal=tuple(dict.fromkeys((*pseudonym.personal, *sorted(emails))))
    )
    for model, fields in FREE_TEXT.items():
        changed += scrubbing.scrub(_in(model, rollout_ids), *fields)
    for author_key in sorted(key for key in author_keys if "@" not in key and key):
        mention = f"<@{author_key}>"
        changed += (
            _in(Message, rollout_ids)
            .filter(text__contains=mention)
            .update(text=Replace(F("text"), Value(mention), Value(f"<@{pseudonym.key}>")))
        )
    if changed:
        new_data_version(membership.organization_id, app="conversations")
    return changed


def apply_retention(organization: Organization, days: int | None, now: datetime) -> int:
    """Blank the text (and the answer's note) of the organization's messages written more than
    `days` days before `now`, in one UPDATE; the number of messages blanked. None keeps them.

    The rows stay with their question and response fields, so the queue, the time to first
    response and "answered within target" read the same; `text_removed` makes the pages say
    "Text removed after N days (retention)" instead of showing an empty message."""
    if days is None:
        return 0
    rollout_ids = Rollout.objects.filter(organization=organization).values("pk")
    blanked = (
        Message.objects.filter(rollout_id__in=rollout_ids, created_at__lt=now - timedelta(days=days))
        .filter(~Q(text="") | ~Q(answer_text=""))
        .update(
            text="",
            answer_text="",
            # A text removed at its author's erasure keeps that reason.
            text_removed=Case(
                When(text_removed=TextRemoved.ERASURE, then=Value(TextRemoved.ERASURE)),
                default=Value(TextRemoved.RETENTION),
            ),
            text_kept_days=days,
        )
    )
    if blanked:
        new_data_version(organization.pk, app="conversations")
    return blanked

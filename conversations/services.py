"""Writes of Engage part 2: imports (all-or-nothing, idempotent), hand-logged questions, and the
queue's claim / answer / hand-on, each a conditional update so two people at once cannot both win.
"""

from __future__ import annotations

import hashlib
import zoneinfo
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.files.base import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from rollout.data_versions import new_data_version
from rollout.events import emit
from rollout.models import Membership, Organization, Rollout, Unit, User

from . import asking
from .importers import ImportFailed, ParsedMessage, attendance, generic_csv, slack
from .models import ConversationImport, Message, Thread, TrainingAttendance
from .questions import is_question

CHUNK = 500


def file_hash(upload: File) -> str:
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def _people(organization: Organization, emails: Iterable[str]) -> dict[str, tuple[int, int | None]]:
    """{email: (user_id, unit_id)} for the organization's members among `emails`."""
    found: dict[str, tuple[int, int | None]] = {}
    emails = sorted({e for e in emails if e})
    for start in range(0, len(emails), 1000):
        rows = Membership.objects.filter(
            organization=organization, user__email__in=emails[start : start + 1000]
        ).values_list("user__email", "user_id", "unit_id")
        found.update({email.lower(): (user, unit) for email, user, unit in rows})
    return found


def _already(rollout: Rollout, source: str, digest: str) -> ConversationImport | None:
    return ConversationImport.objects.filter(rollout=rollout, source=source, file_hash=digest).first()


def import_conversations(
    rollout: Rollout, upload: File, source: str, user: User
) -> tuple[ConversationImport, bool]:
    """Import a Slack export or generic CSV. Returns (ConversationImport, created).

    The same file twice is recognised by its hash and changes nothing; a later export that repeats
    messages updates them in place (edits, deletions). Raises ImportFailed, saving nothing.
    """
    digest = file_hash(upload)
    if previous := _already(rollout, source, digest):
        return previous, False
    organization = rollout.organization
    if source == ConversationImport.Source.SLACK:
        parsed, deleted_elsewhere = slack.parse(upload)
    else:
        parsed = generic_csv.parse(upload, zoneinfo.ZoneInfo(organization.timezone))
        deleted_elsewhere = set()
    with transaction.atomic():
        record = ConversationImport.objects.create(
            rollout=rollout,
            source=source,
            filename=(upload.name or "")[:255],
            file_hash=digest,
            imported_by=user,
        )
        thread_ids = store_messages(rollout, Thread.Source(source), parsed)
        if deleted_elsewhere:
            for channel, ts in deleted_elsewhere:
                Message.objects.filter(
                    rollout=rollout,
                    thread__source=Thread.Source.SLACK,
                    thread__channel=channel,
                    external_id=ts,
                ).update(deleted=True, text="", has_files=False)
            thread_ids |= set(
                Thread.objects.filter(
                    rollout=rollout,
                    source=Thread.Source.SLACK,
                    channel__in={c for c, _ in deleted_elsewhere},
                    messages__external_id__in={ts for _, ts in deleted_elsewhere},
                ).values_list("pk", flat=True)
            )
        refresh_questions(thread_ids)
        record.threads = len(thread_ids)
        record.messages = len(parsed)
        record.save(update_fields=["threads", "messages"])
    return record, True


def store_messages(rollout: Rollout, source: str, parsed: Sequence[ParsedMessage]) -> set[int]:
    """Upsert threads and messages; returns the pks of the threads touched."""
    organization = rollout.organization
    people = _people(organization, [m.email for m in parsed])
    units = {u.name.lower(): u.pk for u in organization.units.all()}
    unknown = sorted({m.unit_name for m in parsed if m.unit_name and m.unit_name.lower() not in units})
    if unknown:
        raise ImportFailed(
            [
                gettext("Unknown unit: %(unit)s. Use a unit name from Settings → Units.")
                % {"unit": repr(name)}
                for name in unknown
            ]
        )
    threads: dict[str, Thread] = {}
    for message in parsed:
        current = threads.get(message.thread_id)
        if current is None or message.created_at < current.started_at:
            threads[message.thread_id] = Thread(
                rollout=rollout,
                source=source,
                external_id=message.thread_id,
                channel=message.channel or (current.channel if current else ""),
                started_at=message.created_at,
            )
    Thread.objects.bulk_create(
        list(threads.values()),
        update_conflicts=True,
        unique_fields=["rollout", "source", "external_id"],
        update_fields=["channel", "started_at"],
        batch_size=CHUNK,
    )
    ids: dict[str, int] = {}
    keys = list(threads)
    for start in range(0, len(keys), CHUNK):
        ids.update(
            Thread.objects.filter(
                rollout=rollout, source=source, external_id__in=keys[start : start + CHUNK]
            ).values_list("external_id", "pk")
        )
    rows = []
    for message in parsed:
        user, unit = people.get(message.email, (None, None))
        if message.unit_name:
            unit = units[message.unit_name.lower()]
        rows.append(
            Message(
                thread_id=ids[message.thread_id],
                rollout=rollout,
                external_id=message.message_id,
                parent_external_id=message.parent_id,
                author_key=message.author_key,
                author_name=message.author_name[:200],
                author_id=user,
                unit_id=unit,
                is_bot=message.is_bot,
                created_at=message.created_at,
                text=message.text,
                has_files=message.has_files,
                edited=message.edited,
                deleted=message.deleted,
                marked_question=message.marked_question,
            )
        )
    Message.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["thread", "external_id"],
        update_fields=[
            "parent_external_id",
            "author_key",
            "author_name",
            "author",
            "unit",
            "is_bot",
            "created_at",
            "text",
            "has_files",
            "edited",
            "deleted",
            "marked_question",
        ],
        batch_size=CHUNK,
    )
    return set(ids.values())


def count_new(rollout_id: int, source: str, parsed: Sequence[ParsedMessage]) -> int:
    """How many of `parsed` the rollout does not hold yet (asked of the threads they belong to):
    what a pull reports as new."""
    keys = sorted({m.thread_id for m in parsed})
    known: set[tuple[str, str]] = set()
    for start in range(0, len(keys), CHUNK):
        known.update(
            Message.objects.filter(
                rollout_id=rollout_id,
                thread__source=source,
                thread__external_id__in=keys[start : start + CHUNK],
            ).values_list("thread__external_id", "external_id")
        )
    return sum(1 for m in parsed if (m.thread_id, m.message_id) not in known)


def response_state(
    question: Message, replies: Iterable[Message]
) -> tuple[datetime | None, datetime | None, int | None]:
    """(first_reply_at, first_response_at, response_seconds) of a question given its thread's
    messages: the first reply after it by someone else who is not a bot, or the manual answer."""
    first_reply = min(
        (
            m.created_at
            for m in replies
            if m.created_at > question.created_at
            and m.author_key != question.author_key
            and not m.is_bot
            and not m.deleted
        ),
        default=None,
    )
    first = min((t for t in (first_reply, question.answered_at) if t is not None), default=None)
    seconds = None if first is None else max(0, int((first - question.created_at).total_seconds()))
    return first_reply, first, seconds


def refresh_questions(thread_ids: Iterable[int]) -> None:
    """Apply the question rule and the response state to every message of these threads."""
    thread_ids = sorted(thread_ids)
    for start in range(0, len(thread_ids), CHUNK):
        by_thread: dict[int, list[Message]] = {}
        for message in Message.objects.filter(thread_id__in=thread_ids[start : start + CHUNK]).only(
            "thread_id",
            "author_key",
            "is_bot",
            "deleted",
            "created_at",
            "text",
            "marked_question",
            "is_question",
            "answered_at",
            "first_reply_at",
            "first_response_at",
            "response_seconds",
        ):
            by_thread.setdefault(message.thread_id, []).append(message)
        changed = []
        for messages in by_thread.values():
            for message in messages:
                asked = (
                    not message.deleted
                    and not message.is_bot
                    and is_question(message.text, message.marked_question)
                )
                state = response_state(message, messages) if asked else (None, None, None)
                new = (asked, *state)
                old = (
                    message.is_question,
                    message.first_reply_at,
                    message.first_response_at,
                    message.response_seconds,
                )
                if new != old:
                    (
                        message.is_question,
                        message.first_reply_at,
                        message.first_response_at,
                        message.response_seconds,
                    ) = new
                    changed.append(message)
        Message.objects.bulk_update(
            changed,
            ["is_question", "first_reply_at", "first_response_at", "response_seconds"],
            batch_size=CHUNK,
        )


@transaction.atomic
def log_question(
    rollout: Rollout,
    *,
    text: str,
    asked_at: datetime,
    asker: User | None,
    asker_name: str,
    unit: Unit | None,
    where: str,
    logged_by: User,
) -> Message:
    """A question asked in person or in a channel Rollout cannot read: a thread of one message."""
    thread = Thread.objects.create(
        rollout=rollout,
        source=Thread.Source.MANUAL,
        external_id=f"manual:{timezone.now().timestamp():.6f}:{logged_by.pk}",
        channel=where,
        started_at=asked_at,
    )
    return Message.objects.create(
        thread=thread,
        rollout=rollout,
        external_id="1",
        author_key=asker.email if asker else f"logged-by:{logged_by.pk}:{asker_name}",
        author_name=(asker.get_full_name() if asker else asker_name)[:200],
        author=asker,
        unit_id=unit.pk if unit else _unit_of(rollout.organization, asker),
        created_at=asked_at,
        text=text,
        marked_question=True,
        is_question=True,
    )


def _unit_of(organization: Organization, user: User | None) -> int | None:
    if user is None:
        return None
    return (
        Membership.objects.filter(user=user, organization=organization).values_list("unit", flat=True).first()
    )


def open_questions(rollout: Rollout) -> QuerySet[Message]:
    return Message.objects.filter(rollout=rollout, is_question=True, first_response_at__isnull=True)


def claim(question: Message, user: User) -> bool:
    """Claim an open, unclaimed question. True for exactly one of any number of claimants."""
    rows = Message.objects.filter(
        pk=question.pk, is_question=True, first_response_at__isnull=True, claimed_by__isnull=True
    )
    return rows.update(claimed_by=user, claimed_at=timezone.now()) == 1


def hand_on(question: Message, from_user: User, to_user: User, *, manager: bool = False) -> bool:
    """Give a claimed (or unclaimed) open question to someone else. Champions hand on their own
    claims; managers any. False when the question changed meanwhile."""
    rows = Message.objects.filter(pk=question.pk, is_question=True, first_response_at__isnull=True)
    if not manager:
        rows = rows.filter(Q(claimed_by=from_user) | Q(claimed_by__isnull=True))
    return rows.update(claimed_by=to_user, claimed_at=timezone.now()) == 1


@transaction.atomic
def mark_answered(question: Message, user: User, url: str, text: str = "") -> bool:
    """Record that `user` answered (where `url` shows it, with `text` for the asker). False if
    someone answered first. A question asked in Rollout emails its asker (asking.answered)."""
    now = timezone.now()
    seconds = max(0, int((now - question.created_at).total_seconds()))
    done = (
        Message.objects.filter(pk=question.pk, is_question=True, first_response_at__isnull=True).update(
            answered_at=now,
            answered_by=user,
            answer_url=url,
            answer_text=text.strip(),
            first_response_at=now,
            response_seconds=seconds,
        )
        == 1
    )
    if done:
        asking.answered(question, now)
        # An update() sends no signal: the cached figures (open questions, answered within the
        # target) are made stale here.
        new_data_version(question.rollout.organization_id, rollout=question.rollout_id)
        emit(
            "question_answered",
            user=user,
            organization_id=question.rollout.organization_id,
            rollout=question.rollout,
            source=question,
            occurred_at=now,
        )
    return done


def import_attendance(rollout: Rollout, upload: File, user: User) -> tuple[ConversationImport, bool]:
    """Import a training attendance list. Returns (ConversationImport, created)."""
    digest = file_hash(upload)
    source = ConversationImport.Source.ATTENDANCE
    if previous := _already(rollout, source, digest):
        return previous, False
    rows = attendance.parse(upload)
    organization = rollout.organization
    people = _people(organization, [row.email for row in rows])
    units = {u.name.lower(): u.pk for u in organization.units.all()}
    unknown = sorted({r.unit_name for r in rows if r.unit_name and r.unit_name.lower() not in units})
    if unknown:
        raise ImportFailed(
            [
                gettext("Unknown unit: %(unit)s. Use a unit name from Settings → Units.")
                % {"unit": repr(name)}
                for name in unknown
            ]
        )
    with transaction.atomic():
        record = ConversationImport.objects.create(
            rollout=rollout,
            source=source,
            filename=(upload.name or "")[:255],
            file_hash=digest,
            imported_by=user,
            messages=len(rows),
        )
        objects = []
        for row in rows:
            user_id, unit_id = people.get(row.email, (None, None))
            if row.unit_name:
                unit_id = units[row.unit_name.lower()]
            objects.append(
                TrainingAttendance(
                    rollout=rollout,
                    person_key=row.email,
                    user_id=user_id,
                    unit_id=unit_id,
                    trained_on=row.trained_on,
                )
            )
        TrainingAttendance.objects.bulk_create(
            objects,
            update_conflicts=True,
            unique_fields=["rollout", "person_key", "trained_on"],
            update_fields=["user", "unit"],
            batch_size=CHUNK,
        )
    return record, True

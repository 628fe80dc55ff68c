"""Conversations, training, pulses and momentum at enterprise scale, inserted in bulk: the
`conversations` app's part of `seed_demo --scale enterprise`, called by engage/enterprise.py once
the activity and its rollups are in (the momentum check reads them).

For each live rollout, with the people engage/enterprise.py chose for it:

- its share of the conversation messages over the last twelve weeks: three threads in five open
  with a question; most get a reply from a colleague or a champion within hours, some are answered
  by hand, and about one question in four still waits (a few claimed by a champion), so each
  rollout's unanswered queue holds well over a hundred;
- training cohorts, a readiness pulse with answers, and this week's momentum check.

Idempotent: each part checks for its own rows first (a conversation import, a pulse with a fixed
title, unique keys), so a second run inserts nothing. Deterministic: a seeded random generator per
rollout.
"""

import hashlib
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from rollout.enterprise import DOMAIN, bulk_insert
from rollout.models import Role

from . import momentum, pulses
from .models import (
    ADKAR,
    ConversationImport,
    Message,
    MomentumCheck,
    Pulse,
    PulseAnswer,
    PulseInvitation,
    PulseResponse,
    Thread,
    TrainingAttendance,
)
from .questions import is_question
from .services import response_state

CONVERSATIONS_FILE = "fabrikam-conversations.csv"
PULSE_TITLE = "Readiness pulse: three months in"
CONVERSATION_DAYS = 84
TOKENS = uuid.UUID("3c5d7a64-91b2-4f0e-8a7d-2f6b1e9c4d21")
CHANNELS = ["general", "it-help", "how-do-i", "announcements", "site-news", "projects"]
QUESTIONS = [
    "How do I add a guest from a supplier to our community?",
    "Where do I find the travel policy now?",
    "Can I use the app on my own phone?",
    "Is it OK to share photos from the plant floor?",
    "Why do I get an email for every post",
    "Who moderates the finance community?",
    "Anyone know how to mention a whole team?",
    "How do I turn off notifications after work?",
    "What is the tag for the safety campaign?",
    "Does the app work on the warehouse wifi?",
    "Where are the slides from the town hall?",
    "How do I move a conversation to another group?",
    "Can someone explain how to pin a post?",
    "Which group do I use for IT outages?",
]
STATEMENTS = [
    "Great town hall today, thanks everyone",
    "The new shift plan is in the files tab",
    "Reminder: safety training closes Friday",
    "Welcome to our new starters in logistics!",
    "Photos from the charity run are up",
    "Thanks for the quick help with my sign-in",
    "Our site hit 100 days without an incident",
    "The canteen menu for next week is posted",
]
REPLIES = [
    "Search for it and press Join.",
    "It is in the pinned post of this group.",
    "Yes, follow the mobile guide from the champions.",
    "I had the same, the settings page fixes it.",
    "Ask your site champion, they ran the training on this.",
    "Done, I added you.",
    "Use the tag from the campaign page.",
    "Thanks, that worked!",
]
FOLLOW_UP = "Still stuck, I tried that already."
BOT_REPLY = "Thanks! A person from the service desk will reply soon."
# ADKAR means of the pulse: knowledge is the barrier.
PULSE_MEANS = {"awareness": 4.2, "desire": 3.5, "knowledge": 2.8, "ability": 3.4, "reinforcement": 3.2}


def seed_enterprise(ctx, rollouts, populations, quotas, accounts):
    """Seed the live `rollouts`: {rollout pk: [person]} their people (objects with user_id, email,
    name, unit_id and role), {rollout pk: messages} their share of the messages, {rollout pk:
    {email}} the official accounts, who post no conversations. Returns (messages inserted,
    {part: seconds})."""
    timings = {}
    mark = time.monotonic()
    messages = _conversations(ctx, rollouts, populations, quotas, accounts)
    timings["conversations"] = time.monotonic() - mark
    mark = time.monotonic()
    _training(rollouts, populations)
    _pulses(ctx, rollouts, populations)
    today = timezone.localdate()
    checked = set(
        MomentumCheck.objects.filter(rollout__in=rollouts, day=today).values_list("rollout_id", flat=True)
    )
    for rollout in rollouts:
        if rollout.pk not in checked:
            momentum.check(rollout, today)
    timings["training, pulses, momentum"] = time.monotonic() - mark
    return messages, timings


# Conversations ----------------------------------------------------------------------------------


@dataclass
class Draft:
    """A message before it is stored: what response_state() reads, and the rest of its row."""

    message_id: str
    parent_id: str
    author: object | None  # an engage.enterprise.Person; None for the service desk bot
    created_at: datetime
    text: str
    is_bot: bool = False
    deleted: bool = False
    answered_at: datetime | None = None
    answered_by: int | None = None
    claimed_by: int | None = None

    @property
    def author_key(self):
        return self.author.email if self.author else "B-servicedesk"


def _conversations(ctx, rollouts, populations, quotas, accounts):
    done = set(
        ConversationImport.objects.filter(
            rollout__in=rollouts, source=ConversationImport.Source.CSV, filename=CONVERSATIONS_FILE
        ).values_list("rollout_id", flat=True)
    )
    todo = [rollout for rollout in rollouts if rollout.pk not in done]
    if not todo:
        return 0
    now = timezone.now()
    threads = {
        rollout.pk: _threads(rollout, populations[rollout.pk], quotas[rollout.pk], accounts[rollout.pk], now)
        for rollout in todo
    }
    bulk_insert(
        Thread,
        (
            (rollout.pk, Thread.Source.CSV, thread_id, channel, drafts[0].created_at, now)
            for rollout in todo
            for thread_id, channel, drafts in threads[rollout.pk]
        ),
        ["rollout_id", "source", "external_id", "channel", "started_at", "created_at"],
    )
    ids = {
        (rollout_id, external_id): pk
        for rollout_id, external_id, pk in Thread.objects.filter(
            rollout__in=todo, source=Thread.Source.CSV, external_id__startswith="fabrikam-"
        ).values_list("rollout_id", "external_id", "pk")
    }
    bulk_insert(
        Message,
        (
            _message_row(rollout, ids[(rollout.pk, thread_id)], draft, drafts)
            for rollout in todo
            for thread_id, _, drafts in threads[rollout.pk]
            for draft in drafts
        ),
        MESSAGE_FIELDS,
    )
    ConversationImport.objects.bulk_create(
        [
            ConversationImport(
                rollout=rollout,
                source=ConversationImport.Source.CSV,
                filename=CONVERSATIONS_FILE,
                file_hash=hashlib.sha256(f"{CONVERSATIONS_FILE}:{rollout.name}".encode()).hexdigest(),
                threads=len(threads[rollout.pk]),
                messages=sum(len(drafts) for _, _, drafts in threads[rollout.pk]),
                imported_by=ctx.people[Role.MANAGER],
            )
            for rollout in todo
        ],
        ignore_conflicts=True,
    )
    return sum(len(drafts) for rollout in todo for _, _, drafts in threads[rollout.pk])


def _threads(rollout, people, quota, accounts, now):
    """[(thread id, channel, [Draft])] with exactly `quota` messages in all, none by the official
    accounts (emails in `accounts`)."""
    if not people:
        return []
    rng = random.Random(f"conversations:{rollout.name}")
    helpers = [p for p in people if p.role == Role.CHAMPION] or people[:1]
    others = [person for person in people if person.email not in accounts] or people
    found, left, number = [], quota, 0
    while left > 0:
        drafts = _thread(rng, now, others, helpers)[:left]
        found.append((f"fabrikam-{number:06d}", rng.choice(CHANNELS), drafts))
        left -= len(drafts)
        number += 1
    return found


def _thread(rng, now, people, helpers):
    """One thread's drafts. Three in five open with a question; of those, about one in four still
    waits for an answer (no reply, only the author's or a bot's), a few are answered by hand."""
    days_ago = rng.uniform(0, CONVERSATION_DAYS)
    started = now - timedelta(days=days_ago)
    started = started.replace(hour=7 + int(rng.random() * 10), minute=rng.randrange(60))
    if started > now:
        started -= timedelta(days=1)
    author = rng.choice(people)
    asks = rng.random() < 0.6
    first = Draft("1", "", author, started, rng.choice(QUESTIONS if asks else STATEMENTS))
    drafts = [first]
    fate = rng.random()
    if asks and fate < 0.18:
        if rng.random() < 0.15:
            first.claimed_by = rng.choice(helpers).user_id
        return drafts  # nobody answered yet
    if asks and fate < 0.23:
        drafts.append(Draft("2", "1", author, started + timedelta(hours=2), FOLLOW_UP))
        return drafts
    if asks and fate < 0.27:
        drafts.append(Draft("2", "1", None, started + timedelta(minutes=1), BOT_REPLY, is_bot=True))
        return drafts
    if asks and fate < 0.31:
        answered = started + timedelta(hours=rng.choice((1, 4, 20, 50)))
        if answered < now:
            first.answered_at, first.answered_by = answered, rng.choice(helpers).user_id
        return drafts
    delay = timedelta(hours=rng.choice((0.2, 0.5, 1, 1, 2, 3, 5, 8, 20, 30, 52)))
    for k in range(rng.randint(1 if asks else 0, 4)):
        at = started + delay * (k + 1)
        if at >= now:
            break
        replier = rng.choice(helpers) if k == 0 and asks and rng.random() < 0.5 else rng.choice(people)
        if replier is author:
            continue
        drafts.append(Draft(str(k + 2), "1", replier, at, rng.choice(REPLIES)))
    return drafts


MESSAGE_FIELDS = [
    "thread_id",
    "rollout_id",
    "external_id",
    "parent_external_id",
    "author_key",
    "author_name",
    "author_id",
    "unit_id",
    "is_bot",
    "created_at",
    "text",
    "has_files",
    "edited",
    "deleted",
    "is_question",
    "marked_question",
    "first_reply_at",
    "answered_at",
    "answered_by_id",
    "answer_url",
    "first_response_at",
    "response_seconds",
    "claimed_by_id",
    "claimed_at",
    "answer_text",
    "text_removed",
    "text_kept_days",
]


def _message_row(rollout, thread_id, draft, drafts):
    """The message's row, with the question rule's verdict and its response state (the same
    functions an import uses)."""
    asked = not draft.is_bot and is_question(draft.text)
    first_reply, first_response, seconds = response_state(draft, drafts) if asked else (None, None, None)
    claimed = draft.claimed_by if asked and first_response is None else None
    author = draft.author
    return (
        thread_id,
        rollout.pk,
        draft.message_id,
        draft.parent_id,
        draft.author_key,
        author.name if author else "Service desk bot",
        author.user_id if author else None,
        author.unit_id if author else None,
        draft.is_bot,
        draft.created_at,
        draft.text,
        False,
        False,
        False,
        asked,
        None,
        first_reply,
        draft.answered_at if asked else None,
        draft.answered_by if asked and draft.answered_at else None,
        f"https://intranet.{DOMAIN}/answers/{thread_id}" if asked and draft.answered_at else "",
        first_response,
        seconds,
        claimed,
        draft.created_at + timedelta(hours=1) if claimed else None,
        "",  # answer_text: a note for an asker, only for questions asked in Rollout
        "",  # text_removed: the text is all there
        None,  # text_kept_days
    )


# Training, pulses -------------------------------------------------------------------------------


def _training(rollouts, populations):
    """Four training cohorts per rollout, two dozen people each, three weeks apart."""
    today = timezone.localdate()
    rows = []
    for rollout in rollouts:
        people = populations[rollout.pk]
        rng = random.Random(f"training:{rollout.name}")
        for weeks_ago in (11, 8, 5, 2):
            day = today - timedelta(weeks=weeks_ago, days=today.weekday() - 1)
            for person in rng.sample(people, min(24, len(people))):
                rows.append(
                    TrainingAttendance(
                        rollout=rollout,
                        person_key=person.email,
                        user_id=person.user_id,
                        unit_id=person.unit_id,
                        trained_on=day,
                    )
                )
    TrainingAttendance.objects.bulk_create(rows, ignore_conflicts=True, batch_size=2000)


def _pulses(ctx, rollouts, populations):
    """A closed readiness pulse per rollout, asked of its departments, about 60% answering."""
    if Pulse.objects.filter(rollout__in=rollouts, title=PULSE_TITLE).exists():
        return
    today = timezone.localdate()
    opened = timezone.now() - timedelta(days=30)
    invitations, responses, scores = [], [], []
    for rollout in rollouts:
        people = populations[rollout.pk]
        rng = random.Random(f"pulse:{rollout.name}")
        pulse = pulses.create_pulse(
            rollout,
            title=PULSE_TITLE,
            kind=Pulse.Kind.READINESS,
            closes_on=today - timedelta(days=16),
            audience=sorted({person.unit_id for person in people}),
            questions=[],
            created_by=ctx.people[Role.MANAGER],
        )
        Pulse.objects.filter(pk=pulse.pk).update(
            status=Pulse.Status.CLOSED, opened_at=opened, closed_at=opened + timedelta(days=14)
        )
        questions = {question.element: question.pk for question in pulse.questions.all()}
        for person in people:
            answered = rng.random() < 0.6
            invitations.append(
                (pulse.pk, person.user_id, True, answered, uuid.uuid5(TOKENS, f"{pulse.pk}:{person.user_id}"))
            )
            if answered:
                responses.append(
                    PulseResponse(
                        pulse=pulse,
                        unit_id=person.unit_id,
                        submitted_on=(opened + timedelta(days=rng.randint(0, 10))).date(),
                        comment=rng.choice(("", "", "", "More training on the app please.")),
                    )
                )
                scores.append(
                    [
                        (questions[element], min(5, max(1, round(rng.gauss(PULSE_MEANS[element], 0.9)))))
                        for element in ADKAR.values
                    ]
                )
    bulk_insert(PulseInvitation, invitations, ["pulse_id", "user_id", "queued", "answered", "nonce"])
    created = PulseResponse.objects.bulk_create(responses, batch_size=2000)
    bulk_insert(
        PulseAnswer,
        (
            (response.pk, question, score)
            for response, answers in zip(created, scores, strict=True)
            for question, score in answers
        ),
        ["response_id", "question_id", "score"],
    )

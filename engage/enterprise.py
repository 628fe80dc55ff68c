"""Engage step at enterprise scale (`seed_demo --scale enterprise`), inserted in bulk.

For Fabrikam Group's live rollouts (rollout/enterprise.py), spread evenly:

- 2,000,000 activity records: each person's daily activity, most recent day first, for the people
  of a few departments per rollout (everyone works with several platforms, so a person belongs to
  three or four rollouts). Habits differ per person, weekends are quiet, the first weeks after a
  launch ramp up, and one department per rollout falls away in the last five weeks (a momentum
  alert). Each rollout's records come from one import of the source its platform exports (Viva
  Engage, Teams, Slack or Rollout's template), recorded as done; then the rollups are rebuilt in
  the database.
- Three official accounts per rollout (one in the band, one too quiet, one posting too much) and
  the cadence band.
- 50,000 conversation messages over the last twelve weeks: three threads in five open with a
  question; most get a reply from a colleague or a champion within hours, some are answered by
  hand, and about one question in four still waits (a few claimed by a champion), so each
  rollout's unanswered queue holds well over a hundred.
- Training cohorts, a readiness pulse with answers, and this week's momentum check.

Idempotent: each part checks for its own rows first (an import batch, a conversation import, a
pulse with a fixed title, unique keys), so a second run inserts nothing. Deterministic: a seeded
random generator per rollout. `--factor` scales both totals (counts(ctx.factor)).
"""

import hashlib
import random
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone

from rollout.enterprise import DOMAIN, bulk_insert, counts
from rollout.models import Membership, Role, Rollout, Unit

from . import records, rollups
from .conversations import momentum, pulses
from .conversations.questions import is_question
from .conversations.services import response_state
from .models import (
    ADKAR,
    ActivityRecord,
    CadenceBand,
    ConversationImport,
    ImportBatch,
    Message,
    MomentumCheck,
    OfficialAccount,
    Pulse,
    PulseAnswer,
    PulseInvitation,
    PulseResponse,
    Source,
    Thread,
    TrainingAttendance,
)

ACTIVITY_FILE = "fabrikam-daily-activity.csv"
CONVERSATIONS_FILE = "fabrikam-conversations.csv"
PULSE_TITLE = "Readiness pulse: three months in"
# Records per person and day on average (weekends and habits included): sets how many
# departments each rollout's records span.
DENSITY = 0.33
DAYS = 182
CONVERSATION_DAYS = 84
RAMP_DAYS = 56  # a launch reaches its full use over eight weeks
DIP_DAYS = 35  # the dipping department's last five weeks, when two in three of its people stop
TOKENS = uuid.UUID("3c5d7a64-91b2-4f0e-8a7d-2f6b1e9c4d21")
# The source each platform's activity export comes from, and whether it counts replies apart.
SOURCES = {
    "Viva Engage": (Source.VIVA_ENGAGE, False),
    "Microsoft Teams": (Source.TEAMS, True),
    "Slack": (Source.SLACK, False),
}
DEFAULT_SOURCE = (Source.GENERIC, True)
# (label, posts on a weekday by day number): in the band, too quiet, too much.
ACCOUNTS = [
    ("Internal communications", lambda day: 1 + day % 2),
    ("Executive office", lambda day: 1 if day % 14 == 1 else 0),  # every other Monday
    ("HR news", lambda day: 3),
]
BAND = (3, 12)
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


@dataclass
class Person:
    user_id: int
    email: str
    name: str
    unit_id: int
    role: str


def seed_enterprise(ctx):
    n = counts(ctx.factor)
    timings = {}
    rollouts = live_rollouts(ctx, n)
    if not rollouts:
        return timings
    populations = _populations(ctx, rollouts, n)
    mark = time.monotonic()
    records = _activity(ctx, rollouts, populations, n)
    timings["activity records"] = time.monotonic() - mark
    if records:
        mark = time.monotonic()
        for rollout in rollouts:
            rollups.rebuild_all(rollout.pk)
        timings["rollups"] = time.monotonic() - mark
    mark = time.monotonic()
    _accounts(rollouts, populations)
    messages = _conversations(ctx, rollouts, populations, n)
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
    if ctx.stdout:
        ctx.stdout.write(
            f"Engage: {records} activity records and {messages} messages inserted in {len(rollouts)} live "
            "rollouts (" + ", ".join(f"{part} {seconds:.1f} s" for part, seconds in timings.items()) + ")."
        )
    return timings


def live_rollouts(ctx, n):
    """The enterprise seeder's live rollouts (the first n["rollouts"] of the organization, so a
    rollout added later, such as the import benchmark's, is left alone), by pk."""
    seeded = sorted(ctx.rollouts.values(), key=lambda rollout: rollout.pk)[: n["rollouts"]]
    return [rollout for rollout in seeded if rollout.status == Rollout.Status.LIVE]


def _populations(ctx, rollouts, n):
    """{rollout pk: [Person]}: the people of `span` consecutive departments, the rollouts' first
    departments spread evenly, so every department takes part in three or four rollouts."""
    people = {}
    rows = (
        Membership.objects.filter(organization=ctx.organization, unit__kind=Unit.Kind.DEPARTMENT)
        .order_by("user__email")
        .values_list("user_id", "user__email", "user__full_name", "unit_id", "role")
    )
    for user_id, email, name, unit_id, role in rows:
        people.setdefault(unit_id, []).append(Person(user_id, email.lower(), name, unit_id, role))
    departments = sorted(people)
    if not departments:
        return {rollout.pk: [] for rollout in rollouts}
    per_rollout = n["activity_records"] / len(rollouts)
    per_department = sum(len(found) for found in people.values()) / len(departments)
    span = max(1, min(len(departments), round(per_rollout / (DAYS * DENSITY * per_department))))
    starts = [position * len(departments) // len(rollouts) for position in range(len(rollouts))]
    return {
        rollout.pk: [
            person for k in range(span) for person in people[departments[(start + k) % len(departments)]]
        ]
        for start, rollout in zip(starts, rollouts, strict=True)
    }


def _share(total, rollouts):
    """{rollout pk: its part of `total`}, the remainder to the first ones."""
    each, extra = divmod(total, len(rollouts))
    return {rollout.pk: each + (1 if position < extra else 0) for position, rollout in enumerate(rollouts)}


# Activity ---------------------------------------------------------------------------------------


def _activity(ctx, rollouts, populations, n):
    if ImportBatch.objects.filter(rollout__in=rollouts, file_name=ACTIVITY_FILE).exists():
        return 0
    quotas = _share(n["activity_records"], rollouts)
    yesterday = timezone.localdate() - timedelta(days=1)
    batches = {}
    for rollout in rollouts:
        source, _ = SOURCES.get(rollout.platform.name, DEFAULT_SOURCE)
        batches[rollout.pk] = ImportBatch.objects.create(
            rollout=rollout,
            uploaded_by=ctx.people[Role.MANAGER],
            confirmed_by=ctx.people[Role.MANAGER],
            file_name=ACTIVITY_FILE,
            stored_path="",
            file_hash=hashlib.sha256(f"{ACTIVITY_FILE}:{rollout.name}".encode()).hexdigest(),
            source=source,
            variant="Daily export",
            status=ImportBatch.Status.DONE,
            message="Enterprise data: daily activity of the rollout's people.",
        )
    written, earliest = {}, {}

    def rows():
        for rollout in rollouts:
            found = list(
                _records(rollout, batches[rollout.pk], populations[rollout.pk], quotas[rollout.pk], yesterday)
            )
            written[rollout.pk] = len(found)
            earliest[rollout.pk] = found[-1][7] if found else yesterday  # the most recent day first
            # In the natural key's order (person, day): the index grows at its end, several times
            # faster than rows scattered over it.
            found.sort(key=lambda row: (row[3], row[7]))
            yield from found

    bulk_insert(ActivityRecord, rows(), records.COLUMNS)  # the importer's columns, in its order
    for rollout in rollouts:
        ImportBatch.objects.filter(pk=batches[rollout.pk].pk).update(
            rows_total=written[rollout.pk],
            rows_done=written[rollout.pk],
            created_count=written[rollout.pk],
            matched_people=len(populations[rollout.pk]),
            period_start=earliest[rollout.pk],
            period_end=yesterday,
            checked_at=timezone.now(),
            started_at=timezone.now(),
            finished_at=timezone.now(),
        )
    return sum(written.values())


def _records(rollout, batch, people, quota, yesterday):
    """Rows of ActivityRecord (in bulk_insert's field order), the most recent day first, until
    `quota` rows; days further back when the people are few."""
    if not people or not quota:
        return
    rng = random.Random(f"activity:{rollout.name}")
    source, known = SOURCES.get(rollout.platform.name, DEFAULT_SOURCE)
    habits = [_habit(rng) for _ in people]
    accounts = {people.index(person): posts for (_, posts), person in official_accounts(people)}
    # The rollout's last department falls away lately: two in three of its people stop.
    stopped = {i for i, person in enumerate(people) if person.unit_id == people[-1].unit_id and i % 3}
    start = rollout.start_date or yesterday - timedelta(days=DAYS)
    written = 0
    day = yesterday
    while True:
        weekday = day.weekday() < 5
        launched = (day - start).days
        ramp = 0.25 if launched < 0 else min(1.0, 0.4 + 0.6 * launched / RAMP_DAYS)
        dip = (yesterday - day).days < DIP_DAYS
        base = (0.92 if weekday else 0.22) * ramp
        number = day.toordinal()
        for index, person in enumerate(people):
            if index in accounts:
                if not weekday:
                    continue
                posts, replies, active = accounts[index](number), 0, True
            else:
                chance = 0.0 if dip and index in stopped else base * habits[index]
                draw = rng.random()
                active = draw < chance
                if not active and not (weekday and draw > 0.93):
                    continue  # not in that day's export (a few people appear with nothing done)
                posts = rng.choice((0, 0, 0, 0, 1, 1, 2, 3)) if active else 0
                replies = rng.choice((0, 0, 1, 1, 2, 4)) if active else 0
            if not known:
                posts, replies = posts + replies, 0  # the export counts replies as posts
            yield (
                rollout.pk,
                batch.pk,
                source,
                person.email,
                person.name,
                person.unit_id,
                day,
                day,
                1,
                False,
                1,
                1 if active else 0,
                posts,
                replies,
                rng.randint(1, 40) if active else 0,
                rng.choice((0, 0, 1, 2, 3, 5, 8)) if active else 0,
                known,
                day if active else None,
                False,
                True,
            )
            written += 1
            if written >= quota:
                return
        day -= timedelta(days=1)


def _habit(rng):
    """How likely a person is to do something on a weekday once the launch has ramped up: about
    one in eight never does, a quarter now and then, the rest most days."""
    kind = rng.random()
    if kind < 0.12:
        return 0.0
    if kind < 0.40:
        return rng.uniform(0.04, 0.2)
    return rng.uniform(0.35, 1.0)


def official_accounts(people):
    """[((label, posts on a day), Person)]: the accounts are the population's first members."""
    members = [person for person in people if person.role == Role.MEMBER]
    return list(zip(ACCOUNTS, members, strict=False))


def _accounts(rollouts, populations):
    """The official accounts and the cadence band of each rollout."""
    OfficialAccount.objects.bulk_create(
        [
            OfficialAccount(rollout=rollout, person_key=person.email, label=label)
            for rollout in rollouts
            for (label, _), person in official_accounts(populations[rollout.pk])
        ],
        ignore_conflicts=True,
    )
    CadenceBand.objects.bulk_create(
        [
            CadenceBand(rollout=rollout, min_posts_per_week=BAND[0], max_posts_per_week=BAND[1])
            for rollout in rollouts
        ],
        ignore_conflicts=True,
    )


# Conversations ----------------------------------------------------------------------------------


@dataclass
class Draft:
    """A message before it is stored: what response_state() reads, and the rest of its row."""

    message_id: str
    parent_id: str
    author: Person | None
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


def _conversations(ctx, rollouts, populations, n):
    done = set(
        ConversationImport.objects.filter(
            rollout__in=rollouts, source=ConversationImport.Source.CSV, filename=CONVERSATIONS_FILE
        ).values_list("rollout_id", flat=True)
    )
    todo = [rollout for rollout in rollouts if rollout.pk not in done]
    if not todo:
        return 0
    quotas = _share(n["messages"], rollouts)
    now = timezone.now()
    threads = {
        rollout.pk: _threads(rollout, populations[rollout.pk], quotas[rollout.pk], now) for rollout in todo
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


def _threads(rollout, people, quota, now):
    """[(thread id, channel, [Draft])] with exactly `quota` messages in all."""
    if not people:
        return []
    rng = random.Random(f"conversations:{rollout.name}")
    helpers = [p for p in people if p.role == Role.CHAMPION] or people[:1]
    accounts = {person.email for _, person in official_accounts(people)}
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
        Pulse.objects.filter(pk=pulse.pk).update(status=Pulse.Status.CLOSED, opened_at=opened)
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

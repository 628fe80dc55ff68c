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
- 50,000 conversation messages over the last twelve weeks, training cohorts, a readiness pulse
  and this week's momentum check, seeded by the conversations app (conversations/enterprise.py)
  with the people chosen here, once the rollups are in.

Idempotent: each part checks for its own rows first (an import batch, unique keys, and the
conversations app's own checks), so a second run inserts nothing. Deterministic: a seeded
random generator per rollout. `--factor` scales both totals (counts(ctx.factor)).
"""

import hashlib
import random
import time
from dataclasses import dataclass
from datetime import timedelta

from django.utils import timezone

from conversations import enterprise as conversations
from rollout.enterprise import bulk_insert, counts
from rollout.models import Membership, Role, Rollout, Unit

from . import records, rollups
from .models import (
    ActivityRecord,
    CadenceBand,
    ImportBatch,
    OfficialAccount,
    Source,
)

ACTIVITY_FILE = "fabrikam-daily-activity.csv"
# Records per person and day on average (weekends and habits included): sets how many
# departments each rollout's records span.
DENSITY = 0.33
DAYS = 182
RAMP_DAYS = 56  # a launch reaches its full use over eight weeks
DIP_DAYS = 35  # the dipping department's last five weeks, when two in three of its people stop
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
    _accounts(rollouts, populations)
    # The conversations app's part: messages, training, pulses and the momentum check (which
    # reads the rollups above). The official accounts post no conversations.
    accounts = {
        pk: {person.email for _, person in official_accounts(people)} for pk, people in populations.items()
    }
    messages, seeded = conversations.seed_enterprise(
        ctx, rollouts, populations, _share(n["messages"], rollouts), accounts
    )
    timings.update(seeded)
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

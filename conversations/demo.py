"""Demo conversations, momentum and pulses for Northwind Health's live rollout.

- 300 threads over the last twelve weeks in five channels, about 40 % opening with a question;
  most get a quick reply, some a slow one, a few only a bot's or the author's own, and a dozen none
  at all (several of them past the 24-hour target, some from Casey Champion's Nursing unit);
- three training cohorts, and Emergency Medicine's people posting much less in the last four weeks
  than before, so the momentum check raises an alert there;
- two readiness pulses (at launch and two months in) where knowledge starts as a barrier;
- the Slack channel #help named for the live rollout (no Slack connection, no call to Slack);
- what was done about the launch pulse (more training), shared with its results as "You said, we
  did";
- two questions Max Member asked for help in Rollout: one answered by Casey Champion with a link,
  one still waiting in the queue (no email: seeding mails nobody).

The threads go through the import pipeline (`store_messages`), keyed by fixed ids, so a second run
updates the same rows. Order 5, before the review step (whose KPIs read these metrics); it
uses none of the activity seeder's data, so the two Engage seeders may run in either order.
"""

import random
from datetime import timedelta

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Membership, Platform, Role

from . import momentum, pulses, services
from .importers import ParsedMessage
from .models import (
    ADKAR,
    ConnectedChannel,
    Message,
    Pulse,
    PulseAnswer,
    PulseInvitation,
    PulseResponse,
    Thread,
    TrainingAttendance,
)

CHANNELS = ["help", "nursing", "announcements", "it-support", "emergency"]
QUESTIONS = [
    "How do I join the nursing community?",
    "Where do I post shift swaps now?",
    "Can I use the app on a ward phone?",
    "Is it OK to share a photo of the new wing?",
    "Why do I get an email for every post",
    "Who moderates the pharmacy group?",
    "Anyone know how to mention a whole team?",
    "How do I turn off notifications at night?",
    "What is the hashtag for the flu campaign?",
    "Does the app work on the hospital wifi?",
]
STATEMENTS = [
    "Great session today, thanks everyone",
    "The new rota is posted in the files tab",
    "Reminder: safe-practice training closes Friday",
    "Welcome to our new starters in cardiology!",
    "Photos from the charity run are up",
    "Thanks for the quick help with my sign-in",
]
REPLIES = [
    "Search for it and press Join.",
    "It is in the pinned post of this channel.",
    "Yes, follow the mobile guide from the champions.",
    "I had the same, the settings page fixes it.",
    "Ask Casey, she ran the training on this.",
]
THREADS = 300
DIP_UNIT = "Emergency Medicine"
# ADKAR means per round: knowledge is the barrier at launch, desire is lukewarm later.
ROUNDS = [
    (
        "Readiness pulse: launch",
        70,
        {"awareness": 4.1, "desire": 3.6, "knowledge": 2.6, "ability": 3.2, "reinforcement": 3.1},
    ),
    (
        "Readiness pulse: month two",
        14,
        {"awareness": 4.3, "desire": 3.0, "knowledge": 3.6, "ability": 3.7, "reinforcement": 3.4},
    ),
]


def _authors(ctx):
    units = dict(
        Membership.objects.filter(organization=ctx.organization, user__in=ctx.members).values_list(
            "user__email", "unit__name"
        )
    )
    return [(user, units.get(user.email) or "") for user in ctx.members]


def _thread(rng, n, now, authors, helpers, dip, dip_since):
    started = now - timedelta(days=rng.uniform(0.2, 84))
    channel = rng.choice(CHANNELS)
    others = [a for a in authors if a[1] != DIP_UNIT]
    recent = started > dip_since
    # Emergency Medicine posts often five to nine weeks ago and hardly at all since: the dip.
    if dip and (
        rng.random() < 0.04 if recent else started > now - timedelta(days=63) and rng.random() < 0.35
    ):
        pool = dip
    else:
        pool = others
    author, unit = rng.choice(pool)
    asks = rng.random() < 0.4
    text = rng.choice(QUESTIONS if asks else STATEMENTS)
    thread_id = f"demo-{n}"
    messages = [_message(thread_id, "1", author, unit, started, text, channel)]
    fate = rng.random()
    if asks and fate < 0.05 and started < now - timedelta(hours=30):
        return messages  # never answered: it waits in the queue
    if asks and fate < 0.08:
        messages.append(
            _message(
                thread_id,
                "2",
                author,
                unit,
                started + timedelta(hours=1),
                "Anyone? Still stuck.",
                channel,
                parent="1",
            )
        )
        return messages  # only the author's own follow-up
    if asks and fate < 0.10:
        bot = ParsedMessage(
            thread_id=thread_id,
            message_id="2",
            parent_id="1",
            author_key="B-helpdesk",
            author_name="Helpdesk bot",
            is_bot=True,
            created_at=started + timedelta(minutes=1),
            text="Thanks! A human will reply soon.",
            channel=channel,
        )
        return [*messages, bot]
    delay = timedelta(
        hours=rng.choice([0.3, 0.5, 1, 2, 3, 5, 8, 20, 30, 52]) if asks else rng.uniform(0.5, 40)
    )
    for k in range(rng.randint(1 if asks else 0, 3)):
        helper, helper_unit = rng.choice(helpers)
        at = started + delay * (k + 1)
        if at < now:
            messages.append(
                _message(
                    thread_id, str(k + 2), helper, helper_unit, at, rng.choice(REPLIES), channel, parent="1"
                )
            )
    return messages


def _message(thread_id, message_id, user, unit, at, text, channel, parent=""):
    return ParsedMessage(
        thread_id=thread_id,
        message_id=message_id,
        parent_id=parent,
        author_key=user.email,
        author_name=user.get_full_name(),
        email=user.email,
        created_at=at,
        text=text,
        channel=channel,
        unit_name=unit,
    )


def seed_threads(ctx, rng, now):
    rollout = ctx.rollouts["live"]
    authors = [a for a in _authors(ctx) if a[1]]
    dip = [a for a in authors if a[1] == DIP_UNIT]
    helpers = [a for a in authors if a[1] != DIP_UNIT][:25]
    # The momentum check compares four-week windows that end on Mondays: the dip covers the whole
    # of the last one, whichever day of the week the demo is seeded on (a day more for time zones).
    dip_since = now - timedelta(days=momentum.WINDOW_DAYS + now.weekday() + 1)
    parsed = []
    for n in range(THREADS):
        parsed.extend(_thread(rng, n, now, authors, helpers, dip, dip_since))
    # Casey's unit always has a few questions waiting, the oldest past the target.
    nursing = [a for a in authors if a[1] == "Nursing" and a[0] != ctx.people[Role.CHAMPION]]
    for k, hours in enumerate((75, 50, 30, 6)):
        user, unit = nursing[k % len(nursing)]
        text = QUESTIONS[k]
        parsed.append(
            _message(f"demo-waiting-{k}", "1", user, unit, now - timedelta(hours=hours), text, "nursing")
        )
    thread_ids = services.store_messages(rollout, Thread.Source.CSV, parsed)
    services.refresh_questions(thread_ids)


def seed_training(ctx, rng, today):
    rollout = ctx.rollouts["live"]
    authors = [a for a in _authors(ctx) if a[1]]
    rows = []
    for weeks_ago in (10, 7, 4):
        day = today - timedelta(weeks=weeks_ago)
        for user, _unit in rng.sample(authors, min(14, len(authors))):
            rows.append(
                TrainingAttendance(rollout=rollout, person_key=user.email.lower(), user=user, trained_on=day)
            )
    TrainingAttendance.objects.bulk_create(
        rows,
        update_conflicts=True,
        unique_fields=["rollout", "person_key", "trained_on"],
        update_fields=["user"],
    )


def seed_pulses(ctx, rng, today):
    rollout = ctx.rollouts["live"]
    members = list(
        Membership.objects.filter(organization=ctx.organization).exclude(
            role=Role.MEMBER, user=ctx.people[Role.MEMBER]
        )
    )
    for title, days_ago, means in ROUNDS:
        pulse = Pulse.objects.filter(rollout=rollout, title=title).first()
        if pulse is not None:
            continue
        pulse = pulses.create_pulse(
            rollout,
            title=title,
            kind=Pulse.Kind.READINESS,
            closes_on=today - timedelta(days=days_ago) + timedelta(days=10),
            audience=[],
            questions=[],
            created_by=ctx.people[Role.MANAGER],
        )
        opened = timezone.now() - timedelta(days=days_ago)
        still_open = pulse.closes_on >= today
        Pulse.objects.filter(pk=pulse.pk).update(
            status=Pulse.Status.OPEN if still_open else Pulse.Status.CLOSED,
            opened_at=opened,
            closed_at=None if still_open else opened + timedelta(days=11),
        )
        # Demo invitations are marked as sent: seeding must not email a hundred demo people.
        answered = [m for m in members if rng.random() < 0.6]
        PulseInvitation.objects.bulk_create(
            [PulseInvitation(pulse=pulse, user=m.user, queued=True, answered=m in answered) for m in members]
        )
        questions = {q.element: q for q in pulse.questions.all()}
        for membership in answered:
            response = PulseResponse.objects.create(
                pulse=pulse,
                unit=membership.unit,
                submitted_on=(opened + timedelta(days=rng.randint(0, 6))).date(),
                comment=rng.choice(
                    ["", "", "", "More training on the app please.", "Finding the right group is hard."]
                ),
            )
            PulseAnswer.objects.bulk_create(
                [
                    PulseAnswer(
                        response=response,
                        question=questions[element],
                        score=min(5, max(1, round(rng.gauss(means[element], 0.9)))),
                    )
                    for element in ADKAR.values
                ]
            )


LAUNCH_OUTCOME = (
    "Knowledge was the barrier, so the champions ran twelve drop-in sessions across the three hospitals.\n"
    "The mobile guide is now pinned in #help, and every new starter gets it on their first day."
)
ASKED = [
    # (key, hours ago, question, answered after hours or None, answer link, answer)
    (
        "demo-asked-1",
        26 * 24,
        "How do I get the pharmacy rota posts without the whole hospital's news?",
        5,
        "https://engage.northwind.example/threads/pharmacy-rota",
        "Follow the Pharmacy community and turn off the All Company digest in your settings.",
    ),
    ("demo-asked-2", 20, "Can I use Viva Engage on the dispensary's shared tablet?", None, "", ""),
]


def seed_outcomes(ctx, now):
    """What was done about the launch pulse (closed with enough answers): "You said, we did". Max
    Member was asked too and did not answer (a record on their figures page, nothing more)."""
    launch = Pulse.objects.filter(
        rollout=ctx.rollouts["live"], title=ROUNDS[0][0], status=Pulse.Status.CLOSED
    ).first()
    if launch is None:
        return
    Pulse.objects.filter(pk=launch.pk).update(
        outcome=LAUNCH_OUTCOME, outcome_written_at=now - timedelta(days=40)
    )
    PulseInvitation.objects.get_or_create(
        pulse=launch, user=ctx.people[Role.MEMBER], defaults={"queued": True}
    )


def seed_asked(ctx, now):
    """Max Member's questions asked in Rollout, keyed by fixed ids: a second run updates them."""
    rollout, member = ctx.rollouts["live"], ctx.people[Role.MEMBER]
    champion = ctx.people[Role.CHAMPION]
    unit = Membership.objects.filter(organization=ctx.organization, user=member).values_list(
        "unit", flat=True
    )
    for key, hours, text, answered_after, link, answer in ASKED:
        asked = now - timedelta(hours=hours)
        thread, _ = Thread.objects.update_or_create(
            rollout=rollout, source=Thread.Source.ASKED, external_id=key, defaults={"started_at": asked}
        )
        answered = asked + timedelta(hours=answered_after) if answered_after is not None else None
        Message.objects.update_or_create(
            thread=thread,
            external_id="1",
            defaults={
                "rollout": rollout,
                "author_key": member.email,
                "author_name": member.get_full_name(),
                "author": member,
                "unit_id": unit.first(),
                "created_at": asked,
                "text": text,
                "marked_question": True,
                "is_question": True,
                "answered_at": answered,
                "answered_by": champion if answered else None,
                "answer_url": link,
                "answer_text": answer,
                "first_response_at": answered,
                "response_seconds": int((answered - asked).total_seconds()) if answered else None,
            },
        )


def seed_slack_channel(ctx, now):
    """The live rollout names its #help channel in Slack, as last pulled two hours ago. Nothing
    calls Slack: the demo has no Slack connection, and its threads come from the seeder above."""
    pulled = now - timedelta(hours=2)
    ConnectedChannel.objects.update_or_create(
        rollout=ctx.rollouts["live"],
        provider=ConnectedChannel.Provider.SLACK,
        channel_id="C0DEMOHELP",
        defaults={"channel_name": "help", "cursor_ts": f"{pulled.timestamp():.6f}", "last_pulled_at": pulled},
    )


def seed_teams_channel(ctx, now):
    """A rollout on Microsoft Teams names its ward handover channel, not pulled yet. Nothing calls
    Microsoft: the demo has no Teams connection. Skipped when no demo rollout runs on Teams."""
    rollout = next(
        (r for r in ctx.rollouts.values() if r.platform and r.platform.product == Platform.Product.TEAMS),
        None,
    )
    if rollout is None:
        return
    ConnectedChannel.objects.update_or_create(
        rollout=rollout,
        provider=ConnectedChannel.Provider.TEAMS,
        channel_id="19:0d3e40c1a2b34d5e8f9a0b1c2d3e4f50@thread.tacv2",
        defaults={"team_id": "00000000-0000-0000-0000-00000007ea35", "channel_name": "Ward handovers"},
    )


@demo_seeder(5)
def seed(ctx):
    rng = random.Random(5)
    now = timezone.now()
    today = timezone.localdate()
    seed_threads(ctx, rng, now)
    seed_training(ctx, rng, today)
    seed_pulses(ctx, rng, today)
    seed_outcomes(ctx, now)
    seed_asked(ctx, now)
    seed_slack_channel(ctx, now)
    seed_teams_channel(ctx, now)
    momentum.check(ctx.rollouts["live"], today)

"""Demo incentives for Northwind Health's live rollout: a plan, rules, badges with levels, two
seasons, points and badges for about half of the people, and recognitions from leaders and peers.

Idempotent: plan, rules, badges and seasons are updated in place; points carry fixed event keys
and recognitions are only generated once, so a second run creates nothing. One fixed seed.
"""

import random
from datetime import timedelta

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Role

from . import services
from .models import (
    AppraisalObjective,
    BadgeClass,
    BadgeLevel,
    Incentive,
    LeaderVisibility,
    PlannedIncentive,
    PointsEntry,
    PointsRule,
    Recognition,
    Season,
)

PLAN = [
    (
        Incentive.RECOGNITION,
        "All staff",
        "Being thanked in public by colleagues matters more than any prize.",
    ),
    (Incentive.BADGES, "Champions", "Visible levels show the effort champions put in, and who to ask."),
    (Incentive.POINTS, "Ward nurses", "A light seasonal leaderboard makes trying the app a shared game."),
    (Incentive.APPRAISAL, "Managers", "Answering questions within a day becomes part of the job."),
    (
        Incentive.LEADERSHIP,
        "All staff",
        "Leaders who post and thank people show the platform is where work happens.",
    ),
]
RULES = [
    ("support_session_logged", 10, 5),
    ("guideline_acknowledged", 5, 1),
    ("training_passed", 20, 2),
    ("question_answered", 5, 10),
    ("recognition_given", 2, 3),
]
MESSAGES = [
    "Thank you for showing our ward how to post shift updates.",
    "Your answer on patient-privacy settings saved me an hour.",
    "Great idea to start the Cardiology community - it is buzzing.",
    "Thanks for helping me get the app working on my phone.",
    "Brilliant summary of the town hall for the night shift.",
    "You answered every question in the pharmacy channel this week!",
]


def seed_plan_and_rules(rollout):
    for incentive, audience, rationale in PLAN:
        PlannedIncentive.objects.update_or_create(
            rollout=rollout, incentive=incentive, audience=audience, defaults={"rationale": rationale}
        )
    return {
        event: PointsRule.objects.update_or_create(
            rollout=rollout, event=event, defaults={"points": points, "daily_cap": cap, "active": True}
        )[0]
        for event, points, cap in RULES
    }


def _badge(rollout, name, levels, **fields):
    badge, _ = BadgeClass.objects.update_or_create(rollout=rollout, name=name, defaults=fields)
    for rank, threshold in levels:
        BadgeLevel.objects.update_or_create(badge=badge, rank=rank, defaults={"threshold": threshold})
    return badge


def seed_badges(rollout, rules):
    helper = _badge(
        rollout,
        "Helper",
        [(1, 3), (2, 10), (3, 25)],
        description="Helps colleagues get going with Viva Engage.",
        criteria="Log support sessions as a champion: 3 for bronze, 10 for silver, 25 for gold.",
        criterion=BadgeClass.Criterion.EVENTS,
        rule=rules["support_session_logged"],
        color="#0d6efd",
    )
    points = _badge(
        rollout,
        "Contributor",
        [(1, 50), (2, 150), (3, 300)],
        description="Takes part, again and again.",
        criteria="Earn points in the rollout: 50 for bronze, 150 for silver, 300 for gold.",
        criterion=BadgeClass.Criterion.POINTS,
        color="#198754",
    )
    story = _badge(
        rollout,
        "Storyteller",
        [(0, None)],
        description="Shared a success story that others learned from.",
        criteria="A manager awards it for a story posted in the community, with a link to it.",
        criterion=BadgeClass.Criterion.MANUAL,
        color="#6f42c1",
    )
    meta = _badge(
        rollout,
        "All-rounder",
        [(0, None)],
        description="Helps, contributes and tells the story.",
        criteria="Hold the Helper, Contributor and Storyteller badges.",
        criterion=BadgeClass.Criterion.META,
        color="#d63384",
    )
    meta.requires.set([helper, points, story])
    return story


def seed_seasons(rollout, now):
    if not Season.objects.filter(rollout=rollout).exists():
        Season.objects.create(
            rollout=rollout,
            name="Launch season",
            started_at=now - timedelta(days=180),
            ended_at=now - timedelta(days=60),
        )
        Season.objects.create(rollout=rollout, name="Summer 2026", started_at=now - timedelta(days=60))


def seed_points(ctx, rollout, rules, now):
    """Points for every other person (the demo member among them), from events over six months."""
    if PointsEntry.objects.filter(rollout=rollout, event_key__startswith="demo:").exists():
        return []
    rng = random.Random(2)
    member = ctx.people[Role.MEMBER]
    people = sorted(ctx.members, key=lambda user: user.pk)[::2]
    if member not in people:
        people.append(member)
    roles = dict(ctx.organization.memberships.values_list("user_id", "role"))
    entries = []
    for person in people:
        events = ["guideline_acknowledged", "training_passed", "question_answered"]
        if roles.get(person.pk) == Role.CHAMPION:
            events.append("support_session_logged")
        for n in range(rng.randint(3, 25)):
            event = rng.choice(events)
            rule = rules[event]
            when = now - timedelta(days=rng.randrange(175), hours=rng.randrange(12))
            entries.append(
                PointsEntry(
                    rollout=rollout,
                    person=person,
                    points=rule.points,
                    reason=rule.event_label,
                    rule=rule,
                    event_key=f"demo:{person.pk}:{n}",
                    created_at=when,
                )
            )
    PointsEntry.objects.bulk_create(entries)
    return people


def seed_recognitions(ctx, rollout, now):
    if Recognition.objects.filter(rollout=rollout).exists():
        return
    rng = random.Random(7)
    memberships = list(ctx.organization.memberships.select_related("user").order_by("pk"))
    leaders = [m for m in memberships if m.role == Role.LEADER]
    member = next(m for m in memberships if m.user == ctx.people[Role.MEMBER])
    rows = []
    for n in range(80):
        giver = rng.choice(leaders) if n % 4 == 0 else rng.choice(memberships)
        recipient = member if n in (0, 9) else rng.choice(memberships)
        if recipient.user_id == giver.user_id:
            continue
        rows.append(
            Recognition(
                rollout=rollout,
                giver=giver.user,
                recipient=recipient.user,
                message=rng.choice(MESSAGES),
                unit_id=recipient.unit_id,
                from_leader=giver.role == Role.LEADER,
                created_at=now - timedelta(days=rng.randrange(120 if n > 10 else 6), hours=rng.randrange(9)),
            )
        )
    Recognition.objects.bulk_create(rows)


def seed_leader_visibility(ctx, now):
    """The demo leader and every other leader but one agreed to be seen taking part ("Leaders
    taking part" on people's own page); the one left shows that a leader may decline."""
    leaders = list(
        ctx.organization.memberships.filter(role=Role.LEADER).order_by("pk").values_list("user_id", flat=True)
    )
    demo_leader = ctx.people[Role.LEADER].pk
    declining = next((user_id for user_id in reversed(leaders) if user_id != demo_leader), None)
    for user_id in leaders:
        if user_id != declining:
            LeaderVisibility.objects.get_or_create(
                organization=ctx.organization,
                user_id=user_id,
                defaults={"agreed_at": now - timedelta(days=30)},
            )


@demo_seeder(2, scales=("demo", "enterprise"))
def seed_incentives_step(ctx):
    if ctx.scale == "enterprise":
        from .enterprise import seed_enterprise

        return seed_enterprise(ctx)
    rollout = ctx.rollouts["live"]
    now = timezone.now()
    rules = seed_plan_and_rules(rollout)
    story = seed_badges(rollout, rules)
    seed_seasons(rollout, now)
    people = seed_points(ctx, rollout, rules, now)
    for person in people:
        services.evaluate_badges(rollout, person.pk)
    member = ctx.people[Role.MEMBER]
    if not story.awards.filter(person=member).exists():
        services.award_manually(
            story.levels.get(),
            member,
            ctx.people[Role.MANAGER],
            evidence="Posted how the pharmacy team cut repeat questions with a pinned FAQ.",
        )
    seed_recognitions(ctx, rollout, now)
    seed_leader_visibility(ctx, now)
    AppraisalObjective.objects.update_or_create(
        rollout=rollout,
        role=Role.MANAGER,
        objective="Answers questions in the community within a day",
        defaults={"measure": "80% of questions in their unit answered within 24 hours", "period": "2026"},
    )
    AppraisalObjective.objects.update_or_create(
        rollout=rollout,
        person=member,
        objective="Shares one pharmacy tip a month in the community",
        defaults={
            "measure": "12 tips over the year",
            "period": "2026",
            "created_by": ctx.people[Role.MANAGER],
        },
    )
    if ctx.stdout:
        ctx.stdout.write(
            f"Incentives: {PointsEntry.objects.filter(rollout=rollout).values('person').distinct().count()} people "
            f"with points, {rollout.badge_awards.count()} badges, {rollout.recognitions.count()} recognitions."
        )

"""Demo reviews for the live rollout: two completed monthly reviews and one due next week.

The dates follow today (in Northwind's time zone) on a monthly calendar anchored on review 1, as
real cycles are (reviews/cycles.py): review 1 two months before the day six days from now, reviews
2 and 3 one and two cycles after it, so review 3 is due in six days (a day or two sooner when that
day is the end of a month longer than review 1's), and its week-before reminder is already due. The platform landscape has six platforms, including a declining
intranet news site and an emerging idea portal; Workplace from Meta was retired at review 2.
Reviews 1 and 2 share their decisions, what people told us and all their actions but one (the
idea portal decision) with employees, in "You said, we did".
Idempotent: rows are updated in place by their natural keys, and a re-run puts review 3 back in
its open, empty state (reviews that followed it in a demo session are removed).
"""

from datetime import datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Platform, Role
from strategy.selectors import review_cadence, success_metrics

from .cycles import add_months
from .kpis import kpi_rows, path_start
from .models import STEPS, Action, Finding, PlatformAssessment, Review
from .selectors import today_in
from .services import record_kpis

NEW_PLATFORMS = [
    ("SharePoint intranet news", Platform.Kind.KNOWLEDGE, Platform.Status.DECLINING),
    ("Northwind Ideas", Platform.Kind.CROWDSOURCING, Platform.Status.EMERGING),
]

# How far along its expected path each hand-entered metric was: 1.0 is exactly on the path.
PROGRESS = {
    "participation_rate": (Decimal("0.92"), Decimal("1.04")),
    "answered_within_target": (Decimal("0.70"), Decimal("0.88")),
    "custom": (Decimal("1.10"), Decimal("1.15")),
}

# (review number, platform, status, relevance, decision, notes)
LANDSCAPE = [
    (1, "Viva Engage", "in_use", "high", "grow", "The rollout's platform: communities per department."),
    (
        1,
        "Microsoft Teams",
        "in_use",
        "high",
        "keep",
        "Team work and meetings; Engage for the whole organization.",
    ),
    (1, "SharePoint intranet news", "in_use", "medium", "merge", "Announcements should allow replies."),
    (1, "LinkedIn company page", "emerging", "low", "evaluate", "Recruitment team asks for it."),
    (1, "Workplace from Meta", "declining", "low", "retire", "Shut down by Meta; groups move to Engage."),
    (2, "Viva Engage", "in_use", "high", "grow", "Night shift joins through the mobile app."),
    (2, "Microsoft Teams", "in_use", "high", "keep", ""),
    (
        2,
        "SharePoint intranet news",
        "declining",
        "medium",
        "merge",
        "News moves to the Announcements community.",
    ),
    (
        2,
        "LinkedIn company page",
        "emerging",
        "medium",
        "evaluate",
        "Pilot with two recruitment posts a week.",
    ),
    (2, "Workplace from Meta", "retired", "none", "retire", "Retired on schedule; archive exported."),
    (
        2,
        "Northwind Ideas",
        "emerging",
        "medium",
        "evaluate",
        "Idea portal proposed by the Innovation office.",
    ),
]

FINDINGS = {
    1: {
        "champion": (
            "Champions on every ward in Nursing.",
            "No champion in Finance or on the Emergency night shift.",
        ),
        "engage": (
            "Questions get answers within a day in Nursing.",
            "Office staff mostly read and rarely post.",
        ),
        "trust": ("Guidelines published and acknowledged by most managers.", ""),
    },
    2: {
        "champion": ("Night shift champions answer within the hour.", "Finance still has no champion."),
        "engage": (
            "Replies outnumber posts in the clinical communities.",
            "All-staff emails have not dropped enough.",
        ),
        "incentivize": ("Badges for best answers are popular.", "Leaders rarely recognize contributions."),
        "review": ("Reviews held on time.", ""),
    },
}

DECISIONS = {
    1: "Recruit champions where there are none; move announcements out of email.",
    2: "Announcements move to Viva Engage; pilot the idea portal with the Innovation office.",
}

# What employees read of the completed reviews in "You said, we did": (summary, what people told us).
SHARED = {
    1: (
        "",  # review 1's decisions are shared as written
        "Nobody in Finance or on the night shift to ask for help.\nToo many all-staff emails.",
    ),
    2: (
        "News and announcements move from email to the Announcements community in Viva Engage, "
        "where you can reply and ask questions. The Innovation office pilots an idea portal.",
        "You read the news but cannot reply to it.\nGood ideas get lost in email threads.",
    ),
}


def _platforms(ctx):
    platforms = {
        platform.name: platform for platform in Platform.objects.filter(organization=ctx.organization)
    }
    for name, kind, status in NEW_PLATFORMS:
        platforms[name], _ = Platform.objects.update_or_create(
            organization=ctx.organization, name=name, defaults={"kind": kind, "status": status}
        )
    return platforms


def _evening_of(day):
    """When the demo's managers shared a review completed on `day`: that evening."""
    return timezone.make_aware(datetime.combine(day, time(17)))


def _review(rollout, number, due, owner, completed):
    review, _ = Review.objects.update_or_create(
        rollout=rollout,
        number=number,
        defaults={
            "due_date": due,
            "owner": owner,
            "status": Review.Status.COMPLETED if completed else Review.Status.OPEN,
            "completed_on": due if completed else None,
            "completed_by": owner if completed else None,
            "decisions": DECISIONS.get(number, ""),
            "share_decisions": completed and number in SHARED,
            "shared_summary": SHARED[number][0] if completed and number in SHARED else "",
            "shared_said": SHARED[number][1] if completed and number in SHARED else "",
            "shared_at": _evening_of(due) if completed and number in SHARED else None,
        },
    )
    for step, _label in STEPS:
        working, not_working = FINDINGS.get(number, {}).get(step, ("", ""))
        Finding.objects.update_or_create(
            review=review, step=step, defaults={"working": working, "not_working": not_working}
        )
    return review


def _kpis(rollout, review, index):
    start = path_start(rollout, review_cadence(rollout))
    rows = kpi_rows(rollout, success_metrics(rollout), review.due_date, start)
    for row in rows:
        if row.computed:
            row.note = "Computed by Rollout."
            continue
        factor = PROGRESS.get(row.metric_key, (Decimal(1), Decimal(1)))[index]
        row.actual = (row.baseline + (row.expected - row.baseline) * factor).quantize(Decimal("0.1"))
        row.note = (
            "From the Microsoft 365 usage report."
            if row.metric_key != "custom"
            else "Counted by Communications."
        )
    record_kpis(review, rows)


def _actions(ctx, rollout, reviews, due):
    people = ctx.people
    # Shared with employees ("You said, we did"): all but the internal decision on the portal pilot.
    for title, owner, raised, closed, status, when, shared in [
        ("Recruit a champion in Finance", Role.MANAGER, 1, None, "open", due - timedelta(days=21), True),
        ("Publish the night-shift FAQ", Role.CHAMPION, 1, 2, "done", due - timedelta(days=40), True),
        ("Archive the Workplace groups", Role.ADMIN, 1, 2, "done", due - timedelta(days=35), True),
        (
            "Move all-staff announcements to Viva Engage",
            Role.LEADER,
            2,
            None,
            "in_progress",
            due + timedelta(days=14),
            True,
        ),
        ("Decide on the idea portal pilot", Role.ADMIN, 2, None, "open", due, False),
    ]:
        Action.objects.update_or_create(
            rollout=rollout,
            title=title,
            defaults={
                "owner": people[owner],
                "raised_in": reviews[raised],
                "closed_in": reviews[closed] if closed else None,
                "status": status,
                "due_date": when,
                "shared": shared,
            },
        )


@demo_seeder(6, scales=("demo", "enterprise"))
def seed_reviews(ctx):
    if ctx.scale == "enterprise":
        from .enterprise import seed_enterprise

        return seed_enterprise(ctx)
    rollout, manager = ctx.rollouts["live"], ctx.people[Role.MANAGER]
    platforms = _platforms(ctx)
    # Review 3 is due in six days: its week-before reminder was due yesterday at 08:00, so it is in
    # the outbox whatever the hour the demo is seeded (at seven days, not before 08:00 there).
    due = today_in(ctx.organization) + timedelta(days=6)
    Review.objects.filter(rollout=rollout, number__gt=3).delete()
    reviews = {}
    anchor = add_months(due, -2)
    for number in (1, 2, 3):
        reviews[number] = _review(rollout, number, add_months(anchor, number - 1), manager, number < 3)
    for index, number in enumerate((1, 2)):
        _kpis(rollout, reviews[number], index)
    for number, name, status, relevance, decision, notes in LANDSCAPE:
        PlatformAssessment.objects.update_or_create(
            review=reviews[number],
            platform=platforms[name],
            defaults={"status": status, "relevance": relevance, "decision": decision, "notes": notes},
        )
    # Review 3 starts from review 2's landscape, without the retired platform.
    for assessment in reviews[2].assessments.exclude(status=Platform.Status.RETIRED):
        PlatformAssessment.objects.update_or_create(
            review=reviews[3],
            platform_id=assessment.platform_id,
            defaults={
                "status": assessment.status,
                "relevance": assessment.relevance,
                "decision": assessment.decision,
                "notes": assessment.notes,
            },
        )
    reviews[3].kpis.all().delete()
    _actions(ctx, rollout, reviews, reviews[3].due_date)
    if ctx.stdout:
        ctx.stdout.write(
            f"Reviews: 2 completed and review 3 due {reviews[3].due_date:%-d %b %Y} for “{rollout}”."
        )

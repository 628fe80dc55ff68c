"""Demo champions for Northwind Health: 15 people in the live rollout and six months of sessions.

Champions have a chat link and most have office hours; five drop-ins and training sessions are
planned in the coming days, and one champion was appointed a week ago, before being ready (the
manager's override). Two units are left uncovered on purpose (Finance and the Emergency night shift), so the coverage
page and the step's next action have a real gap to show. Idempotent: profiles are updated in
place, and each demo session has a fixed token, so a second run creates nothing.
"""

import random
import uuid
import zoneinfo
from datetime import date, datetime, time, timedelta

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Role

from .models import Champion, ChampionEvent, Skill, SupportSession

SKILLS = [
    ("Guidelines and safe practice", "What may be posted, patient privacy, the usage guidelines."),
    ("Resizing images for the web", "Photos that load quickly and are not sideways."),
    ("Tagging and hashtags", "Topics, @mentions and hashtags that others can follow."),
    ("Mobile set-up", "The app on a personal or ward phone, sign-in and notifications."),
    ("Running a community", "Starting a community, moderation, keeping it alive."),
    ("Answering questions", "Marking best answers, finding who knows."),
    ("Notifications and settings", "Fewer emails, digest settings, following threads."),
]
# How often each skill comes up, early in a rollout and later on (sign-in fades, communities grow).
EARLY = [14, 4, 6, 30, 4, 8, 10]
LATE = [8, 8, 12, 6, 16, 14, 8]
FREE_TEXT = [
    "Sharing a video from a ward round",
    "Lost access after a password change",
    "Translating a post for Spanish-speaking staff",
    "Sharing a video from a ward round",
    "Where to post shift swaps",
    "Lost access after a password change",
]

# (department covered, location, shift, time zone, languages, skill indexes); the first is Casey.
PROFILES = [
    ("Nursing", "Seattle General", "day", "America/Los_Angeles", "English, Spanish", [0, 3, 5]),
    ("Nursing", "Tacoma Clinic", "night", "America/Los_Angeles", "English, Tagalog", [3, 6]),
    ("Nursing", "Spokane Hospital", "evening", "America/Los_Angeles", "English", [0, 5]),
    ("Emergency Medicine", "Seattle General", "night", "America/Los_Angeles", "English", [3, 5, 6]),
    ("Emergency Medicine", "Seattle General", "day", "America/Los_Angeles", "English, Korean", [0, 1]),
    ("Cardiology", "Seattle General", "day", "America/Los_Angeles", "English", [2, 4]),
    ("Pharmacy", "Tacoma Clinic", "day", "America/Los_Angeles", "English, Vietnamese", [0, 5]),
    ("Radiology", "Spokane Hospital", "evening", "America/Los_Angeles", "English", [1, 2]),
    (
        "Information Technology",
        "Seattle General",
        "flexible",
        "America/Los_Angeles",
        "English, Hindi, German",
        [3, 6],
    ),
    ("Human Resources", "Seattle General", "day", "America/Los_Angeles", "English", [0, 4]),
    ("Emergency Medicine", "Spokane Hospital", "evening", "America/Los_Angeles", "English, Russian", [3, 5]),
    ("Nursing", "Seattle General", "day", "America/Los_Angeles", "English, Somali", [4, 5]),
    ("Cardiology", "Tacoma Clinic", "day", "America/Los_Angeles", "English", [1, 2]),  # stepped down
]
STEPPED_DOWN = 12
# Appointed a week ago, before finishing the training: the "New champions" panel of the people of
# Nursing and Seattle General shows them, and the network page the manager's override.
RECENT = 11
RECENT_OVERRIDE = (
    "Covers the new Nursing wing from its opening week; finishes the copyright module by Friday."
)
OFFICE_HOURS = {
    "Seattle General": "Tuesdays 12:00–13:00, staff room by the Level 2 lifts",
    "Tacoma Clinic": "Thursdays 08:00–09:00, Tacoma Clinic break room",
    "Spokane Hospital": "Wednesdays 15:00–16:00, Spokane library corner",
}
# (title, kind, days from today, start hour, hours, where, units: none for everyone, runner index)
EVENTS = [
    ("Viva Engage drop-in", "drop_in", 1, 12, 1, "Seattle General, staff room by the Level 2 lifts", [], 0),
    (
        "Getting started on your phone",
        "training",
        3,
        15,
        1,
        "https://teams.microsoft.com/l/meetup-join/northwind-mobile",
        ["Nursing"],
        1,
    ),
    (
        "Night shift drop-in",
        "drop_in",
        5,
        2,
        1,
        "Emergency department office, Seattle General",
        ["Emergency Medicine"],
        3,
    ),
    (
        "Running a community that lasts",
        "training",
        8,
        10,
        2,
        "https://teams.microsoft.com/l/meetup-join/northwind-communities",
        [],
        5,
    ),
    ("Pharmacy questions hour", "drop_in", 2, 8, 1, "Tacoma Clinic break room", ["Pharmacy"], 6),
]
QUIET = {7, 10}  # no session in the last 30 days: the report's "gone quiet"
SESSIONS = 600
DAYS = 182
TOKENS = uuid.UUID("5c7a3f1e-4d1b-4a8e-9e0f-7a1c2b3d4e5f")  # namespace of the demo session tokens


def seed_skills(organization):
    skills = []
    for name, description in SKILLS:
        skill, _ = Skill.objects.update_or_create(
            organization=organization, name=name, defaults={"description": description, "active": True}
        )
        skills.append(skill)
    return skills


def seed_champions(ctx, rollout, skills):
    roles = dict(ctx.organization.memberships.values_list("user_id", "role"))
    casey = ctx.people[Role.CHAMPION]
    people = [casey] + [u for u in ctx.members if u != casey and roles.get(u.pk) == Role.CHAMPION]
    champions = []
    for index, (person, profile) in enumerate(zip(people, PROFILES, strict=False)):
        department, location, shift, zone, languages, skill_ids = profile
        stepped_down = index == STEPPED_DOWN
        recent = index == RECENT
        champion, _ = Champion.objects.update_or_create(
            rollout=rollout,
            user=person,
            defaults={
                "status": Champion.Status.STEPPED_DOWN if stepped_down else Champion.Status.ACTIVE,
                "location": ctx.units[location],
                "shift": shift,
                "time_zone": zone,
                "languages": languages,
                "start_date": timezone.localdate() - timedelta(days=6)
                if recent
                else date(2026, 3, 2) + timedelta(days=7 * (index % 6)),
                "stepped_down_on": date(2026, 9, 30) if stepped_down else None,
                "nominated_by": ctx.people[Role.MANAGER],
                "decided_by": ctx.people[Role.MANAGER],
                "chat_link": f"https://teams.microsoft.com/l/chat/0/0?users={person.email}",
                "office_hours": OFFICE_HOURS[location] if index % 3 != 2 else "",
                "readiness_override": RECENT_OVERRIDE if recent else "",
                "readiness_override_by": ctx.people[Role.MANAGER] if recent else None,
                "readiness_override_at": timezone.now() - timedelta(days=6) if recent else None,
            },
        )
        covered = [ctx.units[department], ctx.units[location]]
        if department == "Information Technology":  # remote help for the German-speaking unit too
            covered.append(ctx.units["Telemedizin Berlin"])
        champion.units.set(covered)
        champion.skills.set([skills[i] for i in skill_ids])
        champions.append(champion)
    # Two members put themselves forward; the manager has not decided yet.
    members = [user for user in ctx.members if roles.get(user.pk) == Role.MEMBER][:2]
    for user, department in zip(members, ["Finance", "Emergency Medicine"], strict=True):
        nominee, _ = Champion.objects.update_or_create(
            rollout=rollout,
            user=user,
            defaults={
                "status": Champion.Status.NOMINATED,
                "nominated_by": user,
                "motivation": "Colleagues already come to me with questions about Viva Engage.",
                "time_zone": "America/Los_Angeles",
            },
        )
        nominee.units.set([ctx.units[department]])
    return champions


def seed_events(ctx, rollout, champions):
    """The coming drop-ins and training sessions, dated from today: matched by title, so a second
    run moves them to the coming days again instead of adding more."""
    tz = zoneinfo.ZoneInfo(ctx.organization.timezone)
    today = timezone.localdate(timezone=tz)
    for title, kind, days, hour, hours, where, units, runner in EVENTS:
        starts = timezone.make_aware(datetime.combine(today + timedelta(days=days), time(hour)), tz)
        event, _ = ChampionEvent.objects.update_or_create(
            rollout=rollout,
            title=title,
            defaults={
                "kind": kind,
                "starts_at": starts,
                "ends_at": starts + timedelta(hours=hours),
                "where": where,
                "champion": champions[runner],
                "created_by": champions[runner].user,
            },
        )
        event.units.set([ctx.units[name] for name in units])


def seed_sessions(ctx, champions, skills):
    """About 600 sessions over the last six months; each has a fixed token, so re-runs add none."""
    tokens = [uuid.uuid5(TOKENS, f"session-{n}") for n in range(SESSIONS)]
    existing = set(SupportSession.objects.filter(token__in=tokens).values_list("token", flat=True))
    if len(existing) == len(tokens):
        return
    rng = random.Random(4)  # the same sessions on every run
    tz = zoneinfo.ZoneInfo(ctx.organization.timezone)
    now = timezone.now()
    today = timezone.localdate(now, timezone=tz)
    units = [
        ctx.units[name] for name in ("Nursing", "Emergency Medicine", "Cardiology", "Pharmacy", "Radiology")
    ]
    # Busy champions log more; Casey (index 0) is among the busiest.
    weights = [9, 6, 5, 7, 5, 4, 4, 3, 6, 2, 3, 5, 2]
    new, topics = [], []
    for token in tokens:
        index = rng.choices(range(len(champions)), weights=weights[: len(champions)])[0]
        days_ago = rng.randrange(DAYS)
        if index in QUIET:
            days_ago = max(days_ago, 35)
        if index == STEPPED_DOWN:
            days_ago = max(days_ago, (today - date(2026, 9, 30)).days + 1)
        day = today - timedelta(days=days_ago)
        if day.weekday() >= 5 and rng.random() < 0.6:
            day -= timedelta(days=day.weekday() - 4)  # mostly weekdays
        hour = {"day": 9, "evening": 17, "night": 1, "flexible": 11}[champions[index].shift] + rng.randrange(
            6
        )
        when = timezone.make_aware(
            datetime.combine(day, time(hour % 24, rng.choice([0, 10, 20, 30, 45]))), tz
        )
        when = min(when, now - timedelta(minutes=30))  # today's later sessions have not happened yet
        outcome = rng.choices(["resolved", "follow_up", "escalated"], weights=[82, 13, 5])[0]
        follow_up_on = day + timedelta(days=rng.randint(1, 5)) if outcome == "follow_up" else None
        open_follow_up = outcome == "follow_up" and days_ago < 14 and rng.random() < 0.6
        share = 1 - days_ago / DAYS  # 0 six months ago, 1 today
        mix = [e * (1 - share) + late * share for e, late in zip(EARLY, LATE, strict=True)]
        picked = set(rng.choices(range(len(skills)), weights=mix, k=rng.choice([1, 1, 1, 2])))
        channel = rng.choices(
            ["in_person", "chat", "call", "office_hours", "training"], weights=[45, 25, 10, 12, 8]
        )[0]
        minutes = rng.choice([5, 5, 10, 10, 15, 15, 20, 30, 45, 60]) * (3 if channel == "training" else 1)
        people_helped = rng.randint(6, 20) if channel == "training" else rng.choice([1, 1, 1, 2, 3])
        helped_unit = rng.choice(units) if rng.random() < 0.5 else None
        other_topic = rng.choice(FREE_TEXT) if rng.random() < 0.12 else ""
        if token in existing:
            continue  # drawn all the same, so the other sessions stay the same
        new.append(
            SupportSession(
                rollout_id=champions[index].rollout_id,
                champion=champions[index],
                happened_at=when,
                minutes=minutes,
                people_helped=people_helped,
                helped_unit=helped_unit,
                other_topic=other_topic,
                channel=channel,
                outcome=outcome,
                follow_up_on=follow_up_on,
                follow_up_done_at=None if open_follow_up or not follow_up_on else when + timedelta(days=2),
                token=token,
                created_at=when,
            )
        )
        topics.append(picked)
    created = SupportSession.objects.bulk_create(new)
    Through = SupportSession.topics.through
    Through.objects.bulk_create(
        [
            Through(supportsession_id=session.pk, skill_id=skills[i].pk)
            for session, picked in zip(created, topics, strict=True)
            for i in picked
        ]
    )


@demo_seeder(4, scales=("demo", "enterprise"))
def seed_champions_step(ctx):
    if ctx.scale == "enterprise":
        from .enterprise import seed_enterprise

        return seed_enterprise(ctx)
    rollout = ctx.rollouts["live"]
    skills = seed_skills(ctx.organization)
    champions = seed_champions(ctx, rollout, skills)
    seed_sessions(ctx, champions, skills)
    seed_events(ctx, rollout, champions)
    if ctx.stdout:
        active = sum(1 for champion in champions if champion.is_active)
        ctx.stdout.write(
            f"Champions: {active} active in “{rollout}”, {SupportSession.objects.filter(rollout=rollout).count()} sessions."
        )

"""Demo trust data for Northwind Health: usage guidelines in two versions (the second material)
acknowledged by about 70%, four safe-practice modules with results, a boundaries register and a
handful of incidents, two of them reported by employees on the Speak up page (one anonymously,
one by the demo member, being investigated).

The demo member (member@northwind.example) acknowledged version 1 only and has not taken the
copyright module, so the browser journey can ask them to acknowledge and pass. Idempotent:
everything is matched by title or key, acknowledgements and results are inserted once.
"""

import random
from datetime import timedelta

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Platform, Role

from .models import (
    Acknowledgement,
    Boundary,
    Choice,
    Completion,
    Guideline,
    GuidelineVersion,
    Incident,
    Question,
)
from .models import TrainingModule as Module

TITLE = "Using Viva Engage and social media at Northwind"
VERSION_1 = """# Using Viva Engage and social media at Northwind

We trust you to use Viva Engage, Teams and our public pages to share what you know and help each
other. These guidelines are the few boundaries that keep patients, colleagues and Northwind safe.

## Do
- Share what you learn, ask questions, thank people in public.
- Use your own name and speak for yourself.
- Ask your champion when you are not sure.

## Don't
- Post anything that could identify a patient: no names, photos, room numbers or dates of care.
- Post other people's photos, articles or videos without permission (copyright).
- Say things about people or suppliers that you cannot show are true (defamation).

## Links and attachments
Hover over a link before you click it. If a message asks for your password, report it to the
Service Desk with **Report phishing**.
"""
VERSION_2 = VERSION_1.replace(
    "## Links and attachments",
    """## Personal phones
You may use the Viva Engage app on a personal phone if the phone has a screen lock and you sign
in with your Northwind account. Never save patient information to the phone.

## Links and attachments""",
)

MODULES = [
    (
        "Spotting malware and suspicious links",
        "malware",
        "Attackers imitate colleagues and services. **Hover before you click**, check the real address, "
        "and never type your password after following a link in a message. Report anything odd with "
        "*Report phishing*.",
        [
            (
                "A message from “IT Support” asks you to confirm your password through a link. What do you do?",
                [
                    "Follow the link and confirm",
                    "*Report it with Report phishing",
                    "Reply with your password",
                ],
            ),
            (
                "How can you check where a link really goes?",
                ["*Hover over it and read the address", "Click it to see", "Trust the link text"],
            ),
            (
                "An attachment from a colleague you never work with says “invoice.zip”.",
                ["Open it quickly", "Forward it to your team", "*Ask the colleague on another channel first"],
            ),
        ],
    ),
    (
        "What defamation is",
        "defamation",
        "Defamation is a false statement that harms someone's reputation. It applies to posts about "
        "colleagues, patients, suppliers and competitors alike. Stick to facts you can show.",
        [
            (
                "Which of these could be defamatory?",
                [
                    "“The new rota starts Monday.”",
                    "*“Supplier X bribes our buyers.” (with no proof)",
                    "“Thanks, team!”",
                ],
            ),
            (
                "A colleague's post about a supplier worries you. What do you do?",
                ["Share it widely", "*Tell a community manager", "Add your own accusations"],
            ),
            (
                "Is an internal network private enough to say anything?",
                ["Yes, it is internal", "*No: internal posts can be copied and forwarded", "Only on Fridays"],
            ),
        ],
    ),
    (
        "Copyright and using others' material",
        "copyright",
        "Photos, articles, videos and logos belong to whoever made them. Share a **link** rather than a "
        "copy, use our image library, and ask permission before you post someone else's work.",
        [
            (
                "You found a great infographic online. The safest way to share it?",
                [
                    "Download and post the image",
                    "*Post a link to the original page",
                    "Crop out the author's name",
                ],
            ),
            (
                "Who owns a photo a patient's family took on the ward?",
                ["Northwind", "*The person who took it", "Anyone who receives it"],
            ),
            (
                "Where can you find images you may use freely?",
                ["*The Northwind image library", "Any search engine", "Competitors' websites"],
            ),
        ],
    ),
    (
        "Privacy and patient information",
        "privacy",
        "Nothing that could identify a patient goes on any social tool: no names, faces, room numbers, "
        "dates of care or rare conditions. When in doubt, leave it out.",
        [
            (
                "Can you post a photo of a thank-you card from a patient?",
                [
                    "Yes, it is kind",
                    "*Only with the name and any details hidden, and with consent",
                    "Only on Teams",
                ],
            ),
            (
                "Which detail could identify a patient?",
                ["The weather", "*A room number and a date", "The hospital's name"],
            ),
            (
                "You posted something with patient details by mistake. What now?",
                ["Wait and see", "*Delete it and tell your manager at once", "Edit it later"],
            ),
        ],
    ),
]

BOUNDARIES = [
    (
        "Viva Engage",
        Boundary.Permission.ALLOWED,
        None,
        Boundary.Devices.PERSONAL,
        "No patient information, ever.",
    ),
    ("Microsoft Teams", Boundary.Permission.ALLOWED, None, Boundary.Devices.ANY, ""),
    (
        "LinkedIn company page",
        Boundary.Permission.RESTRICTED,
        "Human Resources",
        Boundary.Devices.MANAGED,
        "HR and Communications post for Northwind; everyone else may share.",
    ),
    (
        "Workplace from Meta",
        Boundary.Permission.NOT_ALLOWED,
        None,
        Boundary.Devices.ANY,
        "Retired: use Viva Engage.",
    ),
]

INCIDENTS = [
    (
        "Phishing link shared in the Nursing community",
        Incident.Kind.SECURITY,
        Incident.Severity.HIGH,
        Incident.Status.RESOLVED,
        60,
        "A fake sign-in page was posted as a rota update.",
        "Post removed within 20 minutes; 3 people reset their passwords.",
        "Teach hovering over links in the first training module.",
    ),
    (
        "Supplier accused in a public comment",
        Incident.Kind.DEFAMATION,
        Incident.Severity.MEDIUM,
        Incident.Status.INVESTIGATING,
        12,
        "A comment on the LinkedIn page accused a supplier of late deliveries on purpose.",
        "",
        "",
    ),
    (
        "Conference photo reused without permission",
        Incident.Kind.COPYRIGHT,
        Incident.Severity.LOW,
        Incident.Status.RESOLVED,
        35,
        "A photographer's picture was posted without credit.",
        "Replaced with a link to the photographer's page; apology sent.",
        "Point to the image library in the guidelines.",
    ),
    (
        "Thank-you card with a patient's name posted",
        Incident.Kind.PRIVACY,
        Incident.Severity.HIGH,
        Incident.Status.OPEN,
        3,
        "A thank-you card showing a patient's full name was posted in a ward community.",
        "",
        "",
    ),
    (
        "Heated thread about parking",
        Incident.Kind.CONDUCT,
        Incident.Severity.LOW,
        Incident.Status.RESOLVED,
        20,
        "A thread turned personal between two departments.",
        "Community manager moved the discussion to a facilities Q&A.",
        "",
    ),
]


def seed_guideline(ctx, now, rng):
    organization = ctx.organization
    manager = ctx.people[Role.MANAGER]
    guideline, _ = Guideline.objects.update_or_create(organization=organization, title=TITLE)
    versions = []
    for number, body, changes, material, days in (
        (1, VERSION_1, "First version.", True, 150),
        (2, VERSION_2, "Personal phones: when the app may be used on them.", True, 10),
    ):
        version, _ = GuidelineVersion.objects.update_or_create(
            guideline=guideline,
            number=number,
            defaults={
                "body": body,
                "changes": changes,
                "material": material,
                "published_at": now - timedelta(days=days),
                "published_by": manager,
            },
        )
        versions.append(version)
    Guideline.objects.filter(pk=guideline.pk).update(current=versions[-1], acknowledge_from=2)
    member = ctx.people[Role.MEMBER]
    people = list(organization.memberships.values_list("user_id", flat=True).order_by("user_id"))
    acks = []
    for user_id in people:
        if rng.random() < 0.9:
            acks.append((versions[0], user_id, now - timedelta(days=rng.randint(11, 140))))
        if user_id != member.pk and rng.random() < 0.72:
            acks.append(
                (versions[1], user_id, now - timedelta(days=rng.randint(0, 9), hours=rng.randint(0, 20)))
            )
    Acknowledgement.objects.bulk_create(
        [Acknowledgement(version=v, user_id=u, acknowledged_at=at) for v, u, at in acks],
        ignore_conflicts=True,
    )
    return versions[-1]


def seed_modules(ctx, now, rng, version):
    modules = []
    for title, topic, lesson, questions in MODULES:
        module, _ = Module.objects.update_or_create(
            organization=ctx.organization,
            title=title,
            defaults={
                "topic": topic,
                "lesson": lesson,
                "pass_mark": 66,
                "active": True,
                "guideline_version": version if topic == "privacy" else None,
            },
        )
        if not module.questions.exists():
            for position, (text, answers) in enumerate(questions, start=1):
                question = Question.objects.create(module=module, position=position, text=text)
                Choice.objects.bulk_create(
                    Choice(question=question, position=i, text=a.lstrip("*"), correct=a.startswith("*"))
                    for i, a in enumerate(answers, start=1)
                )
        modules.append(module)
    member = ctx.people[Role.MEMBER]
    people = list(ctx.organization.memberships.values_list("user_id", flat=True).order_by("user_id"))
    rows = []
    for index, module in enumerate(modules):
        share = 0.8 - 0.12 * index  # the first modules are taken more
        for user_id in people:
            if user_id == member.pk and module.topic == "copyright":
                continue  # left for the demo member to pass in the browser journey
            if user_id != member.pk and rng.random() > share:
                continue
            best = rng.choice([33, 67, 67, 100, 100, 100])
            when = now - timedelta(days=rng.randint(0, 120))
            rows.append(
                Completion(
                    module=module,
                    user_id=user_id,
                    score=best,
                    last_score=best,
                    attempts=1 if best >= 67 else 2,
                    passed_at=when if best >= module.pass_mark else None,
                    last_attempt_at=when,
                )
            )
    Completion.objects.bulk_create(rows, ignore_conflicts=True)


def seed_boundaries(ctx):
    platforms = {
        platform.name: platform for platform in Platform.objects.filter(organization=ctx.organization)
    }
    for name, permission, unit, devices, restrictions in BOUNDARIES:
        if name not in platforms:
            continue
        Boundary.objects.update_or_create(
            organization=ctx.organization,
            platform=platforms[name],
            unit=ctx.units.get(unit) if unit else None,
            defaults={"permission": permission, "devices": devices, "restrictions": restrictions},
        )


def seed_incidents(ctx, now):
    today = timezone.localdate(now)
    for title, kind, severity, status, days, what, resolution, lessons in INCIDENTS:
        Incident.objects.update_or_create(
            organization=ctx.organization,
            title=title,
            defaults={
                "kind": kind,
                "severity": severity,
                "status": status,
                "occurred_on": today - timedelta(days=days),
                "what_happened": what,
                "resolution": resolution,
                "lessons": lessons,
                "handler": ctx.people[Role.MANAGER],
                "reported_by": ctx.people[Role.CHAMPION],
                "rollout": ctx.rollouts["live"],
                "resolved_at": now - timedelta(days=days - 2) if status == Incident.Status.RESOLVED else None,
            },
        )


# Employee reports (Speak up): (title, kind, status, days ago, what happened, anonymous).
REPORTS = [
    (
        "Abuse or harassment: Comments mocking a new nurse's accent in the ward community",
        Incident.Kind.CONDUCT,
        Incident.Status.OPEN,
        1,
        "Comments mocking a new nurse's accent in the ward community, three days in a row. "
        "Nobody has said anything yet and she has stopped posting.",
        True,
    ),
    (
        "A security worry: A Teams message asked me to re-enter my password on an outside page",
        Incident.Kind.SECURITY,
        Incident.Status.INVESTIGATING,
        6,
        "A Teams message from an account called 'Northwind IT Desk' asked me to re-enter my "
        "password on a page that was not ours. I did not, and reported it with Report phishing.",
        False,
    ),
]


def seed_reports(ctx, now):
    """The employee reports: already told to the managers, the named one being investigated."""
    today = timezone.localdate(now)
    for title, kind, status, days, what, anonymous in REPORTS:
        created = now - timedelta(days=days)
        Incident.objects.update_or_create(
            organization=ctx.organization,
            title=title,
            defaults={
                "source": Incident.Source.EMPLOYEE,
                "anonymous": anonymous,
                "reported_by": None if anonymous else ctx.people[Role.MEMBER],
                "kind": kind,
                "status": status,
                "occurred_on": today - timedelta(days=days),
                "what_happened": what,
                "rollout": ctx.rollouts["live"],
                "handler": None if status == Incident.Status.OPEN else ctx.people[Role.MANAGER],
                "told_managers": True,
                # An anonymous report is stamped with the hour only (services.report_incident).
                "created_at": created.replace(minute=0, second=0, microsecond=0) if anonymous else created,
            },
        )


@demo_seeder(3, scales=("demo", "enterprise"))
def seed_trust(ctx):
    if ctx.scale == "enterprise":
        from .enterprise import seed_enterprise

        return seed_enterprise(ctx)
    now = timezone.now()
    rng = random.Random(3)  # the same demo on every run
    version = seed_guideline(ctx, now, rng)
    seed_modules(ctx, now, rng, version)
    seed_boundaries(ctx)
    seed_incidents(ctx, now)
    seed_reports(ctx, now)
    if ctx.stdout:
        ctx.stdout.write(
            "Trust: guidelines (2 versions), 4 training modules, boundaries, incidents and 2 employee reports."
        )

"""Demo data: the organization Northwind Health, about 100 people in every role, two rollouts.

Idempotent: running it again updates the same rows and creates nothing twice. Later steps add
their own demo data here through `seed_demo_steps` hooks as they are built.
"""

import random
from datetime import date

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand
from django.db import transaction

from rollout.demo import DemoContext, run_seeders
from rollout.models import Membership, Organization, Platform, Role, Rollout, Shift, Unit, User

DEMO_PASSWORD = "rollout-demo"
DEMO_DOMAIN = "northwind.example"

DEPARTMENTS = [
    ("Emergency Medicine", 140),
    ("Nursing", 420),
    ("Cardiology", 85),
    ("Pharmacy", 60),
    ("Radiology", 55),
    ("Information Technology", 48),
    ("Human Resources", 22),
    ("Finance", 30),
    ("Telemedizin Berlin", 12),  # the German-speaking unit: its people read Rollout in German
]
LOCATIONS = [("Seattle General", 520), ("Tacoma Clinic", 190), ("Spokane Hospital", 150)]

# One login per role, printed by the command and shown in README.md.
DEMO_LOGINS = [
    (Role.ADMIN, "Avery Admin", "Human Resources"),
    (Role.MANAGER, "Morgan Manager", "Information Technology"),
    (Role.CHAMPION, "Casey Champion", "Nursing"),
    (Role.LEADER, "Lee Leader", "Finance"),
    (Role.MEMBER, "Max Member", "Pharmacy"),
]

FIRST = [
    "Amara",
    "Ben",
    "Chloe",
    "Dev",
    "Elena",
    "Farid",
    "Grace",
    "Hiro",
    "Ines",
    "Jonah",
    "Kavya",
    "Liam",
    "Maya",
    "Noah",
    "Olu",
    "Priya",
    "Quinn",
    "Rosa",
    "Sami",
    "Tariq",
]
LAST = ["Okafor", "Lindqvist", "Moreau", "Patel", "Nakamura", "Garcia", "Osei", "Kowalski", "Haddad", "Byrne"]

# People who read Rollout in another language: the German-speaking unit's (its manager, Katrin Vogel,
# and Lena Keller are demo logins of their own) and a French-speaking manager, Camille Laurent.
OTHER_LANGUAGES = [
    ("Lena Keller", Role.MEMBER, "Telemedizin Berlin", "de", "Europe/Berlin"),
    ("Jonas Brandt", Role.MEMBER, "Telemedizin Berlin", "de", "Europe/Berlin"),
    ("Aylin Demir", Role.CHAMPION, "Telemedizin Berlin", "de", "Europe/Berlin"),
    ("Katrin Vogel", Role.MANAGER, "Telemedizin Berlin", "de", "Europe/Berlin"),
    ("Camille Laurent", Role.MANAGER, "Pharmacy", "fr", "Europe/Paris"),
]
LANGUAGE_LOGINS = [
    ("member", "lena.keller@northwind.example", "Lena Keller (reads Rollout in German)"),
    ("manager", "katrin.vogel@northwind.example", "Katrin Vogel (reads Rollout in German)"),
    ("manager", "camille.laurent@northwind.example", "Camille Laurent (reads Rollout in French)"),
]

# Roles of the 93 generated people besides the five demo logins: mostly members.
GENERATED_ROLES = [Role.MANAGER] * 3 + [Role.CHAMPION] * 12 + [Role.LEADER] * 4 + [Role.MEMBER] * 74


def demo_email(role):
    return f"{role}@{DEMO_DOMAIN}"


class Command(BaseCommand):
    help = "Create (or refresh) the Northwind Health demo organization and print its logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            choices=["demo", "enterprise"],
            default="demo",
            help="demo: Northwind Health (about 100 people). enterprise: Fabrikam Group, 10,000 people "
            "and millions of rows for `make bench` (rollout/enterprise.py; PostgreSQL recommended).",
        )
        parser.add_argument(
            "--factor",
            type=float,
            default=1.0,
            help="Enterprise scale only: seed this fraction of every count (e.g. 0.001 for a quick try).",
        )

    def handle(self, *args, **options):
        if options["scale"] == "enterprise":
            from rollout import enterprise

            enterprise.seed(options["factor"], self.stdout)
            return
        self.seed_demo()

    @transaction.atomic
    def seed_demo(self):
        password = make_password(DEMO_PASSWORD)  # hash once: 100 PBKDF2 rounds would take a minute
        org, _ = Organization.objects.update_or_create(
            slug="northwind-health",
            defaults={
                "name": "Northwind Health",
                "timezone": "America/Los_Angeles",
                "digest_weekday": 0,
                "digest_hour": 8,
                "response_target_hours": 24,
                "privacy_min_group": 5,
            },
        )
        units = self.seed_units(org)
        people, members = self.seed_people(org, units, password)
        rollouts = self.seed_rollouts(org, people)
        self.seed_second_organization(people[Role.ADMIN])
        # Each step app adds its own demo data (its demo.py), in step order.
        run_seeders(DemoContext(org, people, units, rollouts, members, self.stdout))
        self.seed_health_history(org)
        self.seed_webhooks(org, people[Role.ADMIN], rollouts["live"])
        self.print_logins()

    def seed_units(self, org):
        units = {}
        for kind, rows in ((Unit.Kind.DEPARTMENT, DEPARTMENTS), (Unit.Kind.LOCATION, LOCATIONS)):
            for name, headcount in rows:
                unit, _ = Unit.objects.update_or_create(
                    organization=org, kind=kind, name=name, defaults={"headcount": headcount}
                )
                units[name] = unit
        Unit.objects.update_or_create(
            organization=org,
            kind=Unit.Kind.TEAM,
            name="Emergency night shift",
            defaults={"headcount": 35, "parent": units["Emergency Medicine"]},
        )
        return units

    def _person(self, org, email, name, role, unit, password, location=None, shift=Shift.DAY):
        user, created = User.objects.get_or_create(
            email=email, defaults={"full_name": name, "password": password}
        )
        if not created and user.full_name != name:
            user.full_name = name
            user.save(update_fields=["full_name"])
        Membership.objects.update_or_create(
            user=user,
            organization=org,
            defaults={"role": role, "unit": unit, "location": location, "shift": shift},
        )
        return user

    def seed_people(self, org, units, password):
        people, members = {}, []
        # Where people work and when: "Who can help me" ranks champions at the same location and
        # on the same shift first. The demo logins all work days at Seattle General.
        seattle = units[LOCATIONS[0][0]]
        for role, name, unit_name in DEMO_LOGINS:
            people[role] = self._person(
                org, demo_email(role), name, role, units[unit_name], password, location=seattle
            )
            members.append(people[role])
        rng = random.Random(7)  # the same people on every run
        departments = [units[name] for name, _ in DEPARTMENTS if name != "Telemedizin Berlin"]
        locations = [units[name] for name, _ in LOCATIONS]
        shifts = [Shift.DAY] * 3 + [Shift.EVENING, Shift.NIGHT]
        for index, role in enumerate(GENERATED_ROLES):
            first, last = FIRST[index % len(FIRST)], LAST[(index * 7) % len(LAST)]
            email = f"{first}.{last}.{index}@{DEMO_DOMAIN}".lower()
            unit = rng.choice(departments)
            where, when = locations[index % len(locations)], shifts[index % len(shifts)]
            members.append(
                self._person(org, email, f"{first} {last}", role, unit, password, location=where, shift=when)
            )
        # Last, so that the generated people (and what the steps' demo data picks from them) stay as they were.
        for name, role, unit, language, zone in OTHER_LANGUAGES:
            email = f"{name.lower().replace(' ', '.')}@{DEMO_DOMAIN}"
            person = self._person(org, email, name, role, units[unit], password)
            User.objects.filter(pk=person.pk).update(language=language, time_zone=zone)
            members.append(person)

        return people, members

    def seed_rollouts(self, org, people):
        platforms = {}
        Product = Platform.Product
        for name, product, kind, status, url in [
            (
                "Viva Engage",
                Product.VIVA_ENGAGE,
                Platform.Kind.ENTERPRISE_SOCIAL,
                Platform.Status.IN_USE,
                "https://engage.cloud.microsoft/",
            ),
            (
                "Microsoft Teams",
                Product.TEAMS,
                Platform.Kind.CHAT,
                Platform.Status.IN_USE,
                "https://teams.microsoft.com/",
            ),
            (
                "Workplace from Meta",
                Product.WORKPLACE,
                Platform.Kind.ENTERPRISE_SOCIAL,
                Platform.Status.RETIRED,
                "",
            ),
            (
                "LinkedIn company page",
                Product.OTHER,
                Platform.Kind.SOCIAL_MEDIA,
                Platform.Status.EMERGING,
                "",
            ),
        ]:
            platforms[name], _ = Platform.objects.update_or_create(
                organization=org,
                name=name,
                defaults={"product": product, "kind": kind, "status": status, "url": url},
            )
        live, _ = Rollout.objects.update_or_create(
            organization=org,
            name="Viva Engage for all staff",
            defaults={
                "platform": platforms["Viva Engage"],
                "status": Rollout.Status.LIVE,
                "owner": people[Role.MANAGER],
                "purpose": "Share clinical know-how across our three hospitals and give every shift a voice.",
                "start_date": date(2026, 3, 2),
                "target_date": date(2026, 12, 18),
            },
        )
        planning, _ = Rollout.objects.update_or_create(
            organization=org,
            name="Teams for clinical teams",
            defaults={
                "platform": platforms["Microsoft Teams"],
                "status": Rollout.Status.PLANNING,
                "owner": people[Role.MANAGER],
                "purpose": "Move ward handovers and on-call coordination out of email and pagers.",
                "start_date": date(2027, 1, 11),
                "target_date": date(2027, 6, 30),
            },
        )
        return {"live": live, "planning": planning}

    def seed_health_history(self, org):
        """Sixty days of daily health snapshots, so the portfolio can show what changed.

        Today's snapshot is the real health; the earlier days climb towards it (the live rollout
        gained ground over the last month), which is what a real history would record.
        """
        from datetime import timedelta

        from django.utils import timezone

        from rollout import figures
        from rollout.models import HealthSnapshot
        from rollout.portfolio import snapshot

        today = timezone.localdate()
        rollouts = list(org.rollouts.select_related("organization", "platform", "owner"))
        snapshot(rollouts, today, figures.recompute(rollouts))
        current = {
            row.rollout_id: row for row in HealthSnapshot.objects.filter(rollout__in=rollouts, day=today)
        }
        history = []
        for rollout in rollouts:
            now = current[rollout.pk]
            for days_ago in range(1, 61):
                overall = None if now.overall is None else max(0, now.overall - (days_ago * 18) // 30)
                history.append(
                    HealthSnapshot(
                        rollout=rollout, day=today - timedelta(days=days_ago), overall=overall, scores={}
                    )
                )
        HealthSnapshot.objects.bulk_create(
            history,
            update_conflicts=True,
            unique_fields=["rollout", "day"],
            update_fields=["overall", "scores"],
        )

    def seed_webhooks(self, org, admin, rollout):
        """One paused endpoint on a reserved example host (RFC 2606), so `make run` sends nothing
        out, with a delivery log showing each outcome."""
        from datetime import timedelta

        from django.utils import timezone

        from rollout import webhooks
        from rollout.models import WebhookDelivery, WebhookEndpoint

        endpoint, created = WebhookEndpoint.objects.get_or_create(
            organization=org,
            url="https://hooks.northwind.example/rollout",
            defaults={
                "description": "Demo: the intranet's news bot (paused; example host)",
                "events": list(webhooks.EVENTS),
                "active": False,
                "created_by": admin,
                "secret": webhooks.new_secret(),
            },
        )
        now = timezone.now()
        rows = [
            ("review.completed", "delivered", 1, 200, "", 3),
            ("incident.opened", "delivered", 2, 200, "", 2),
            ("question.late", "failed", 1, 410, "HTTP 410: endpoint retired", 1),
        ]
        for n, (event, status, attempts, code, error, days) in enumerate(rows, start=1):
            WebhookDelivery.objects.update_or_create(
                endpoint=endpoint,
                key=f"demo:{event}:{n}",
                defaults={
                    "event": event,
                    "payload": {
                        "event": event,
                        "organization": org.pk,
                        "data": {"rollout": webhooks.rollout_ref(rollout)},
                    },
                    "status": status,
                    "attempts": attempts,
                    "last_response_code": code,
                    "last_error": error,
                    "created_at": now - timedelta(days=days),
                    "delivered_at": now - timedelta(days=days) if status == "delivered" else None,
                },
            )

    def seed_second_organization(self, admin):
        """A small second organization, so the organization switcher has something to show."""
        org, _ = Organization.objects.update_or_create(
            slug="northwind-foundation",
            defaults={"name": "Northwind Foundation", "timezone": "America/Los_Angeles"},
        )
        Membership.objects.update_or_create(user=admin, organization=org, defaults={"role": Role.ADMIN})
        platform, _ = Platform.objects.update_or_create(
            organization=org,
            name="Slack",
            defaults={"kind": Platform.Kind.CHAT, "status": Platform.Status.IN_USE},
        )
        Rollout.objects.update_or_create(
            organization=org,
            name="Volunteer community on Slack",
            defaults={
                "platform": platform,
                "status": Rollout.Status.PILOT,
                "owner": admin,
                "purpose": "Give our 300 volunteers one place to ask and answer questions.",
                "start_date": date(2026, 9, 1),
            },
        )

    def print_logins(self):
        self.stdout.write(self.style.SUCCESS("Demo data ready: Northwind Health."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for role, name, _ in DEMO_LOGINS:
            self.stdout.write(f"  {role.label:<9} {demo_email(role):<28} {name}")
        for role, email, who in LANGUAGE_LOGINS:
            self.stdout.write(f"  {role:<9} {email:<34} {who}")

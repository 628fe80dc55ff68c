"""Enterprise-scale data: one organization the size of a large employer, for `make bench`.

`seed_demo --scale enterprise` creates Fabrikam Group: 10,000 people in 40 units, 30 rollouts and
50,000 notifications in the outbox's history; the step apps add theirs through the demo seeders
(`ctx.scale == "enterprise"`, each in its own `enterprise.py`): 300 champions and 150,000 support
sessions, worksheets, guidelines and acknowledgements, points, 100 reviews.

Fast: rows go in with bulk_create (or PostgreSQL COPY for the large tables, see `bulk_insert`);
passwords are hashed once. Idempotent: keys are deterministic (emails, names, notification keys),
each part checks whether it is already there and inserts with ignore_conflicts, so a second run
changes nothing. `--factor` seeds a fraction of every count (the tests use 0.001).
"""

import csv
import io
import json
import time
from datetime import date, timedelta

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.utils import timezone

from .demo import DemoContext, run_seeders
from .models import (
    HealthSnapshot,
    Membership,
    Notification,
    Organization,
    Platform,
    Role,
    Rollout,
    Unit,
    User,
)

SLUG = "fabrikam-group"
NAME = "Fabrikam Group"
DOMAIN = "fabrikam.example"
PASSWORD = "rollout-demo"

# The full enterprise size; `counts(factor)` scales every figure.
FULL = {
    "people": 10_000,
    "units": 40,
    "rollouts": 30,
    "champions": 300,
    "support_sessions": 150_000,
    "activity_records": 2_000_000,
    "messages": 50_000,
    "reviews": 100,
    "notifications": 50_000,
    "leaders": 20,
    "admins": 5,
}
LOGINS = [Role.ADMIN, Role.MANAGER, Role.CHAMPION, Role.LEADER, Role.MEMBER]
PLATFORMS = [
    ("Viva Engage", Platform.Product.VIVA_ENGAGE, Platform.Kind.ENTERPRISE_SOCIAL),
    ("Microsoft Teams", Platform.Product.TEAMS, Platform.Kind.CHAT),
    ("Slack", Platform.Product.SLACK, Platform.Kind.CHAT),
    ("Workplace from Meta", Platform.Product.WORKPLACE, Platform.Kind.ENTERPRISE_SOCIAL),
    ("Confluence", Platform.Product.OTHER, Platform.Kind.KNOWLEDGE),
]
# Of every ten rollouts: seven live, two in pilot, one in planning.
STATUSES = [Rollout.Status.LIVE] * 7 + [Rollout.Status.PILOT] * 2 + [Rollout.Status.PLANNING]


def counts(factor=1.0):
    return {name: max(1, round(full * factor)) for name, full in FULL.items()}


def login_email(role):
    return f"{role}@{DOMAIN}"


def person_email(index):
    return f"person{index:05d}@{DOMAIN}"


def bulk_insert(model, rows, fields, batch_size=5000):
    """Insert `rows` (tuples in the order of `fields`) into `model`'s table, fast.

    PostgreSQL: one COPY per batch of 100,000 rows (several times faster than INSERT); elsewhere
    bulk_create. No conflict handling: callers insert only what is not there yet.
    """
    if connection.vendor != "postgresql":
        objects = (model(**dict(zip(fields, row, strict=True))) for row in rows)
        batch = []
        for obj in objects:
            batch.append(obj)
            if len(batch) >= batch_size:
                model.objects.bulk_create(batch)
                batch = []
        if batch:
            model.objects.bulk_create(batch)
        return
    columns = [model._meta.get_field(name).column for name in fields]
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    buffer, writer, pending = io.StringIO(), None, 0
    writer = csv.writer(buffer)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg2's cursor under Django's wrapper
        for row in rows:
            writer.writerow([_copy_value(value) for value in row])
            pending += 1
            if pending >= 100_000:
                buffer.seek(0)
                raw.copy_expert(sql, buffer)
                buffer, pending = io.StringIO(), 0
                writer = csv.writer(buffer)
        if pending:
            buffer.seek(0)
            raw.copy_expert(sql, buffer)


def _copy_value(value):
    if value is None:
        return "\\N"  # the COPY's NULL marker: an empty field stays an empty string
    if isinstance(value, dict | list):
        return json.dumps(value)
    return value


def seed(factor=1.0, stdout=None):
    """Create (or complete) the enterprise organization. Returns the seconds it took per part."""
    n = counts(factor)
    timings = {}
    started = time.monotonic()
    with transaction.atomic():
        org = _organization()
        units = _units(org, n)
        people, members = _people(org, units, n)
        rollouts = _rollouts(org, people, members, n)
    timings["centre"] = time.monotonic() - started
    mark = time.monotonic()
    with transaction.atomic():
        _notifications(org, members, rollouts, n)
    timings["notifications"] = time.monotonic() - mark
    mark = time.monotonic()
    context = DemoContext(org, people, units, rollouts, members, stdout, scale="enterprise", factor=factor)
    with transaction.atomic():
        run_seeders(context)
    timings["steps"] = time.monotonic() - mark
    mark = time.monotonic()
    _health_history(org, list(rollouts.values()))
    timings["health history"] = time.monotonic() - mark
    timings["total"] = time.monotonic() - started
    if stdout:
        stdout.write(
            f"Enterprise data ready: {NAME} ({Membership.objects.filter(organization=org).count()} people, "
            f"{len(rollouts)} rollouts) in {timings['total']:.1f} s. Logins: "
            + ", ".join(login_email(role) for role in LOGINS)
            + f" (password {PASSWORD})."
        )
    return timings


def _organization():
    org, _ = Organization.objects.get_or_create(
        slug=SLUG,
        defaults={
            "name": NAME,
            "timezone": "Europe/Berlin",
            "digest_weekday": 0,
            "digest_hour": 8,
            "response_target_hours": 24,
            "privacy_min_group": 5,
            "champion_target_ratio": 50,
        },
    )
    return org


def _units(org, n):
    """Three quarters departments, one quarter locations; headcounts add up to the people."""
    locations = max(0, n["units"] // 4)
    departments = n["units"] - locations
    wanted = [(Unit.Kind.DEPARTMENT, f"Division {i + 1:02d}") for i in range(departments)]
    wanted += [(Unit.Kind.LOCATION, f"Site {i + 1:02d}") for i in range(locations)]
    per_department = max(1, n["people"] // departments)
    per_location = max(1, n["people"] // max(1, locations))
    Unit.objects.bulk_create(
        [
            Unit(
                organization=org,
                kind=kind,
                name=name,
                headcount=per_department if kind == Unit.Kind.DEPARTMENT else per_location,
            )
            for kind, name in wanted
        ],
        ignore_conflicts=True,
    )
    return {unit.name: unit for unit in Unit.objects.filter(organization=org).order_by("kind", "name")}


def _roles(n):
    """The role of each generated person (after the five logins): the rollouts' managers, the
    champions, leaders and admins, then members."""
    roles = (
        [Role.MANAGER] * (n["rollouts"] - 1)
        + [Role.CHAMPION] * (n["champions"] - 1)
        + [Role.LEADER] * (n["leaders"] - 1)
        + [Role.ADMIN] * (n["admins"] - 1)
    )
    generated = max(0, n["people"] - len(LOGINS))
    roles = roles[:generated]
    return roles + [Role.MEMBER] * (generated - len(roles))


def _people(org, units, n):
    password = make_password(PASSWORD)  # hash once
    departments = [unit for unit in units.values() if unit.kind == Unit.Kind.DEPARTMENT]
    wanted = [(login_email(role), f"{role.label} Fabrikam", role) for role in LOGINS]
    wanted += [
        (person_email(index), f"Person {index:05d}", role) for index, role in enumerate(_roles(n), start=1)
    ]
    User.objects.bulk_create(
        [User(email=email, full_name=name, password=password) for email, name, _ in wanted],
        ignore_conflicts=True,
        batch_size=2000,
    )
    ids = dict(User.objects.filter(email__endswith=f"@{DOMAIN}").values_list("email", "pk"))
    Membership.objects.bulk_create(
        [
            Membership(
                user_id=ids[email],
                organization=org,
                role=role,
                unit=departments[index % len(departments)],
            )
            for index, (email, _, role) in enumerate(wanted)
        ],
        ignore_conflicts=True,
        batch_size=2000,
    )
    users = {user.email: user for user in User.objects.filter(pk__in=ids.values())}
    people = {role: users[login_email(role)] for role in LOGINS}
    members = [users[email] for email, _, _ in wanted]
    return people, members


def _rollouts(org, people, members, n):
    platforms = []
    for name, product, kind in PLATFORMS:
        platform, _ = Platform.objects.get_or_create(
            organization=org, name=name, defaults={"product": product, "kind": kind}
        )
        platforms.append(platform)
    managers = [people[Role.MANAGER]] + [user for user in members if user.email.startswith("person")][
        : n["rollouts"] - 1
    ]
    start = date(2026, 1, 5)
    rollouts = []
    for index in range(n["rollouts"]):
        platform = platforms[index % len(platforms)]
        rollouts.append(
            Rollout(
                organization=org,
                name=f"{platform.name} wave {index + 1:02d}",
                platform=platform,
                status=STATUSES[index % len(STATUSES)],
                owner=managers[index % len(managers)],
                purpose="Bring a division's knowledge into the open and answer questions faster.",
                start_date=start + timedelta(weeks=index),
                target_date=start + timedelta(weeks=index + 40),
            )
        )
    Rollout.objects.bulk_create(rollouts, ignore_conflicts=True)
    found = Rollout.objects.filter(organization=org).select_related("platform").order_by("name")
    return {rollout.name: rollout for rollout in found}


def _notifications(org, members, rollouts, n):
    """The outbox's history: a year of weekly digests already sent."""
    if Notification.objects.filter(organization=org).exists():
        return
    now = timezone.now()
    rollout_ids = [rollout.pk for rollout in rollouts.values()]
    rows = []
    for index in range(n["notifications"]):
        recipient = members[index % len(members)]
        rollout = rollout_ids[index % len(rollout_ids)]
        when = now - timedelta(days=7 * (1 + index % 52), hours=index % 24)
        week = f"{when.isocalendar()[0]}-W{when.isocalendar()[1]:02d}"
        rows.append(
            (
                org.pk,
                "digest",
                f"enterprise:digest:{rollout}:{recipient.pk}:{week}:{index}",
                recipient.pk,
                [],
                {"rollout": rollout, "week": week},
                when,
                Notification.Status.SENT,
                1,
                when,
                when,
                "",
                when,
                f"Weekly digest {week}",
                "",
                when,
            )
        )
    fields = [
        "organization_id",
        "kind",
        "key",
        "recipient_id",
        "cc",
        "payload",
        "scheduled_for",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "sent_at",
        "subject",
        "sent_file",
        "created_at",
    ]
    bulk_insert(Notification, rows, fields)


def _health_history(org, rollouts):
    """Today's health and sixty days before it, so the portfolio can show what changed."""
    from . import figures
    from .portfolio import snapshot

    today = timezone.localdate()
    if HealthSnapshot.objects.filter(rollout__organization=org, day=today - timedelta(days=60)).exists():
        return
    snapshot(rollouts, today, figures.recompute(rollouts))
    current = {row.rollout_id: row for row in HealthSnapshot.objects.filter(rollout__in=rollouts, day=today)}
    history = []
    for rollout in rollouts:
        now = current[rollout.pk].overall
        for days_ago in range(1, 61):
            overall = None if now is None else max(0, now - (days_ago * (rollout.pk % 7) * 3) // 30)
            history.append(
                HealthSnapshot(
                    rollout=rollout, day=today - timedelta(days=days_ago), overall=overall, scores={}
                )
            )
    HealthSnapshot.objects.bulk_create(history, ignore_conflicts=True, batch_size=2000)

"""Demo activity: six months of daily activity for the live rollout's people, imported as one
Rollout template file, with a dip after the first month in two units (Radiology and Finance).

At enterprise scale (`seed_demo --scale enterprise`) the whole Engage step, activity and
conversations, is seeded in bulk by engage/enterprise.py."""

import random
from datetime import timedelta

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Membership, Role

from . import rollups
from .models import ActivityRecord, ImportBatch, Source

DAYS = 182
DIPPING_UNITS = ("Radiology", "Finance")
DEMO_FILE = "northwind-activity-demo.csv"


@demo_seeder(5)
def seed_activity(ctx):
    live = ctx.rollouts["live"]
    if ImportBatch.objects.filter(rollout=live, file_name=DEMO_FILE).exists():
        return  # seeded before: the same file again changes nothing, as for a real import
    rng = random.Random(5)
    end = timezone.localdate() - timedelta(days=1)
    start = end - timedelta(days=DAYS - 1)
    people = list(
        Membership.objects.filter(organization=ctx.organization, unit__isnull=False)
        .select_related("user", "unit")
        .order_by("pk")
    )
    batch = ImportBatch.objects.create(
        rollout=live,
        uploaded_by=ctx.people[Role.MANAGER],
        file_name=DEMO_FILE,
        stored_path="",
        file_hash="demo-" + "0" * 59,
        source=Source.GENERIC,
        variant="Rollout template",
        status=ImportBatch.Status.DONE,
        period_start=start,
        period_end=end,
        message="Demo data: six months of daily activity.",
    )
    # Some Pharmacy people appear under their Microsoft 365 sign-in name on the tenant's
    # onmicrosoft.com domain, as a tenant often does: the Engage page shows them as matched to no
    # member, with that domain to match.
    logins = {person.pk for person in ctx.people.values()}
    upn_people = {
        membership.pk
        for membership in people
        if membership.unit.name == "Pharmacy" and membership.user_id not in logins
    }
    records = []
    for membership in people:
        upn = membership.pk in upn_people
        key = (
            membership.user.email.replace("@northwind.example", "@northwind.onmicrosoft.com") if upn else None
        )
        # Each person has their own habit; the two dipping units fall away after the first month.
        habit = rng.uniform(0.25, 0.85)
        for offset in range(DAYS):
            day = start + timedelta(days=offset)
            chance = habit * (0.35 if membership.unit.name in DIPPING_UNITS and offset >= 30 else 1.0)
            if day.weekday() >= 5:
                chance *= 0.3
            if rng.random() > chance:
                continue
            posts = rng.choice((0, 0, 0, 1, 1, 2))
            records.append(
                ActivityRecord(
                    rollout=live,
                    batch=batch,
                    source=Source.GENERIC,
                    person_key=key or membership.user.email,
                    display_name=membership.user.full_name,
                    unit=None if upn else membership.unit,
                    period_start=day,
                    period_end=day,
                    period_days=1,
                    people=1,
                    active_people=1,
                    posts=posts,
                    replies=rng.choice((0, 0, 1, 1, 2, 3)),
                    reads=rng.randint(2, 25),
                    reactions=rng.randint(0, 6),
                    replies_known=True,
                    last_activity=day,
                    member=not upn,
                )
            )
    ActivityRecord.objects.bulk_create(records, batch_size=2000, ignore_conflicts=True)
    ImportBatch.objects.filter(pk=batch.pk).update(
        rows_total=len(records),
        rows_done=len(records),
        created_count=len(records),
        matched_people=len(people) - len(upn_people),
        unmatched_people=len(upn_people),
    )
    rollups.rebuild_all(live.pk)


@demo_seeder(5, scales=("enterprise",))
def seed_engage_enterprise(ctx):
    from .enterprise import seed_enterprise

    return seed_enterprise(ctx)


DEMO_CONNECTION = "Microsoft 365 (demo tenant)"


@demo_seeder(6)
def seed_graph_connection(ctx):
    """Settings → Connections shows a Microsoft 365 connection with a week of runs. Its tenant is
    made up, so it is disabled: the demo never calls Microsoft (enable it with a real tenant)."""
    from rollout.connections.models import Connection, ConnectionRun

    from .connectors.graph import UsageReports

    connection, created = Connection.objects.update_or_create(
        organization=ctx.organization,
        kind=UsageReports.key,
        name=DEMO_CONNECTION,
        defaults={
            "settings": {
                "tenant_id": "00000000-0000-0000-0000-0000000d3e40",
                "client_id": "00000000-0000-0000-0000-00000000a11c",
                "period": "D7",
            },
            "enabled": False,
            "schedule_hour": 5,
            "created_by": ctx.people[Role.ADMIN],
        },
    )
    if created:
        connection.secrets = {"client_secret": "demo-secret-not-a-real-one"}
    if connection.runs.exists():
        connection.save()
        return
    now = timezone.now().replace(minute=2, second=0, microsecond=0)
    history = [
        (6, "succeeded", 1184, "Viva Engage user activity: 1184 rows for 1 rollout."),
        (5, "succeeded", 1190, "Viva Engage user activity: 1190 rows for 1 rollout."),
        (
            4,
            "throttled",
            0,
            "Microsoft Graph is throttling this tenant's requests (429 TooManyRequests); "
            "it asked to wait 30 seconds, and the run is retried then.",
        ),
        (4, "succeeded", 1193, "Viva Engage user activity: 1193 rows for 1 rollout."),
        (3, "succeeded", 1201, "Viva Engage user activity: 1201 rows for 1 rollout."),
        (2, "succeeded", 1198, "Viva Engage user activity: 1198 rows for 1 rollout."),
        (1, "succeeded", 1207, "Viva Engage user activity: 1207 rows for 1 rollout."),
    ]
    for index, (days_ago, status, rows, detail) in enumerate(history):
        started = now - timedelta(days=days_ago, seconds=-index)
        ConnectionRun.objects.create(
            connection=connection,
            started_at=started,
            finished_at=started + timedelta(seconds=40),
            status=status,
            trigger="retry" if index == 3 else "schedule",
            rows_pulled=rows,
            detail=detail,
        )
    connection.last_run_at = connection.last_success_at = now - timedelta(days=1, seconds=-40)
    connection.save()

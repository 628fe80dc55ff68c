"""The Engage step's part of `seed_demo --scale enterprise`, at a thousandth of the full size."""

import pytest
from django.core.management import call_command
from django.db.models import Count, Max, Q, Sum

from conversations.models import ConversationImport, Message, Pulse, PulseResponse, Thread, TrainingAttendance
from engage.models import ActivityRecord, ActivityRollup, CadenceBand, ImportBatch, OfficialAccount
from rollout import enterprise
from rollout.models import Organization, Rollout

pytestmark = pytest.mark.django_db

FACTOR = 0.001


def engage_rows(org):
    """How many rows of each kind the organization has, and the newest id of the bulk tables (a
    second run that deleted and re-inserted would change those)."""
    mine = {"rollout__organization": org}
    return {
        "records": ActivityRecord.objects.filter(**mine).count(),
        "rollups": ActivityRollup.objects.filter(**mine).count(),
        "batches": ImportBatch.objects.filter(**mine).count(),
        "messages": Message.objects.filter(**mine).count(),
        "threads": Thread.objects.filter(**mine).count(),
        "conversation imports": ConversationImport.objects.filter(**mine).count(),
        "accounts": OfficialAccount.objects.filter(**mine).count(),
        "bands": CadenceBand.objects.filter(**mine).count(),
        "attendance": TrainingAttendance.objects.filter(**mine).count(),
        "pulses": Pulse.objects.filter(**mine).count(),
        "responses": PulseResponse.objects.filter(pulse__rollout__organization=org).count(),
        "newest": (
            ActivityRecord.objects.aggregate(n=Max("pk"))["n"],
            ActivityRollup.objects.aggregate(n=Max("pk"))["n"],
            Message.objects.aggregate(n=Max("pk"))["n"],
        ),
    }


def test_the_enterprise_seeder_fills_the_engage_step_to_scale_and_only_once():
    call_command("seed_demo", scale="enterprise", factor=FACTOR)
    org = Organization.objects.get(slug=enterprise.SLUG)
    expected = enterprise.counts(FACTOR)
    live = Rollout.objects.filter(organization=org, status=Rollout.Status.LIVE).count()
    first = engage_rows(org)
    assert first["records"] == expected["activity_records"] == 2000
    assert first["messages"] == expected["messages"] == 50
    assert first["batches"] == first["conversation imports"] == first["bands"] == first["pulses"] == live == 1
    assert first["accounts"] == 3 and first["threads"] and first["attendance"] and first["responses"]
    batch = ImportBatch.objects.get(rollout__organization=org)
    assert batch.status == ImportBatch.Status.DONE and batch.rows_total == 2000

    call_command("seed_demo", scale="enterprise", factor=FACTOR)
    assert engage_rows(org) == first


def test_the_seeded_rollups_add_up_to_the_records_and_the_queue_has_open_questions():
    call_command("seed_demo", scale="enterprise", factor=FACTOR)
    rollout = Rollout.objects.get(organization__slug=enterprise.SLUG, status=Rollout.Status.LIVE)
    records = ActivityRecord.objects.filter(rollout=rollout)
    totals = records.aggregate(posts=Sum("posts"), reads=Sum("reads"), replies=Sum("replies"))
    for grain in ActivityRollup.Grain.values:
        rolled = ActivityRollup.objects.filter(rollout=rollout, grain=grain).aggregate(
            posts=Sum("posts"), reads=Sum("reads"), replies=Sum("replies")
        )
        assert rolled == totals
    # A day's active users are the distinct people active that day, counted in the database.
    day = records.aggregate(last=Max("period_end"))["last"]
    active = records.filter(period_end=day, active_people__gt=0).values("person_key").distinct().count()
    rolled = ActivityRollup.objects.filter(rollout=rollout, grain="day", period_start=day)
    assert rolled.aggregate(n=Sum("active_users"))["n"] == active
    questions = Message.objects.filter(rollout=rollout).aggregate(
        asked=Count("pk", filter=Q(is_question=True)),
        open=Count("pk", filter=Q(is_question=True, first_response_at__isnull=True)),
    )
    assert 0 < questions["open"] < questions["asked"]

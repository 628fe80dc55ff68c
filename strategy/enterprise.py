"""Strategize step at enterprise scale (`seed_demo --scale enterprise`): an approved worksheet
for every rollout past planning and a draft for the others, each with objectives, stakeholders,
audiences drawn from the organization's units and success metrics."""

from datetime import date, timedelta
from decimal import Decimal

from django.utils import timezone

from rollout.models import Role, Rollout

from .models import Audience, Objective, Stakeholder, SuccessMetric, Worksheet

METRICS = [
    ("participation_rate", "5", "60"),
    ("answered_within_target", "40", "85"),
    ("champion_coverage", "120", "50"),
    ("support_sessions", "0", "2000"),
]


def seed_enterprise(ctx):
    rollouts = list(ctx.rollouts.values())
    if Worksheet.objects.filter(rollout__in=rollouts).exists():
        return
    manager = ctx.people[Role.MANAGER]
    units = list(ctx.units.values())
    for position, rollout in enumerate(rollouts):
        approved = rollout.status != Rollout.Status.PLANNING
        when = timezone.now() - timedelta(days=200)
        ws = Worksheet.objects.create(
            rollout=rollout,
            main_purpose=Worksheet.Purpose.KNOWLEDGE_SHARING,
            purpose_notes="Answers found in a day, not a week.",
            business_owner=ctx.people[Role.LEADER],
            budget_holder=ctx.people[Role.ADMIN],
            process_manager=rollout.owner or manager,
            budget_amount=Decimal("50000"),
            coverage=Worksheet.Coverage.ALWAYS,
            response_target_hours=24,
            review_cadence=Worksheet.Cadence.MONTHLY,
            first_review_date=rollout.start_date + timedelta(weeks=8) if rollout.start_date else None,
            status=Worksheet.Status.APPROVED if approved else Worksheet.Status.DRAFT,
            submitted_by=manager if approved else None,
            submitted_at=when if approved else None,
            approved_by=manager if approved else None,
            approved_at=when if approved else None,
        )
        Objective.objects.bulk_create(
            [
                Objective(worksheet=ws, title="Answers found in a day, not a week"),
                Objective(worksheet=ws, title="Every site has a voice"),
                Objective(worksheet=ws, title="Fewer all-staff emails"),
            ]
        )
        Stakeholder.objects.bulk_create(
            [
                Stakeholder(
                    worksheet=ws, name="Executive sponsor", need="Evidence of value.", influence="high"
                ),
                Stakeholder(worksheet=ws, name="Works council", need="No individual tracking."),
            ]
        )
        unit = units[position % len(units)]
        audience = Audience.objects.create(
            worksheet=ws,
            kind=Audience.Kind.EMPLOYEES,
            name=f"Staff of {unit.name}",
            unit=unit,
            size=unit.headcount,
        )
        SuccessMetric.objects.bulk_create(
            [
                SuccessMetric(
                    worksheet=ws,
                    metric_key=key,
                    audience=audience if key == "participation_rate" else None,
                    baseline=Decimal(baseline),
                    target=Decimal(target),
                    target_date=rollout.target_date or date(2026, 12, 18),
                )
                for key, baseline, target in METRICS
            ]
        )
    if ctx.stdout:
        ctx.stdout.write(f"Strategy: worksheets for {len(rollouts)} rollouts.")

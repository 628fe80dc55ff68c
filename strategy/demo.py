"""Demo strategy: a complete, approved worksheet for the live rollout, a half-filled one for the other."""

from datetime import date, datetime
from decimal import Decimal

from django.utils import timezone

from rollout.demo import demo_seeder
from rollout.models import Membership, Role

from .models import (
    Audience,
    AwarenessChannel,
    Objective,
    Stakeholder,
    SuccessMetric,
    TimeAllowance,
    Worksheet,
)


def _rows(worksheet, model, rows, key):
    for row in rows:
        model.objects.update_or_create(worksheet=worksheet, **{key: row.pop(key)}, defaults=row)


@demo_seeder(1, scales=("demo", "enterprise"))
def seed_strategy(ctx):
    if ctx.scale == "enterprise":
        from .enterprise import seed_enterprise

        return seed_enterprise(ctx)
    manager, admin = ctx.people[Role.MANAGER], ctx.people[Role.ADMIN]
    live, planning = ctx.rollouts["live"], ctx.rollouts["planning"]

    ws, _ = Worksheet.objects.update_or_create(
        rollout=live,
        defaults={
            "main_purpose": Worksheet.Purpose.KNOWLEDGE_SHARING,
            "purpose_notes": "A nurse in Spokane finds the answer a colleague in Seattle already has.",
            "business_owner": ctx.people[Role.LEADER],
            "budget_holder": admin,
            "process_manager": manager,
            "budget_amount": Decimal("48000"),
            "budget_currency": "USD",
            "coverage": Worksheet.Coverage.ALWAYS,
            "coverage_time_zones": "America/Los_Angeles",
            "coverage_notes": "Night shift covered by Emergency champions.",
            "response_target_hours": 24,
            "moderation": Worksheet.Moderation.REACTIVE,
            "moderation_notes": "Community managers act on flags within four hours.",
            "review_cadence": Worksheet.Cadence.MONTHLY,
            "first_review_date": date(2026, 4, 6),
            "status": Worksheet.Status.APPROVED,
            "submitted_by": manager,
            "submitted_at": timezone.make_aware(datetime(2026, 2, 20, 10, 0)),
            "approved_by": manager,
            "approved_at": timezone.make_aware(datetime(2026, 2, 23, 9, 30)),
        },
    )
    _rows(
        ws,
        Objective,
        [
            {
                "title": "Answers found in a day, not a week",
                "description": "Questions asked in the open get a reply within 24 hours.",
            },
            {
                "title": "Every shift has a voice",
                "description": "Night and weekend staff take part as much as day staff.",
            },
            {
                "title": "Fewer all-staff emails",
                "description": "Announcements move to communities where people can reply.",
            },
        ],
        "title",
    )
    _rows(
        ws,
        TimeAllowance,
        [
            {"audience": "Clinical staff", "hours_per_week": Decimal("1.0")},
            {"audience": "Office staff", "hours_per_week": Decimal("2.0")},
        ],
        "audience",
    )
    _rows(
        ws,
        Stakeholder,
        [
            {
                "name": "Chief Nursing Officer",
                "need": "Evidence that it saves nurses time rather than costing it.",
                "influence": "high",
                "interest": "medium",
                "involvement": "Sponsors the nursing community; monthly update.",
            },
            {
                "name": "Information Security",
                "need": "Clear rules on patient data and a way to report incidents.",
                "influence": "high",
                "interest": "high",
                "involvement": "Co-writes the usage guidelines.",
            },
            {
                "name": "Ward managers",
                "need": "No extra meetings; a quick way to share rota changes.",
                "influence": "medium",
                "interest": "high",
                "involvement": "Pilot in Emergency Medicine first.",
            },
            {
                "name": "Works council",
                "need": "Assurance that activity is not used to judge individuals.",
                "influence": "medium",
                "interest": "medium",
                "involvement": "Reviews the privacy threshold.",
            },
        ],
        "name",
    )
    units = ctx.units
    audiences = {}
    # Four audiences by unit (their size is the unit's headcount) and one listed by name: the
    # demo's people in other departments show as "outside the rollout's audiences". Pharmacy is
    # the demo member's department, and Telemedizin Berlin the German-speaking unit's, so the rollout
    # is on their pages (/me/).
    ward_leads = "\n".join(
        Membership.objects.filter(organization=ctx.organization, unit=units["Cardiology"])
        .order_by("user__email")
        .values_list("user__email", flat=True)[:8]
    )
    for name, kind, unit, listed in [
        ("Nursing staff", Audience.Kind.EMPLOYEES, units["Nursing"], ""),
        ("Emergency Medicine", Audience.Kind.EMPLOYEES, units["Emergency Medicine"], ""),
        ("Cardiology ward leads", Audience.Kind.EMPLOYEES, None, ward_leads),
        ("Pharmacy team", Audience.Kind.EMPLOYEES, units["Pharmacy"], ""),
        ("Telemedizin Berlin", Audience.Kind.EMPLOYEES, units["Telemedizin Berlin"], ""),
    ]:
        audiences[name], _ = Audience.objects.update_or_create(
            worksheet=ws, name=name, defaults={"kind": kind, "unit": unit, "people": listed, "size": None}
        )
    Audience.objects.filter(worksheet=ws, name="All other staff").delete()
    for audience, channel, when in [
        ("Nursing staff", AwarenessChannel.Channel.MANAGER_CASCADE, date(2026, 3, 2)),
        ("Nursing staff", AwarenessChannel.Channel.TRAINING, date(2026, 3, 9)),
        ("Emergency Medicine", AwarenessChannel.Channel.TOWN_HALL, date(2026, 3, 4)),
        ("Cardiology ward leads", AwarenessChannel.Channel.LAUNCH_EMAIL, date(2026, 3, 2)),
        ("Cardiology ward leads", AwarenessChannel.Channel.INTRANET, date(2026, 3, 2)),
        ("Pharmacy team", AwarenessChannel.Channel.MANAGER_CASCADE, date(2026, 3, 16)),
        ("Telemedizin Berlin", AwarenessChannel.Channel.TRAINING, date(2026, 3, 23)),
    ]:
        AwarenessChannel.objects.update_or_create(
            worksheet=ws, audience=audiences[audience], channel=channel, defaults={"planned_date": when}
        )
    for key, audience, baseline, target, custom in [
        ("participation_rate", "Nursing staff", "5", "60", ""),
        ("answered_within_target", None, "40", "85", ""),
        ("champion_coverage", None, "120", "50", ""),
        ("support_sessions", None, "0", "100", ""),
        ("custom", None, "14", "6", "All-staff emails per month"),
    ]:
        SuccessMetric.objects.update_or_create(
            worksheet=ws,
            metric_key=key,
            custom_name=custom,
            defaults={
                "audience": audiences.get(audience),
                "baseline": Decimal(baseline),
                "target": Decimal(target),
                "target_date": date(2026, 12, 18),
                "source": "Monthly count by Internal Communications" if custom else "",
            },
        )

    half, _ = Worksheet.objects.update_or_create(
        rollout=planning,
        defaults={
            "main_purpose": Worksheet.Purpose.PROJECT_COLLABORATION,
            "purpose_notes": "Handovers in one place, not in inboxes and pagers.",
            "process_manager": manager,
            "coverage": Worksheet.Coverage.ALWAYS,
            "response_target_hours": 4,
        },
    )
    _rows(half, Objective, [{"title": "Handover notes in the team channel", "description": ""}], "title")
    _rows(
        half,
        Stakeholder,
        [
            {
                "name": "On-call physicians",
                "need": "Reach the right colleague fast, day or night.",
                "influence": "high",
                "interest": "high",
                "involvement": "",
            },
        ],
        "name",
    )

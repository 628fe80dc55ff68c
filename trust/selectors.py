"""Read queries of the trust step: who must acknowledge what, acknowledgement rates (per unit,
with the privacy threshold), training results, incident counts, health figures and metrics.

Counts are aggregated in the database, grouped by guideline, unit, module or severity; Python
only arranges the grouped rows. `incident_summary` is the documented way for other steps (the
review's Trust findings) to read the incident register.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db.models import Avg, Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from rollout.access import Scope
from rollout.models import Membership, Organization, Rollout, User

from .models import Acknowledgement, Completion, Guideline, GuidelineVersion, Incident, TrainingModule

# Rollout-specific guidelines are shown to members while the rollout reaches them.
MEMBER_ROLLOUT_STATUSES = (Rollout.Status.PILOT, Rollout.Status.LIVE, Rollout.Status.PAUSED)
SEVERITY_WEIGHT = {"critical": 0.5, "high": 0.25, "medium": 0.1, "low": 0.05}


def today_in(organization: Organization) -> date:
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(organization.timezone))


def end_of_day(day: date, organization: Organization) -> datetime:
    tz = zoneinfo.ZoneInfo(organization.timezone)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=tz)


# Guidelines and acknowledgements -------------------------------------------------------------


def audience(guideline: Guideline) -> QuerySet[Membership]:
    """The memberships that must acknowledge `guideline`: everyone, or one unit and its sub-units."""
    members = Membership.objects.filter(organization_id=guideline.organization_id)
    if guideline.audience_unit_id:
        members = members.filter(
            Q(unit_id=guideline.audience_unit_id) | Q(unit__parent_id=guideline.audience_unit_id)
        )
    return members


def valid_acknowledgements(guideline: Guideline, until: datetime | None = None) -> QuerySet[Acknowledgement]:
    """Acknowledgements of the current version or of one since the last material change."""
    acks = Acknowledgement.objects.filter(
        version__guideline=guideline, version__number__gte=guideline.acknowledge_from
    )
    if until is not None:
        acks = acks.filter(acknowledged_at__lt=until)
    return acks


def acknowledged(guideline: Guideline, until: datetime | None = None) -> Exists:
    """Exists() for a Membership queryset: its user holds a valid acknowledgement."""
    return Exists(valid_acknowledgements(guideline, until).filter(user_id=OuterRef("user_id")))


def outstanding(guideline: Guideline) -> QuerySet[Membership]:
    """Memberships of the audience who have not acknowledged the current version."""
    return (
        audience(guideline)
        .exclude(acknowledged(guideline))
        .select_related("user", "unit")
        .order_by("unit__name", "user__full_name", "user__email")
    )


def has_acknowledged(guideline: Guideline, user: User) -> bool:
    return valid_acknowledgements(guideline).filter(user=user).exists()


def unit_table(
    guideline: Guideline,
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, dict[str, Any]]:
    """Acknowledgement per unit, smallest groups merged into "Other" (the privacy threshold).

    Returns (rows, other, total): rows are dicts with name, total, acknowledged, rate; `other` is
    the merged row (or None) with `hidden=True` when even the merged group is below the threshold.
    """
    minimum = guideline.organization.privacy_min_group
    groups = (
        audience(guideline)
        .annotate(done=acknowledged(guideline))
        .values("unit_id", "unit__name")
        .annotate(total=Count("pk"), acknowledged=Count("pk", filter=Q(done=True)))
        .order_by("unit__name")
    )
    rows: list[dict[str, Any]] = []
    other: dict[str, Any] = {"name": "Other", "total": 0, "acknowledged": 0, "units": 0}
    total: dict[str, Any] = {"name": "Everyone", "total": 0, "acknowledged": 0}
    for group in groups:
        total["total"] += group["total"]
        total["acknowledged"] += group["acknowledged"]
        if group["unit_id"] is None or group["total"] < minimum:
            other["total"] += group["total"]
            other["acknowledged"] += group["acknowledged"]
            other["units"] += 1
            continue
        rows.append(
            {"name": group["unit__name"], "total": group["total"], "acknowledged": group["acknowledged"]}
        )
    for row in [*rows, other, total]:
        row["rate"] = _rate(row["acknowledged"], row["total"])
    if not other["total"]:
        return rows, None, total
    other["hidden"] = other["total"] < minimum
    return rows, other, total


def _rate(part: int, whole: int) -> int | None:
    return round(100 * part / whole) if whole else None


def member_groups(organization_ids: Iterable[int]) -> list[Mapping[str, Any]]:
    """[{"organization_id", "unit_id", "unit__parent_id", "n"}]: the members of the organizations
    counted per (organization, unit, parent unit) group, in one query."""
    return list(
        Membership.objects.filter(organization_id__in=organization_ids)
        .values("organization_id", "unit_id", "unit__parent_id")
        .annotate(n=Count("pk"))
        .order_by()
    )


def guideline_figures(
    guidelines: Iterable[Guideline],
    until: datetime | None = None,
    members: Sequence[Mapping[str, Any]] | None = None,
) -> dict[int, dict[str, Any]]:
    """{guideline_id: {"audience": n, "acknowledged": n, "rate": % or None}} in two queries (one
    when `members`, the member_groups() of their organizations, are given).

    Members are counted once per (organization, unit, parent unit) group and acknowledgements
    likewise; a guideline's audience is the sum of the groups it reaches.
    """
    guidelines = [guideline for guideline in guidelines if guideline.current_id]
    if not guidelines:
        return {}
    if members is None:
        members = member_groups({guideline.organization_id for guideline in guidelines})
    acks = Acknowledgement.objects.filter(
        version__guideline__in=[guideline.pk for guideline in guidelines],
        version__number__gte=F("version__guideline__acknowledge_from"),
        # Only people who are still members count; one filter() so it is the same membership.
        user__memberships__organization_id=F("version__guideline__organization_id"),
    )
    if until is not None:
        acks = acks.filter(acknowledged_at__lt=until)
    counts = (
        acks.values(
            "version__guideline_id", "user__memberships__unit_id", "user__memberships__unit__parent_id"
        )
        .annotate(n=Count("user_id", distinct=True))
        .order_by()
    )
    member_rows = members
    done: dict[tuple[int, int | None, int | None], int] = {}
    for row in counts:
        key = (
            row["version__guideline_id"],
            row["user__memberships__unit_id"],
            row["user__memberships__unit__parent_id"],
        )
        done[key] = row["n"]
    figures: dict[int, dict[str, Any]] = {}
    for guideline in guidelines:
        unit = guideline.audience_unit_id

        def reaches(unit_id: int | None, parent_id: int | None, unit: int | None = unit) -> bool:
            return unit is None or unit in (unit_id, parent_id)

        size = sum(
            row["n"]
            for row in member_rows
            if row["organization_id"] == guideline.organization_id
            and reaches(row["unit_id"], row["unit__parent_id"])
        )
        count = sum(n for (g, u, p), n in done.items() if g == guideline.pk and reaches(u, p))
        figures[guideline.pk] = {"audience": size, "acknowledged": count, "rate": _rate(count, size)}
    return figures


def guidelines_for_rollout(rollouts: Collection[Rollout]) -> list[Guideline]:
    """Published guidelines that apply to any of `rollouts` (organization-wide or their own)."""
    organizations = {rollout.organization_id for rollout in rollouts}
    return list(
        Guideline.objects.filter(organization_id__in=organizations, current__isnull=False)
        .filter(Q(rollout__isnull=True) | Q(rollout__in=[rollout.pk for rollout in rollouts]))
        .select_related("current")
        .order_by("title")
    )


def applies(guideline: Guideline, rollout: Rollout) -> bool:
    return guideline.organization_id == rollout.organization_id and guideline.rollout_id in (None, rollout.pk)


def combined_rate(
    guidelines: Iterable[Guideline], figures: Mapping[int, Mapping[str, Any]]
) -> tuple[int | None, int]:
    audience_size = sum(figures[g.pk]["audience"] for g in guidelines if g.pk in figures)
    done = sum(figures[g.pk]["acknowledged"] for g in guidelines if g.pk in figures)
    return _rate(done, audience_size), audience_size - done


def my_guidelines(scope: Scope) -> QuerySet[Guideline]:
    """The published guidelines that ask the signed-in member to acknowledge them, with their status."""
    return member_guidelines(scope.membership)


def member_guidelines(membership: Membership) -> QuerySet[Guideline]:
    """The published guidelines that ask the person of `membership` to acknowledge them (their
    unit's, its parent's and everyone's), each annotated with `my_ack_at` (their valid
    acknowledgement, or None: to acknowledge) and `my_last_number` (the last version they read)."""
    reach = Q(audience_unit__isnull=True)
    unit = membership.unit if membership.unit_id else None
    if unit is not None:
        reach |= Q(audience_unit_id=unit.pk)
        if unit.parent_id:
            reach |= Q(audience_unit_id=unit.parent_id)
    mine = Acknowledgement.objects.filter(user_id=membership.user_id, version__guideline=OuterRef("pk"))
    return (
        Guideline.objects.filter(organization_id=membership.organization_id, current__isnull=False)
        .filter(reach)
        .filter(Q(rollout__isnull=True) | Q(rollout__status__in=MEMBER_ROLLOUT_STATUSES))
        .annotate(
            my_ack_at=Subquery(
                mine.filter(version__number__gte=OuterRef("acknowledge_from"))
                .order_by("-acknowledged_at")
                .values("acknowledged_at")[:1]
            ),
            my_last_number=Subquery(mine.order_by("-version__number").values("version__number")[:1]),
        )
        .select_related("current", "rollout")
        .order_by("title")
    )


def guideline_changes(
    rollouts: Collection[Rollout], since: datetime, limit: int = 50
) -> list[GuidelineVersion]:
    """The guideline versions published since `since` that say what changed, of the guidelines of
    `rollouts` or of their whole organizations (for everyone: a guideline for one unit is news for
    that unit only, and its people see it among their own guidelines), newest first: one query."""
    organizations = {rollout.organization_id for rollout in rollouts}
    if not organizations:
        return []
    return list(
        GuidelineVersion.objects.filter(guideline__organization_id__in=organizations, published_at__gte=since)
        .filter(
            Q(guideline__rollout__isnull=True, guideline__audience_unit__isnull=True)
            | Q(guideline__rollout__in=[r.pk for r in rollouts])
        )
        .exclude(changes="")
        .select_related("guideline")
        .order_by("-published_at", "-pk")[:limit]
    )


# Training ------------------------------------------------------------------------------------


def module_table(organization: Organization) -> QuerySet[TrainingModule]:
    """The organization's modules with their questions, people passed, attempted and average score."""
    members = Q(completions__user__memberships__organization=F("organization"))
    return (
        TrainingModule.objects.filter(organization=organization)
        .select_related("guideline_version__guideline")
        .annotate(
            n_questions=Count("questions", distinct=True),
            passed=Count(
                "completions", filter=members & Q(completions__passed_at__isnull=False), distinct=True
            ),
            attempted=Count("completions", filter=members, distinct=True),
            average=Avg("completions__score", filter=members),
        )
        .order_by("-active", "title")
    )


def my_modules(scope: Scope) -> QuerySet[TrainingModule]:
    return member_modules(scope.membership)


def member_modules(membership: Membership) -> QuerySet[TrainingModule]:
    """The organization's active modules with the person's best score (`my_score`), when they
    passed (`my_passed_at`) and the number of questions."""
    mine = Completion.objects.filter(module=OuterRef("pk"), user_id=membership.user_id)
    return (
        TrainingModule.objects.filter(organization_id=membership.organization_id, active=True)
        .annotate(
            my_score=Subquery(mine.values("score")[:1]),
            my_passed_at=Subquery(mine.values("passed_at")[:1]),
            n_questions=Count("questions", distinct=True),
        )
        .order_by("title")
    )


def member_trust_figures(membership: Membership) -> dict[str, int]:
    """{"to_acknowledge", "guidelines", "to_pass", "modules"} for the person's own page: two
    queries (three when their unit is not loaded), whatever the number of guidelines and modules."""
    guidelines = (
        member_guidelines(membership)
        .order_by()
        .aggregate(total=Count("pk"), waiting=Count("pk", filter=Q(my_ack_at__isnull=True)))
    )
    passed = Completion.objects.filter(
        module=OuterRef("pk"), user_id=membership.user_id, passed_at__isnull=False
    )
    modules = (
        TrainingModule.objects.filter(organization_id=membership.organization_id, active=True)
        .annotate(done=Exists(passed))
        .aggregate(total=Count("pk"), waiting=Count("pk", filter=Q(done=False)))
    )
    return {
        "guidelines": guidelines["total"],
        "to_acknowledge": guidelines["waiting"],
        "modules": modules["total"],
        "to_pass": modules["waiting"],
    }


def training_figures(
    organization_ids: Collection[int],
    until: datetime | None = None,
    members: Iterable[Mapping[str, Any]] | None = None,
) -> dict[int, dict[str, Any]]:
    """{organization_id: {"members", "modules", "passed", "rate"}}: passed (person, module) pairs
    over members x active modules, in two queries (one when `members`, the member_groups() of the
    organizations, are given)."""
    if members is None:
        members = member_groups(organization_ids)
    people: dict[int, int] = {}
    for group in members:
        people[group["organization_id"]] = people.get(group["organization_id"], 0) + group["n"]
    # A completion counts when it is passed and its person is still a member of the module's
    # organization; the modules are counted in the same query.
    counted = Q(
        completions__passed_at__isnull=False,
        completions__user__memberships__organization=F("organization"),
    )
    if until is not None:
        counted &= Q(completions__passed_at__lt=until)
    modules: dict[int, int] = {}
    passed: dict[int, int] = {}
    for row in (
        TrainingModule.objects.filter(organization_id__in=organization_ids, active=True)
        .values("organization_id")
        .annotate(n=Count("pk", distinct=True), passed=Count("completions", filter=counted))
        .order_by()
    ):
        modules[row["organization_id"]], passed[row["organization_id"]] = row["n"], row["passed"]
    figures: dict[int, dict[str, Any]] = {}
    for pk in organization_ids:
        possible = people.get(pk, 0) * modules.get(pk, 0)
        figures[pk] = {
            "members": people.get(pk, 0),
            "modules": modules.get(pk, 0),
            "passed": passed.get(pk, 0),
            "rate": _rate(passed.get(pk, 0), possible),
        }
    return figures


def health_figures(
    rollouts: Collection[Rollout],
) -> tuple[
    list[Guideline],
    dict[int, dict[str, Any]],
    dict[int, dict[str, Any]],
    dict[tuple[int, int | None, str], int],
]:
    """What the step's health reads, for any number of rollouts in five queries: (the published
    guidelines that apply to any of them, their acknowledgement figures, the training figures and
    the open incidents of the rollouts' organizations). The members are counted once for both the
    guidelines' audiences and the training."""
    organizations = sorted({rollout.organization_id for rollout in rollouts})
    guidelines = guidelines_for_rollout(rollouts)
    members = member_groups(organizations)
    return (
        guidelines,
        guideline_figures(guidelines, members=members),
        training_figures(organizations, members=members),
        open_incidents(organizations),
    )


# Incidents -----------------------------------------------------------------------------------


def incident_summary(organization: Organization, since: date | None, until: date | None) -> dict[str, Any]:
    """The incident register of `organization` between two dates, as counts (for the review's
    Trust findings). Incidents are counted by the day they occurred, `since <= occurred_on <
    until` (dates, or None for an open end). Returns:

        {"total": n,
         "by_kind": {"security": n, ...}, "by_severity": {"high": n, ...},
         "by_status": {"open": n, "investigating": n, "resolved": n},
         "open_by_severity": {"critical": n, ...},          # still open or investigating now
         "lessons": [(title, lessons), ...]}                # resolved ones with lessons, newest first

    Every choice appears in each dict, with 0 where there is none.
    """
    incidents = Incident.objects.filter(organization=organization)
    if since is not None:
        incidents = incidents.filter(occurred_on__gte=since)
    if until is not None:
        incidents = incidents.filter(occurred_on__lt=until)
    counts = incidents.aggregate(
        total=Count("pk"),
        **{f"kind_{value}": Count("pk", filter=Q(kind=value)) for value in Incident.Kind.values},
        **{f"severity_{value}": Count("pk", filter=Q(severity=value)) for value in Incident.Severity.values},
        **{f"status_{value}": Count("pk", filter=Q(status=value)) for value in Incident.Status.values},
        **{
            f"open_{value}": Count("pk", filter=Q(severity=value, status__in=Incident.OPEN_STATUSES))
            for value in Incident.Severity.values
        },
    )
    lessons = (
        incidents.filter(status=Incident.Status.RESOLVED).exclude(lessons="").order_by("-occurred_on", "-pk")
    )
    return {
        "total": counts["total"],
        "by_kind": {value: counts[f"kind_{value}"] for value in Incident.Kind.values},
        "by_severity": {value: counts[f"severity_{value}"] for value in Incident.Severity.values},
        "by_status": {value: counts[f"status_{value}"] for value in Incident.Status.values},
        "open_by_severity": {value: counts[f"open_{value}"] for value in Incident.Severity.values},
        "lessons": list(lessons.values_list("title", "lessons")[:10]),
    }


def reports_of(membership: Membership) -> QuerySet[Incident]:
    """The incidents the person reported by name in the membership's organization, newest first.
    Anonymous reports are never among them: they keep no reporter, so nothing links them to anyone."""
    return Incident.objects.filter(
        organization_id=membership.organization_id, reported_by_id=membership.user_id, anonymous=False
    ).order_by("-created_at", "-pk")


def open_incidents(organization_ids: Iterable[int]) -> dict[tuple[int, int | None, str], int]:
    """{(organization_id, rollout_id or None, severity): n} of open or investigating incidents."""
    rows = (
        Incident.objects.filter(organization_id__in=organization_ids, status__in=Incident.OPEN_STATUSES)
        .values("organization_id", "rollout_id", "severity")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {(row["organization_id"], row["rollout_id"], row["severity"]): row["n"] for row in rows}


def open_for_rollout(
    incidents: Mapping[tuple[int, int | None, str], int], rollout: Rollout
) -> dict[str, int]:
    """{severity: n} of open incidents of the rollout or of the whole organization."""
    counts: dict[str, int] = {}
    for (organization_id, rollout_id, severity), n in incidents.items():
        if organization_id == rollout.organization_id and rollout_id in (None, rollout.pk):
            counts[severity] = counts.get(severity, 0) + n
    return counts


# The weekly digest ---------------------------------------------------------------------------


def digest_figures(organization_id: int, since: datetime) -> dict[str, Any]:
    """What the digest's Trust section reads, for every rollout of an organization at once: the
    published guidelines with their acknowledgement figures, the training figures, the modules
    passed since `since`, and the incidents open now or reported since `since` by rollout id (None:
    organization-wide). Eight queries, whatever the number of rollouts and recipients."""
    guidelines = list(
        Guideline.objects.filter(organization_id=organization_id, current__isnull=False)
        .select_related("current")
        .order_by("title")
    )
    incidents: dict[int | None, Mapping[str, Any]] = {
        row["rollout_id"]: row
        for row in Incident.objects.filter(organization_id=organization_id)
        .values("rollout_id")
        .annotate(
            open=Count("pk", filter=Q(status__in=Incident.OPEN_STATUSES)),
            new=Count("pk", filter=Q(created_at__gte=since)),
        )
        .order_by()
    }
    return {
        "guidelines": guidelines,
        "acknowledgements": guideline_figures(guidelines),
        "training": training_figures([organization_id])[organization_id],
        "passed": Completion.objects.filter(
            module__organization_id=organization_id, passed_at__gte=since
        ).count(),
        "incidents": incidents,
    }


# Metrics -------------------------------------------------------------------------------------


def acknowledgement_rate(rollout: Rollout, as_of: date) -> int | None:
    """Metric `guideline_acknowledgement`: share (%) of the audiences of the guidelines that apply
    to the rollout holding a valid acknowledgement of the current version at the end of `as_of`."""
    guidelines = guidelines_for_rollout([rollout])
    figures = guideline_figures(guidelines, until=end_of_day(as_of, rollout.organization))
    rate, _ = combined_rate(guidelines, figures)
    return rate


def training_completion(rollout: Rollout, as_of: date) -> int | None:
    """Metric `training_completion`: passed (person, active module) pairs over members x active
    modules of the organization, at the end of `as_of`."""
    until = end_of_day(as_of, rollout.organization)
    return training_figures([rollout.organization_id], until=until)[rollout.organization_id]["rate"]

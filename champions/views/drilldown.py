"""The rows behind the Champion figures (rollout/drilldown.py): the coverage by unit as a CSV (the
coverage page lists the same units), and the support sessions of the last 30 days with their CSV."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from rollout import drilldown

from ..coverage import coverage_rows, unit_coverage
from ..roles import READERS, STAFF


def _coverage(request, rollout):
    target = rollout.organization.champion_target_ratio
    units = unit_coverage(rollout, request.scope.units())

    def row(unit):
        (covered,) = coverage_rows([unit], target)
        return [
            unit.name,
            covered.headcount,
            covered.active_champions,
            covered.people_per_champion if covered.people_per_champion is not None else "",
            min(covered.headcount, covered.active_champions * target),
            covered.status_label,
        ]

    return drilldown.Rows(
        title=f"Champion coverage at the target of 1 per {target}",
        explanation=(
            "Every unit of the organization, worst first: its headcount, its active champions in this "
            f"rollout and the people they cover at the target (a unit of H people with C active "
            f"champions covers at most C × {target} of them, and never more than H). Units without "
            "a headcount cover and count nobody."
        ),
        definition="champion-coverage",
        columns=(
            "Unit",
            "Headcount",
            "Active champions",
            "People per champion",
            "People covered at the target",
            "Status",
        ),
        items=units,
        row=row,
        csv_url=reverse("champions:coverage_csv", kwargs={"pk": rollout.pk}),
        back=("Coverage", reverse("champions:coverage", kwargs={"pk": rollout.pk})),
        noun=("unit", "units"),
    )


def _sessions(rollout, now):
    since = now - timedelta(days=30)
    sessions = (
        rollout.support_sessions.filter(happened_at__gte=since)
        .select_related("champion__user", "helped_unit")
        .prefetch_related("topics")
        .order_by("-happened_at", "-pk")
    )
    before = rollout.support_sessions.filter(
        happened_at__gte=since - timedelta(days=30), happened_at__lt=since
    )
    counted, earlier = sessions.count(), before.count()
    return drilldown.Rows(
        title="Support sessions in the last 30 days",
        explanation=(
            "Every support session logged for this rollout that happened in the 30 days up to now, "
            "newest first, whoever logged it; a session counts once however many people it helped."
        ),
        definition="support-sessions",
        columns=("Happened", "Champion", "Unit helped", "People helped", "Minutes", "Topics", "Outcome"),
        items=sessions,
        row=lambda session: [
            drilldown.when(session.happened_at),
            str(session.champion.user),
            session.helped_unit.name if session.helped_unit else "—",
            session.people_helped,
            session.minutes,
            _topics(session),
            session.get_outcome_display(),
        ],
        csv_url=reverse("champions:sessions_recent_csv", kwargs={"pk": rollout.pk}),
        back=("Champion", reverse("champions:home", kwargs={"pk": rollout.pk})),
        total=f"{counted} in the last 30 days; {earlier} in the 30 days before.",
        noun=("session", "sessions"),
        empty="No support session in the last 30 days.",
    )


def _topics(session):
    names = [topic.name for topic in session.topics.all()]
    if session.other_topic:
        names.append(session.other_topic)
    return ", ".join(names) or "—"


_, coverage_csv = drilldown.views(STAFF, _coverage)  # the coverage page itself is champions:coverage
recent_sessions, recent_sessions_csv = drilldown.views(
    READERS, lambda request, rollout: _sessions(rollout, timezone.now())
)

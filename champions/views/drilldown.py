"""The rows behind the Champion figures (rollout/drilldown.py): the coverage by unit as a CSV (the
coverage page lists the same units), and the support sessions of the last 30 days with their CSV."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rollout import drilldown
from rollout.i18n import Phrase, number
from rollout.steps import registry

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
        title=Phrase.gettext("Champion coverage at the target of 1 per %(target)s", target=target),
        explanation=_(
            "Every unit of the organization, worst first: its headcount, its active champions in this "
            "rollout and the people they cover at the target (a unit of H people with C active "
            "champions covers at most C × %(target)s of them, and never more than H). Units without "
            "a headcount cover and count nobody."
        )
        % {"target": number(target)},
        definition="champion-coverage",
        columns=(
            _("Unit"),
            _("Headcount"),
            _("Active champions"),
            _("People per champion"),
            _("People covered at the target"),
            _("Status"),
        ),
        items=units,
        row=row,
        csv_url=reverse("champions:coverage_csv", kwargs={"pk": rollout.pk}),
        back=(_("Coverage"), reverse("champions:coverage", kwargs={"pk": rollout.pk})),
        noun=(_("unit"), _("units")),
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
        title=gettext_lazy("Support sessions in the last 30 days"),
        explanation=_(
            "Every support session logged for this rollout that happened in the 30 days up to now, "
            "newest first, whoever logged it; a session counts once however many people it helped."
        ),
        definition="support-sessions",
        columns=(
            _("Happened"),
            _("Champion"),
            _("Unit helped"),
            _("People helped"),
            _("Minutes"),
            _("Topics"),
            _("Outcome"),
        ),
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
        back=(registry.get("champion").name, reverse("champions:home", kwargs={"pk": rollout.pk})),
        total=_("%(counted)s in the last 30 days; %(earlier)s in the 30 days before.")
        % {"counted": number(counted), "earlier": number(earlier)},
        noun=(_("session"), _("sessions")),
        empty=_("No support session in the last 30 days."),
    )


def _topics(session):
    names = [topic.name for topic in session.topics.all()]
    if session.other_topic:
        names.append(session.other_topic)
    return ", ".join(names) or "—"


_unused_page, coverage_csv = drilldown.views(STAFF, _coverage)  # the page itself is champions:coverage
recent_sessions, recent_sessions_csv = drilldown.views(
    READERS, lambda request, rollout: _sessions(rollout, timezone.now())
)

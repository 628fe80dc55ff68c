"""Step 5, Engage: its entry in the step registry (see rollout/steps.py).

Health (shared by the activity and the conversations parts): participation over the last 28
days against the strategy's target path, and its trend against the 28 days before.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from rollout.steps import DigestSection, Fact, Status, Step, StepHealth

from .conversations import step_parts

# How the score weighs its parts (docs/steps/engage.md explains them).
WEIGHTS = {"participation": 0.7, "trend": 0.3}


class EngageStep(Step):
    number = 5
    key = "engage"
    name = "Engage"
    icon = "chat-dots"
    summary = (
        "Measure real usage, answer every question, keep momentum after the launch and ask for feedback."
    )
    questions = (
        "Who is actually using the tool, where, and how often?",
        "Do people talk to each other, or is it broadcast only?",
        "Does every question get a reply, and how fast?",
        "Is momentum holding after the initial training, and what do people say about it?",
    )
    first_action = "Import the first activity report"
    url_name = "engage:home"

    def health(self, rollouts):
        from .selectors import health_inputs

        if not rollouts:
            return {}
        today = timezone.localdate()
        windows, metrics, defaults = health_inputs(rollouts, today)
        return step_parts.merge_health(
            self, rollouts, self._activity_healths(rollouts, windows, metrics, defaults, today)
        )

    def portfolio_figures(self, rollouts):
        """Health, facts and units with each aggregate read once (the portfolio asks for all
        three): the 28-day windows and the conversations' figures serve both health and facts, and
        both parts' units come from one query."""
        from .selectors import health_inputs

        if not rollouts:
            return {}, {}, {}
        today = timezone.localdate()
        windows, metrics, defaults = health_inputs(rollouts, today)
        inputs = step_parts.portfolio_inputs(rollouts)
        health = step_parts.merge_health(
            self, rollouts, self._activity_healths(rollouts, windows, metrics, defaults, today), inputs
        )
        facts = step_parts.merge_facts(
            self._activity_facts(rollouts, windows, self._active_weeks(rollouts, today)), rollouts, inputs
        )
        units = {}
        for rollout_id, unit_id in self._unit_pairs(rollouts).union(step_parts.unit_pairs(rollouts)):
            units.setdefault(rollout_id, set()).add(unit_id)
        return health, facts, units

    def _activity_healths(self, rollouts, windows, metrics, defaults, today):
        result = {}
        for rollout in rollouts:
            figures = windows.get(rollout.pk)
            if not figures:
                result[rollout.pk] = self.not_started(rollout)
                continue
            result[rollout.pk] = self._health(rollout, figures, metrics.get(rollout.pk, []), defaults, today)
        return result

    def _health(self, rollout, figures, metrics, defaults, today):
        from .selectors import audience_size, expected_participation, participation_target

        target = participation_target(metrics)
        size = audience_size(rollout, metrics, defaults)
        active, previous = figures["active"], figures["previous"]
        reasons = []
        rate = 100 * active / size if size else None
        expected = expected_participation(rollout, target, today)
        if rate is not None and expected:
            part = min(1.0, rate / float(expected))
            reasons.append(
                f"Participation {rate:.0f}% in the last 28 days against {float(expected):.0f}% on the path to "
                f"the target of {target.target:.0f}%."
            )
        elif rate is not None:
            part = min(1.0, rate / 50)
            reasons.append(f"Participation {rate:.0f}% in the last 28 days; no participation target is set.")
        else:
            part = 0.0
            reasons.append(f"{active} active users in the last 28 days; the audience size is unknown.")
        if previous:
            trend = min(1.0, active / previous)
            change = round(100 * (active - previous) / previous)
            reasons.append(
                f"Active users {'+' if change >= 0 else ''}{change}% on the 28 days before ({previous})."
            )
        else:
            trend = 1.0 if active else 0.0
        if figures["last"] and figures["last"] < today - timedelta(days=14):
            reasons.append(f"The latest activity data is from {figures['last']:%d %b %Y}.")
        score = round(100 * (WEIGHTS["participation"] * part + WEIGHTS["trend"] * trend))
        if figures["last"] and figures["last"] < today - timedelta(days=14):
            action, url = (
                "Import the latest activity report",
                reverse("engage:upload", kwargs={"pk": rollout.pk}),
            )
        elif target is None:
            action, url = "Set a participation target in the strategy", self.url(rollout)
        elif part < 1:
            action, url = "Find the units furthest behind and plan with their champions", self.url(rollout)
        else:
            action, url = "Keep importing the activity reports", self.url(rollout)
        return StepHealth(
            score=score, status=Status.from_score(score), reasons=reasons, next_action=action, next_url=url
        )

    def portfolio_facts(self, rollouts):
        """Active users in the last 28 days, with a small weekly trend."""
        from .selectors import window_figures

        if not rollouts:
            return {}
        today = timezone.localdate()
        windows = window_figures([r.pk for r in rollouts], today)
        return step_parts.merge_facts(
            self._activity_facts(rollouts, windows, self._active_weeks(rollouts, today)), rollouts
        )

    def _active_weeks(self, rollouts, today):
        """{rollout.pk: [active users per week of the last 8 weeks with data, oldest first]}."""
        from django.db.models import Sum

        from .models import ActivityRollup

        since = today - timedelta(weeks=8)
        weeks = {}
        for row in (
            ActivityRollup.objects.filter(
                rollout__in=[r.pk for r in rollouts], grain=ActivityRollup.Grain.WEEK, period_start__gte=since
            )
            .values("rollout_id", "period_start")
            .annotate(active=Sum("active_users"))
            .order_by("rollout_id", "period_start")
        ):
            weeks.setdefault(row["rollout_id"], []).append(row["active"])
        return weeks

    def _activity_facts(self, rollouts, windows, weeks):
        facts = {}
        for rollout in rollouts:
            figures = windows.get(rollout.pk)
            if not figures:
                continue
            active, previous = figures["active"], figures["previous"]
            facts[rollout.pk] = [
                Fact(
                    "Active users (28 days)",
                    f"{active} ({'+' if active >= previous else ''}{active - previous} on the 28 days before)",
                    trend=tuple(weeks.get(rollout.pk, ())),
                )
            ]
        return facts

    def trends(self, rollout):
        from .selectors import participation_trend

        return [
            participation_trend(rollout),
            step_parts.ttfr_trend(rollout),
        ]

    def units_of(self, rollouts):
        found = {}
        for rollout_id, unit_id in self._unit_pairs(rollouts):
            found.setdefault(rollout_id, set()).add(unit_id)
        return step_parts.merge_units(found, rollouts)

    def _unit_pairs(self, rollouts):
        """The distinct (rollout id, unit id) pairs of the units in the rollouts' monthly rollups."""
        from .models import ActivityRollup

        # order_by(): the model's ordering would put its columns into the DISTINCT.
        return (
            ActivityRollup.objects.filter(
                rollout__in=[r.pk for r in rollouts], grain=ActivityRollup.Grain.MONTH, unit__isnull=False
            )
            .order_by()
            .values_list("rollout_id", "unit_id")
            .distinct()
        )

    def digest_key(self, membership):
        """The section depends on the role, and for a champion on their unit (their unit's
        questions): built once per rollout, week, role and unit for a digest run. Its "waited N
        days" are those of the run's first such digest, minutes old at most."""
        from rollout.models import Role

        return (membership.role, membership.unit_id if membership.role == Role.CHAMPION else None)

    def digest_section(self, rollout, membership, since):
        """The activity part's section, with the conversations part's lines (the queue, momentum)."""
        return step_parts.merge_digest(
            self._activity_digest(rollout, membership, since), rollout, membership, since
        )

    def _activity_digest(self, rollout, membership, since):
        """Managers, admins and leaders: the week's active users, participation and dialogue."""
        from rollout.access import LEADERS

        from .selectors import active_users, audience_size, dialogue_ratio, last_data_day

        if membership.role not in LEADERS:
            return None
        last = last_data_day(rollout)
        if last is None:
            return None
        active = active_users(rollout, last)
        size = audience_size(rollout)
        lines = [
            f"{active or 0} active users in the 28 days to {last:%d %b %Y}"
            + (f": {100 * (active or 0) / size:.0f}% of the audience of {size}." if size else ".")
        ]
        dialogue = dialogue_ratio(rollout, last)
        if dialogue is not None:
            lines.append(f"Dialogue ratio {dialogue:.0f}% (replies among posts and replies).")
        since_day = timezone.localdate(since) if hasattr(since, "hour") else since
        if last < since_day - timedelta(days=7):
            lines.append("No new activity report this week: import the latest export.")
        return DigestSection("Engagement", lines)

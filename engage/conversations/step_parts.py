"""Engage part 2's contributions to the step (engage/step.py combines them with part 1's):
health, portfolio facts, the time-to-first-response trend, digest lines and units.

Every function answers for many rollouts in a fixed number of queries.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from rollout.access import EDITORS
from rollout.models import Role
from rollout.portfolio import remember
from rollout.steps import Fact, Status, Trend

from ..models import Pulse
from . import momentum, selectors

DIGEST_QUESTIONS = 5
ALERT_PENALTY = 10
FACT_WEEKS = 8  # the weeks of "answered within target" drawn beside the portfolio's fact


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def portfolio_inputs(rollouts):
    """What this part's health and facts read, each once, for the portfolio (which asks for both):
    (the 30-day figures with the backlog, the momentum alerts, the weekly response)."""
    rollouts = list(rollouts)
    return (
        selectors.health_figures(rollouts),
        momentum.current_alerts(rollouts),
        selectors.response_by_week(rollouts, weeks=FACT_WEEKS),
    )


def health_parts(rollouts, inputs=None):
    """{rollout.pk: (score or None, reasons, next_action, next_url)}.

    The score is the share of the last 30 days' questions answered within the target, less 10
    points per unit with a momentum alert (at most 30); None while no question was recorded.
    `inputs`: portfolio_inputs(rollouts), if already read.
    """
    rollouts = list(rollouts)
    if inputs is None:
        figures, alerts = selectors.health_figures(rollouts), momentum.current_alerts(rollouts)
    else:
        figures, alerts, _weeks = inputs
    parts = {}
    for rollout in rollouts:
        row = figures.get(rollout.pk)
        dropped = alerts.get(rollout.pk, [])
        if row is None and not dropped:
            continue
        reasons, score = [], None
        row = row or {"asked": 0, "within_share": None, "ttfr_hours": None, "overdue": 0}
        if row["asked"]:
            reasons.append(
                f"{_plural(row['asked'], 'question')} in the last 30 days"
                + (
                    f", {row['within_share']}% answered within target"
                    if row["within_share"] is not None
                    else ""
                )
                + (
                    f", first response after {row['ttfr_hours']} h on average"
                    if row["ttfr_hours"] is not None
                    else ""
                )
                + "."
            )
        if row["within_share"] is not None:
            score = row["within_share"]
        backlog = row.get("backlog", 0)
        if backlog:
            reasons.append(f"{_plural(backlog, 'question')} waiting for a first reply.")
        if dropped:
            names = ", ".join(sorted({alert.unit.name for alert in dropped}))
            reasons.append(f"Momentum is dropping in {names}.")
            if score is not None:
                score = max(0, score - min(3, len(dropped)) * ALERT_PENALTY)
        queue = reverse("engage:queue", kwargs={"pk": rollout.pk})
        if row["overdue"]:
            action, url = f"Answer the {_plural(row['overdue'], 'question')} waiting past the target", queue
        elif dropped:
            action = f"Re-engage {dropped[0].unit.name}: momentum is dropping"
            url = reverse("engage:momentum", kwargs={"pk": rollout.pk})
        elif backlog:
            action, url = f"Answer the {_plural(backlog, 'open question')}", queue
        else:
            action, url = "", ""
        parts[rollout.pk] = (score, reasons, action, url)
    return parts


def facts(rollouts, inputs=None):
    """{rollout.pk: [Fact]}: answered within target with its weekly trend. `inputs`:
    portfolio_inputs(rollouts), if already read."""
    rollouts = list(rollouts)
    if inputs is None:
        figures = selectors.health_figures(rollouts)
        weeks = selectors.response_by_week(rollouts, weeks=FACT_WEEKS)
    else:
        figures, _alerts, weeks = inputs
    result = {}
    for rollout in rollouts:
        row = figures.get(rollout.pk)
        if not row or not row["asked"]:
            continue
        share = row["within_share"]
        value = f"{share}%" if share is not None else "not yet known"
        if row["ttfr_hours"] is not None:
            value += f", first response after {row['ttfr_hours']} h on average"
        value += f"; {row.get('backlog', 0)} open"
        result[rollout.pk] = [
            Fact(
                "Questions answered within target (30 days)",
                value,
                Status.from_score(share) if share is not None else "",
                trend=tuple(r["within_share"] or 0 for _, r in weeks.get(rollout.pk, [])),
            )
        ]
    return result


def ttfr_trend(rollout):
    weeks = selectors.response_by_week([rollout], weeks=26)[rollout.pk]
    points = tuple((week, r["ttfr_hours"]) for week, r in weeks if r["ttfr_hours"] is not None)
    title, unit = "Time to first response", "hours"
    if not points:
        return Trend(
            "time-to-first-response",
            title,
            unit,
            missing="Import conversations (Engage step) to see how fast questions get their first reply.",
        )
    target = rollout.organization.response_target_hours
    return Trend(
        "time-to-first-response", title, unit, points=points, target=tuple((d, target) for d, _ in points)
    )


def trends(rollout):
    return [ttfr_trend(rollout)]


def digest_lines(rollout, membership, since):
    """Lines for the weekly digest: a champion's units' unanswered questions; managers the week."""
    now = timezone.now()
    if membership.role == Role.CHAMPION:
        if not membership.unit_id:
            return []
        # Every unit's queue of the rollout, read once per digest run (each unit's champions share
        # their section: EngageStep.digest_key); not two queries per unit.
        by_unit = remember(
            ("engage-digest-queue", rollout.pk, since),
            lambda: selectors.oldest_open_by_unit(rollout, DIGEST_QUESTIONS),
            organization=rollout.organization_id,
        )
        count, oldest = by_unit.get(membership.unit_id, (0, []))
        if not count:
            return [f"No unanswered questions from {membership.unit}. Thank you!"]
        lines = [f"{_plural(count, 'unanswered question')} from {membership.unit}, oldest first:"]
        for text, author, asked in oldest:
            lines.append(f"- {text} ({author}, {(now - asked).days} days ago)")
        if count > DIGEST_QUESTIONS:
            lines.append(f"…and {count - DIGEST_QUESTIONS} more in the queue.")
        return lines
    if membership.role not in EDITORS:
        return []
    week = selectors.response_summary(rollout, since=since, now=now)
    backlog = selectors.response_summary(rollout, now=now)
    lines = []
    if week["asked"] or backlog["open"]:
        share = (
            f", {week['within_share']}% answered within target" if week["within_share"] is not None else ""
        )
        lines.append(f"{_plural(week['asked'], 'question')} this week{share}.")
        lines.append(f"{backlog['open']} waiting for a first reply, {backlog['overdue']} past the target.")
    for alert in momentum.current_alerts([rollout]).get(rollout.pk, []):
        lines.append(
            f"Momentum alert: {alert.unit.name}, {alert.current} active vs a peak of {alert.peak} ({alert.fall_percent}% down)."
        )
    latest = Pulse.objects.filter(rollout=rollout, opened_at__gte=since - timedelta(days=7)).first()
    if latest is not None:
        lines.append(f"Pulse '{latest.title}': {latest.responses.count()} responses so far.")
    return lines


def units(rollouts):
    return selectors.queue_units(rollouts)


def unit_pairs(rollouts):
    """The (rollout id, unit id) pairs of units(), as a queryset to unite with another."""
    return selectors.queue_unit_pairs(rollouts)


def merge_health(step, rollouts, healths, inputs=None):
    """Combine the activity part's {pk: StepHealth} with this part's: the score is the mean of the
    parts that have one; this part's action comes first when it is urgent (questions past the
    target, a momentum alert) or the activity part has none. `inputs`: portfolio_inputs()."""
    from rollout.steps import StepHealth

    parts = health_parts(rollouts, inputs)
    merged = dict(healths)
    for rollout in rollouts:
        part = parts.get(rollout.pk)
        if part is None:
            continue
        score, reasons, action, url = part
        current = healths.get(rollout.pk) or step.not_started(rollout)
        scores = [s for s in (current.score if current.started else None, score) if s is not None]
        combined = round(sum(scores) / len(scores)) if scores else None
        urgent = action and (not current.started or action.startswith(("Answer", "Re-engage")))
        merged[rollout.pk] = StepHealth(
            score=combined,
            status=Status.from_score(combined),
            reasons=(current.reasons if current.started else []) + reasons,
            next_action=action if urgent else current.next_action,
            next_url=url if urgent else current.next_url,
        )
    return merged


def merge_facts(found, rollouts, inputs=None):
    merged = dict(found)
    for pk, extra in facts(rollouts, inputs).items():
        merged[pk] = [*merged.get(pk, []), *extra]
    return merged


def merge_units(found, rollouts):
    merged = {pk: set(units) for pk, units in found.items()}
    for pk, extra in units(rollouts).items():
        merged.setdefault(pk, set()).update(extra)
    return merged


def merge_digest(section, rollout, membership, since):
    """Add this part's lines to the activity part's section (or make the section)."""
    from rollout.steps import DigestSection

    lines = digest_lines(rollout, membership, since)
    if not lines:
        return section
    if section is None:
        return DigestSection("Engagement", lines)
    return DigestSection(section.title, [*section.lines, *lines])

"""Engage part 2's contributions to the step (engage/step.py combines them with part 1's):
health, portfolio facts, the time-to-first-response trend, digest lines and units; and the
employee's side: the "Ask for help" panel, the person's records and "You said, we did".

Every function answers for many rollouts in a fixed number of queries.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rollout.access import EDITORS
from rollout.data_versions import remember
from rollout.i18n import Percent, Phrase, number, percent
from rollout.models import Role
from rollout.steps import Fact, Status, Trend
from strategy.selectors import response_target, response_targets_for

from . import momentum, selectors
from .models import Pulse, Thread

DIGEST_QUESTIONS = 5
ALERT_PENALTY = 10
FACT_WEEKS = 8  # the weeks of "answered within target" drawn beside the portfolio's fact


def portfolio_inputs(rollouts):
    """What this part's health and facts read, each once, for the portfolio (which asks for both):
    (the 30-day figures with the backlog and the target, the momentum alerts, the weekly response).
    The rollouts' response targets are read once for both figures."""
    rollouts = list(rollouts)
    targets = response_targets_for(rollouts)
    return (
        selectors.health_figures(rollouts, targets=targets),
        momentum.current_alerts(rollouts),
        selectors.response_by_week(rollouts, weeks=FACT_WEEKS, targets=targets),
    )


def health_parts(rollouts, inputs=None):
    """{rollout.pk: (score or None, reasons, next_action, next_url)}.

    The score is the share of the last 30 days' questions answered within the rollout's response
    target, less 10 points per unit with a momentum alert (at most 30); None while no question was
    recorded. The reasons name the target and where it comes from.
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
            reasons.append(_asked_reason(row))
        if row["within_share"] is not None:
            score = row["within_share"]
        backlog = row.get("backlog", 0)
        if backlog:
            reasons.append(
                Phrase.ngettext(
                    "%(count)s question waiting for a first reply.",
                    "%(count)s questions waiting for a first reply.",
                    backlog,
                    count=backlog,
                )
            )
        if dropped:
            names = ", ".join(sorted({alert.unit.name for alert in dropped}))  # names: not translated
            reasons.append(Phrase.gettext("Momentum is dropping in %(units)s.", units=names))
            if score is not None:
                score = max(0, score - min(3, len(dropped)) * ALERT_PENALTY)
        queue = reverse("engage:queue", kwargs={"pk": rollout.pk})
        # (merge_health recognises the urgent actions by their English start: "Answer", "Re-engage".)
        if row["overdue"]:
            action = Phrase.ngettext(
                "Answer the %(count)s question waiting past the target",
                "Answer the %(count)s questions waiting past the target",
                row["overdue"],
                count=row["overdue"],
            )
            url = queue
        elif dropped:
            action = Phrase.gettext("Re-engage %(unit)s: momentum is dropping", unit=dropped[0].unit.name)
            url = reverse("engage:momentum", kwargs={"pk": rollout.pk})
        elif backlog:
            action = Phrase.ngettext(
                "Answer the %(count)s open question",
                "Answer the %(count)s open questions",
                backlog,
                count=backlog,
            )
            url = queue
        else:
            action, url = "", ""
        parts[rollout.pk] = (score, reasons, action, url)
    return parts


def _asked_reason(row):
    """The questions of the last 30 days, answered within the target and how fast, as a sentence."""
    values = {"count": row["asked"]}
    if row["within_share"] is not None:
        values.update(percent=Percent(row["within_share"], 0), target=row["target"].phrase)
    if row["ttfr_hours"] is not None:
        values.update(hours=row["ttfr_hours"])
    if row["within_share"] is not None and row["ttfr_hours"] is not None:
        # Translators: %(target)s is the response target, e.g. "4 h, from the strategy".
        return Phrase.ngettext(
            "%(count)s question in the last 30 days, %(percent)s answered within the target (%(target)s), "
            "first response after %(hours)s h on average.",
            "%(count)s questions in the last 30 days, %(percent)s answered within the target (%(target)s), "
            "first response after %(hours)s h on average.",
            row["asked"],
            **values,
        )
    if row["within_share"] is not None:
        return Phrase.ngettext(
            "%(count)s question in the last 30 days, %(percent)s answered within the target (%(target)s).",
            "%(count)s questions in the last 30 days, %(percent)s answered within the target (%(target)s).",
            row["asked"],
            **values,
        )
    if row["ttfr_hours"] is not None:
        return Phrase.ngettext(
            "%(count)s question in the last 30 days, first response after %(hours)s h on average.",
            "%(count)s questions in the last 30 days, first response after %(hours)s h on average.",
            row["asked"],
            **values,
        )
    return Phrase.ngettext(
        "%(count)s question in the last 30 days.",
        "%(count)s questions in the last 30 days.",
        row["asked"],
        **values,
    )


def facts(rollouts, inputs=None):
    """{rollout.pk: [Fact]}: answered within target with its weekly trend; the value names the
    target and where it comes from. `inputs`: portfolio_inputs(rollouts), if already read."""
    rollouts = list(rollouts)
    if inputs is None:
        targets = response_targets_for(rollouts)
        figures = selectors.health_figures(rollouts, targets=targets)
        weeks = selectors.response_by_week(rollouts, weeks=FACT_WEEKS, targets=targets)
    else:
        figures, _alerts, weeks = inputs
    result = {}
    for rollout in rollouts:
        row = figures.get(rollout.pk)
        if not row or not row["asked"]:
            continue
        share = row["within_share"]
        values = {
            "percent": Percent(share, 0) if share is not None else Phrase.gettext("not yet known"),
            "target": row["target"].phrase,
            "open": row.get("backlog", 0),
        }
        if row["ttfr_hours"] is not None:
            # Translators: %(percent)s is a percentage or "not yet known"; %(target)s e.g. "4 h, from the strategy".
            value = Phrase.gettext(
                "%(percent)s (target %(target)s), first response after %(hours)s h on average; %(open)s open",
                hours=row["ttfr_hours"],
                **values,
            )
        else:
            # Translators: %(percent)s is a percentage or "not yet known"; %(target)s e.g. "4 h, from the strategy".
            value = Phrase.gettext("%(percent)s (target %(target)s); %(open)s open", **values)
        result[rollout.pk] = [
            Fact(
                Phrase.gettext("Questions answered within target (30 days)"),
                value,
                Status.from_score(share) if share is not None else "",
                trend=tuple(r["within_share"] or 0 for _, r in weeks.get(rollout.pk, [])),
                definition="answered-within-the-target",
                rows_url=reverse("engage:queue_questions", kwargs={"pk": rollout.pk}),
            )
        ]
    return result


def ttfr_trend(rollout):
    """Weekly mean time to first response against the rollout's response target (named in the
    title with where it comes from)."""
    targets = response_targets_for([rollout])
    target = targets[rollout.pk]
    weeks = selectors.response_by_week([rollout], weeks=26, targets=targets)[rollout.pk]
    points = tuple((week, r["ttfr_hours"]) for week, r in weeks if r["ttfr_hours"] is not None)
    unit = Phrase.gettext("hours")
    if not points:
        return Trend(
            "time-to-first-response",
            Phrase.gettext("Time to first response"),
            unit,
            missing=Phrase.gettext(
                "Import conversations (Engage step) to see how fast questions get their first reply."
            ),
        )
    return Trend(
        "time-to-first-response",
        Phrase.gettext("Time to first response (target %(target)s)", target=target.phrase),
        unit,
        points=points,
        target=tuple((d, target.hours) for d, _ in points),
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
        unit = str(membership.unit)
        if not count:
            return [Phrase.gettext("No unanswered questions from %(unit)s. Thank you!", unit=unit)]
        lines = [
            Phrase.ngettext(
                "%(count)s unanswered question from %(unit)s, oldest first:",
                "%(count)s unanswered questions from %(unit)s, oldest first:",
                count,
                count=count,
                unit=unit,
            )
        ]
        for text, author, asked in oldest:
            # A text removed by retention or an erasure (conversations/privacy.py) says so.
            waited = (now - asked).days
            # Translators: a question of the digest: "- <its text> (<who asked>, 3 days ago)".
            lines.append(
                Phrase.ngettext(
                    "- %(text)s (%(author)s, %(count)s days ago)",
                    "- %(text)s (%(author)s, %(count)s days ago)",
                    waited,
                    text=text or Phrase.gettext("(text removed)"),
                    author=str(author),
                    count=waited,
                )
            )
        if count > DIGEST_QUESTIONS:
            more = count - DIGEST_QUESTIONS
            lines.append(
                Phrase.ngettext(
                    "…and %(count)s more in the queue.", "…and %(count)s more in the queue.", more, count=more
                )
            )
        return lines
    if membership.role not in EDITORS:
        return []
    target = response_target(rollout)
    week = selectors.response_summary(rollout, since=since, now=now, target=target)
    backlog = selectors.response_summary(rollout, now=now, target=target)
    lines = []
    if week["asked"] or backlog["open"]:
        if week["within_share"] is not None:
            lines.append(
                Phrase.ngettext(
                    "%(count)s question this week, %(percent)s answered within the target.",
                    "%(count)s questions this week, %(percent)s answered within the target.",
                    week["asked"],
                    count=week["asked"],
                    percent=Percent(week["within_share"], 0),
                )
            )
        else:
            lines.append(
                Phrase.ngettext(
                    "%(count)s question this week.",
                    "%(count)s questions this week.",
                    week["asked"],
                    count=week["asked"],
                )
            )
        # Translators: %(target)s is the response target, e.g. "4 h, from the strategy".
        lines.append(
            Phrase.ngettext(
                "%(count)s waiting for a first reply, %(overdue)s past the target (%(target)s).",
                "%(count)s waiting for a first reply, %(overdue)s past the target (%(target)s).",
                backlog["open"],
                count=backlog["open"],
                overdue=backlog["overdue"],
                target=target.phrase,
            )
        )
    for alert in momentum.current_alerts([rollout]).get(rollout.pk, []):
        lines.append(
            Phrase.gettext(
                "Momentum alert: %(unit)s, %(current)s active vs a peak of %(peak)s (%(percent)s down).",
                unit=alert.unit.name,
                current=alert.current,
                peak=alert.peak,
                percent=Percent(alert.fall_percent, 0),
            )
        )
    latest = Pulse.objects.filter(rollout=rollout, opened_at__gte=since - timedelta(days=7)).first()
    if latest is not None:
        responses = latest.responses.count()
        lines.append(
            Phrase.ngettext(
                "Pulse '%(title)s': %(count)s responses so far.",
                "Pulse '%(title)s': %(count)s responses so far.",
                responses,
                title=latest.title,
                count=responses,
            )
        )
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
        status = Status.from_score(combined)
        # The activity part's ceiling (e.g. participation under half its path) holds for the step.
        capped = bool(current.ceiling) and Status.ORDER.index(current.ceiling) < Status.ORDER.index(status)
        if capped:
            status, combined = current.ceiling, min(combined, Status.TOP_SCORE[current.ceiling])
        urgent = action and (not current.started or action.startswith(("Answer", "Re-engage")))
        merged[rollout.pk] = StepHealth(
            score=combined,
            status=status,
            reasons=(current.reasons if current.started else []) + reasons,
            next_action=action if urgent else current.next_action,
            next_url=url if urgent else current.next_url,
            drivers=_merged_drivers(current, score, reasons, len(scores), capped),
            ceiling=current.ceiling,
            ceiling_reason=current.ceiling_reason,
        )
    return merged


def _merged_drivers(current, score, reasons, parts, capped):
    """The step's drivers once this part's score is averaged with the activity part's: the
    activity part's ceiling first when it caps the step, then the facts by the points they cost
    the mean."""
    from rollout.steps import Driver

    ceilings = [Driver(current.ceiling_reason, None)] if capped else []
    costs = [
        Driver(driver.fact, round(driver.points_lost / parts))
        for driver in current.drivers
        if driver.points_lost is not None
    ]
    if score is not None and score < 100 and parts:
        costs.append(
            Driver(
                reasons[0] if reasons else Phrase.gettext("Questions answered within the target."),
                round((100 - score) / parts),
            )
        )
    costs.sort(key=lambda driver: -driver.points_lost)
    return tuple([*ceilings, *(driver for driver in costs if driver.points_lost)][:3])


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
        return DigestSection(Phrase.gettext("Engagement"), lines)
    return DigestSection(section.title, [*section.lines, *lines])


# The employee's side (rollout/people): the person's page, their records, "You said, we did" ------

ASK_PANEL_QUESTIONS = 5


def member_panels(membership):
    """ "Ask for help": the button and the person's latest questions with their state, in two
    queries whatever the number of questions."""
    from rollout.models import Rollout
    from rollout.steps import MemberPanel

    from .asking import OPEN_FOR_QUESTIONS

    asked = selectors.questions_asked_by(membership.user_id, membership.organization_id)
    questions = list(asked[: ASK_PANEL_QUESTIONS + 1])
    can_ask = Rollout.objects.filter(
        organization_id=membership.organization_id, status__in=OPEN_FOR_QUESTIONS
    ).exists()
    return [
        MemberPanel(
            key="ask-for-help",
            title=_("Ask for help"),
            template="engage/member/_ask.html",
            context={
                "questions": questions[:ASK_PANEL_QUESTIONS],
                "more": len(questions) > ASK_PANEL_QUESTIONS,
                "can_ask": can_ask,
                "ask_url": reverse("conversations_org:ask"),
                "mine_url": reverse("conversations_org:mine"),
            },
            order=60,
        )
    ]


def _source(source, channel):
    label = Thread.Source(source).label if source in Thread.Source.values else source
    # Translators: where a message was written, e.g. "Slack, #general".
    return _("%(source)s, %(channel)s") % {"source": label, "channel": channel} if channel else label


def personal_records(membership):
    """The person's messages and questions (any source), their pulse invitations (never their
    answers: those are anonymous) and their training attendance: three queries."""
    from rollout.steps import PersonalRecords

    user, organization_id = membership.user, membership.organization_id
    written_by = list(selectors.messages_by(user, organization_id))
    messages = [
        (
            rollout,
            _source(source, channel),
            written,
            (_("question, answered") if answered else _("question, waiting")) if question else _("message"),
            text,
        )
        for rollout, source, channel, written, question, answered, text in written_by
    ]
    asked = sum(1 for row in written_by if row[4])
    invitations = [
        (rollout, title, invited, _("yes") if answered else _("no"))
        for rollout, title, invited, answered in selectors.pulse_invitations_of(user, organization_id)
    ]
    training = list(selectors.training_attended(user, organization_id))
    questions = ngettext("%(count)s question", "%(count)s questions", asked) % {"count": number(asked)}
    return [
        PersonalRecords(
            key="messages",
            title=gettext_lazy("Your messages and questions"),
            columns=(
                gettext_lazy("Rollout"),
                gettext_lazy("Where"),
                gettext_lazy("Written"),
                gettext_lazy("Kind"),
                gettext_lazy("Text"),
            ),
            rows=tuple(messages),
            # Translators: e.g. "12 messages, of which 3 questions."
            summary=ngettext(
                "%(count)s message, of which %(questions)s.",
                "%(count)s messages, of which %(questions)s.",
                len(messages),
            )
            % {"count": number(len(messages)), "questions": questions},
        ),
        PersonalRecords(
            key="pulse-invitations",
            title=gettext_lazy("Pulse surveys you were asked to answer"),
            columns=(
                gettext_lazy("Rollout"),
                gettext_lazy("Pulse"),
                gettext_lazy("Invited"),
                gettext_lazy("Answered"),
            ),
            rows=tuple(invitations),
            summary=ngettext(
                "Asked to answer %(count)s pulse. Your answers are anonymous: "
                "they are stored without your name and cannot be traced back to you.",
                "Asked to answer %(count)s pulses. Your answers are anonymous: "
                "they are stored without your name and cannot be traced back to you.",
                len(invitations),
            )
            % {"count": number(len(invitations))},
        ),
        PersonalRecords(
            key="training",
            title=gettext_lazy("Training sessions you attended"),
            columns=(gettext_lazy("Rollout"), gettext_lazy("Day")),
            rows=tuple(training),
            summary=ngettext(
                "%(count)s training session attended.", "%(count)s training sessions attended.", len(training)
            )
            % {"count": number(len(training))},
        ),
    ]


def score_line(question, mean, low):
    """One question's result as "You said" reads it, with the results page's figures and rounding
    (the mean to one decimal, the share at 3 or less in whole per cent)."""
    from django.template.defaultfilters import floatformat

    label = question.get_element_display() if question.element else question.text
    # Translators: a pulse question's result, e.g. "Awareness: 3.8 of 5 on average, 20% at 3 or less".
    return _("%(question)s: %(mean)s of 5 on average, %(low)s at 3 or less") % {
        "question": label,
        "mean": floatformat(mean, 1),
        "low": percent(low, 0),
    }


def shared_outcomes(rollouts, since):
    """ "You said, we did" of the closed pulses of `rollouts` published since `since` (closed, or
    their "what we did" written since): their results, one line per question, with what was done
    about them. A pulse with fewer responses than its organization's privacy threshold is never
    shared. Three queries (four when the rollouts come without their organization)."""
    from django.db.models import Count, Q

    from rollout.steps import SharedOutcome, organizations_of

    from . import pulses as pulse_results
    from .models import PulseQuestion

    rollouts = list(rollouts)
    if not rollouts:
        return []
    organizations = organizations_of(rollouts)
    threshold = {rollout.pk: organizations[rollout.organization_id].privacy_min_group for rollout in rollouts}
    closed = (
        Pulse.objects.filter(rollout__in=rollouts, status=Pulse.Status.CLOSED, closed_at__isnull=False)
        .filter(Q(closed_at__gte=since) | Q(outcome_written_at__gte=since))
        .annotate(responses_count=Count("responses"))
        .order_by("closed_at", "pk")
    )
    shown = [pulse for pulse in closed if pulse.responses_count >= threshold[pulse.rollout_id]]
    if not shown:
        return []
    scores = pulse_results.overall_scores([pulse.pk for pulse in shown])
    questions: dict[int, list] = {}
    for question in PulseQuestion.objects.filter(pulse__in=shown).order_by("pulse_id", "order"):
        questions.setdefault(question.pulse_id, []).append(question)
    found = []
    for pulse in shown:
        said = []
        for question in questions.get(pulse.pk, []):
            if question.pk in scores.get(pulse.pk, {}):
                mean, low = scores[pulse.pk][question.pk]
                said.append(score_line(question, mean, low))
        found.append(
            SharedOutcome(
                rollout_id=pulse.rollout_id,
                kind="pulse",
                title=pulse.title,
                published_at=max(pulse.closed_at, pulse.outcome_written_at or pulse.closed_at),
                said=tuple(said),
                did=tuple(line.strip() for line in pulse.outcome.splitlines() if line.strip()),
            )
        )
    return found


# Erasing a person and retention (the centre's rollout/privacy.py asks the step) -----------------


def erase_person(membership, pseudonym, keys):
    """Erase the person from the conversations of the membership's organization, `keys` mapping
    their import keys to pseudonymous ones (conversations/privacy.py); the rows changed."""
    from . import privacy

    return privacy.erase_person(membership, pseudonym, keys)


def apply_retention(organization, policy, now):
    """{"conversation texts": messages blanked} under the organization's retention `policy`."""
    from . import privacy

    return {"conversation texts": privacy.apply_retention(organization, policy.conversation_text_days, now)}

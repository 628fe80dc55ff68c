"""Step 6, Review: its entry in the step registry (see rollout/steps.py)."""

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone

from rollout.steps import (
    Ceiling,
    DigestSection,
    Fact,
    Part,
    PersonalRecords,
    SharedOutcome,
    Status,
    Step,
    StepPage,
    Trend,
    scored,
)

# How the score weighs its three parts (docs/steps/review.md explains them).
WEIGHTS = {"schedule": 40, "kpis": 40, "actions": 20}
# A review this many days overdue scores nothing for the schedule and caps the step at off track.
LATE_DAYS = 28


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def schedule_points(days_late):
    """Full marks while the next review is not overdue, nothing once it is four weeks late."""
    if days_late <= 0:
        return 1.0
    return max(0.0, 1 - days_late / LATE_DAYS)


def _kpi_ceilings(number, n_kpis, at_risk, off_track):
    """The caps the KPIs of the last completed review put on the step: more than half off track
    cannot be better than off track; any off track, or more than half at risk, than at risk."""
    if 2 * off_track > n_kpis:
        return [
            Ceiling(
                Status.OFF_TRACK, f"{off_track} of {n_kpis} KPIs off track at review {number}: more than half"
            )
        ]
    if off_track:
        return [Ceiling(Status.AT_RISK, f"{_plural(off_track, 'KPI')} off track at review {number}")]
    if 2 * at_risk > n_kpis:
        return [
            Ceiling(Status.AT_RISK, f"{at_risk} of {n_kpis} KPIs at risk at review {number}: more than half")
        ]
    return []


def _action_state(action):
    """An action as employees read it: "<title>: done", "in progress, due 3 Mar 2026", ..."""
    from .models import Action

    due = f", due {action.due_date:%-d %b %Y}" if action.due_date else ""
    state = {
        Action.Status.DONE: "Done",
        Action.Status.DROPPED: "Dropped",
        Action.Status.IN_PROGRESS: f"In progress{due}",
        Action.Status.OPEN: f"Planned{due}",
    }.get(action.status, action.get_status_display())
    return f"{action.title}: {state}"


class ReviewStep(Step):
    number = 6
    key = "review"
    name = "Review"
    icon = "arrow-repeat"
    summary = (
        "Review the rollout regularly against its strategy, act on what you find, and reassess the platforms."
    )
    questions = (
        "Is each success metric on track against its target?",
        "What is working and what is not, step by step?",
        "Which actions were decided, who owns them, and are they done?",
        "Which platforms are emerging, in use, declining or due to retire?",
    )
    first_action = "Schedule the first review"
    url_name = "reviews:home"
    pages = (
        StepPage("home", "Reviews", "reviews:home"),
        StepPage("actions", "Actions", "reviews:actions"),
        StepPage("landscape", "Platform landscape", "reviews:landscape"),
    )

    def health(self, rollouts):
        """Next review due or overdue, share of KPIs on track at the last review, overdue actions.

        Four queries for any number of rollouts (see selectors.health_figures).
        """
        from .selectors import health_figures

        if not rollouts:
            return {}
        return self._healths(rollouts, health_figures(rollouts))

    def portfolio_figures(self, rollouts):
        """Health and facts from one reading of the aggregates (the portfolio asks for both)."""
        from .selectors import health_figures

        if not rollouts:
            return {}, {}, {}
        figures = health_figures(rollouts)
        return self._healths(rollouts, figures), self._facts(rollouts, figures), self.units_of(rollouts)

    def _healths(self, rollouts, figures):
        today, open_reviews, last_completed, actions = figures
        result = {}
        for rollout in rollouts:
            upcoming, last = open_reviews.get(rollout.pk), last_completed.get(rollout.pk)
            if upcoming is None and last is None:
                result[rollout.pk] = self.not_started(rollout)
                continue
            figures = actions.get(rollout.pk, {"open": 0, "overdue": 0})
            result[rollout.pk] = self._health(
                rollout, today[rollout.organization_id], upcoming, last, figures
            )
        return result

    def _health(self, rollout, today, upcoming, last, actions):
        parts, reasons, kpi_ceilings, late_ceilings = {}, [], [], []
        action, url = "Schedule the next review", self.url(rollout)
        if upcoming is not None:
            days = (upcoming["due_date"] - today).days
            edit = reverse("reviews:edit", kwargs={"pk": rollout.pk, "review": upcoming["pk"]})
            if days < 0:
                schedule = f"Review {upcoming['number']} is {_plural(-days, 'day')} overdue"
                action, url = f"Hold review {upcoming['number']}, due {upcoming['due_date']:%-d %b}", edit
            else:
                when = "today" if days == 0 else f"in {_plural(days, 'day')}"
                schedule = f"Review {upcoming['number']} due {upcoming['due_date']:%-d %b %Y} ({when})"
                action, url = f"Prepare review {upcoming['number']}, due {upcoming['due_date']:%-d %b}", edit
            if -days > LATE_DAYS:
                late_ceilings.append(
                    Ceiling(Status.OFF_TRACK, f"Review {upcoming['number']} is more than four weeks overdue")
                )
            parts["schedule"] = Part(WEIGHTS["schedule"], schedule_points(-days), schedule)
        else:
            parts["schedule"] = Part(WEIGHTS["schedule"], 0.0, "No review is scheduled")
        reasons.append(f"{parts['schedule'].fact}.")
        if last is not None and last["n_kpis"]:
            n_kpis, on_track, at_risk, off_track = (
                last[key] for key in ("n_kpis", "n_on_track", "n_at_risk", "n_off_track")
            )
            kpis = (
                f"{on_track} of {_plural(n_kpis, 'KPI')} on track at review {last['number']}"
                f" ({at_risk} at risk, {off_track} off track)"
            )
            parts["kpis"] = Part(WEIGHTS["kpis"], (on_track + at_risk / 2) / n_kpis, kpis)
            reasons.append(f"{kpis}.")
            kpi_ceilings = _kpi_ceilings(last["number"], n_kpis, at_risk, off_track)
        elif last is None:
            reasons.append("No review completed yet.")
        overdue = actions["overdue"]
        open_actions = f"{_plural(actions['open'], 'open action')}, {overdue} overdue"
        parts["actions"] = Part(WEIGHTS["actions"], max(0.0, 1 - overdue / 4), open_actions)
        reasons.append(f"{open_actions}.")
        if overdue and (upcoming is None or (upcoming["due_date"] - today).days >= 0):
            action = f"Follow up {_plural(overdue, 'overdue action')}"
            url = reverse("reviews:actions", kwargs={"pk": rollout.pk}) + "?status=open"
        # The most severe cap first, so that it alone is named among the drivers.
        ceilings = sorted(
            kpi_ceilings + late_ceilings, key=lambda ceiling: Status.ORDER.index(ceiling.status)
        )
        return scored(parts, reasons=reasons, next_action=action, next_url=url, ceilings=ceilings)

    def digest_section(self, rollout, membership, since):
        """Managers see the next review and the actions that are open or overdue."""
        from rollout.access import EDITORS

        from .selectors import action_counts, open_review, today_in

        if membership.role not in EDITORS:
            return None
        today = today_in(rollout.organization)
        review = open_review(rollout)
        counts = action_counts(rollout, today)
        lines = []
        if review is None:
            lines.append("No review is scheduled.")
        else:
            days = (review.due_date - today).days
            when = f"in {days} days" if days > 0 else ("today" if days == 0 else f"{-days} days overdue")
            lines.append(
                f"Review {review.number} is due {review.due_date:%-d %b %Y} ({when}), owner {review.owner or 'not set'}."
            )
        lines.append(
            f"{counts['open']} open action{'s' if counts['open'] != 1 else ''}, {counts['overdue']} overdue."
        )
        return DigestSection("Reviews", lines)

    def digest_key(self, membership):
        """The section is the same for every manager of the rollout (and absent for others)."""
        from rollout.access import EDITORS

        return membership.role in EDITORS

    def portfolio_facts(self, rollouts):
        """The next (or overdue) review and the KPIs of the last completed one."""
        from .selectors import health_figures

        if not rollouts:
            return {}
        return self._facts(rollouts, health_figures(rollouts))

    def _facts(self, rollouts, figures):
        today, open_reviews, last_completed, actions = figures
        facts = {}
        for rollout in rollouts:
            rows = []
            review = open_reviews.get(rollout.pk)
            if review is not None:
                days = (review["due_date"] - today[rollout.organization_id]).days
                when = f"in {days} days" if days > 0 else ("today" if days == 0 else f"{-days} days overdue")
                status = Status.OFF_TRACK if days < 0 else (Status.AT_RISK if days <= 7 else Status.ON_TRACK)
                rows.append(
                    Fact(
                        "Next review",
                        f"{review['due_date']:%-d %b %Y} ({when})",
                        status,
                        definition="next-review",
                        rows_url=reverse("reviews:detail", kwargs={"pk": rollout.pk, "review": review["pk"]}),
                    )
                )
            else:
                rows.append(
                    Fact(
                        "Next review",
                        "none scheduled",
                        Status.AT_RISK,
                        definition="next-review",
                        rows_url=self.url(rollout),
                    )
                )
            last = last_completed.get(rollout.pk)
            if last and last["n_kpis"]:
                share = last["n_on_track"] / last["n_kpis"]
                rows.append(
                    Fact(
                        "KPIs on track",
                        f"{last['n_on_track']} of {last['n_kpis']} (review {last['number']})",
                        Status.from_score(round(100 * share)),
                        definition="kpis-on-track",
                        rows_url=reverse("reviews:kpis", kwargs={"pk": rollout.pk})
                        + f"?review={last['number']}",
                    )
                )
            if review is not None or last is not None:
                counted = actions.get(rollout.pk, {"open": 0, "overdue": 0})
                rows.append(
                    Fact(
                        "Open actions",
                        f"{counted['open']} ({counted['overdue']} overdue)",
                        definition="open-actions",
                        rows_url=reverse("reviews:actions", kwargs={"pk": rollout.pk}) + "?status=open",
                    )
                )
            facts[rollout.pk] = rows
        return facts

    # The employee's side --------------------------------------------------------------------------

    def shared_outcomes(self, rollouts, since):
        """ "You said, we did": each completed review with something its managers chose to share
        (its decisions, actions raised in it), completed or shared since `since`; an action never
        appears unless it is marked shared. Two queries for any number of rollouts."""
        from .selectors import shared_reviews

        outcomes = []
        for review in shared_reviews(rollouts, since):
            did = []
            if review.decisions_for_employees:
                did.append(f"Decided: {review.decisions_for_employees}")
            did += [_action_state(action) for action in review.shared_actions]
            said = tuple(line.strip() for line in review.shared_said.splitlines() if line.strip())
            published = review.shared_at or timezone.make_aware(
                datetime.combine(review.completed_on, time.min)
            )
            outcomes.append(
                SharedOutcome(
                    rollout_id=review.rollout_id,
                    kind="review",
                    title=f"Review {review.number} of {review.rollout.name}",
                    published_at=published,
                    said=said,
                    did=tuple(did),
                )
            )
        return outcomes

    def erase_person(self, membership, pseudonym):
        """Detach the person from the reviews and actions they own (the rollout's, counted by the
        figures) and scrub their name from the review texts; see reviews/erasure.py."""
        from .erasure import erase_person

        return erase_person(membership, pseudonym)

    def personal_records(self, membership):
        """The reviews the person owns and the review actions assigned to them (two queries)."""
        from .selectors import assigned_actions, owned_reviews

        organization, user = membership.organization, membership.user
        reviews = tuple(
            (
                review.rollout.name,
                review.number,
                review.due_date,
                review.get_status_display(),
                review.completed_on,
            )
            for review in owned_reviews(organization, user)
        )
        actions = tuple(
            (
                action.rollout.name,
                action.title,
                action.due_date,
                action.get_status_display(),
                action.raised_in.number,
                "yes" if action.shared else "no",
            )
            for action in assigned_actions(organization, user)
        )
        open_actions = sum(1 for row in actions if row[3] in ("Open", "In progress"))
        return [
            PersonalRecords(
                key="reviews",
                title="Reviews you own",
                columns=("Rollout", "Review", "Due", "Status", "Completed on"),
                rows=reviews,
                summary=f"You own {_plural(len(reviews), 'review')}.",
            ),
            PersonalRecords(
                key="actions",
                title="Review actions assigned to you",
                columns=("Rollout", "Action", "Due", "Status", "Raised in review", "Shared with employees"),
                rows=actions,
                summary=f"{_plural(len(actions), 'action')} assigned to you, {open_actions} still open.",
            ),
        ]

    def trends(self, rollout):
        """Each success metric's actual at every completed review, against the path to its target."""
        from .models import KpiResult, Review

        results = (
            KpiResult.objects.filter(review__rollout=rollout, review__status=Review.Status.COMPLETED)
            .select_related("review")
            .order_by("metric_id", "review__number")
        )
        series = {}
        for result in results:
            series.setdefault(result.metric_id, []).append(result)
        trends = []
        for metric_id, rows in series.items():
            last = rows[-1]
            day = lambda r: r.review.completed_on or r.review.due_date  # noqa: E731
            points = tuple((day(r), r.actual) for r in rows if r.actual is not None)
            target = tuple((day(r), r.expected) for r in rows if r.expected is not None)
            if last.target_date:
                target += ((last.target_date, last.target),)
            title = f"{last.name}{f' ({last.audience})' if last.audience else ''} against the target path"
            trends.append(
                Trend(
                    key=f"kpi-{metric_id}",
                    title=title,
                    unit=last.name.lower(),
                    points=points,
                    target=target,
                    missing="No actual recorded at a completed review yet.",
                )
            )
        if not trends:
            trends.append(
                Trend(
                    key="kpis",
                    title="Success metrics against the target path",
                    unit="value",
                    missing="Complete a review (Review step) to see each success metric against its target path.",
                )
            )
        return trends

"""Step 6, Review: its entry in the step registry (see rollout/steps.py)."""

from datetime import datetime, time

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext, pgettext_lazy

from rollout.i18n import Phrase, number
from rollout.metrics import CUSTOM
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
    day,
    scored,
    sentence,
)

# How the score weighs its three parts (docs/steps/review.md explains them).
WEIGHTS = {"schedule": 40, "kpis": 40, "actions": 20}
# A review this many days overdue scores nothing for the schedule and caps the step at off track.
LATE_DAYS = 28


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
                Status.OFF_TRACK,
                Phrase.ngettext(
                    "%(off_track)s of %(count)s KPIs off track at review %(number)s: more than half",
                    "%(off_track)s of %(count)s KPIs off track at review %(number)s: more than half",
                    n_kpis,
                    off_track=off_track,
                    count=n_kpis,
                    number=number,
                ),
            )
        ]
    if off_track:
        return [
            Ceiling(
                Status.AT_RISK,
                Phrase.ngettext(
                    "%(count)s KPI off track at review %(number)s",
                    "%(count)s KPIs off track at review %(number)s",
                    off_track,
                    count=off_track,
                    number=number,
                ),
            )
        ]
    if 2 * at_risk > n_kpis:
        return [
            Ceiling(
                Status.AT_RISK,
                Phrase.ngettext(
                    "%(at_risk)s of %(count)s KPIs at risk at review %(number)s: more than half",
                    "%(at_risk)s of %(count)s KPIs at risk at review %(number)s: more than half",
                    n_kpis,
                    at_risk=at_risk,
                    count=n_kpis,
                    number=number,
                ),
            )
        ]
    return []


def _action_state(action):
    """An action as employees read it: "<title>: done", "in progress, due 3 Mar 2026", ..."""
    from .models import Action

    due = {"date": day(action.due_date)} if action.due_date else None
    if action.status == Action.Status.DONE:
        state = _("Done")
    elif action.status == Action.Status.DROPPED:
        state = _("Dropped")
    elif action.status == Action.Status.IN_PROGRESS:
        state = _("In progress, due %(date)s") % due if due else _("In progress")
    elif action.status == Action.Status.OPEN:
        state = _("Planned, due %(date)s") % due if due else _("Planned")
    else:
        state = action.get_status_display()
    # Translators: a review action and its state, e.g. "Recruit a Finance champion: In progress, due 2 Mar 2026".
    return _("%(action)s: %(state)s") % {"action": action.title, "state": state}


def _when(days):
    """When a review is due, as a Phrase value: "in 5 days", "today", "3 days overdue"."""
    if days > 0:
        return Phrase.ngettext("in %(count)s days", "in %(count)s days", days, count=days)
    if days == 0:
        return Phrase.gettext("today")
    return Phrase.ngettext("%(count)s days overdue", "%(count)s days overdue", -days, count=-days)


class ReviewStep(Step):
    figures_read = frozenset({"reviews"})
    number = 6
    key = "review"
    name = pgettext_lazy("the name of a step", "Review")
    icon = "arrow-repeat"
    summary = gettext_lazy(
        "Review the rollout regularly against its strategy, act on what you find, and reassess the platforms."
    )
    questions = (
        gettext_lazy("Is each success metric on track against its target?"),
        gettext_lazy("What is working and what is not, step by step?"),
        gettext_lazy("Which actions were decided, who owns them, and are they done?"),
        gettext_lazy("Which platforms are emerging, in use, declining or due to retire?"),
    )
    first_action = gettext_noop("Schedule the first review")
    url_name = "reviews:home"
    pages = (
        StepPage("home", gettext_lazy("Reviews"), "reviews:home"),
        StepPage("actions", pgettext_lazy("the actions decided at reviews", "Actions"), "reviews:actions"),
        StepPage("landscape", gettext_lazy("Platform landscape"), "reviews:landscape"),
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
        action, url = Phrase.gettext("Schedule the next review"), self.url(rollout)
        if upcoming is not None:
            days = (upcoming["due_date"] - today).days
            edit = reverse("reviews:edit", kwargs={"pk": rollout.pk, "review": upcoming["pk"]})
            number, due = upcoming["number"], upcoming["due_date"]
            if days < 0:
                schedule = Phrase.ngettext(
                    "Review %(number)s is %(count)s day overdue",
                    "Review %(number)s is %(count)s days overdue",
                    -days,
                    number=number,
                    count=-days,
                )
                action = Phrase.gettext(
                    "Hold review %(number)s, due %(date)s", number=number, date=day(due, year=False)
                )
            else:
                when = (
                    Phrase.gettext("today")
                    if days == 0
                    else Phrase.ngettext("in %(count)s day", "in %(count)s days", days, count=days)
                )
                # Translators: e.g. "Review 2 due 2 Mar 2026 (in 14 days)"; %(when)s is "today" or "in 14 days".
                schedule = Phrase.gettext(
                    "Review %(number)s due %(date)s (%(when)s)", number=number, date=day(due), when=when
                )
                action = Phrase.gettext(
                    "Prepare review %(number)s, due %(date)s", number=number, date=day(due, year=False)
                )
            url = edit
            if -days > LATE_DAYS:
                late_ceilings.append(
                    Ceiling(
                        Status.OFF_TRACK,
                        Phrase.gettext("Review %(number)s is more than four weeks overdue", number=number),
                    )
                )
            parts["schedule"] = Part(WEIGHTS["schedule"], schedule_points(-days), schedule)
        else:
            parts["schedule"] = Part(WEIGHTS["schedule"], 0.0, Phrase.gettext("No review is scheduled"))
        reasons.append(sentence(parts["schedule"].fact))
        if last is not None and last["n_kpis"]:
            n_kpis, on_track, at_risk, off_track = (
                last[key] for key in ("n_kpis", "n_on_track", "n_at_risk", "n_off_track")
            )
            kpis = Phrase.ngettext(
                "%(on_track)s of %(count)s KPI on track at review %(number)s"
                " (%(at_risk)s at risk, %(off_track)s off track)",
                "%(on_track)s of %(count)s KPIs on track at review %(number)s"
                " (%(at_risk)s at risk, %(off_track)s off track)",
                n_kpis,
                on_track=on_track,
                count=n_kpis,
                number=last["number"],
                at_risk=at_risk,
                off_track=off_track,
            )
            parts["kpis"] = Part(WEIGHTS["kpis"], (on_track + at_risk / 2) / n_kpis, kpis)
            reasons.append(sentence(kpis))
            kpi_ceilings = _kpi_ceilings(last["number"], n_kpis, at_risk, off_track)
        elif last is None:
            reasons.append(Phrase.gettext("No review completed yet."))
        overdue = actions["overdue"]
        open_actions = Phrase.ngettext(
            "%(count)s open action, %(overdue)s overdue",
            "%(count)s open actions, %(overdue)s overdue",
            actions["open"],
            count=actions["open"],
            overdue=overdue,
        )
        parts["actions"] = Part(WEIGHTS["actions"], max(0.0, 1 - overdue / 4), open_actions)
        reasons.append(sentence(open_actions))
        if overdue and (upcoming is None or (upcoming["due_date"] - today).days >= 0):
            action = Phrase.ngettext(
                "Follow up %(count)s overdue action",
                "Follow up %(count)s overdue actions",
                overdue,
                count=overdue,
            )
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
            lines.append(Phrase.gettext("No review is scheduled."))
        else:
            days = (review.due_date - today).days
            values = {"number": review.number, "date": day(review.due_date), "when": _when(days)}
            if review.owner:
                # Translators: e.g. "Review 2 is due 2 Mar 2026 (in 5 days), owner Ann Lee."
                line = Phrase.gettext(
                    "Review %(number)s is due %(date)s (%(when)s), owner %(owner)s.",
                    owner=str(review.owner),
                    **values,
                )
            else:
                line = Phrase.gettext(
                    "Review %(number)s is due %(date)s (%(when)s), owner not set.", **values
                )
            lines.append(line)
        lines.append(
            Phrase.ngettext(
                "%(count)s open action, %(overdue)s overdue.",
                "%(count)s open actions, %(overdue)s overdue.",
                counts["open"],
                count=counts["open"],
                overdue=counts["overdue"],
            )
        )
        return DigestSection(Phrase.gettext("Reviews"), lines)

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
                status = Status.OFF_TRACK if days < 0 else (Status.AT_RISK if days <= 7 else Status.ON_TRACK)
                rows.append(
                    Fact(
                        Phrase.gettext("Next review"),
                        # Translators: e.g. "2 Mar 2026 (in 5 days)"; %(when)s is "today", "in 5 days" or "3 days overdue".
                        Phrase.gettext("%(date)s (%(when)s)", date=day(review["due_date"]), when=_when(days)),
                        status,
                        definition="next-review",
                        rows_url=reverse("reviews:detail", kwargs={"pk": rollout.pk, "review": review["pk"]}),
                    )
                )
            else:
                rows.append(
                    Fact(
                        Phrase.gettext("Next review"),
                        Phrase.gettext("none scheduled"),
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
                        Phrase.gettext("KPIs on track"),
                        Phrase.gettext(
                            "%(on_track)s of %(count)s (review %(number)s)",
                            on_track=last["n_on_track"],
                            count=last["n_kpis"],
                            number=last["number"],
                        ),
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
                        Phrase.gettext("Open actions"),
                        Phrase.gettext(
                            "%(count)s (%(overdue)s overdue)",
                            count=counted["open"],
                            overdue=counted["overdue"],
                        ),
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
                did.append(_("Decided: %(decisions)s") % {"decisions": review.decisions_for_employees})
            did += [_action_state(action) for action in review.shared_actions]
            said = tuple(line.strip() for line in review.shared_said.splitlines() if line.strip())
            published = review.shared_at or timezone.make_aware(
                datetime.combine(review.completed_on, time.min)
            )
            outcomes.append(
                SharedOutcome(
                    rollout_id=review.rollout_id,
                    kind="review",
                    title=_("Review %(number)s of %(rollout)s")
                    % {"number": review.number, "rollout": review.rollout.name},
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
                _("yes") if action.shared else _("no"),
                action.status,
            )
            for action in assigned_actions(organization, user)
        )
        open_actions = sum(1 for row in actions if row[6] in ("open", "in_progress"))
        actions = tuple(row[:6] for row in actions)
        return [
            PersonalRecords(
                key="reviews",
                title=gettext_lazy("Reviews you own"),
                columns=(
                    gettext_lazy("Rollout"),
                    gettext_lazy("Review"),
                    gettext_lazy("Due"),
                    gettext_lazy("Status"),
                    gettext_lazy("Completed on"),
                ),
                rows=reviews,
                summary=ngettext("You own %(count)s review.", "You own %(count)s reviews.", len(reviews))
                % {"count": number(len(reviews))},
            ),
            PersonalRecords(
                key="actions",
                title=gettext_lazy("Review actions assigned to you"),
                columns=(
                    gettext_lazy("Rollout"),
                    pgettext("an action decided at a review", "Action"),
                    gettext_lazy("Due"),
                    gettext_lazy("Status"),
                    gettext_lazy("Raised in review"),
                    gettext_lazy("Shared with employees"),
                ),
                rows=actions,
                summary=ngettext(
                    "%(count)s action assigned to you, %(open)s still open.",
                    "%(count)s actions assigned to you, %(open)s still open.",
                    len(actions),
                )
                % {"count": number(len(actions)), "open": number(open_actions)},
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
            # A catalogue metric's name is stored in English, its message id; a custom one as written.
            metric = last.name if last.metric_key == CUSTOM or not last.name else Phrase.gettext(last.name)
            if last.audience:
                title = Phrase.gettext(
                    "%(metric)s (%(audience)s) against the target path",
                    metric=metric,
                    audience=str(last.audience),
                )
            else:
                title = Phrase.gettext("%(metric)s against the target path", metric=metric)
            trends.append(
                Trend(
                    key=f"kpi-{metric_id}",
                    title=title,
                    unit=metric,  # shown with a capital first letter
                    points=points,
                    target=target,
                    missing=Phrase.gettext("No actual recorded at a completed review yet."),
                )
            )
        if not trends:
            trends.append(
                Trend(
                    key="kpis",
                    title=Phrase.gettext("Success metrics against the target path"),
                    unit=Phrase.gettext("value"),
                    missing=Phrase.gettext(
                        "Complete a review (Review step) to see each success metric against its target path."
                    ),
                )
            )
        return trends

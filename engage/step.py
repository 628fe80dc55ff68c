"""Step 5, Engage: its entry in the step registry (see rollout/steps.py).

Health (shared by the activity and the conversations parts): participation over the last 28
days against the strategy's target path, and its trend against the 28 days before.
"""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext, pgettext_lazy

from conversations import step_parts
from rollout.access import EDITORS
from rollout.i18n import Percent, Phrase, number
from rollout.steps import (
    Ceiling,
    DigestSection,
    Fact,
    Part,
    PersonalRecords,
    Status,
    Step,
    StepPage,
    day,
    scored,
)

# How the score weighs its parts (docs/steps/engage.md explains them).
WEIGHTS = {"participation": 0.7, "trend": 0.3}


class EngageStep(Step):
    figures_read = frozenset({"engage", "conversations", "strategy"})
    number = 5
    key = "engage"
    name = pgettext_lazy("the name of a step", "Engage")
    icon = "chat-dots"
    summary = gettext_lazy(
        "Measure real usage, answer every question, keep momentum after the launch and ask for feedback."
    )
    questions = (
        gettext_lazy("Who is actually using the tool, where, and how often?"),
        gettext_lazy("Do people talk to each other, or is it broadcast only?"),
        gettext_lazy("Does every question get a reply, and how fast?"),
        gettext_lazy("Is momentum holding after the initial training, and what do people say about it?"),
    )
    first_action = gettext_noop("Import the first activity report")
    url_name = "engage:home"
    pages = (
        StepPage("home", gettext_lazy("Activity"), "engage:home"),
        StepPage("accounts", gettext_lazy("Accounts"), "engage:accounts"),
        StepPage("imports", gettext_lazy("Imports"), "engage:imports"),
        StepPage("cadence", gettext_lazy("Official accounts"), "engage:cadence", roles=EDITORS),
    )

    def health(self, rollouts):
        from .selectors import health_inputs

        if not rollouts:
            return {}
        today = timezone.localdate()
        windows, shares, metrics = health_inputs(rollouts, today)
        return step_parts.merge_health(
            self, rollouts, self._activity_healths(rollouts, windows, shares, metrics, today)
        )

    def portfolio_figures(self, rollouts):
        """Health, facts and units with each aggregate read once (the portfolio asks for all
        three): the 28-day windows and the conversations' figures serve both health and facts, and
        both parts' units come from one query."""
        from .selectors import health_inputs

        if not rollouts:
            return {}, {}, {}
        today = timezone.localdate()
        windows, shares, metrics = health_inputs(rollouts, today)
        inputs = step_parts.portfolio_inputs(rollouts)
        health = step_parts.merge_health(
            self, rollouts, self._activity_healths(rollouts, windows, shares, metrics, today), inputs
        )
        facts = step_parts.merge_facts(
            self._activity_facts(rollouts, windows, shares, self._active_weeks(rollouts, today)),
            rollouts,
            inputs,
        )
        units = {}
        for rollout_id, unit_id in self._unit_pairs(rollouts).union(step_parts.unit_pairs(rollouts)):
            units.setdefault(rollout_id, set()).add(unit_id)
        return health, facts, units

    def _activity_healths(self, rollouts, windows, shares, metrics, today):
        result = {}
        for rollout in rollouts:
            figures = windows.get(rollout.pk)
            if not figures:
                result[rollout.pk] = self.not_started(rollout)
                continue
            result[rollout.pk] = self._health(
                rollout, figures, shares.get(rollout.pk), metrics.get(rollout.pk, []), today
            )
        return result

    def _health(self, rollout, figures, share, metrics, today):
        """Participation against the target's path (70) and active users against the 28 days
        before (30); the headline's participation, never one above 100 % (engage/figures.py)."""
        from .selectors import expected_participation, participation_target

        target = participation_target(metrics)
        active, previous = figures["active"], figures["previous"]
        rate = share.rate if share is not None else None
        expected = expected_participation(rollout, target, today)
        name = share.headline.name if share is not None and share.headline else Phrase.gettext("the audience")
        if rate is not None and expected:
            part = min(1.0, rate / float(expected))
            # Translators: e.g. "Participation of Sales 30% in the last 28 days against 40% on the path to the target of 60%."
            fact = Phrase.gettext(
                "Participation of %(audience)s %(rate)s in the last 28 days against %(expected)s "
                "on the path to the target of %(target)s.",
                audience=name,
                rate=Percent(round(rate), 0),
                expected=Percent(round(float(expected)), 0),
                target=Percent(round(target.target), 0),
            )
        elif rate is not None:
            part = min(1.0, rate / 50)
            fact = Phrase.gettext(
                "Participation of %(audience)s %(rate)s in the last 28 days; no participation target is set.",
                audience=name,
                rate=Percent(round(rate), 0),
            )
        else:
            part = None
            why = share.headline.unknown if share is not None and share.headline else ""
            if why:
                fact = Phrase.gettext(
                    "Participation of %(audience)s is not known. %(why)s", audience=name, why=why
                )
            else:
                fact = Phrase.gettext("Participation of %(audience)s is not known.", audience=name)
        if previous:
            trend = min(1.0, active / previous)
            change = round(100 * (active - previous) / previous)
            if change >= 0:
                trend_fact = Phrase.gettext(
                    "Active users +%(change)s on the 28 days before (%(previous)s).",
                    change=Percent(change, 0),
                    previous=previous,
                )
            else:
                trend_fact = Phrase.gettext(
                    "Active users %(change)s on the 28 days before (%(previous)s).",
                    change=Percent(change, 0),
                    previous=previous,
                )
        else:
            trend = 1.0 if active else 0.0
            trend_fact = Phrase.ngettext(
                "%(count)s active users in the last 28 days; none in the 28 days before.",
                "%(count)s active users in the last 28 days; none in the 28 days before.",
                active,
                count=active,
            )
        parts = {"trend": Part(WEIGHTS["trend"], trend, trend_fact)}
        if rate is not None:  # an unknown participation is not a 0 %: it caps the status instead
            parts["participation"] = Part(WEIGHTS["participation"], part, fact)
        reasons = [fact, trend_fact]
        stale = figures["last"] and figures["last"] < today - timedelta(days=14)
        if stale:
            reasons.append(
                Phrase.gettext(
                    "The latest activity data is from %(date)s.", date=day(figures["last"], padded=True)
                )
            )
        if share is not None and share.outside:
            reasons.append(
                Phrase.ngettext(
                    "%(count)s active people are outside the rollout's audiences.",
                    "%(count)s active people are outside the rollout's audiences.",
                    share.outside,
                    count=share.outside,
                )
            )
        if share is not None and share.unmatched:
            reasons.append(
                Phrase.ngettext(
                    "%(count)s active people are matched to no member.",
                    "%(count)s active people are matched to no member.",
                    share.unmatched,
                    count=share.unmatched,
                )
            )
        ceilings = []
        if rate is None:
            ceilings.append(
                Ceiling(
                    Status.AT_RISK,
                    Phrase.gettext("Participation of %(audience)s is not known.", audience=name),
                )
            )
        elif expected and rate < float(expected) / 2:
            ceilings.append(
                Ceiling(
                    Status.OFF_TRACK,
                    Phrase.gettext(
                        "Participation is under half the %(expected)s expected by now.",
                        expected=Percent(round(float(expected)), 0),
                    ),
                )
            )
        if stale:
            ceilings.append(
                Ceiling(
                    Status.AT_RISK,
                    Phrase.gettext(
                        "No activity data since %(date)s.", date=day(figures["last"], padded=True)
                    ),
                )
            )
        if stale:
            action, url = (
                Phrase.gettext("Import the latest activity report"),
                reverse("engage:upload", kwargs={"pk": rollout.pk}),
            )
        elif target is None:
            action, url = Phrase.gettext("Set a participation target in the strategy"), self.url(rollout)
        elif part is None:
            action = Phrase.gettext("Give the audience a size (strategy) or correct the headcount")
            url = self.url(rollout)
        elif part < 1:
            action = Phrase.gettext("Find the units furthest behind and plan with their champions")
            url = self.url(rollout)
        else:
            action, url = Phrase.gettext("Keep importing the activity reports"), self.url(rollout)
        return scored(parts, reasons=reasons, next_action=action, next_url=url, ceilings=ceilings)

    def portfolio_facts(self, rollouts):
        """Active users and participation in the last 28 days, with a small weekly trend."""
        from .selectors import health_inputs

        if not rollouts:
            return {}
        today = timezone.localdate()
        windows, shares, _ = health_inputs(rollouts, today)
        return step_parts.merge_facts(
            self._activity_facts(rollouts, windows, shares, self._active_weeks(rollouts, today)), rollouts
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

    def _activity_facts(self, rollouts, windows, shares, weeks):
        facts = {}
        for rollout in rollouts:
            figures = windows.get(rollout.pk)
            if not figures:
                continue
            active, previous = figures["active"], figures["previous"]
            if active >= previous:
                value = Phrase.gettext(
                    "%(count)s (+%(change)s on the 28 days before)", count=active, change=active - previous
                )
            else:
                value = Phrase.gettext(
                    "%(count)s (%(change)s on the 28 days before)", count=active, change=active - previous
                )
            facts[rollout.pk] = [
                Fact(
                    Phrase.gettext("Active users (28 days)"),
                    value,
                    trend=tuple(weeks.get(rollout.pk, ())),
                    definition="active-users",
                    rows_url=reverse("engage:people", kwargs={"pk": rollout.pk}) + "?group=all",
                )
            ]
            share = shares.get(rollout.pk)
            if share is not None and share.headline is not None:
                value = (
                    Phrase.gettext(
                        "%(percent)s of %(audience)s",
                        percent=Percent(share.rate, 1),
                        audience=share.headline.name,
                    )
                    if share.rate is not None
                    else Phrase.gettext("not known")
                )
                rows = reverse("engage:people", kwargs={"pk": rollout.pk})
                if share.headline.audience_id is not None:
                    rows += f"?audience={share.headline.audience_id}"
                facts[rollout.pk].append(
                    Fact(
                        Phrase.gettext("Participation (28 days)"),
                        value,
                        definition="participation-rate",
                        rows_url=rows,
                    )
                )
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
        """Managers, admins and leaders: the 28 days' active users, participation and dialogue,
        in the same sentences as the Engage page (engage/figures.py)."""
        from rollout.access import LEADERS

        from .figures import dialogue_ratio, participation
        from .selectors import last_data_day

        if membership.role not in LEADERS:
            return None
        last = last_data_day(rollout)
        if last is None:
            return None
        share = participation(rollout, last)
        lines = []
        if share is not None:
            lines.append(
                Phrase.ngettext(
                    "%(count)s active users in the 28 days to %(date)s.",
                    "%(count)s active users in the 28 days to %(date)s.",
                    share.active_users,
                    count=share.active_users,
                    date=day(share.end),
                )
            )
            lines.append(share.text)
            if share.outside or share.unmatched:
                lines.append(
                    Phrase.gettext(
                        "Outside the rollout's audiences: %(outside)s; matched to no member: %(unmatched)s.",
                        outside=share.outside,
                        unmatched=share.unmatched,
                    )
                )
        lines.append(dialogue_ratio(rollout, last).text)
        since_day = timezone.localdate(since) if hasattr(since, "hour") else since
        if last < since_day - timedelta(days=7):
            lines.append(Phrase.gettext("No new activity report this week: import the latest export."))
        return DigestSection(Phrase.gettext("Engagement"), lines)

    # The employee's side: the conversations part's panel, records and pulse results, and the
    # activity part's records of the person.

    def member_panels(self, membership):
        """ "Ask for help": the button and the person's latest questions with their state."""
        return step_parts.member_panels(membership)

    def personal_records(self, membership):
        """Their messages and questions, pulse invitations (never answers), training attendance,
        and the activity the imported exports report for them."""
        return [*step_parts.personal_records(membership), self._activity_records(membership)]

    def _activity_records(self, membership):
        """The person's rows of the activity exports, matched as the importer matches them: their
        email, an alias matched to them, or their email on a matched domain (two queries)."""
        from .matching import keys_of
        from .models import ActivityRecord, Source

        keys = keys_of(membership.organization_id, membership.user.email, membership.user_id)
        found = tuple(
            (
                rollout,
                Source(source).label if source in Source.values else source,
                start,
                end,
                posts,
                replies,
                reads,
                reactions,
                active,
                superseded,
            )
            for rollout, source, start, end, posts, replies, reads, reactions, active, superseded in (
                ActivityRecord.objects.filter(
                    rollout__organization_id=membership.organization_id,
                    person_key__in=sorted(keys),
                    aggregated=False,
                )
                .order_by("period_end", "rollout__name", "source")
                .values_list(
                    "rollout__name",
                    "source",
                    "period_start",
                    "period_end",
                    "posts",
                    "replies",
                    "reads",
                    "reactions",
                    "active_people",
                    "superseded",
                )
            )
        )
        active = sum(1 for row in found if row[8] and not row[9])
        rows = tuple(
            (
                *row[:8],
                _("yes") if row[8] else _("no"),
                _("no (a later export covers the period)") if row[9] else _("yes"),
            )
            for row in found
        )
        return PersonalRecords(
            key="activity",
            title=gettext_lazy("Your activity in the imported usage reports"),
            columns=(
                gettext_lazy("Rollout"),
                gettext_lazy("Report"),
                pgettext("the start of a reporting period", "From"),
                pgettext("the end of a reporting period", "To"),
                gettext_lazy("Posts"),
                gettext_lazy("Replies"),
                gettext_lazy("Reads"),
                gettext_lazy("Reactions"),
                gettext_lazy("Active"),
                gettext_lazy("Counted"),
            ),
            rows=rows,
            summary=ngettext(
                "%(count)s reporting period of activity, %(active)s counted as active.",
                "%(count)s reporting periods of activity, %(active)s counted as active.",
                len(rows),
            )
            % {"count": number(len(rows)), "active": number(active)},
        )

    # Erasing a person and retention (rollout/privacy.py asks every step) -------------------------

    def erase_person(self, membership, pseudonym):
        """The person's activity records, matches and imports (engage/privacy.py), then their
        messages, questions, training and pulse invitations (conversations/privacy.py), with the
        same pseudonymous key for them in both parts."""
        from django.db import transaction

        from . import privacy

        with transaction.atomic():
            keys = privacy.pseudonymous_keys(membership, pseudonym)
            return privacy.erase_person(membership, pseudonym, keys) + step_parts.erase_person(
                membership, pseudonym, keys
            )

    def apply_retention(self, organization, policy, now):
        """Activity records older than `policy.activity_days` and the text of messages older than
        `policy.conversation_text_days`; the figures read rollups, windows and question fields,
        which stay."""
        from . import privacy

        return {
            "activity records": privacy.apply_retention(organization, policy.activity_days, now),
            **step_parts.apply_retention(organization, policy, now),
        }

    def shared_outcomes(self, rollouts, since):
        """Closed pulses' results above the privacy threshold, with what was done about them."""
        return step_parts.shared_outcomes(rollouts, since)

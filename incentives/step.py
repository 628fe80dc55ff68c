"""Step 2, Incentivize: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from rollout.access import EDITORS, STAFF
from rollout.i18n import Percent, Phrase
from rollout.steps import (
    Ceiling,
    DigestSection,
    Fact,
    MemberPanel,
    Part,
    Status,
    Step,
    StepPage,
    scored,
    sentence,
)

# How the score weighs its three parts (docs/steps/incentivize.md explains them).
WEIGHTS = {"plan": 30, "reach": 50, "leaders": 20}
# Half of the audience recognised, rewarded or badged in 30 days counts as full reach.
FULL_REACH = 0.5


class IncentivizeStep(Step):
    figures_read = frozenset({"incentives"})
    number = 2
    key = "incentivize"
    name = pgettext_lazy("the name of a step", "Incentivize")
    icon = "award"
    summary = gettext_lazy(
        "Give each audience a reason to take part: recognition, points and badges, appraisal objectives, leaders who take part."
    )
    questions = (
        gettext_lazy(
            "What is in it for each audience: recognition, points and badges, objectives in the appraisal?"
        ),
        gettext_lazy("How will good contributions be acknowledged in public?"),
        gettext_lazy("How will leadership show that it listens and takes part?"),
        gettext_lazy("How will the incentives resist gaming?"),
    )
    first_action = gettext_noop("Choose the incentives for each audience")
    url_name = "incentives:home"
    member_crumb = ("incentives_org:me", gettext_lazy("My recognition and badges"))
    pages = (
        StepPage("home", gettext_lazy("Home"), "incentives:home", roles=STAFF),
        StepPage("recognition", gettext_lazy("Recognition"), "incentives:recognition"),
        StepPage("leaderboard", gettext_lazy("Leaderboard"), "incentives:leaderboard"),
        StepPage("badges", gettext_lazy("Badges"), "incentives:badges"),
        StepPage("claim", gettext_lazy("Claim points"), "incentives:claim"),
        StepPage("plan", gettext_lazy("Plan"), "incentives:plan", roles=EDITORS),
        StepPage("rules", gettext_lazy("Points rules"), "incentives:rules", roles=EDITORS),
        StepPage("ledger", gettext_lazy("Ledger"), "incentives:ledger", roles=EDITORS),
        StepPage("claims", gettext_lazy("Approvals"), "incentives:claims", roles=EDITORS),
        StepPage("seasons", gettext_lazy("Seasons"), "incentives:seasons", roles=EDITORS),
        StepPage("objectives", gettext_lazy("Appraisal objectives"), "incentives:objectives", roles=EDITORS),
        StepPage("leaders", gettext_lazy("Lead by example"), "incentives:leaders", roles=EDITORS),
    )

    def health(self, rollouts):
        from .selectors import health_figures

        if not rollouts:
            return {}
        return self._healths(rollouts, health_figures(rollouts, timezone.now()))

    def portfolio_figures(self, rollouts):
        """Health and facts from one reading of the aggregates (the portfolio asks for both)."""
        from .selectors import health_figures

        if not rollouts:
            return {}, {}, {}
        figures = health_figures(rollouts, timezone.now())
        return self._healths(rollouts, figures), self._facts(rollouts, figures), self.units_of(rollouts)

    def portfolio_facts(self, rollouts):
        """People reached and leaders taking part in the last 30 days, each linked to its people."""
        from .selectors import health_figures

        if not rollouts:
            return {}
        return self._facts(rollouts, health_figures(rollouts, timezone.now()))

    def _facts(self, rollouts, figures):
        plans, reached, leaders, people = figures
        facts = {}
        for rollout in rollouts:
            planned, reach = plans.get(rollout.pk, 0), reached.get(rollout.pk, 0)
            if not planned and not reach:
                continue
            org = people.get(rollout.organization_id, {"audience": 0, "leaders": 0})
            rows = reverse("incentives:reached", kwargs={"pk": rollout.pk})
            if org["audience"] and reach <= org["audience"]:
                value = Phrase.ngettext(
                    "%(reached)s (%(percent)s of %(count)s member)",
                    "%(reached)s (%(percent)s of %(count)s members)",
                    org["audience"],
                    reached=reach,
                    percent=Percent(round(100 * reach / org["audience"]), 0),
                    count=org["audience"],
                )
            else:  # people who have left count in the numerator: the rate would mislead
                value = Phrase.ngettext(
                    "%(reached)s (rate not known: more than the %(count)s member)",
                    "%(reached)s (rate not known: more than the %(count)s members)",
                    org["audience"],
                    reached=reach,
                    count=org["audience"],
                )
            facts[rollout.pk] = [
                Fact(
                    Phrase.gettext("People reached (30 days)"),
                    value,
                    definition="people-reached",
                    rows_url=rows,
                ),
                Fact(
                    Phrase.gettext("Leaders taking part (30 days)"),
                    Phrase.ngettext(
                        "%(active)s of %(count)s leader",
                        "%(active)s of %(count)s leaders",
                        org["leaders"],
                        active=leaders.get(rollout.pk, 0),
                        count=org["leaders"],
                    ),
                    definition="leaders-taking-part",
                    rows_url=f"{rows}?group=leaders",
                ),
            ]
        return facts

    def _healths(self, rollouts, figures):
        plans, reached, leaders, people = figures
        result = {}
        for rollout in rollouts:
            planned, reach = plans.get(rollout.pk, 0), reached.get(rollout.pk, 0)
            if not planned and not reach:
                result[rollout.pk] = self.not_started(rollout)
                continue
            org = people.get(rollout.organization_id, {"audience": 0, "leaders": 0})
            result[rollout.pk] = self._health(rollout, planned, reach, leaders.get(rollout.pk, 0), org)
        return result

    def _health(self, rollout, planned, reach, active_leaders, org):
        share = reach / org["audience"] if org["audience"] else 0.0
        leader_share = active_leaders / org["leaders"] if org["leaders"] else 0.0
        reached = Phrase.ngettext(
            "%(percent)s of the %(count)s people had a recognition, points or a badge in the last 30 days",
            "%(percent)s of the %(count)s people had a recognition, points or a badge in the last 30 days",
            org["audience"],
            percent=Percent(round(100 * share), 0),
            count=org["audience"],
        )
        leading = Phrase.ngettext(
            "%(active)s of %(count)s leader took part in the last 30 days",
            "%(active)s of %(count)s leaders took part in the last 30 days",
            org["leaders"],
            active=active_leaders,
            count=org["leaders"],
        )
        if planned:
            plan = Phrase.ngettext(
                "Incentive plan: %(count)s line", "Incentive plan: %(count)s lines", planned, count=planned
            )
        else:
            plan = Phrase.gettext("No incentive plan yet")
        parts = {
            "plan": Part(WEIGHTS["plan"], 1.0 if planned else 0.0, plan),
            "reach": Part(WEIGHTS["reach"], min(1.0, share / FULL_REACH), reached),
            "leaders": Part(WEIGHTS["leaders"], leader_share, leading),
        }
        # Recognition without a plan is goodwill, not incentives anyone can count on.
        ceilings = (
            []
            if planned
            else [
                Ceiling(
                    Status.AT_RISK,
                    Phrase.gettext("No incentive plan: the incentives for each audience are not chosen yet"),
                )
            ]
        )
        if not planned:
            action, url = (
                Phrase.gettext("Choose the incentives for each audience"),
                reverse("incentives:plan", args=[rollout.pk]),
            )
        elif org["leaders"] and leader_share < 0.5:
            action, url = (
                Phrase.gettext("Invite leaders to recognise people"),
                reverse("incentives:leaders", args=[rollout.pk]),
            )
        elif share < FULL_REACH:
            action, url = (
                Phrase.gettext("Recognise more people"),
                reverse("incentives:recognition", args=[rollout.pk]),
            )
        else:
            action, url = Phrase.gettext("Keep recognising good contributions"), self.url(rollout)
        return scored(
            parts,
            reasons=[sentence(reached), sentence(leading), sentence(plan)],
            next_action=action,
            next_url=url,
            ceilings=ceilings,
        )

    # The employee's side --------------------------------------------------------------------------

    def member_panels(self, membership):
        """ "Your recognition" (points this season, badges, thanks received) and "Leaders taking
        part" (the leaders who agreed to be seen). Seven queries whatever the data's size."""
        from .selectors import LEAD_BY_EXAMPLE_DAYS, leaders_taking_part, recognition_summary

        organization = membership.organization
        panels = [
            MemberPanel(
                key="your-recognition",
                title=_("Your recognition"),
                template="incentives/member/_your_recognition.html",
                context=recognition_summary(organization, membership.user),
                order=40,
            )
        ]
        leaders = leaders_taking_part(organization)
        if leaders:
            panels.append(
                MemberPanel(
                    key="leaders-taking-part",
                    title=_("Leaders taking part"),
                    template="incentives/member/_leaders.html",
                    context={"leaders": leaders, "days": LEAD_BY_EXAMPLE_DAYS},
                    order=80,
                )
            )
        return panels

    def personal_records(self, membership):
        """Recognitions received and given, badges, points, claims, appraisal objectives, the
        events recorded about the person and their choices (leaderboards, being seen as a
        leader), one table each: a query per table."""
        from .records import personal_records

        return personal_records(membership.organization, membership.user)

    def erase_person(self, membership, pseudonym):
        """Delete the person's consents, objectives and unpaid claims; keep the ledger, badges and
        recognitions (others' history and the figures) with their name scrubbed from the text;
        see incentives/erasure.py."""
        from .erasure import erase_person

        return erase_person(membership, pseudonym)

    def digest_section(self, rollout, membership, since):
        """Everyone: their new badges of the week; managers: the week's most thanked people."""
        from rollout.access import EDITORS
        from rollout.data_versions import remember

        # The week's badges of everyone in the rollout, read once per digest run; each person's
        # digest picks their own.
        badges = remember(
            ("incentives-badges", rollout.pk, since),
            lambda: _badges_of_the_week(rollout, since),
            organization=rollout.organization_id,
        )
        lines = [
            Phrase.gettext("New badge: %(badge)s.", badge=level)
            for level in badges.get(membership.user_id, [])
        ]
        if membership.role in EDITORS:
            # The same for every manager of the rollout: read once per digest run.
            lines += remember(
                ("incentives-digest", rollout.pk, since),
                lambda: _recognition_week(rollout, since),
                organization=rollout.organization_id,
            )
        if not lines:
            return None
        return DigestSection(Phrase.gettext("Recognition and badges"), lines)


def _badges_of_the_week(rollout, since, per_person=10):
    """{person id: [badge level labels]}: the badges awarded in the rollout since `since` and not
    revoked, newest first, at most `per_person` each."""
    from .models import BadgeAward

    found = {}
    awards = BadgeAward.objects.filter(rollout=rollout, issued_at__gte=since, revoked_at__isnull=True)
    for award in awards.select_related("level__badge"):
        mine = found.setdefault(award.person_id, [])
        if len(mine) < per_person:
            mine.append(award.level.phrase())  # read in each recipient's language
    return found


def _recognition_week(rollout, since):
    """The managers' lines of the digest: recognitions given since `since` and the most thanked."""
    from django.db.models import Count, Q

    from .models import Recognition

    week = Recognition.objects.filter(rollout=rollout, created_at__gte=since)
    total = week.count()
    if not total:
        return []
    lines = [
        Phrase.ngettext(
            "%(count)s recognition given this week.",
            "%(count)s recognitions given this week.",
            total,
            count=total,
        )
    ]
    top = (
        week.values("recipient__full_name", "recipient__email")
        .annotate(n=Count("pk"), leaders=Count("pk", filter=Q(from_leader=True)))
        .order_by("-n", "recipient__full_name")[:3]
    )
    for row in top:
        who = row["recipient__full_name"] or row["recipient__email"]
        if row["leaders"]:
            lines.append(
                Phrase.gettext(
                    "Most thanked: %(name)s (%(count)s, %(leaders)s from leaders).",
                    name=who,
                    count=row["n"],
                    leaders=row["leaders"],
                )
            )
        else:
            lines.append(Phrase.gettext("Most thanked: %(name)s (%(count)s).", name=who, count=row["n"]))
    return lines

"""Step 4, Champion: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, pgettext_lazy

from rollout.access import EDITORS, Role
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
    Trend,
    scored,
    sentence,
)

# How the score weighs its three parts (docs/steps/champion.md explains them).
WEIGHTS = {"coverage": 50, "active": 30, "trend": 20}


def people_covered_share(units, covered, rollout_pk, target):
    """Share of people (by unit headcount) covered at the target ratio, and the worst unit.

    A unit of H people with C active champions covers min(H, C x target) of them. The worst unit
    is the largest gap (no champion), else the one furthest above the target ratio.
    """
    total = sum(unit["headcount"] for unit in units)
    if not total:
        return None, None, 0
    reached, worst, worst_key, gaps = 0, None, None, 0
    for unit in units:
        active = covered.get((rollout_pk, unit["pk"]), 0)
        reached += min(unit["headcount"], active * target)
        if active == 0:
            gaps += 1
            key = (1, unit["headcount"])
        else:
            key = (0, unit["headcount"] / active)
        if (active == 0 or unit["headcount"] / active > target) and (worst_key is None or key > worst_key):
            worst, worst_key = dict(unit, active=active), key
    return reached / total, worst, gaps


def people_without_champion(units, covered, rollout_pk):
    """(people in units with no active champion of the rollout, people in units with headcount)."""
    total = sum(unit["headcount"] for unit in units)
    uncovered = sum(unit["headcount"] for unit in units if not covered.get((rollout_pk, unit["pk"]), 0))
    return uncovered, total


class ChampionStep(Step):
    figures_read = frozenset({"champions", "champions.sessions"})
    number = 4
    key = "champion"
    name = pgettext_lazy("the name of a step", "Champion")
    icon = "people"
    summary = gettext_lazy(
        "Appoint local champions so that everyone has someone to turn to, and log the help they give."
    )
    questions = (
        gettext_lazy("Who are the champions, and which units and shifts do they cover?"),
        gettext_lazy("Where are the gaps: units with people and no active champion?"),
        gettext_lazy("What help do champions give, to whom, and about what?"),
    )
    first_action = gettext_noop("Nominate the first champions")
    url_name = "champions:home"
    pages = (
        StepPage("home", gettext_lazy("Home"), "champions:home"),
        StepPage("coverage", gettext_lazy("Coverage"), "champions:coverage"),
        StepPage("network", gettext_lazy("Champions"), "champions:network"),
        StepPage("sessions", gettext_lazy("Sessions"), "champions:sessions"),
        StepPage("events", gettext_lazy("Drop-ins and training"), "champions:events"),
        StepPage(
            "report", gettext_lazy("Activity report"), "champions:report", roles=EDITORS | {Role.LEADER}
        ),
        StepPage(
            "skills",
            gettext_lazy("Skills taxonomy"),
            "champions_org:skills",
            roles=EDITORS,
            per_rollout=False,
        ),
    )

    # The employee's side ------------------------------------------------------------------

    def member_panels(self, membership):
        """ "Who can help me" (the top three, with how to reach them and the next drop-in) and,
        when there are any, the champions appointed in the last 30 days who cover the person."""
        from rollout.units import unit_tree

        from .member import new_champions, who_can_help

        tree = unit_tree(membership.organization_id)  # read once for both panels
        panels = [
            MemberPanel(
                "champions-help",
                _("Who can help me"),
                "champions/member/_help.html",
                {"help": who_can_help(membership, limit=3, tree=tree)},
                order=10,
            )
        ]
        if appointed := new_champions(membership, tree=tree):
            panels.append(
                MemberPanel(
                    "champions-new",
                    _("New champions"),
                    "champions/member/_new.html",
                    {"champions": appointed},
                    order=15,
                )
            )
        return panels

    def personal_records(self, membership):
        from .member import personal_records

        return personal_records(membership)

    def erase_person(self, membership, pseudonym):
        """Empty the person's champion contact details, step their roles down (no longer there to
        help), keep the sessions for the figures without the person helped, and scrub their name
        from the step's texts; see champions/erasure.py."""
        from .erasure import erase_person

        return erase_person(membership, pseudonym)

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
        # The units of the rollouts' active champions are the (rollout, unit) pairs of `covered`.
        units = {}
        for rollout_id, unit_id in figures[2]:
            units.setdefault(rollout_id, set()).add(unit_id)
        return self._healths(rollouts, figures), self._facts(rollouts, figures), units

    def _healths(self, rollouts, figures):
        champions, sessions, covered, units, targets = figures
        result = {}
        for rollout in rollouts:
            figures = champions.get(rollout.pk)
            if not figures or not figures["total"]:
                result[rollout.pk] = self.not_started(rollout)
                continue
            result[rollout.pk] = self._health(
                rollout,
                targets[rollout.organization_id],
                figures,
                sessions.get(rollout.pk, {}),
                covered,
                units.get(rollout.organization_id, []),
            )
        return result

    def _health(self, rollout, target, figures, sessions, covered, units):
        share, worst, gaps = people_covered_share(units, covered, rollout.pk, target)
        active, recently = figures["active"], figures["recently_active"]
        last, previous = sessions.get("last_30", 0), sessions.get("previous_30", 0)
        active_share = recently / active if active else 0.0
        trend = (1.0 if last else 0.0) if not previous else min(1.0, last / previous)

        if share is not None:
            coverage = Phrase.ngettext(
                "%(percent)s of people covered at the target of 1 per %(target)s"
                " (%(count)s unit without an active champion)",
                "%(percent)s of people covered at the target of 1 per %(target)s"
                " (%(count)s units without an active champion)",
                gaps,
                percent=Percent(round(100 * share), 0),
                target=target,
                count=gaps,
            )
        else:
            coverage = Phrase.gettext("No unit has a headcount, so coverage cannot be measured")
        logged = Phrase.ngettext(
            "%(recent)s of %(count)s active champion logged a session in the last 30 days",
            "%(recent)s of %(count)s active champions logged a session in the last 30 days",
            active,
            recent=recently,
            count=active,
        )
        sessions_trend = Phrase.ngettext(
            "%(count)s session in the last 30 days (%(previous)s in the 30 days before)",
            "%(count)s sessions in the last 30 days (%(previous)s in the 30 days before)",
            last,
            count=last,
            previous=previous,
        )
        parts = {
            "coverage": Part(WEIGHTS["coverage"], share if share is not None else 0.0, coverage),
            "active": Part(WEIGHTS["active"], active_share, logged),
            "trend": Part(WEIGHTS["trend"], trend, sessions_trend),
        }
        ceilings = []
        uncovered, people = people_without_champion(units, covered, rollout.pk)
        if 2 * uncovered > people:
            # Most people have nobody nearby to turn to, however busy the champions elsewhere are.
            ceilings.append(
                Ceiling(
                    Status.AT_RISK,
                    Phrase.ngettext(
                        "%(uncovered)s of %(count)s people (%(percent)s) are in units with no active champion",
                        "%(uncovered)s of %(count)s people (%(percent)s) are in units with no active champion",
                        people,
                        uncovered=uncovered,
                        count=people,
                        percent=Percent(round(100 * uncovered / people), 0),
                    ),
                )
            )
        reasons = [sentence(coverage)] if share is not None else []
        reasons += [sentence(logged), sentence(sessions_trend)]
        if figures["nominated"]:
            reasons.append(
                Phrase.ngettext(
                    "%(count)s nomination waiting for a decision.",
                    "%(count)s nominations waiting for a decision.",
                    figures["nominated"],
                    count=figures["nominated"],
                )
            )

        coverage_url = reverse("champions:coverage", kwargs={"pk": rollout.pk})
        if worst is not None and worst["active"] == 0:
            action = Phrase.ngettext(
                "Appoint a champion for %(unit)s (%(count)s people, none yet)",
                "Appoint a champion for %(unit)s (%(count)s people, none yet)",
                worst["headcount"],
                unit=worst["name"],
                count=worst["headcount"],
            )
            url = coverage_url
        elif worst is not None:
            ratio = round(worst["headcount"] / worst["active"])
            action = Phrase.gettext(
                "Add a champion in %(unit)s (1 per %(ratio)s, target 1 per %(target)s)",
                unit=worst["name"],
                ratio=ratio,
                target=target,
            )
            url = coverage_url
        elif figures["nominated"]:
            action = Phrase.gettext("Decide on the nominations")
            url = reverse("champions:network", kwargs={"pk": rollout.pk})
        elif active > recently:
            action = Phrase.ngettext(
                "Check in with %(count)s quiet champion",
                "Check in with %(count)s quiet champions",
                active - recently,
                count=active - recently,
            )
            url = reverse("champions:report", kwargs={"pk": rollout.pk})
        else:
            action, url = Phrase.gettext("Keep logging support sessions"), self.url(rollout)
        return scored(parts, reasons=reasons, next_action=action, next_url=url, ceilings=ceilings)

    def digest_key(self, membership):
        """Managers share the network's week; a champion's section is their own (personal)."""
        from rollout.access import EDITORS

        if membership.role == "champion":
            return None
        return membership.role in EDITORS

    def digest_section(self, rollout, membership, since):
        """Champions see their week and open follow-ups; managers the network's week."""
        from rollout.access import EDITORS
        from rollout.data_versions import remember

        from .selectors import digest_figures

        if membership.role != "champion" and membership.role not in EDITORS:
            return None
        # Every rollout's week and every active champion's, read once per digest run.
        organization_id = rollout.organization_id
        figures = remember(
            ("champion-digest", since),
            lambda: digest_figures(organization_id, since),
            organization=organization_id,
        )
        if membership.role == "champion":
            mine = figures["champions"].get((rollout.pk, membership.user_id))
            if mine is None:  # not an active champion of this rollout
                return None
            return DigestSection(
                Phrase.gettext("Your champion week"),
                [
                    Phrase.gettext(
                        "%(sessions)s, %(helped)s.",
                        sessions=Phrase.ngettext(
                            "%(count)s session logged",
                            "%(count)s sessions logged",
                            mine["n"],
                            count=mine["n"],
                        ),
                        helped=_people_helped(mine["people"] or 0),
                    ),
                    Phrase.ngettext(
                        "%(count)s open follow-up.",
                        "%(count)s open follow-ups.",
                        mine["open"],
                        count=mine["open"],
                    ),
                ],
            )
        week = figures["rollouts"].get(rollout.pk, {})
        return DigestSection(
            Phrase.gettext("Champions"),
            [
                Phrase.gettext(
                    "%(sessions)s by %(champions)s, %(helped)s.",
                    sessions=Phrase.ngettext(
                        "%(count)s support sessions this week",
                        "%(count)s support sessions this week",
                        week.get("n", 0),
                        count=week.get("n", 0),
                    ),
                    champions=Phrase.ngettext(
                        "%(count)s champions",
                        "%(count)s champions",
                        week.get("champions", 0),
                        count=week.get("champions", 0),
                    ),
                    helped=_people_helped(week.get("people") or 0),
                ),
                Phrase.ngettext(
                    "%(count)s follow-ups still open.",
                    "%(count)s follow-ups still open.",
                    week.get("open", 0),
                    count=week.get("open", 0),
                ),
            ],
        )

    def portfolio_facts(self, rollouts):
        """Coverage against the target, and support sessions with their weekly trend."""
        from .selectors import health_figures

        if not rollouts:
            return {}
        return self._facts(rollouts, health_figures(rollouts, timezone.now()))

    def _facts(self, rollouts, figures):
        from .selectors import TREND_WEEKS

        champions, sessions, covered, units, targets = figures
        facts = {}
        for rollout in rollouts:
            figures = champions.get(rollout.pk)
            if not figures or not figures["active"]:
                continue
            target = targets[rollout.organization_id]
            share, worst, gaps = people_covered_share(
                units.get(rollout.organization_id, []), covered, rollout.pk, target
            )
            counted = sessions.get(rollout.pk, {"last_30": 0, "previous_30": 0, "weeks": [0] * TREND_WEEKS})
            last, previous = counted["last_30"], counted["previous_30"]
            if share is None:  # no unit has a headcount: there is nobody to count as covered
                coverage, status = Phrase.gettext("not known: no unit has a headcount"), ""
            else:
                coverage = Phrase.gettext(
                    "%(percent)s of people covered at 1 per %(target)s",
                    percent=Percent(round(share * 100), 0),
                    target=target,
                )
                status = Status.from_score(round(share * 100))
            if last >= previous:
                sessions_value = Phrase.gettext(
                    "%(count)s (+%(change)s on the 30 days before)", count=last, change=last - previous
                )
            else:
                sessions_value = Phrase.gettext(
                    "%(count)s (%(change)s on the 30 days before)", count=last, change=last - previous
                )
            facts[rollout.pk] = [
                Fact(
                    Phrase.gettext("Champion coverage"),
                    # Translators: e.g. "80% of people covered at 1 per 50; 4 active champions".
                    Phrase.ngettext(
                        "%(coverage)s; %(count)s active champions",
                        "%(coverage)s; %(count)s active champions",
                        figures["active"],
                        coverage=coverage,
                        count=figures["active"],
                    ),
                    status,
                    definition="champion-coverage",
                    rows_url=reverse("champions:coverage", kwargs={"pk": rollout.pk}),
                ),
                Fact(
                    Phrase.gettext("Support sessions (30 days)"),
                    sessions_value,
                    trend=tuple(counted["weeks"]),
                    definition="support-sessions",
                    rows_url=reverse("champions:sessions_recent", kwargs={"pk": rollout.pk}),
                ),
            ]
        return facts

    def trends(self, rollout):
        from .selectors import weekly_sessions

        weeks = weekly_sessions([rollout], timezone.now(), weeks=26, with_dates=True).get(rollout.pk, [])
        if not any(count for _, count in weeks):
            return [
                Trend(
                    "support-sessions",
                    Phrase.gettext("Support sessions per week"),
                    Phrase.gettext("sessions"),
                    kind="bar",
                    missing=Phrase.gettext(
                        "No support session logged yet: champions log them on the Champion step."
                    ),
                )
            ]
        return [
            Trend(
                "support-sessions",
                Phrase.gettext("Support sessions per week"),
                Phrase.gettext("sessions"),
                points=tuple(weeks),
                kind="bar",
            )
        ]

    def units_of(self, rollouts):
        from .models import Champion

        found = {}
        for rollout_id, unit_id in Champion.units.through.objects.filter(
            champion__rollout__in=[r.pk for r in rollouts], champion__status=Champion.Status.ACTIVE
        ).values_list("champion__rollout_id", "unit_id"):
            found.setdefault(rollout_id, set()).add(unit_id)
        return found


def _people_helped(people):
    # The English says "people" for one too; other languages get their singular.
    return Phrase.ngettext("%(count)s people helped", "%(count)s people helped", people, count=people)

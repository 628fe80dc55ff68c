"""Step 4, Champion: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from rollout.access import EDITORS, Role
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
)

# How the score weighs its three parts (docs/steps/champion.md explains them).
WEIGHTS = {"coverage": 50, "active": 30, "trend": 20}


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


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
    number = 4
    key = "champion"
    name = "Champion"
    icon = "people"
    summary = "Appoint local champions so that everyone has someone to turn to, and log the help they give."
    questions = (
        "Who are the champions, and which units and shifts do they cover?",
        "Where are the gaps: units with people and no active champion?",
        "What help do champions give, to whom, and about what?",
    )
    first_action = "Nominate the first champions"
    url_name = "champions:home"
    pages = (
        StepPage("home", "Home", "champions:home"),
        StepPage("coverage", "Coverage", "champions:coverage"),
        StepPage("network", "Champions", "champions:network"),
        StepPage("sessions", "Sessions", "champions:sessions"),
        StepPage("events", "Drop-ins and training", "champions:events"),
        StepPage("report", "Activity report", "champions:report", roles=EDITORS | {Role.LEADER}),
        StepPage("skills", "Skills taxonomy", "champions_org:skills", roles=EDITORS, per_rollout=False),
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

        coverage = (
            f"{round(100 * share)}% of people covered at the target of 1 per {target}"
            f" ({_plural(gaps, 'unit')} without an active champion)"
            if share is not None
            else "No unit has a headcount, so coverage cannot be measured"
        )
        logged = f"{recently} of {_plural(active, 'active champion')} logged a session in the last 30 days"
        sessions_trend = f"{_plural(last, 'session')} in the last 30 days ({previous} in the 30 days before)"
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
                    f"{uncovered} of {people} people ({round(100 * uncovered / people)}%) are in units"
                    " with no active champion",
                )
            )
        reasons = [f"{coverage}."] if share is not None else []
        reasons += [f"{logged}.", f"{sessions_trend}."]
        if figures["nominated"]:
            reasons.append(f"{_plural(figures['nominated'], 'nomination')} waiting for a decision.")

        coverage_url = reverse("champions:coverage", kwargs={"pk": rollout.pk})
        if worst is not None and worst["active"] == 0:
            action = f"Appoint a champion for {worst['name']} ({worst['headcount']} people, none yet)"
            url = coverage_url
        elif worst is not None:
            ratio = round(worst["headcount"] / worst["active"])
            action = f"Add a champion in {worst['name']} (1 per {ratio}, target 1 per {target})"
            url = coverage_url
        elif figures["nominated"]:
            action, url = "Decide on the nominations", reverse("champions:network", kwargs={"pk": rollout.pk})
        elif active > recently:
            action = f"Check in with {_plural(active - recently, 'quiet champion')}"
            url = reverse("champions:report", kwargs={"pk": rollout.pk})
        else:
            action, url = "Keep logging support sessions", self.url(rollout)
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
                "Your champion week",
                [
                    f"{mine['n']} session{'s' if mine['n'] != 1 else ''} logged, {mine['people'] or 0} people helped.",
                    f"{mine['open']} open follow-up{'s' if mine['open'] != 1 else ''}.",
                ],
            )
        week = figures["rollouts"].get(rollout.pk, {})
        return DigestSection(
            "Champions",
            [
                f"{week.get('n', 0)} support sessions this week by {week.get('champions', 0)} champions, {week.get('people') or 0} people helped.",
                f"{week.get('open', 0)} follow-ups still open.",
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
                coverage, status = "not known: no unit has a headcount", ""
            else:
                coverage = f"{round(share * 100)}% of people covered at 1 per {target}"
                status = Status.from_score(round(share * 100))
            facts[rollout.pk] = [
                Fact(
                    "Champion coverage",
                    f"{coverage}; {figures['active']} active champions",
                    status,
                    definition="champion-coverage",
                    rows_url=reverse("champions:coverage", kwargs={"pk": rollout.pk}),
                ),
                Fact(
                    "Support sessions (30 days)",
                    f"{last} ({'+' if last >= previous else ''}{last - previous} on the 30 days before)",
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
                    "Support sessions per week",
                    "sessions",
                    kind="bar",
                    missing="No support session logged yet: champions log them on the Champion step.",
                )
            ]
        return [
            Trend(
                "support-sessions", "Support sessions per week", "sessions", points=tuple(weeks), kind="bar"
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

"""Step 3, Trust: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _

from rollout.steps import (
    Ceiling,
    DigestSection,
    Fact,
    MemberPanel,
    Part,
    PersonalRecords,
    SharedOutcome,
    Status,
    Step,
    scored,
)

# How the score weighs its three parts (docs/steps/trust.md explains them).
WEIGHTS = {"acknowledgement": 50, "training": 30, "incidents": 20}
# An open incident costs this much of the incidents part, by severity.
SEVERITY_COST = {"critical": 1.0, "high": 0.5, "medium": 0.25, "low": 0.1}
ACKNOWLEDGEMENT_GOAL = 90  # %: below this the next action is to chase the outstanding people


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


def _percent(rate):
    """A rate of the portfolio's facts: "43%", or "not known" when nobody is counted."""
    return "not known" if rate is None else f"{rate}%"


def incidents_points(open_by_severity):
    return max(0.0, 1 - sum(SEVERITY_COST[s] * n for s, n in open_by_severity.items()))


class TrustStep(Step):
    number = 3
    key = "trust"
    name = "Trust"
    icon = "shield-check"
    summary = "Trust people within clear boundaries: publish usage guidelines, have them acknowledged, teach safe practice, handle incidents."
    questions = (
        "What are the boundaries, written as usage guidelines people can read in five minutes?",
        "Who has acknowledged the current guidelines, and who is outstanding?",
        "Do people know how to spot malware and suspicious links, and what defamation, copyright and privacy mean here?",
        "How is an incident reported, triaged and closed?",
    )
    first_action = "Publish the usage guidelines"
    url_name = "trust:home"

    def health(self, rollouts):
        """Acknowledgement of the current guidelines, training completion, open incidents.

        Five queries for any number of rollouts (see selectors.health_figures).
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

    def portfolio_facts(self, rollouts):
        """Acknowledgement of the guidelines that apply and training completion, each linked to
        its rows."""
        from .selectors import health_figures

        if not rollouts:
            return {}
        return self._facts(rollouts, health_figures(rollouts))

    def _facts(self, rollouts, all_figures):
        from .selectors import applies, combined_rate

        guidelines, figures, training, _incidents = all_figures
        facts = {}
        for rollout in rollouts:
            mine = [guideline for guideline in guidelines if applies(guideline, rollout)]
            trained = training[rollout.organization_id]
            found = []
            if mine:
                rate, outstanding = combined_rate(mine, figures)
                found.append(
                    Fact(
                        "Guidelines acknowledged",
                        f"{_percent(rate)} ({_plural(outstanding, 'acknowledgement')} outstanding)",
                        definition="guidelines-acknowledged",
                        rows_url=reverse("trust:acknowledgement", kwargs={"pk": rollout.pk}),
                    )
                )
            if trained["modules"]:
                found.append(
                    Fact(
                        "Training completed",
                        f"{_percent(trained['rate'])} ({trained['passed']} passes of"
                        f" {_plural(trained['members'], 'member')}"
                        f" × {_plural(trained['modules'], 'module')})",
                        definition="training-completed",
                        rows_url=reverse("trust:training", kwargs={"pk": rollout.pk}),
                    )
                )
            if found:
                facts[rollout.pk] = found
        return facts

    def _healths(self, rollouts, all_figures):
        from .selectors import applies, open_for_rollout

        guidelines, figures, training, incidents = all_figures
        result = {}
        for rollout in rollouts:
            mine = [guideline for guideline in guidelines if applies(guideline, rollout)]
            trained = training[rollout.organization_id]
            open_now = open_for_rollout(incidents, rollout)
            if not mine and not trained["modules"] and not open_now:
                result[rollout.pk] = self.not_started(rollout)
                continue
            result[rollout.pk] = self._health(rollout, mine, figures, trained, open_now)
        return result

    def _health(self, rollout, guidelines, figures, training, open_now):
        from .selectors import combined_rate

        org_url = reverse("trust_org:guidelines")
        action, url = "Keep the guidelines current and review incidents", self.url(rollout)
        rate, outstanding = combined_rate(guidelines, figures)
        if guidelines:
            acknowledged = (
                f"{rate if rate is not None else 0}% acknowledged the current guidelines"
                f" ({_plural(outstanding, 'person')} outstanding)"
            )
        else:
            acknowledged = "No usage guideline is published yet"
        if training["modules"]:
            trained = f"Training {training['rate'] or 0}% complete ({_plural(training['modules'], 'module')})"
        else:
            trained = "No safe-practice training module yet"
        serious = open_now.get("critical", 0) + open_now.get("high", 0)
        total = sum(open_now.values())
        incidents = _plural(total, "open incident") + (f", {serious} high or critical" if serious else "")
        parts = {
            "acknowledgement": Part(
                WEIGHTS["acknowledgement"], (rate or 0) / 100 if guidelines else 0.0, acknowledged
            ),
            "training": Part(
                WEIGHTS["training"], (training["rate"] or 0) / 100 if training["modules"] else 0.0, trained
            ),
            "incidents": Part(WEIGHTS["incidents"], incidents_points(open_now), incidents),
        }
        ceilings = []
        if critical := open_now.get("critical", 0):
            ceilings.append(Ceiling(Status.AT_RISK, f"{_plural(critical, 'critical incident')} still open"))
        if not guidelines:
            action, url = "Publish the usage guidelines", reverse("trust_org:guideline_create")
        elif serious:
            action = f"Handle {_plural(serious, 'open high-severity incident')}"
            url = reverse("trust_org:incidents") + "?status=open_any"
        elif rate is not None and rate < ACKNOWLEDGEMENT_GOAL:
            worst = min(guidelines, key=lambda g: figures.get(g.pk, {}).get("rate") or 0)
            action = f"Remind the {_plural(outstanding, 'person')} who have not acknowledged the guidelines"
            url = reverse("trust_org:guideline", args=[worst.pk])
        elif not training["modules"]:
            action, url = "Add a safe-practice training module", reverse("trust_org:module_create")
        elif (training["rate"] or 0) < 70:
            action, url = "Encourage people to complete the training", reverse("trust_org:modules")
        elif total:
            action, url = f"Close {_plural(total, 'open incident')}", reverse("trust_org:incidents")
        else:
            url = org_url
        return scored(
            parts,
            reasons=[f"{acknowledged}.", f"{trained}.", f"{incidents}."],
            next_action=action,
            next_url=url,
            ceilings=ceilings,
        )

    def digest_key(self, membership):
        """The section depends on the role only: managers also read the incidents."""
        from rollout.access import EDITORS

        return "editor" if membership.role in EDITORS else membership.role

    def digest_section(self, rollout, membership, since):
        """Managers and champions: acknowledgement and training; managers also incidents.

        The figures are the organization's, read once per digest run (see selectors.digest_figures);
        each rollout's section picks its guidelines and incidents from them."""
        from rollout.access import EDITORS
        from rollout.data_versions import remember

        from .selectors import applies, combined_rate, digest_figures

        if membership.role not in EDITORS | {"champion"}:
            return None
        organization_id = rollout.organization_id
        figures = remember(
            ("trust-digest", since),
            lambda: digest_figures(organization_id, since),
            organization=organization_id,
        )
        guidelines = [guideline for guideline in figures["guidelines"] if applies(guideline, rollout)]
        rate, outstanding = combined_rate(guidelines, figures["acknowledgements"])
        training, passed = figures["training"], figures["passed"]
        lines = []
        if guidelines:
            lines.append(
                f"Guidelines acknowledged by {rate or 0}% ({_plural(outstanding, 'person')} outstanding)."
            )
        else:
            lines.append("No usage guideline is published yet.")
        if training["modules"]:
            lines.append(
                f"Training {training['rate'] or 0}% complete; {_plural(passed, 'module')} passed this week."
            )
        if membership.role in EDITORS:
            # The organization-wide incidents (no rollout) and the rollout's own.
            counts = [figures["incidents"].get(key, {}) for key in (None, rollout.pk)]
            open_now = sum(count.get("open", 0) for count in counts)
            new = sum(count.get("new", 0) for count in counts)
            lines.append(f"{_plural(open_now, 'open incident')}, {new} reported this week.")
        return DigestSection("Trust", lines)

    # The employee's side (rollout/people) ---------------------------------------------------

    def member_panels(self, membership):
        """ "Your guidelines and training" (what is left to acknowledge and pass, two queries)
        and "Speak up" (no query)."""
        from .selectors import member_trust_figures

        return [
            MemberPanel(
                key="trust-guidelines",
                title=_("Your guidelines and training"),
                template="trust/member/_guidelines.html",
                context={**member_trust_figures(membership), "url": reverse("trust_org:mine")},
                order=30,
            ),
            MemberPanel(
                key="speak-up",
                title=_("Speak up"),
                template="trust/member/_speak_up.html",
                context={"url": reverse("trust_org:speak_up")},
                order=70,
            ),
        ]

    def erase_person(self, membership, pseudonym):
        """Keep acknowledgements and training results (the rates count them), detach the person
        from the incidents and versions they reported, handled or published, and scrub their name
        from the organization's trust texts; see trust/erasure.py."""
        from .erasure import erase_person

        return erase_person(membership, pseudonym)

    def personal_records(self, membership):
        """Their acknowledgements, training results and the incidents they reported by name (an
        anonymous report keeps no reporter, so it is nobody's record); those they handle, if any.
        Four queries."""
        from .models import Acknowledgement, Completion, Incident
        from .selectors import reports_of

        organization_id, user_id = membership.organization_id, membership.user_id
        acknowledgements = tuple(
            Acknowledgement.objects.filter(
                user_id=user_id, version__guideline__organization_id=organization_id
            )
            .order_by("-acknowledged_at")
            .values_list("version__guideline__title", "version__number", "acknowledged_at")
        )
        results = tuple(
            Completion.objects.filter(user_id=user_id, module__organization_id=organization_id)
            .order_by("module__title")
            .values_list("module__title", "score", "last_score", "attempts", "passed_at", "last_attempt_at")
        )
        # The register's own words about an incident (what happened, the resolution) are the
        # handlers' notes and may name other people: the person gets the facts of their reports.
        fields = ("created_at__date", "occurred_on", "title", "kind", "status")
        labels = {"kind": dict(Incident.Kind.choices), "status": dict(Incident.Status.choices)}

        def incident_rows(incidents):
            return tuple(
                (reported, occurred, title, labels["kind"][kind], labels["status"][status])
                for reported, occurred, title, kind, status in incidents.values_list(*fields)
            )

        reports = incident_rows(reports_of(membership))
        handled = incident_rows(
            Incident.objects.filter(organization_id=organization_id, handler_id=user_id).order_by(
                "-occurred_on"
            )
        )
        passed = sum(1 for row in results if row[4] is not None)
        records = [
            PersonalRecords(
                key="acknowledgements",
                title="Guidelines you acknowledged",
                columns=("Guideline", "Version", "Acknowledged at"),
                rows=acknowledgements,
                summary=f"{_plural(len(acknowledgements), 'acknowledgement')} of usage guidelines.",
            ),
            PersonalRecords(
                key="training",
                title="Your training results",
                columns=(
                    "Module",
                    "Best score (%)",
                    "Last score (%)",
                    "Attempts",
                    "Passed at",
                    "Last attempt at",
                ),
                rows=results,
                summary=f"{_plural(passed, 'training module')} passed of {len(results)} attempted.",
            ),
            PersonalRecords(
                key="reports",
                title="Incidents you reported by name",
                columns=("Reported on", "Occurred on", "Title", "Kind", "Status"),
                rows=reports,
                summary=f"{_plural(len(reports), 'incident')} reported by name"
                " (anonymous reports are linked to nobody and are not listed).",
            ),
        ]
        if handled:
            records.append(
                PersonalRecords(
                    key="handled",
                    title="Incidents you handle",
                    columns=("Recorded on", "Occurred on", "Title", "Kind", "Status"),
                    rows=handled,
                    summary=f"{_plural(len(handled), 'incident')} handled by you.",
                )
            )
        return records

    def shared_outcomes(self, rollouts, since):
        """The guideline versions published since `since` that say what changed, for the guidelines
        of `rollouts` (rollout_id set) or of their whole organizations (None). One query."""
        from .selectors import guideline_changes

        return [
            SharedOutcome(
                rollout_id=version.guideline.rollout_id,
                kind="guideline",
                title=f"{version.guideline.title} published"
                if version.number == 1
                else f"{version.guideline.title} updated (version {version.number})",
                published_at=version.published_at,
                did=(version.changes,),
            )
            for version in guideline_changes(rollouts, since)
        ]

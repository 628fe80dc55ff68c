"""Step 3, Trust: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, gettext_noop, ngettext, pgettext_lazy

from rollout.i18n import Percent, Phrase, number
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
    sentence,
)

# How the score weighs its three parts (docs/steps/trust.md explains them).
WEIGHTS = {"acknowledgement": 50, "training": 30, "incidents": 20}
# An open incident costs this much of the incidents part, by severity.
SEVERITY_COST = {"critical": 1.0, "high": 0.5, "medium": 0.25, "low": 0.1}
ACKNOWLEDGEMENT_GOAL = 90  # %: below this the next action is to chase the outstanding people


def _percent(rate):
    """A rate of the portfolio's facts as a Phrase value: "43%", or "not known" when nobody is counted."""
    return Phrase.gettext("not known") if rate is None else Percent(rate, 0)


def incidents_points(open_by_severity):
    return max(0.0, 1 - sum(SEVERITY_COST[s] * n for s, n in open_by_severity.items()))


class TrustStep(Step):
    figures_read = frozenset({"trust"})
    number = 3
    key = "trust"
    name = pgettext_lazy("the name of a step", "Trust")
    icon = "shield-check"
    summary = gettext_lazy(
        "Trust people within clear boundaries: publish usage guidelines, have them acknowledged, teach safe practice, handle incidents."
    )
    questions = (
        gettext_lazy("What are the boundaries, written as usage guidelines people can read in five minutes?"),
        gettext_lazy("Who has acknowledged the current guidelines, and who is outstanding?"),
        gettext_lazy(
            "Do people know how to spot malware and suspicious links, and what defamation, copyright and privacy mean here?"
        ),
        gettext_lazy("How is an incident reported, triaged and closed?"),
    )
    first_action = gettext_noop("Publish the usage guidelines")
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
                        Phrase.gettext("Guidelines acknowledged"),
                        # Translators: %(percent)s is a percentage, or "not known".
                        Phrase.ngettext(
                            "%(percent)s (%(count)s acknowledgement outstanding)",
                            "%(percent)s (%(count)s acknowledgements outstanding)",
                            outstanding,
                            percent=_percent(rate),
                            count=outstanding,
                        ),
                        definition="guidelines-acknowledged",
                        rows_url=reverse("trust:acknowledgement", kwargs={"pk": rollout.pk}),
                    )
                )
            if trained["modules"]:
                found.append(
                    Fact(
                        Phrase.gettext("Training completed"),
                        # Translators: %(percent)s is a percentage, or "not known"; e.g. "40% (12 passes of 10 members × 3 modules)".
                        Phrase.ngettext(
                            "%(percent)s (%(count)s passes of %(members)s × %(modules)s)",
                            "%(percent)s (%(count)s passes of %(members)s × %(modules)s)",
                            trained["passed"],
                            percent=_percent(trained["rate"]),
                            count=trained["passed"],
                            members=Phrase.ngettext(
                                "%(count)s member",
                                "%(count)s members",
                                trained["members"],
                                count=trained["members"],
                            ),
                            modules=Phrase.ngettext(
                                "%(count)s module",
                                "%(count)s modules",
                                trained["modules"],
                                count=trained["modules"],
                            ),
                        ),
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
        action, url = Phrase.gettext("Keep the guidelines current and review incidents"), self.url(rollout)
        rate, outstanding = combined_rate(guidelines, figures)
        if guidelines:
            acknowledged = Phrase.ngettext(
                "%(percent)s acknowledged the current guidelines (%(count)s person outstanding)",
                "%(percent)s acknowledged the current guidelines (%(count)s persons outstanding)",
                outstanding,
                percent=Percent(rate if rate is not None else 0, 0),
                count=outstanding,
            )
        else:
            acknowledged = Phrase.gettext("No usage guideline is published yet")
        if training["modules"]:
            trained = Phrase.ngettext(
                "Training %(percent)s complete (%(count)s module)",
                "Training %(percent)s complete (%(count)s modules)",
                training["modules"],
                percent=Percent(training["rate"] or 0, 0),
                count=training["modules"],
            )
        else:
            trained = Phrase.gettext("No safe-practice training module yet")
        serious = open_now.get("critical", 0) + open_now.get("high", 0)
        total = sum(open_now.values())
        if serious:
            incidents = Phrase.ngettext(
                "%(count)s open incident, %(serious)s high or critical",
                "%(count)s open incidents, %(serious)s high or critical",
                total,
                count=total,
                serious=serious,
            )
        else:
            incidents = Phrase.ngettext(
                "%(count)s open incident", "%(count)s open incidents", total, count=total
            )
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
            ceilings.append(
                Ceiling(
                    Status.AT_RISK,
                    Phrase.ngettext(
                        "%(count)s critical incident still open",
                        "%(count)s critical incidents still open",
                        critical,
                        count=critical,
                    ),
                )
            )
        if not guidelines:
            action, url = (
                Phrase.gettext("Publish the usage guidelines"),
                reverse("trust_org:guideline_create"),
            )
        elif serious:
            action = Phrase.ngettext(
                "Handle %(count)s open high-severity incident",
                "Handle %(count)s open high-severity incidents",
                serious,
                count=serious,
            )
            url = reverse("trust_org:incidents") + "?status=open_any"
        elif rate is not None and rate < ACKNOWLEDGEMENT_GOAL:
            worst = min(guidelines, key=lambda g: figures.get(g.pk, {}).get("rate") or 0)
            action = Phrase.ngettext(
                "Remind the %(count)s person who have not acknowledged the guidelines",
                "Remind the %(count)s persons who have not acknowledged the guidelines",
                outstanding,
                count=outstanding,
            )
            url = reverse("trust_org:guideline", args=[worst.pk])
        elif not training["modules"]:
            action, url = (
                Phrase.gettext("Add a safe-practice training module"),
                reverse("trust_org:module_create"),
            )
        elif (training["rate"] or 0) < 70:
            action, url = (
                Phrase.gettext("Encourage people to complete the training"),
                reverse("trust_org:modules"),
            )
        elif total:
            action = Phrase.ngettext(
                "Close %(count)s open incident", "Close %(count)s open incidents", total, count=total
            )
            url = reverse("trust_org:incidents")
        else:
            url = org_url
        return scored(
            parts,
            reasons=[sentence(acknowledged), sentence(trained), sentence(incidents)],
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
                Phrase.ngettext(
                    "Guidelines acknowledged by %(percent)s (%(count)s person outstanding).",
                    "Guidelines acknowledged by %(percent)s (%(count)s persons outstanding).",
                    outstanding,
                    percent=Percent(rate or 0, 0),
                    count=outstanding,
                )
            )
        else:
            lines.append(Phrase.gettext("No usage guideline is published yet."))
        if training["modules"]:
            lines.append(
                Phrase.ngettext(
                    "Training %(percent)s complete; %(count)s module passed this week.",
                    "Training %(percent)s complete; %(count)s modules passed this week.",
                    passed,
                    percent=Percent(training["rate"] or 0, 0),
                    count=passed,
                )
            )
        if membership.role in EDITORS:
            # The organization-wide incidents (no rollout) and the rollout's own.
            counts = [figures["incidents"].get(key, {}) for key in (None, rollout.pk)]
            open_now = sum(count.get("open", 0) for count in counts)
            new = sum(count.get("new", 0) for count in counts)
            lines.append(
                Phrase.ngettext(
                    "%(count)s open incident, %(new)s reported this week.",
                    "%(count)s open incidents, %(new)s reported this week.",
                    open_now,
                    count=open_now,
                    new=new,
                )
            )
        return DigestSection(Phrase.gettext("Trust"), lines)

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
                title=gettext_lazy("Guidelines you acknowledged"),
                columns=(gettext_lazy("Guideline"), gettext_lazy("Version"), gettext_lazy("Acknowledged at")),
                rows=acknowledgements,
                summary=ngettext(
                    "%(count)s acknowledgement of usage guidelines.",
                    "%(count)s acknowledgements of usage guidelines.",
                    len(acknowledgements),
                )
                % {"count": number(len(acknowledgements))},
            ),
            PersonalRecords(
                key="training",
                title=gettext_lazy("Your training results"),
                columns=(
                    gettext_lazy("Module"),
                    gettext_lazy("Best score (%)"),
                    gettext_lazy("Last score (%)"),
                    gettext_lazy("Attempts"),
                    gettext_lazy("Passed at"),
                    gettext_lazy("Last attempt at"),
                ),
                rows=results,
                summary=ngettext(
                    "%(count)s training module passed of %(attempted)s attempted.",
                    "%(count)s training modules passed of %(attempted)s attempted.",
                    passed,
                )
                % {"count": number(passed), "attempted": number(len(results))},
            ),
            PersonalRecords(
                key="reports",
                title=gettext_lazy("Incidents you reported by name"),
                columns=(
                    gettext_lazy("Reported on"),
                    gettext_lazy("Occurred on"),
                    gettext_lazy("Title"),
                    gettext_lazy("Kind"),
                    gettext_lazy("Status"),
                ),
                rows=reports,
                summary=ngettext(
                    "%(count)s incident reported by name"
                    " (anonymous reports are linked to nobody and are not listed).",
                    "%(count)s incidents reported by name"
                    " (anonymous reports are linked to nobody and are not listed).",
                    len(reports),
                )
                % {"count": number(len(reports))},
            ),
        ]
        if handled:
            records.append(
                PersonalRecords(
                    key="handled",
                    title=gettext_lazy("Incidents you handle"),
                    columns=(
                        gettext_lazy("Recorded on"),
                        gettext_lazy("Occurred on"),
                        gettext_lazy("Title"),
                        gettext_lazy("Kind"),
                        gettext_lazy("Status"),
                    ),
                    rows=handled,
                    summary=ngettext(
                        "%(count)s incident handled by you.",
                        "%(count)s incidents handled by you.",
                        len(handled),
                    )
                    % {"count": number(len(handled))},
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
                title=_("%(guideline)s published") % {"guideline": version.guideline.title}
                if version.number == 1
                else _("%(guideline)s updated (version %(number)s)")
                % {"guideline": version.guideline.title, "number": version.number},
                published_at=version.published_at,
                did=(version.changes,),
            )
            for version in guideline_changes(rollouts, since)
        ]

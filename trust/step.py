"""Step 3, Trust: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse

from rollout.steps import DigestSection, Status, Step, StepHealth

# How the score weighs its three parts (docs/steps/trust.md explains them).
WEIGHTS = {"acknowledgement": 50, "training": 30, "incidents": 20}
# An open incident costs this much of the incidents part, by severity.
SEVERITY_COST = {"critical": 1.0, "high": 0.5, "medium": 0.25, "low": 0.1}
ACKNOWLEDGEMENT_GOAL = 90  # %: below this the next action is to chase the outstanding people


def _plural(n, word):
    return f"{n} {word}{'' if n == 1 else 's'}"


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
        from .selectors import applies, health_figures, open_for_rollout

        if not rollouts:
            return {}
        guidelines, figures, training, incidents = health_figures(rollouts)
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

        reasons, parts = [], {}
        org_url = reverse("trust_org:guidelines")
        action, url = "Keep the guidelines current and review incidents", self.url(rollout)
        rate, outstanding = combined_rate(guidelines, figures)
        if guidelines:
            parts["acknowledgement"] = (rate or 0) / 100
            reasons.append(
                f"{rate if rate is not None else 0}% acknowledged the current guidelines"
                f" ({_plural(outstanding, 'person')} outstanding)."
            )
        else:
            parts["acknowledgement"] = 0.0
            reasons.append("No usage guideline is published yet.")
        if training["modules"]:
            parts["training"] = (training["rate"] or 0) / 100
            reasons.append(
                f"Training {training['rate'] or 0}% complete ({_plural(training['modules'], 'module')})."
            )
        else:
            parts["training"] = 0.0
            reasons.append("No safe-practice training module yet.")
        parts["incidents"] = incidents_points(open_now)
        serious = open_now.get("critical", 0) + open_now.get("high", 0)
        total = sum(open_now.values())
        reasons.append(
            f"{_plural(total, 'open incident')}" + (f", {serious} high or critical." if serious else ".")
        )
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
        score = round(sum(WEIGHTS[key] * value for key, value in parts.items()))
        return StepHealth(
            score=score, status=Status.from_score(score), reasons=reasons, next_action=action, next_url=url
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
        from rollout.portfolio import remember

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

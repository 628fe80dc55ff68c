"""Step 1, Strategize: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse

from rollout.access import EDITORS
from rollout.steps import Ceiling, DigestSection, Fact, Part, Status, Step, scored

from .audiences import reach

# How the score weighs its two parts (docs/steps/strategize.md explains them).
WEIGHTS = {"completeness": 70, "sign_off": 30}
# How far each worksheet status goes towards the sign-off part.
SIGN_OFF = {"approved": 1.0, "submitted": 0.5, "draft": 0.0}


class StrategizeStep(Step):
    number = 1
    key = "strategize"
    name = "Strategize"
    icon = "compass"
    summary = (
        "Decide what the organization wants from the technology, for whom, and how success will be measured."
    )
    questions = (
        "What does the organization want to get out of it, and what is the main purpose?",
        "Who are the stakeholders, and what does each of them need?",
        "Who is the audience, how big is it, and how will people come to know about the tool?",
        "Who owns it, who holds the budget, and who runs it day to day?",
        "How does it work in practice: coverage hours, response time to questions, moderation?",
        "How will you know it works: which success metrics, against which targets, reviewed how often?",
    )
    first_action = "Write the strategy worksheet"

    url_name = "strategy:worksheet"

    def audience_filter(self, rollouts):
        return reach(rollouts)

    def erase_person(self, membership, pseudonym):
        """Detach the person from the worksheets they own, submitted or approved, and scrub their
        name and email from the worksheets' texts and lists, history included; see
        strategy/erasure.py."""
        from .erasure import erase_person

        return erase_person(membership, pseudonym)

    def health(self, rollouts):
        """Completeness and sign-off of the worksheet, capped while no success metric is defined;
        one query for all rollouts."""
        from .completeness import annotate_counts
        from .models import Worksheet

        worksheets = {
            ws.rollout_id: ws
            for ws in annotate_counts(Worksheet.objects.filter(rollout__in=[r.pk for r in rollouts]))
        }
        result = {}
        for rollout in rollouts:
            ws = worksheets.get(rollout.pk)
            if ws is None:
                result[rollout.pk] = self.not_started(rollout)
                continue
            result[rollout.pk] = self._health(rollout, ws)
        return result

    def _health(self, rollout, ws):
        """The health of one annotated worksheet (see `completeness.annotate_counts`)."""
        from .completeness import completeness
        from .models import Worksheet

        overall, _, missing = completeness(ws)
        complete = f"Worksheet {overall}% complete"
        signed = ws.get_status_display()
        metrics = (
            f"{ws.n_metrics} success metric{'s' if ws.n_metrics != 1 else ''} defined"
            if ws.n_metrics
            else "No success metric defined yet"
        )
        parts = {
            "completeness": Part(WEIGHTS["completeness"], overall / 100, complete),
            "sign_off": Part(
                WEIGHTS["sign_off"], SIGN_OFF.get(ws.status, 0.0), f"Worksheet status: {signed.lower()}"
            ),
        }
        ceilings = []
        if not ws.n_metrics:
            ceilings.append(
                Ceiling(
                    Status.AT_RISK, "No success metric defined: nobody can tell whether the rollout works"
                )
            )
        if missing:
            next_action = missing.label
        elif ws.status == Worksheet.Status.DRAFT:
            next_action = "Submit the worksheet for approval"
        elif ws.status == Worksheet.Status.SUBMITTED:
            next_action = "Approve the worksheet or send it back"
        else:
            next_action = "Review the strategy at the next review"
        return scored(
            parts,
            reasons=[f"{complete}.", f"{signed}.", f"{metrics}."],
            next_action=next_action,
            next_url=self.url(rollout),
            ceilings=ceilings,
        )

    def digest_section(self, rollout, membership, since):
        """Managers see the success metrics the rollout is measured against."""
        from .selectors import success_metrics

        if membership.role not in EDITORS:
            return None
        metrics = success_metrics(rollout)
        if not metrics:
            return DigestSection(
                "Success metrics", ["None defined yet: add them in section 6 of the strategy."]
            )
        lines = [
            f"{m.name}{f' ({m.audience})' if m.audience else ''}: from {plain_number(m.baseline)} to {plain_number(m.target)}"
            + (f" by {m.target_date:%-d %b %Y}" if m.target_date else "")
            for m in metrics
        ]
        return DigestSection("Success metrics", lines)

    def digest_key(self, membership):
        """The section is the same for every manager of the rollout (and absent for others)."""
        return membership.role in EDITORS

    def portfolio_facts(self, rollouts):
        """The success metrics each rollout is measured against (the reviews add the actuals)."""
        from .selectors import success_metrics_for

        facts = {}
        for rollout_id, metrics in success_metrics_for(rollouts).items():
            if not metrics:
                continue
            shown = [
                f"{m.name} → {plain_number(m.target)}"
                + (f" by {m.target_date:%b %Y}" if m.target_date else "")
                for m in metrics[:3]
            ]
            more = f" and {len(metrics) - 3} more" if len(metrics) > 3 else ""
            facts[rollout_id] = [
                Fact(
                    "Targets",
                    "; ".join(shown) + more,
                    definition="targets",
                    rows_url=reverse("strategy:targets", kwargs={"pk": rollout_id}),
                )
            ]
        return facts

    def units_of(self, rollouts):
        """The units the strategy's audiences name."""
        from .models import Audience

        found = {}
        rows = Audience.objects.filter(worksheet__rollout__in=[r.pk for r in rollouts], unit__isnull=False)
        for rollout_id, unit_id in rows.values_list("worksheet__rollout_id", "unit_id"):
            found.setdefault(rollout_id, set()).add(unit_id)
        return found


def plain_number(value):
    """5.00 -> "5", 12.50 -> "12.5" (Decimal's own formats keep the zeros or use exponents)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

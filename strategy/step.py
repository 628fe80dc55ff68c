"""Step 1, Strategize: its entry in the step registry (see rollout/steps.py)."""

from django.urls import reverse
from django.utils.translation import gettext, gettext_noop, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from rollout.access import EDITORS
from rollout.i18n import Decimals, Percent, Phrase
from rollout.steps import (
    Ceiling,
    DigestSection,
    Fact,
    Part,
    Status,
    Step,
    day,
    listing,
    marked,
    month,
    scored,
    sentence,
)

from .audiences import reach

# How the score weighs its two parts (docs/steps/strategize.md explains them).
WEIGHTS = {"completeness": 70, "sign_off": 30}
# How far each worksheet status goes towards the sign-off part.
SIGN_OFF = {"approved": 1.0, "submitted": 0.5, "draft": 0.0}
# The sign-off part's fact for each worksheet status.
SIGN_OFF_FACT = {
    "draft": gettext_noop("Worksheet status: draft"),
    "submitted": gettext_noop("Worksheet status: submitted for approval"),
    "approved": gettext_noop("Worksheet status: approved"),
}


class StrategizeStep(Step):
    figures_read = frozenset({"strategy"})
    number = 1
    key = "strategize"
    name = pgettext_lazy("the name of a step", "Strategize")
    icon = "compass"
    summary = _(
        "Decide what the organization wants from the technology, for whom, and how success will be measured."
    )
    questions = (
        _("What does the organization want to get out of it, and what is the main purpose?"),
        _("Who are the stakeholders, and what does each of them need?"),
        _("Who is the audience, how big is it, and how will people come to know about the tool?"),
        _("Who owns it, who holds the budget, and who runs it day to day?"),
        _("How does it work in practice: coverage hours, response time to questions, moderation?"),
        _("How will you know it works: which success metrics, against which targets, reviewed how often?"),
    )
    first_action = gettext_noop("Write the strategy worksheet")

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

        overall, _by_section, missing = completeness(ws)
        complete = Phrase.gettext("Worksheet %(percent)s complete", percent=Percent(overall, 0))
        signed = marked(Worksheet.Status(ws.status).label)
        sign_off = Phrase.gettext(SIGN_OFF_FACT[ws.status])
        if ws.n_metrics:
            metrics = Phrase.ngettext(
                "%(count)s success metric defined",
                "%(count)s success metrics defined",
                ws.n_metrics,
                count=ws.n_metrics,
            )
        else:
            metrics = Phrase.gettext("No success metric defined yet")
        parts = {
            "completeness": Part(WEIGHTS["completeness"], overall / 100, complete),
            "sign_off": Part(WEIGHTS["sign_off"], SIGN_OFF.get(ws.status, 0.0), sign_off),
        }
        ceilings = []
        if not ws.n_metrics:
            ceilings.append(
                Ceiling(
                    Status.AT_RISK,
                    Phrase.gettext("No success metric defined: nobody can tell whether the rollout works"),
                )
            )
        if missing:
            next_action = missing.label
        elif ws.status == Worksheet.Status.DRAFT:
            next_action = Phrase.gettext("Submit the worksheet for approval")
        elif ws.status == Worksheet.Status.SUBMITTED:
            next_action = Phrase.gettext("Approve the worksheet or send it back")
        else:
            next_action = Phrase.gettext("Review the strategy at the next review")
        return scored(
            parts,
            reasons=[sentence(complete), sentence(signed), sentence(metrics)],
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
        title = Phrase.gettext("Success metrics")
        if not metrics:
            return DigestSection(
                title, [Phrase.gettext("None defined yet: add them in section 6 of the strategy.")]
            )
        return DigestSection(title, [_digest_line(m) for m in metrics])

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
            shown = listing(
                [
                    Phrase.gettext(
                        "%(metric)s → %(target)s by %(month)s",
                        metric=metric_name(m),
                        target=figure(m.target),
                        month=month(m.target_date),
                    )
                    if m.target_date
                    else Phrase.gettext(
                        "%(metric)s → %(target)s", metric=metric_name(m), target=figure(m.target)
                    )
                    for m in metrics[:3]
                ]
            )
            if len(metrics) > 3:
                more = len(metrics) - 3
                shown = Phrase.ngettext(
                    "%(targets)s and %(count)s more",
                    "%(targets)s and %(count)s more",
                    more,
                    targets=shown,
                    count=more,
                )
            facts[rollout_id] = [
                Fact(
                    Phrase.gettext("Targets"),
                    shown,
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


def _digest_line(metric):
    """A success metric in the digest: "Adoption (Sales): from 5 to 40 by 3 Mar 2026"."""
    name = (
        Phrase.gettext("%(metric)s (%(audience)s)", metric=metric_name(metric), audience=str(metric.audience))
        if metric.audience
        else metric_name(metric)
    )
    values = {"metric": name, "baseline": figure(metric.baseline), "target": figure(metric.target)}
    if metric.target_date:
        return Phrase.gettext(
            "%(metric)s: from %(baseline)s to %(target)s by %(date)s", date=day(metric.target_date), **values
        )
    return Phrase.gettext("%(metric)s: from %(baseline)s to %(target)s", **values)


def metric_name(metric):
    """A success metric's (or MetricTarget's) name as a Phrase value: a catalogue metric's label in the reader's
    language, a custom metric's name as written."""
    from rollout.metrics import catalogue

    found = catalogue.get(metric.metric_key)
    if found is not None:
        return marked(found.label)
    # A SuccessMetric has its custom name; a MetricTarget (strategy.selectors) its name as read.
    name = str(getattr(metric, "custom_name", metric.name))
    return name if name and name != gettext("Custom metric") else Phrase.gettext("Custom metric")


def figure(value):
    """A Decimal as a Phrase value with the decimals it needs: 5.00 -> 5, 12.50 -> 12.5 (with the
    reader's separators)."""
    text = plain_number(value)
    return Decimals(value, len(text.split(".")[1]) if "." in text else 0)


def plain_number(value):
    """5.00 -> "5", 12.50 -> "12.5" (Decimal's own formats keep the zeros or use exponents)."""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text

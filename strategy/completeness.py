"""How complete a worksheet is, per section, computed from what is saved.

Each section has a few checks; a section's completeness is the share of its checks that pass,
and the worksheet's is the mean over the six sections. `annotate_counts` adds every count the
checks need to a Worksheet queryset as correlated subqueries, so any number of worksheets costs
one query.
"""

from dataclasses import dataclass

from django.db.models import Count, Exists, IntegerField, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext

from rollout.i18n import Phrase

from .models import Audience, AwarenessChannel, Objective, Stakeholder, SuccessMetric, TimeAllowance


def _count(model, *conditions, **filters):
    rows = (
        model.objects.filter(*conditions, worksheet=OuterRef("pk"), **filters)
        .order_by()
        .values("worksheet")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _annotations():
    return {
        "n_objectives": _count(Objective),
        "n_allowances": _count(TimeAllowance),
        "n_stakeholders": _count(Stakeholder),
        "n_stakeholders_high": _count(Stakeholder, influence="high"),
        "n_stakeholders_unplanned": _count(Stakeholder, involvement=""),
        "n_audiences": _count(Audience),
        # An audience's size comes from its unit's headcount, its list of people, or its stated size.
        "n_audiences_unsized": _count(Audience, size__isnull=True, unit__isnull=True, people=""),
        "n_audiences_unreached": _count(
            Audience, ~Exists(AwarenessChannel.objects.filter(audience=OuterRef("pk")))
        ),
        "n_channels": _count(AwarenessChannel),
        "n_metrics": _count(SuccessMetric),
        "n_metrics_undated": _count(SuccessMetric, target_date__isnull=True),
    }


COUNTS = list(_annotations())  # the attribute names annotate_counts adds


def annotate_counts(worksheets):
    return worksheets.annotate(**_annotations())


@dataclass(frozen=True)
class Check:
    # What is missing, phrased as the next thing to do: a Phrase, English as a str and shown in the
    # reader's language (a step's health stores it as its next action).
    label: str
    done: bool


def section_checks(ws):
    """{section key: [Check]} for an annotated worksheet."""
    return {
        "purpose": [
            Check(Phrase.gettext("Choose the main purpose"), bool(ws.main_purpose)),
            Check(Phrase.gettext("Add at least one objective"), ws.n_objectives > 0),
            Check(
                Phrase.gettext("Say how much time people are expected to spend on it"), ws.n_allowances > 0
            ),
        ],
        "stakeholders": [
            Check(Phrase.gettext("Add the stakeholders and what they need"), ws.n_stakeholders > 0),
            Check(
                Phrase.gettext("Identify at least one high-influence stakeholder"), ws.n_stakeholders_high > 0
            ),
            Check(
                Phrase.gettext("Say how every stakeholder will be involved"),
                ws.n_stakeholders > 0 and ws.n_stakeholders_unplanned == 0,
            ),
        ],
        "audiences": [
            Check(Phrase.gettext("Add at least one target audience"), ws.n_audiences > 0),
            Check(
                Phrase.gettext("Say who is in every audience (a unit, a list of people or a size)"),
                ws.n_audiences > 0 and ws.n_audiences_unsized == 0,
            ),
            Check(
                Phrase.gettext("Plan how every audience will hear about it"),
                ws.n_audiences > 0 and ws.n_audiences_unreached == 0,
            ),
        ],
        "ownership": [
            Check(Phrase.gettext("Name the business owner"), ws.business_owner_id is not None),
            Check(Phrase.gettext("Name the budget holder"), ws.budget_holder_id is not None),
            Check(Phrase.gettext("Set the budget"), ws.budget_amount is not None),
            Check(Phrase.gettext("Name who manages it day to day"), ws.process_manager_id is not None),
        ],
        "operating": [
            Check(Phrase.gettext("Choose the coverage"), bool(ws.coverage)),
            Check(Phrase.gettext("Set a response-time target"), ws.response_target_hours is not None),
            Check(Phrase.gettext("Choose how it is moderated"), bool(ws.moderation)),
        ],
        "evaluation": [
            Check(Phrase.gettext("Add at least one success metric"), ws.n_metrics > 0),
            Check(
                Phrase.gettext("Give every metric a target date"),
                ws.n_metrics > 0 and ws.n_metrics_undated == 0,
            ),
            Check(Phrase.gettext("Set the review cadence"), bool(ws.review_cadence)),
            Check(Phrase.gettext("Set the first review date"), ws.first_review_date is not None),
        ],
    }


def percent(checks):
    return round(100 * sum(check.done for check in checks) / len(checks)) if checks else 0


def completeness(ws):
    """(overall percent, {section key: percent}, first missing Check or None)."""
    checks = section_checks(ws)
    by_section = {key: percent(items) for key, items in checks.items()}
    overall = round(sum(by_section.values()) / len(by_section))
    missing = next((check for items in checks.values() for check in items if not check.done), None)
    return overall, by_section, missing


def sign_off_problems(ws):
    """What must exist before a worksheet can be submitted (plain sentences)."""
    problems = []
    if ws.n_objectives == 0:
        problems.append(gettext("Add at least one objective (section 1)."))
    if ws.n_audiences == 0:
        problems.append(gettext("Add at least one target audience (section 3)."))
    if ws.n_metrics == 0:
        problems.append(gettext("Add at least one success metric (section 6)."))
    return problems

"""The rows behind the Trust figures (rollout/drilldown.py), with a CSV of the same rows: who has
acknowledged the guidelines that apply to the rollout, per guideline and unit (groups under the
organization's minimum size merged into "Other", as the guideline's own page merges them), and the
training modules with how many members passed each. No row names a person; staff read them, as
they read the step's page (managers find the names on each guideline's page)."""

from django.db.models import Count, F, Q
from django.urls import reverse

from rollout import drilldown
from rollout.models import Membership

from ..models import TrainingModule
from ..roles import MANAGERS, READERS
from ..selectors import guidelines_for_rollout, training_figures, unit_table


def _acknowledgement(request, rollout):
    guidelines = guidelines_for_rollout([rollout])
    minimum = rollout.organization.privacy_min_group
    manager = request.scope.has_role(MANAGERS)
    rows, audience, done = [], 0, 0
    for guideline in guidelines:
        guideline.organization = rollout.organization  # the same row: unit_table reads its minimum
        named = (
            drilldown.Link(guideline.title, reverse("trust_org:guideline", args=[guideline.pk]))
            if manager
            else guideline.title
        )
        units, other, total = unit_table(guideline)
        audience, done = audience + total["total"], done + total["acknowledged"]
        for row in units:
            rows.append(
                [named, row["name"], row["total"], row["acknowledged"], row["total"] - row["acknowledged"]]
            )
        if other is not None:
            if other["hidden"]:
                rows.append([named, f"Other (fewer than {minimum} people)", "—", "—", "—"])
            else:
                outstanding = other["total"] - other["acknowledged"]
                rows.append([named, "Other", other["total"], other["acknowledged"], outstanding])
    rate = f"{round(100 * done / audience)}%" if audience else "not known (nobody is asked)"
    return drilldown.Rows(
        title="Acknowledgement of the guidelines",
        explanation=(
            "Each published guideline that applies to this rollout (the organization's and the "
            "rollout's own), per unit of the people it asks: how many are asked, how many hold an "
            "acknowledgement of the current version (or of one since the last material change) and "
            "how many are outstanding. A person asked by two guidelines counts once in each. Units "
            f"with fewer than {minimum} people, and people without a unit, are merged into “Other”, "
            "which is not shown when even the merged group is that small; the total counts everyone."
        ),
        definition="guidelines-acknowledged",
        columns=("Guideline", "Unit", "People asked", "Acknowledged", "Outstanding"),
        items=rows,
        row=lambda row: row,
        csv_url=reverse("trust:acknowledgement_csv", kwargs={"pk": rollout.pk}),
        back=("Trust", reverse("trust:home", kwargs={"pk": rollout.pk})),
        total=f"{done} of {audience} acknowledged ({rate}); {audience - done} outstanding.",
        noun=("group", "groups"),
        empty="No published guideline applies to this rollout.",
    )


def _training(rollout):
    organization = rollout.organization
    figures = training_figures([organization.pk])[organization.pk]
    # A pass counts while its person is a member of the module's organization (as the figure counts).
    passed = Q(
        completions__passed_at__isnull=False,
        completions__user__memberships__organization=F("organization"),
    )
    modules = (
        TrainingModule.objects.filter(organization=organization, active=True)
        .annotate(passed=Count("completions", filter=passed))
        .order_by("title", "pk")
    )
    members = Membership.objects.filter(organization=organization).count()
    rate = f"{figures['rate']}%" if figures["rate"] is not None else "not known"
    return drilldown.Rows(
        title="Training completed",
        explanation=(
            "Each active safe-practice training module of the organization, with how many of its "
            f"{members} members have passed it. Completion is the passes over members × active "
            "modules; retired modules and people who have left do not count."
        ),
        definition="training-completed",
        columns=("Module", "Passed by", "Members", "Not passed yet"),
        items=modules,
        row=lambda module: [module.title, module.passed, members, members - module.passed],
        csv_url=reverse("trust:training_csv", kwargs={"pk": rollout.pk}),
        back=("Trust", reverse("trust:home", kwargs={"pk": rollout.pk})),
        total=(f"{figures['passed']} passes of {members} members × {figures['modules']} modules: {rate}."),
        noun=("module", "modules"),
        empty="No active training module yet.",
    )


acknowledgement, acknowledgement_csv = drilldown.views(READERS, _acknowledgement)
training, training_csv = drilldown.views(READERS, lambda request, rollout: _training(rollout))

"""The rows behind the Trust figures (rollout/drilldown.py), with a CSV of the same rows: who has
acknowledged the guidelines that apply to the rollout, per guideline and unit (groups under the
organization's minimum size merged into "Other", as the guideline's own page merges them), and the
training modules with how many members passed each. No row names a person; staff read them, as
they read the step's page (managers find the names on each guideline's page)."""

from django.db.models import Count, F, Q
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rollout import drilldown
from rollout.i18n import percent
from rollout.models import Membership

from ..models import TrainingModule
from ..roles import MANAGERS, READERS
from ..selectors import guidelines_for_rollout, training_figures, unit_table


def _acknowledgement(request, rollout):
    guidelines = guidelines_for_rollout([rollout])
    minimum = rollout.organization.privacy_min_group
    manager = request.scope.has_role(MANAGERS)
    rows, audience, done = [], 0, 0
    other_label = _("Other")
    too_small = ngettext(
        "Other (fewer than %(count)s person)", "Other (fewer than %(count)s people)", minimum
    ) % {"count": minimum}
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
                rows.append([named, too_small, "—", "—", "—"])
            else:
                outstanding = other["total"] - other["acknowledged"]
                rows.append([named, other_label, other["total"], other["acknowledged"], outstanding])
    rate = percent(round(100 * done / audience), 0) if audience else _("not known (nobody is asked)")
    return drilldown.Rows(
        title=gettext_lazy("Acknowledgement of the guidelines"),
        explanation=ngettext(
            "Each published guideline that applies to this rollout (the organization's and the "
            "rollout's own), per unit of the people it asks: how many are asked, how many hold an "
            "acknowledgement of the current version (or of one since the last material change) and "
            "how many are outstanding. A person asked by two guidelines counts once in each. Units "
            "with fewer than %(count)s person, and people without a unit, are merged into “Other”, "
            "which is not shown when even the merged group is that small; the total counts everyone.",
            "Each published guideline that applies to this rollout (the organization's and the "
            "rollout's own), per unit of the people it asks: how many are asked, how many hold an "
            "acknowledgement of the current version (or of one since the last material change) and "
            "how many are outstanding. A person asked by two guidelines counts once in each. Units "
            "with fewer than %(count)s people, and people without a unit, are merged into “Other”, "
            "which is not shown when even the merged group is that small; the total counts everyone.",
            minimum,
        )
        % {"count": minimum},
        definition="guidelines-acknowledged",
        columns=(_("Guideline"), _("Unit"), _("People asked"), _("Acknowledged"), _("Outstanding")),
        items=rows,
        row=lambda row: row,
        csv_url=reverse("trust:acknowledgement_csv", kwargs={"pk": rollout.pk}),
        back=(_("Trust"), reverse("trust:home", kwargs={"pk": rollout.pk})),
        total=_("%(done)s of %(audience)s acknowledged (%(rate)s); %(outstanding)s outstanding.")
        % {"done": done, "audience": audience, "rate": rate, "outstanding": audience - done},
        noun=(_("group"), _("groups")),
        empty=_("No published guideline applies to this rollout."),
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
    rate = percent(figures["rate"], 0) if figures["rate"] is not None else _("not known")
    return drilldown.Rows(
        title=gettext_lazy("Training completed"),
        explanation=ngettext(
            "Each active safe-practice training module of the organization, with how many of its "
            "%(count)s member have passed it. Completion is the passes over members × active "
            "modules; retired modules and people who have left do not count.",
            "Each active safe-practice training module of the organization, with how many of its "
            "%(count)s members have passed it. Completion is the passes over members × active "
            "modules; retired modules and people who have left do not count.",
            members,
        )
        % {"count": members},
        definition="training-completed",
        columns=(_("Module"), _("Passed by"), _("Members"), _("Not passed yet")),
        items=modules,
        row=lambda module: [module.title, module.passed, members, members - module.passed],
        csv_url=reverse("trust:training_csv", kwargs={"pk": rollout.pk}),
        back=(_("Trust"), reverse("trust:home", kwargs={"pk": rollout.pk})),
        total=_("%(passed)s passes of %(members)s members × %(modules)s modules: %(rate)s.")
        % {"passed": figures["passed"], "members": members, "modules": figures["modules"], "rate": rate},
        noun=(_("module"), _("modules")),
        empty=_("No active training module yet."),
    )


acknowledgement, acknowledgement_csv = drilldown.views(READERS, _acknowledgement)
training, training_csv = drilldown.views(READERS, lambda request, rollout: _training(rollout))

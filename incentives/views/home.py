"""The step's landing page and the incentive plan."""

from django.contrib import messages
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.portfolio import step_context
from rollout.steps import registry
from strategy.selectors import success_metrics

from ..forms import PlannedIncentiveForm
from ..models import Incentive, PointsClaim
from ..roles import EDITORS, STAFF
from ..selectors import RECENT, balance


@role_required(STAFF)
def home(request, pk):
    rollout = request.scope.rollout(pk)
    step = registry.get("incentivize")
    since = timezone.now() - RECENT
    counts = rollout.recognitions.aggregate(
        recent=Count("pk", filter=Q(created_at__gte=since)),
        leaders=Count("pk", filter=Q(created_at__gte=since, from_leader=True)),
    )
    return render(
        request,
        "incentives/home.html",
        {
            "rollout": rollout,
            "step": step,
            **step_context(rollout, step.key, request.user),  # its health and when it was computed
            "plan": rollout.planned_incentives.all()[:20],
            "counts": counts,
            "badges": rollout.badges.count(),
            "pending_claims": rollout.points_claims.filter(status=PointsClaim.Status.PENDING).count(),
            "recent": rollout.recognitions.select_related("giver", "recipient", "unit")[:5],
            "my_points": balance(rollout, request.user),
            "can_edit": request.scope.has_role(EDITORS),
        },
    )


def strategy_audiences(rollout):
    """Audience names the strategy's success metrics name (strategy.selectors has no audience list)."""
    return sorted({metric.audience for metric in success_metrics(rollout) if metric.audience})


@role_required(EDITORS)
def plan(request, pk):
    rollout = request.scope.rollout(pk)
    form = PlannedIncentiveForm(request.POST or None, rollout=rollout)
    if form.is_valid():
        item = form.save()
        messages.success(request, _("%(item)s added to the plan.") % {"item": item})
        return redirect("incentives:plan", pk=rollout.pk)
    items = rollout.planned_incentives.all()
    covered = set(items.values_list("incentive", flat=True))
    return render(
        request,
        "incentives/plan.html",
        {
            "rollout": rollout,
            "form": form,
            "items": items,
            "audiences": strategy_audiences(rollout),
            "missing": [label for value, label in Incentive.choices if value not in covered],
        },
    )


@role_required(EDITORS)
@require_POST
def plan_delete(request, pk, item):
    rollout = request.scope.rollout(pk)
    item = get_object_or_404(rollout.planned_incentives, pk=item)
    item.delete()
    messages.success(request, _("%(item)s removed from the plan.") % {"item": item})
    return redirect("incentives:plan", pk=rollout.pk)

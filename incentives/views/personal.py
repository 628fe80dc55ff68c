"""A person's own incentives page (points, badges, thanks received, objectives) and the opt-out."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.models import Rollout

from .. import services
from ..models import AppraisalObjective, BadgeAward, LeaderboardOptOut, Recognition
from ..roles import EVERYONE
from ..selectors import balances_of


@role_required(EVERYONE)
def me(request):
    scope, user = request.scope, request.user
    organization = scope.organization
    awards = (
        BadgeAward.objects.filter(rollout__organization=organization, person=user, revoked_at__isnull=True)
        .select_related("level__badge", "rollout")
        .order_by("-issued_at", "-pk")
    )
    received = Recognition.objects.filter(rollout__organization=organization, recipient=user)
    objectives = AppraisalObjective.objects.filter(rollout__organization=organization).filter(
        Q(person=user) | Q(person__isnull=True, role=scope.role)
    )
    return render(
        request,
        "incentives/me.html",
        {
            "balances": balances_of(organization, user),
            "awards": Paginator(awards, 24).get_page(request.GET.get("page")),
            "received": received.select_related("giver", "recipient", "rollout", "unit")[:10],
            "received_count": received.count(),
            "objectives": objectives.select_related("rollout", "created_by")[:50],
            "opted_out": LeaderboardOptOut.objects.filter(organization=organization, user=user).exists(),
            "rollouts": scope.rollouts().filter(status__in=[Rollout.Status.PILOT, Rollout.Status.LIVE]),
        },
    )


@role_required(EVERYONE)
@require_POST
def leaderboard_opt_out(request):
    opted_out = request.POST.get("opt_out") == "1"
    services.set_opt_out(request.scope.organization, request.user, opted_out)
    if opted_out:
        messages.success(
            request, "You no longer appear on the leaderboards. Your points and badges stay yours."
        )
    else:
        messages.success(request, "You appear on the leaderboards again.")
    return redirect("incentives_org:me")

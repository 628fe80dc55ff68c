"""A person's own incentives page (points, badges, thanks received, objectives) and the opt-out."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.models import Rollout

from .. import services
from ..models import AppraisalObjective, BadgeAward, LeaderboardOptOut, LeaderVisibility, Recognition
from ..roles import EVERYONE, NAMED_LEADERS
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
            "is_named_leader": scope.has_role(NAMED_LEADERS),
            "seen_since": LeaderVisibility.objects.filter(organization=organization, user=user)
            .values_list("agreed_at", flat=True)
            .first()
            if scope.has_role(NAMED_LEADERS)
            else None,
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
            request, _("You no longer appear on the leaderboards. Your points and badges stay yours.")
        )
    else:
        messages.success(request, _("You appear on the leaderboards again."))
    return redirect("incentives_org:me")


@role_required(NAMED_LEADERS)
@require_POST
def leader_visibility(request):
    """A leader agrees that people may see their participation, or withdraws."""
    visible = request.POST.get("visible") == "1"
    services.set_leader_visibility(request.scope.organization, request.user, visible)
    if visible:
        messages.success(
            request,
            _(
                "People now see on their own page that you take part: what you did and whom you "
                "thanked in the last 90 days."
            ),
        )
    else:
        messages.success(request, _("People no longer see your participation on their own page."))
    return redirect(f"{reverse('incentives_org:me')}#leader-visibility")

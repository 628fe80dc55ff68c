"""Badges: the list, creating and editing a badge with its levels, awarding one by hand."""

from django.contrib import messages
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from rollout.access import role_required

from .. import services
from ..forms import AwardForm, BadgeForm
from ..roles import EDITORS, EVERYONE


@role_required(EVERYONE)
def badges(request, pk):
    rollout = request.scope.rollout(pk)
    listed = (
        rollout.badges.select_related("rule")
        .prefetch_related("levels", "requires")
        .annotate(holders=Count("awards__person", distinct=True))
    )
    return render(
        request,
        "incentives/badges.html",
        {"rollout": rollout, "badges": listed, "can_edit": request.scope.has_role(EDITORS)},
    )


def _badge_form(request, rollout, badge=None):
    form = BadgeForm(request.POST or None, request.FILES or None, instance=badge, rollout=rollout)
    if form.is_valid():
        badge = services.save_badge(rollout, form.cleaned_data, form.cleaned_levels(), badge=badge)
        messages.success(request, _("Badge “%(name)s” saved.") % {"name": badge})
        return redirect("incentives:badges", pk=rollout.pk)
    return render(request, "incentives/badge_form.html", {"rollout": rollout, "form": form, "badge": badge})


@role_required(EDITORS)
def badge_create(request, pk):
    return _badge_form(request, request.scope.rollout(pk))


@role_required(EDITORS)
def badge_edit(request, pk, badge):
    rollout = request.scope.rollout(pk)
    return _badge_form(request, rollout, get_object_or_404(rollout.badges, pk=badge))


@role_required(EDITORS)
def award(request, pk, badge):
    rollout = request.scope.rollout(pk)
    badge = get_object_or_404(rollout.badges, pk=badge)
    form = AwardForm(request.POST or None, scope=request.scope, badge=badge)
    if form.is_valid():
        data = form.cleaned_data
        if services.award_manually(
            data["level"], data["person"], request.user, data["evidence_url"], data["evidence"]
        ):
            messages.success(
                request,
                _("%(person)s now holds %(badge)s.") % {"person": data["person"], "badge": data["level"]},
            )
        else:
            messages.info(
                request,
                _("%(person)s already holds %(badge)s.") % {"person": data["person"], "badge": data["level"]},
            )
        return redirect("incentives:badges", pk=rollout.pk)
    recent = badge.awards.select_related("person", "level", "awarded_by")[:10]
    return render(
        request,
        "incentives/award_form.html",
        {"rollout": rollout, "form": form, "badge": badge, "recent": recent},
    )

"""Leaderboards per rollout, unit and season, and closing a season to start the next."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import LeaderboardFilterForm, SeasonForm
from ..models import LeaderboardOptOut
from ..roles import EDITORS, EVERYONE
from ..selectors import leaderboard as ranked
from ..selectors import open_season


@role_required(EVERYONE)
def leaderboard(request, pk):
    rollout = request.scope.rollout(pk)
    filters = LeaderboardFilterForm(request.GET or None, scope=request.scope, rollout=rollout)
    season = unit = None
    if filters.is_valid():
        season, unit = filters.cleaned_data["season"], filters.cleaned_data["unit"]
    rows = ranked(rollout, season=season, unit=unit)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    opted_out = LeaderboardOptOut.objects.filter(
        organization=request.scope.organization, user=request.user
    ).exists()
    return render(
        request,
        "incentives/leaderboard.html",
        {
            "rollout": rollout,
            "filters": filters,
            "page": page,
            "season": season or open_season(rollout),
            "unit": unit,
            "opted_out": opted_out,
        },
    )


@role_required(EDITORS)
def seasons(request, pk):
    rollout = request.scope.rollout(pk)
    form = SeasonForm(request.POST or None)
    if form.is_valid():
        season = services.start_new_season(rollout, form.cleaned_data["name"])
        messages.success(
            request, _("The previous season is closed; “%(season)s” has started.") % {"season": season}
        )
        return redirect("incentives:seasons", pk=rollout.pk)
    return render(
        request,
        "incentives/seasons.html",
        {"rollout": rollout, "form": form, "seasons": rollout.seasons.all()[:50]},
    )

"""The step's landing page (a champion's home, a manager's overview) and the coverage page."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from rollout.access import role_required
from rollout.steps import registry

from ..coverage import (
    SORTS,
    CoverageStatus,
    coverage_rows,
    coverage_summary,
    needs_round_the_clock,
    operating_model,
    shift_coverage,
    unit_coverage,
)
from ..models import Champion
from ..roles import EDITORS, READERS, STAFF
from ..selectors import follow_ups, quiet_champions
from . import PAGE_SIZE, in_organization_time, own_champion


@role_required(STAFF)
@in_organization_time
def home(request, pk):
    rollout = request.scope.rollout(pk)
    me = own_champion(request, rollout)
    step = registry.get("champion")
    context = {
        "rollout": rollout,
        "step": step,
        "steps": registry.steps(),
        "health": step.health([rollout])[rollout.pk],
        "me": me,
        "summary": coverage_summary(rollout, request.scope.units()),
        "can_edit": request.scope.has_role(EDITORS),
        "can_read_reports": request.scope.has_role(READERS),
    }
    if me is not None and me.is_active:
        sessions = me.sessions.select_related("helped_unit").prefetch_related("topics")
        target = rollout.organization.champion_target_ratio
        # A subquery, not a join: filtering on the champions join would make the count see only me.
        my_units = request.scope.units().filter(pk__in=me.units.values("pk"))
        context.update(
            today=timezone.localdate(),
            recent_sessions=sessions[:5],
            my_follow_ups=follow_ups(me.sessions.all())[:10],
            my_coverage=coverage_rows(unit_coverage(rollout, my_units)[:20], target),
        )
    if context["can_edit"]:
        context.update(
            nominations=rollout.champions.filter(status=Champion.Status.NOMINATED).count(),
            quiet=quiet_champions(rollout).count(),
        )
    return render(request, "champions/home.html", context)


@role_required(STAFF)
@in_organization_time
def coverage(request, pk):
    rollout = request.scope.rollout(pk)
    sort = request.GET.get("sort") if request.GET.get("sort") in SORTS else "worst"
    target = rollout.organization.champion_target_ratio
    units = unit_coverage(rollout, request.scope.units(), sort)
    page = Paginator(units, PAGE_SIZE).get_page(request.GET.get("page"))
    model = operating_model(rollout)
    return render(
        request,
        "champions/coverage.html",
        {
            "rollout": rollout,
            "page": page,
            "rows": coverage_rows(page.object_list, target),
            "sort": sort,
            "summary": coverage_summary(rollout, request.scope.units()),
            "statuses": CoverageStatus.LABELS,
            "operating_model": model,
            "shifts": shift_coverage(rollout, model) if needs_round_the_clock(model) else None,
        },
    )

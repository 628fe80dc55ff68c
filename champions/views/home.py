"""The step's landing page (a champion's home, a manager's overview) and the coverage page."""

from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone

from rollout.access import role_required
from rollout.data_versions import remember
from rollout.paging import PAGE_SIZE
from rollout.portfolio import step_context
from rollout.steps import registry

from ..coverage import (
    SORTS,
    CoverageStatus,
    coverage_rows,
    coverage_summary,
    needs_round_the_clock,
    operating_model,
    response_target,
    shift_coverage,
    unit_coverage,
)
from ..models import Champion
from ..roles import EDITORS, READERS, STAFF
from ..selectors import follow_ups, quiet_champions
from . import own_champion

# What the cached parts of these pages read, besides the organization's units and people: a write
# to another step of the rollout leaves them cached (rollout/data_versions.py).
CHAMPIONS_DATA = {"champions"}
# ...and a champion's week reads their sessions too (SupportSession.DATA_TOPIC).
WEEK_DATA = {"champions", "champions.sessions"}


@role_required(STAFF)
def home(request, pk):
    rollout = request.scope.rollout(pk)
    rollout.organization = request.scope.organization  # the same row, loaded with the membership
    organization_id = rollout.organization_id
    # Everything below but the manager's counts changes only with a write (a session logged or
    # edited, a follow-up closed, a champion or unit changed), which makes a new data version: the
    # page reads it once per version, not on every visit. Forms and dates are rendered live.
    me = remember(
        ("champion-of", rollout.pk, request.user.pk),
        lambda: own_champion(request, rollout),
        organization=organization_id,
        rollout=rollout.pk,
        apps=CHAMPIONS_DATA,
    )
    step = registry.get("champion")
    context = {
        "rollout": rollout,
        "step": step,
        "steps": registry.steps(),
        **step_context(rollout, step.key, request.user),  # its health and when it was computed
        "me": me,
        "summary": remember(
            ("champion-coverage", rollout.pk),
            lambda: coverage_summary(rollout, request.scope.units()),
            organization=organization_id,
            rollout=rollout.pk,
            apps=CHAMPIONS_DATA,
        ),
        "can_edit": request.scope.has_role(EDITORS),
        "can_read_reports": request.scope.has_role(READERS),
    }
    if me is not None and me.is_active:
        context["today"] = timezone.localdate()
        context.update(
            remember(
                ("champion-home", rollout.pk, me.pk),
                lambda: _my_week(request, rollout, me),
                organization=organization_id,
                rollout=rollout.pk,
                apps=WEEK_DATA,
            )
        )
    if context["can_edit"]:
        context.update(
            nominations=rollout.champions.filter(status=Champion.Status.NOMINATED).count(),
            quiet=quiet_champions(rollout).count(),
        )
    return render(request, "champions/home.html", context)


def _my_week(request, rollout, me):
    """The signed-in champion's recent sessions, open follow-ups and units' coverage."""
    sessions = me.sessions.select_related("helped_unit").prefetch_related("topics")
    # A subquery, not a join: filtering on the champions join would make the count see only me.
    my_units = request.scope.units().filter(pk__in=me.units.values("pk"))
    return {
        "recent_sessions": list(sessions[:5]),
        "my_follow_ups": list(follow_ups(sessions)[:10]),
        "my_coverage": coverage_rows(
            unit_coverage(rollout, my_units)[:20], rollout.organization.champion_target_ratio
        ),
    }


@role_required(STAFF)
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
            # Coverage changes only with a write (champions, their units, headcounts): cached.
            "summary": remember(
                ("champion-coverage", rollout.pk),
                lambda: coverage_summary(rollout, request.scope.units()),
                organization=rollout.organization_id,
                rollout=rollout.pk,
                apps=CHAMPIONS_DATA,
            ),
            "statuses": CoverageStatus.LABELS,
            "operating_model": model,
            "response_target": response_target(rollout),
            "shifts": shift_coverage(rollout, model) if needs_round_the_clock(model) else None,
        },
    )

"""The leaders' portfolio, its CSV export, and a rollout's trends and printable report."""

import csv
import functools
import hashlib

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.safestring import mark_safe

from .. import audit, portfolio
from ..access import LEADERS, role_required
from ..csv_safety import safe_row
from ..forms import PortfolioFilterForm
from ..pagecache import cached_page
from ..paging import PAGE_SIZE
from ..steps import registry


def _filtered_rows(request):
    scope = request.scope
    organization = scope.organization
    units, small_units = portfolio.unit_choices(
        list(scope.units().order_by("name")), organization.privacy_min_group
    )
    form = PortfolioFilterForm(request.GET or None, platforms=scope.platforms(), units=units)
    rollouts = scope.rollouts()
    rows = portfolio.rows_for(organization, rollouts)
    order = "worst"
    if form.is_valid():
        data = form.cleaned_data
        if data["status"]:
            rows = [row for row in rows if row.rollout.status == data["status"]]
        if data["platform"]:
            rows = [row for row in rows if row.rollout.platform_id == data["platform"].pk]
        if data["unit"] == "other":
            rows = [row for row in rows if row.units & small_units]
        elif data["unit"]:
            rows = [row for row in rows if int(data["unit"]) in row.units]
        order = data["sort"] or "worst"
    return form, portfolio.sort_rows(rows, order)


@role_required(LEADERS)
@cached_page
def portfolio_page(request):
    # The page's content is the same for every leader of the organization: it is rendered once per
    # data version, day and query string and cached. The form and rows are computed only to render
    # it (lazily, so a cached page costs neither; they stay in the context for tests and debugging).
    filtered = functools.cache(lambda: _filtered_rows(request))
    context = {
        "form": SimpleLazyObject(lambda: filtered()[0]),
        "page": SimpleLazyObject(
            lambda: Paginator(filtered()[1], PAGE_SIZE).get_page(request.GET.get("page"))
        ),
        "steps": registry.steps(),
    }
    query = hashlib.sha256(request.GET.urlencode().encode()).hexdigest()[:32]
    key = portfolio.versioned_key("portfolio-page", query, organization=request.scope.organization.pk)
    content = portfolio.cached(key)
    if content is None:
        content = render_to_string("rollout/_portfolio_content.html", context, request=request)
        portfolio.cache_figures(key, content)
    context["content"] = mark_safe(content)  # noqa: S308 (our own template's output)
    return render(request, "rollout/portfolio.html", context)


@role_required(LEADERS)
def portfolio_csv(request):
    _, rows = _filtered_rows(request)
    steps = registry.steps()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="portfolio-{request.scope.organization.slug}-{stamp}.csv"'
    )
    audit.record(
        request, audit.Action.EXPORTED, summary=f"Portfolio CSV ({request.GET.urlencode() or 'no filters'})"
    )
    writer = csv.writer(response)
    writer.writerow(
        [
            "Rollout",
            "Status",
            "Platform",
            "Owner",
            "Overall health",
            *[f"{s.name} health" for s in steps],
            "Change since last month",
            "Key figures",
            "Next action",
        ]
    )
    for row in rows:
        worst = row.worst
        delta = row.change.delta if row.change else None
        writer.writerow(
            safe_row(
                [
                    row.rollout.name,
                    row.rollout.get_status_display(),
                    row.rollout.platform.name,
                    str(row.rollout.owner or ""),
                    row.overall,
                    *[health.score for _, health in row.healths],
                    delta,
                    "; ".join(f"{fact.label}: {fact.value}" for fact in row.facts),
                    worst[1].next_action if worst else "",
                ]
            )
        )
    return response


def _rollout_context(request, pk):
    rollout = request.scope.rollout(pk)
    [row] = portfolio.rows_for(request.scope.organization, [rollout])
    trends = [trend for step in registry.steps() for trend in step.trends(rollout)]
    return {"rollout": rollout, "row": row, "trends": trends}


@role_required(LEADERS)
def rollout_trends(request, pk):
    return render(request, "rollout/trends.html", _rollout_context(request, pk))


@role_required(LEADERS)
def rollout_report(request, pk):
    context = _rollout_context(request, pk)
    context["printed_on"] = timezone.localdate()
    return render(request, "rollout/report.html", context)

"""The leaders' portfolio, its CSV export, and a rollout's trends and printable report."""

import csv

from django.core.cache import cache
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .. import audit, data_versions, figures, portfolio
from ..access import LEADERS, role_required
from ..csv_safety import safe_row
from ..forms import PortfolioFilterForm
from ..i18n import Phrase
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
    rows = portfolio.rows_for(rollouts, user=request.user)
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
def portfolio_page(request):
    form, rows = _filtered_rows(request)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    steps = registry.steps()
    context = {
        "form": form,
        "page": page,
        "rendered_rows": _rendered_rows(page.object_list, steps),
        # The filters list the organization's units and platforms: cached under their version.
        "filters_version": data_versions.data_version(request.scope.organization.pk, wide=True),
        "as_of": portfolio.as_of(rows),
        "steps": steps,
    }
    return render(request, "rollout/portfolio.html", context)


def _rendered_rows(rows, steps):
    """Each row's HTML, cached under what it shows (portfolio.row_key), read in one round trip:
    after a write, only the rollout written to is rendered again."""
    keys = [portfolio.row_key(row) for row in rows]
    found = cache.get_many(keys)
    figures.read_documents([row.figures for row, key in zip(rows, keys, strict=True) if key not in found])
    rendered, new = [], {}
    for row, key in zip(rows, keys, strict=True):
        html = found.get(key)
        if html is None:
            html = new[key] = render_to_string("rollout/_portfolio_row.html", {"row": row, "steps": steps})
        rendered.append(mark_safe(html))  # noqa: S308 (our own template's output)
    cache.set_many(new, portfolio.ROW_SECONDS)
    return rendered


@role_required(LEADERS)
def portfolio_csv(request):
    _form, rows = _filtered_rows(request)
    steps = registry.steps()
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = (
        f'attachment; filename="portfolio-{request.scope.organization.slug}-{stamp}.csv"'
    )
    audit.record(
        request,
        audit.Action.EXPORTED,
        summary=Phrase.gettext(
            "Portfolio CSV (%(filters)s)", filters=request.GET.urlencode() or Phrase.gettext("no filters")
        ),
    )
    writer = csv.writer(response)
    writer.writerow(
        safe_row(
            [
                pgettext("a rollout, as a table heading", "Rollout"),
                _("Status"),
                _("Platform"),
                _("Owner"),
                _("Overall health"),
                *[_("%(step)s health") % {"step": s.name} for s in steps],
                _("Change since last month"),
                _("Key figures"),
                _("Next action"),
            ]
        )
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
    [row] = portfolio.rows_for([rollout], user=request.user)
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

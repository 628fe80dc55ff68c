"""The employee's side: a person's own page, their figures and download, "You said, we did"."""

from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone

from ..access import EVERYONE, role_required
from ..paging import PAGE_SIZE
from ..steps import registry
from . import selectors
from .download import records_zip

# Rows of each table shown on the figures page; the download holds them all.
ROWS_SHOWN = 10
# "You said, we did" items shown on the person's page.
OUTCOMES_SHOWN = 3


def member_page_context(membership):
    """The person's page: the rollouts they are part of, the steps' panels, the latest outcomes."""
    panels = sorted(
        (panel for step in registry.steps() for panel in step.member_panels(membership)),
        key=lambda panel: panel.order,
    )
    rollouts, outcomes = selectors.outcomes_for(membership)
    return {
        "rollouts": [rollout for rollout in rollouts.values() if rollout.status in selectors.IN_PROGRESS],
        "panels": panels,
        "outcomes": [(outcome, rollouts.get(outcome.rollout_id)) for outcome in outcomes[:OUTCOMES_SHOWN]],
        "more_outcomes": len(outcomes) > OUTCOMES_SHOWN,
    }


@role_required(EVERYONE)
def my_page(request):
    return render(request, "people/me.html", member_page_context(request.scope.membership))


@role_required(EVERYONE)
def my_figures(request):
    tables = selectors.personal_records(request.scope.membership)
    return render(request, "people/figures.html", {"tables": tables, "rows_shown": ROWS_SHOWN})


@role_required(EVERYONE)
def my_figures_download(request):
    membership = request.scope.membership
    tables = [(step.key, found) for step, found in selectors.personal_records(membership)]
    body = records_zip(membership, tables)
    response = HttpResponse(body, content_type="application/zip")
    day = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="rollout-my-records-{day}.zip"'
    return response


@role_required(EVERYONE)
def you_said_we_did(request):
    rollouts, outcomes = selectors.outcomes_for(request.scope.membership)
    items = [(outcome, rollouts.get(outcome.rollout_id)) for outcome in outcomes]
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "people/you_said.html",
        {"page": page, "rollouts": rollouts.values(), "days": selectors.OUTCOMES_DAYS},
    )

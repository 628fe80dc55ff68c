"""Lead by example: which named leaders take part in the rollout."""

from django.core.paginator import Paginator
from django.shortcuts import render

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from ..roles import EDITORS
from ..selectors import LEAD_BY_EXAMPLE_DAYS, lead_by_example


@role_required(EDITORS)
def leaders(request, pk):
    rollout = request.scope.rollout(pk)
    rows = lead_by_example(rollout, request.scope.memberships())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "incentives/leaders.html", {"rollout": rollout, "page": page, "days": LEAD_BY_EXAMPLE_DAYS}
    )

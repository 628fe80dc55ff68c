"""The boundaries register: which platforms are allowed, for whom, on which devices."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from ..forms import BoundaryForm
from ..models import Boundary
from ..roles import MANAGERS


def _boundaries(request):
    return Boundary.objects.filter(organization=request.scope.organization).select_related("platform", "unit")


@role_required(MANAGERS)
def boundary_list(request):
    form = BoundaryForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        boundary = form.save()
        messages.success(
            request, _("%(platform)s added to the boundaries register.") % {"platform": boundary.platform}
        )
        return redirect("trust_org:boundaries")
    page = Paginator(_boundaries(request), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trust/boundary_list.html", {"page": page, "form": form})


@role_required(MANAGERS)
def boundary_edit(request, pk):
    boundary = get_object_or_404(_boundaries(request), pk=pk)
    form = BoundaryForm(request.POST or None, instance=boundary, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("Boundary saved."))
        return redirect("trust_org:boundaries")
    return render(request, "trust/boundary_form.html", {"form": form, "boundary": boundary})


@role_required(MANAGERS)
@require_POST
def boundary_delete(request, pk):
    boundary = get_object_or_404(_boundaries(request), pk=pk)
    boundary.delete()
    messages.success(
        request, _("%(platform)s removed from the boundaries register.") % {"platform": boundary.platform}
    )
    return redirect("trust_org:boundaries")

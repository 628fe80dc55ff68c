"""Recognition: thank a colleague in public, and the feed per rollout and per unit."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import RecognitionForm, UnitFilterForm
from ..roles import EVERYONE


@role_required(EVERYONE)
def recognition(request, pk):
    rollout = request.scope.rollout(pk)
    form = RecognitionForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        kudos = services.give_recognition(
            rollout, request.user, form.cleaned_data["recipient"], form.cleaned_data["message"]
        )
        messages.success(request, _("Thank you sent to %(person)s.") % {"person": kudos.recipient})
        return redirect("incentives:recognition", pk=rollout.pk)
    filters = UnitFilterForm(request.GET or None, scope=request.scope)
    feed = rollout.recognitions.select_related("giver", "recipient", "unit")
    unit = filters.cleaned_data["unit"] if filters.is_valid() else None
    if unit is not None:
        feed = feed.filter(unit=unit)
    page = Paginator(feed.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "incentives/recognition.html",
        {"rollout": rollout, "form": form, "filters": filters, "page": page, "unit": unit},
    )

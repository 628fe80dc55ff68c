"""The employee's side of the step, for every role: who can help me, writing to a champion, and
the organization's champion directory."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import EVERYONE, role_required
from rollout.paging import PAGE_SIZE
from rollout.ratelimits import TOO_MANY, limit, person

from .. import services
from ..forms import DirectoryFilterForm, WriteForm
from ..member import directory as directory_of
from ..member import who_can_help, writable_champion


@role_required(EVERYONE)
def help_page(request):
    return render(
        request,
        "champions/help.html",
        {"help": who_can_help(request.scope.membership), "membership": request.scope.membership},
    )


@role_required(EVERYONE)
@limit("employee_messages", key=person, what=TOO_MANY)
def write(request, champion):
    """Write to an active champion of the organization: an email to them, the writer copied."""
    champion = writable_champion(request.scope.organization, champion)
    if champion is None or champion.user_id == request.user.pk:
        raise Http404("No active champion of your organization has this number.")
    form = WriteForm(request.POST or None)
    if form.is_valid():
        services.write_to_champion(
            champion, request.scope.membership, form.cleaned_data["message"], form.cleaned_data["token"]
        )
        messages.success(
            request,
            _("Your message is on its way to %(name)s. You are copied, so their reply reaches you by email.")
            % {"name": champion.user},
        )
        return redirect("champions_org:help")
    return render(request, "champions/write.html", {"champion": champion, "form": form})


@role_required(EVERYONE)
def directory(request):
    filters = DirectoryFilterForm(request.GET or None, scope=request.scope)
    values = filters.cleaned_data if filters.is_valid() else {}
    champions = directory_of(
        request.scope.organization,
        q=values.get("q", ""),
        unit=values.get("unit"),
        skill=values.get("skill"),
        language=values.get("language", ""),
    )
    page = Paginator(champions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "champions/directory.html", {"page": page, "filters": filters})

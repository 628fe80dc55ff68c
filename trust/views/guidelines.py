"""Managing guidelines: the list with acknowledgement rates, writing and publishing versions, the
per-unit table, who is outstanding, and reminders."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import GuidelineForm, NewGuidelineForm, VersionForm
from ..models import Guideline
from ..roles import MANAGERS
from ..selectors import guideline_figures, outstanding, unit_table
from . import guideline_of


@role_required(MANAGERS)
def guideline_list(request):
    guidelines = Guideline.objects.filter(organization=request.scope.organization).select_related(
        "current", "rollout", "audience_unit"
    )
    page = Paginator(guidelines.order_by("title"), PAGE_SIZE).get_page(request.GET.get("page"))
    figures = guideline_figures(page.object_list)
    rows = [(guideline, figures.get(guideline.pk)) for guideline in page]
    return render(request, "trust/guideline_list.html", {"page": page, "rows": rows})


@role_required(MANAGERS)
def guideline_create(request):
    form = NewGuidelineForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        data = form.cleaned_data
        guideline = services.create_guideline(
            request.scope.organization,
            title=data["title"],
            body=data["body"],
            by=request.user,
            rollout=data["rollout"],
            audience_unit=data["audience_unit"],
        )
        messages.success(
            request,
            _("“%(guideline)s” published. Everyone in its audience is asked to acknowledge it.")
            % {"guideline": guideline},
        )
        return redirect("trust_org:guideline", pk=guideline.pk)
    return render(request, "trust/guideline_form.html", {"form": form})


@role_required(MANAGERS)
def guideline_edit(request, pk):
    guideline = guideline_of(request, pk)
    form = GuidelineForm(request.POST or None, instance=guideline, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("“%(guideline)s” saved.") % {"guideline": guideline})
        return redirect("trust_org:guideline", pk=guideline.pk)
    return render(request, "trust/guideline_form.html", {"form": form, "guideline": guideline})


@role_required(MANAGERS)
def guideline_detail(request, pk):
    guideline = guideline_of(request, pk)
    rows, other, total = unit_table(guideline)
    people = Paginator(outstanding(guideline), PAGE_SIZE).get_page(request.GET.get("page"))
    versions = guideline.versions.select_related("published_by").order_by("-number")[:20]
    return render(
        request,
        "trust/guideline_detail.html",
        {
            "guideline": guideline,
            "rows": rows,
            "other": other,
            "total": total,
            "page": people,
            "versions": versions,
        },
    )


@role_required(MANAGERS)
def version_detail(request, pk, number):
    guideline = guideline_of(request, pk)
    version = get_object_or_404(guideline.versions.select_related("published_by"), number=number)
    return render(request, "trust/version_detail.html", {"guideline": guideline, "version": version})


@role_required(MANAGERS)
def publish(request, pk):
    guideline = guideline_of(request, pk)
    initial = {"body": guideline.current.body} if guideline.current else {}
    form = VersionForm(request.POST or None, initial=initial, guideline=guideline)
    if form.is_valid():
        data = form.cleaned_data
        version = services.publish_version(
            guideline, data["body"], request.user, changes=data["changes"], material=data["material"]
        )
        if version.material:
            messages.success(
                request,
                _("Version %(number)s published. Everyone is asked to acknowledge it again.")
                % {"number": version.number},
            )
        else:
            messages.success(
                request,
                _("Version %(number)s published. Earlier acknowledgements still count.")
                % {"number": version.number},
            )
        return redirect("trust_org:guideline", pk=guideline.pk)
    return render(request, "trust/publish.html", {"guideline": guideline, "form": form})


@role_required(MANAGERS)
@require_POST
def remind(request, pk):
    guideline = guideline_of(request, pk)
    if guideline.current is None:
        messages.error(request, _("Publish the guideline before sending reminders."))
        return redirect("trust_org:guideline", pk=guideline.pk)
    queued, already = services.send_reminders(guideline)
    if queued:
        if already:
            message = ngettext(
                "%(count)s reminder queued. %(already)s had already been reminded today.",
                "%(count)s reminders queued. %(already)s had already been reminded today.",
                queued,
            )
        else:
            message = ngettext("%(count)s reminder queued.", "%(count)s reminders queued.", queued)
        messages.success(request, message % {"count": queued, "already": already})
    elif already:
        messages.info(
            request, _("Everyone outstanding has already been reminded today; nobody was reminded twice.")
        )
    else:
        messages.info(request, _("Nobody is outstanding: everyone has acknowledged the current version."))
    return redirect("trust_org:guideline", pk=guideline.pk)

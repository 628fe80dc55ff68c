"""Settings → Import people: upload an HR file, follow its check, read the preview, confirm or
cancel it; the import history and the template. Admins only."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from rollout.access import ADMINS, role_required
from rollout.csv_safety import safe_row
from rollout.i18n import Phrase, number
from rollout.models import Unit
from rollout.paging import PAGE_SIZE

from . import hr_services
from .hr_forms import PeopleUploadForm
from .models import PeopleImport

TEMPLATE_HEADER = ["email", "name", "unit", "location", "shift", "manager", "employee_id"]
# The template's header in the downloader's language. Each translation must be one of the
# column's names in hr_file.ALIASES, so that the filled-in template imports as it is.
TEMPLATE_COLUMNS = {
    "email": pgettext_lazy("HR file column", "email"),
    "name": pgettext_lazy("HR file column", "name"),
    "unit": pgettext_lazy("HR file column", "unit"),
    "location": pgettext_lazy("HR file column", "location"),
    "shift": pgettext_lazy("HR file column", "shift"),
    "manager": pgettext_lazy("HR file column", "manager"),
    "employee_id": pgettext_lazy("HR file column", "employee_id"),
}
# The preview's groups: (key, heading, what follows a count).
GROUPS = (
    ("added", gettext_lazy("Added"), pgettext_lazy("people in an HR file, after a count", "added")),
    ("changed", gettext_lazy("Changed"), pgettext_lazy("people in an HR file, after a count", "changed")),
    (
        "moved",
        gettext_lazy("Moved to another unit"),
        pgettext_lazy("people in an HR file, after a count", "moved to another unit"),
    ),
    (
        "reactivated",
        gettext_lazy("Reactivated"),
        pgettext_lazy("people in an HR file, after a count", "reactivated"),
    ),
    (
        "deactivated",
        gettext_lazy("Deactivated"),
        pgettext_lazy("people in an HR file, after a count", "deactivated"),
    ),
)
# The fields a changed person's row changes (hr_check.outcome), as the preview names them.
CHANGES = {
    "unit": pgettext_lazy("a field an HR file changes", "unit"),
    "location": pgettext_lazy("a field an HR file changes", "location"),
    "shift": pgettext_lazy("a field an HR file changes", "shift"),
    "manager": pgettext_lazy("a field an HR file changes", "manager"),
    "employee id": pgettext_lazy("a field an HR file changes", "employee id"),
    "name": pgettext_lazy("a field an HR file changes", "name"),
}
TEMPLATE_ROWS = [
    ["dana.lee@example.com", "Dana Lee", "Nursing", "Seattle General", "day", "", "E1001"],
    [
        "sam.ortiz@example.com",
        "Sam Ortiz",
        "Nursing",
        "Seattle General",
        "night",
        "dana.lee@example.com",
        "E1002",
    ],
]


def _import(request, pk):
    return get_object_or_404(PeopleImport.objects.filter(organization=request.scope.organization), pk=pk)


@role_required(ADMINS)
def upload(request):
    form = PeopleUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            people_import = hr_services.store_upload(
                request.scope.organization,
                form.cleaned_data["file"],
                request.user,
                deactivate_missing=form.cleaned_data["deactivate_missing"],
            )
        except hr_services.Refused as refusal:
            form.add_error("file", str(refusal))
        else:
            hr_services.start_check(people_import)
            return redirect("people_import:detail", pk=people_import.pk)
    history = PeopleImport.objects.filter(organization=request.scope.organization).select_related(
        "uploaded_by"
    )
    return render(
        request,
        "directory/people_upload.html",
        {
            "form": form,
            "page": Paginator(history, PAGE_SIZE).get_page(request.GET.get("page")),
            "limit_mb": hr_services.max_upload_bytes() // 1048576,
        },
        status=400 if form.errors else 200,
    )


def problems_of(people_import):
    """The import's problems, each message in the reader's language (hr_check.Check.problem)."""
    return [
        {**problem, "message": Phrase.load(problem.get("phrase") or problem.get("message", ""))}
        for problem in people_import.problems or []
    ]


def example_detail(example):
    """What the preview says of one person's row (hr_check._example), in the reader's language."""
    if "moved" in example:
        before, after = example["moved"]
        return _("%(before)s → %(after)s") % {
            "before": before or _("no unit"),
            "after": after or _("no unit"),
        }
    if "changes" in example:
        return ", ".join(str(CHANGES.get(change, change)) for change in example["changes"])
    return example.get("detail", "")


def new_units_of(summary):
    """The units and locations the import makes, as "Name (department)" in the reader's language."""
    if "new_unit_kinds" not in summary:
        return summary.get("new_units", [])
    named = {
        Unit.Kind.DEPARTMENT: lambda name: _("%(name)s (department)") % {"name": name},
        Unit.Kind.LOCATION: lambda name: _("%(name)s (location)") % {"name": name},
    }
    return [
        named[kind](name) if kind in named else f"{name} ({kind})" for name, kind in summary["new_unit_kinds"]
    ]


@role_required(ADMINS)
def detail(request, pk):
    people_import = _import(request, pk)
    summary = people_import.summary or {}
    examples = summary.get("examples") or {}
    groups = [
        (
            key,
            label,
            counted,
            summary.get(key, 0),
            [{**row, "detail": example_detail(row)} for row in examples.get(key, [])],
        )
        for key, label, counted in GROUPS
    ]
    return render(
        request,
        "directory/people_detail.html",
        {
            "people_import": people_import,
            "summary": summary,
            "problems": problems_of(people_import),
            "new_units": new_units_of(summary),
            "groups": groups,
            "progress": hr_services.progress_of(people_import),
            "earlier": hr_services.earlier_import(people_import),
        },
    )


@role_required(ADMINS)
def status(request, pk):
    """The progress bar's source: status, rows done of the total, percent, and `message` (the
    line under the bar, in the reader's language)."""
    progress = dict(hr_services.progress_of(_import(request, pk)))
    progress["message"] = ngettext(
        "%(done)s of about %(total)s row…", "%(done)s of about %(total)s rows…", progress["total"]
    ) % {"done": number(progress["done"]), "total": number(progress["total"])}
    return JsonResponse(progress)


@role_required(ADMINS)
@require_POST
def confirm(request, pk):
    people_import = _import(request, pk)
    if hr_services.confirm(people_import, request.user, request=request):
        people_import.refresh_from_db()
        if people_import.status == PeopleImport.Status.DONE:
            messages.success(request, _("Imported. The people and units below are up to date."))
        elif people_import.status == PeopleImport.Status.FAILED:
            messages.error(request, _("The import failed and nothing was imported; see below."))
        else:
            messages.success(request, _("Import started. This page follows it; you may leave and come back."))
    else:
        messages.info(
            request,
            _("Nothing done: this file is “%(status)s”.") % {"status": people_import.get_status_display()},
        )
    return redirect("people_import:detail", pk=people_import.pk)


@role_required(ADMINS)
@require_POST
def cancel(request, pk):
    if hr_services.cancel(_import(request, pk)):
        messages.success(request, _("Cancelled; nothing was imported."))
    return redirect("people_import:upload")


def template_header():
    """The template's header in the active language (TEMPLATE_COLUMNS)."""
    return [str(TEMPLATE_COLUMNS[column]) for column in TEMPLATE_HEADER]


@role_required(ADMINS)
def template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rollout-people-template.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(safe_row(template_header()))
    for row in TEMPLATE_ROWS:
        writer.writerow(safe_row(row))
    return response

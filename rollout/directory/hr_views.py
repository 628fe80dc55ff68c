"""Settings → Import people: upload an HR file, follow its check, read the preview, confirm or
cancel it; the import history and the template. Admins only."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from rollout.access import ADMINS, role_required
from rollout.csv_safety import safe_row
from rollout.paging import PAGE_SIZE

from . import hr_services
from .hr_forms import PeopleUploadForm
from .models import PeopleImport

TEMPLATE_HEADER = ["email", "name", "unit", "location", "shift", "manager", "employee_id"]
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


@role_required(ADMINS)
def detail(request, pk):
    people_import = _import(request, pk)
    summary = people_import.summary or {}
    groups = [
        (key, label, summary.get(key, 0), (summary.get("examples") or {}).get(key, []))
        for key, label in (
            ("added", "Added"),
            ("changed", "Changed"),
            ("moved", "Moved to another unit"),
            ("reactivated", "Reactivated"),
            ("deactivated", "Deactivated"),
        )
    ]
    return render(
        request,
        "directory/people_detail.html",
        {
            "people_import": people_import,
            "summary": summary,
            "groups": groups,
            "progress": hr_services.progress_of(people_import),
            "earlier": hr_services.earlier_import(people_import),
        },
    )


@role_required(ADMINS)
def status(request, pk):
    """The progress bar's source: status, rows done of the total, percent."""
    return JsonResponse(dict(hr_services.progress_of(_import(request, pk))))


@role_required(ADMINS)
@require_POST
def confirm(request, pk):
    people_import = _import(request, pk)
    if hr_services.confirm(people_import, request.user, request=request):
        people_import.refresh_from_db()
        if people_import.status == PeopleImport.Status.DONE:
            messages.success(request, "Imported. The people and units below are up to date.")
        elif people_import.status == PeopleImport.Status.FAILED:
            messages.error(request, "The import failed and nothing was imported; see below.")
        else:
            messages.success(request, "Import started. This page follows it; you may leave and come back.")
    else:
        messages.info(request, f"Nothing done: this file is “{people_import.get_status_display()}”.")
    return redirect("people_import:detail", pk=people_import.pk)


@role_required(ADMINS)
@require_POST
def cancel(request, pk):
    if hr_services.cancel(_import(request, pk)):
        messages.success(request, "Cancelled; nothing was imported.")
    return redirect("people_import:upload")


@role_required(ADMINS)
def template(request):
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rollout-people-template.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(safe_row(TEMPLATE_HEADER))
    for row in TEMPLATE_ROWS:
        writer.writerow(safe_row(row))
    return response

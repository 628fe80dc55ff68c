"""Upload, check, confirm and follow an activity import; the import history; the template."""

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import formats
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE
from rollout.tasks import enqueue_on_commit

from .. import services
from ..forms import UploadForm
from ..importers import fit, generic
from ..models import ImportBatch
from ..tasks import check_activity_file
from . import IMPORTERS, READERS


def _batch(request, pk, batch):
    rollout = request.scope.rollout(pk)
    return rollout, get_object_or_404(ImportBatch.objects.filter(rollout=rollout), pk=batch)


@role_required(IMPORTERS)
def upload(request, pk):
    rollout = request.scope.rollout(pk)
    form = UploadForm(request.POST or None, request.FILES or None, max_bytes=services.max_upload_bytes())
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.store_upload(rollout, form.cleaned_data["file"], request.user, form.options())
        except services.TooLarge:
            form.add_error(
                "file",
                _("The file is larger than the limit of %(limit)s MB.")
                % {"limit": services.max_upload_bytes() // 1048576},
            )
        except services.WrongPlatform as refusal:
            form.add_error("file", str(refusal))
        else:
            if batch.size <= services.inline_check_bytes():
                services.check(batch)
            else:
                enqueue_on_commit(check_activity_file, batch.pk)
            return redirect("engage:import_detail", pk=rollout.pk, batch=batch.pk)
    return render(
        request,
        "engage/upload.html",
        {
            "rollout": rollout,
            "form": form,
            "limit_mb": services.max_upload_bytes() // 1048576,
            "accepted": fit.accepted_exports(rollout),
        },
        status=400 if form.errors else 200,
    )


@role_required(READERS)
def detail(request, pk, batch):
    rollout, batch = _batch(request, pk, batch)
    problems = Paginator(batch.problems.all(), PAGE_SIZE).get_page(request.GET.get("page"))
    done, total = services.progress_of(batch)
    return render(
        request,
        "engage/import_detail.html",
        {
            "rollout": rollout,
            "batch": batch,
            "problems": problems,
            # What each column feeds, stored in English by the check, shown in the reader's language.
            "columns": [(column, _(feeds)) for column, feeds in (batch.column_map or {}).get("columns", [])]
            if isinstance(batch.column_map, dict)
            else [],
            "earlier": services.earlier_import(batch) if batch.status == ImportBatch.Status.READY else None,
            "done": done,
            "total": total,
            "can_import": request.scope.has_role(IMPORTERS),
        },
    )


@role_required(READERS)
def progress(request, pk, batch):
    """The progress bar's source: status, rows done of the total, percent, and the summary."""
    rollout, batch = _batch(request, pk, batch)
    done, total = services.progress_of(batch)
    percent = 100 if not batch.in_progress else (min(100, round(100 * done / total)) if total else 0)
    return JsonResponse(
        {
            "status": batch.status,
            "label": batch.get_status_display(),
            "done": done,
            "total": total,
            "percent": percent,
            "finished": not batch.in_progress,
            "message": batch.message,
            # The line under the bar while the file is read, in the reader's language.
            "text": _("%(done)s of about %(total)s rows…")
            % {
                "done": formats.number_format(done, force_grouping=True),
                "total": formats.number_format(total, force_grouping=True),
            },
            "url": reverse("engage:import_detail", kwargs={"pk": rollout.pk, "batch": batch.pk}),
        }
    )


@role_required(IMPORTERS)
@require_POST
def confirm(request, pk, batch):
    rollout, batch = _batch(request, pk, batch)
    try:
        if services.confirm(batch, request.user, request=request):
            messages.success(request, _("Import started. This page follows it; you may leave and come back."))
        else:
            messages.error(
                request,
                _("This file cannot be imported now: it is '%(status)s'.")
                % {"status": batch.get_status_display()},
            )
    except services.AlreadyImported as error:
        messages.info(
            request,
            _(
                "This file was already imported (%(file_name)s, %(day)s); importing it again would change nothing."
            )
            % {
                "file_name": error.batch.file_name,
                "day": formats.date_format(error.batch.created_at, "d M Y"),
            },
        )
        return redirect("engage:import_detail", pk=rollout.pk, batch=error.batch.pk)
    return redirect("engage:import_detail", pk=rollout.pk, batch=batch.pk)


@role_required(IMPORTERS)
@require_POST
def cancel(request, pk, batch):
    rollout, batch = _batch(request, pk, batch)
    if services.cancel(batch):
        messages.success(request, _("Cancelled; nothing was imported."))
    return redirect("engage:imports", pk=rollout.pk)


@role_required(READERS)
def history(request, pk):
    rollout = request.scope.rollout(pk)
    batches = ImportBatch.objects.filter(rollout=rollout).select_related("uploaded_by")
    page = Paginator(batches, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engage/imports.html",
        {"rollout": rollout, "page": page, "can_import": request.scope.has_role(IMPORTERS)},
    )


@role_required(READERS)
def template(request, pk):
    request.scope.rollout(pk)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="rollout-activity-template.csv"'
    writer = csv.writer(response, lineterminator="\r\n")
    writer.writerow(generic.HEADER.split(","))
    writer.writerows(generic.EXAMPLE)
    return response

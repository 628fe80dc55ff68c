"""Momentum after training: cohorts, units' active users against their peak, alerts, settings and
the training attendance import."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rollout.access import role_required

from .. import momentum, services
from ..forms import AttendanceImportForm, MomentumSettingsForm
from ..importers import ImportFailed
from ..models import MomentumSettings
from ..roles import EDITORS, READERS


def _settings(rollout):
    return MomentumSettings.objects.filter(rollout=rollout).first() or MomentumSettings(rollout=rollout)


@role_required(READERS)
def overview(request, pk):
    rollout = request.scope.rollout(pk)
    today = timezone.localdate()
    settings = _settings(rollout)
    units = {u.pk: u for u in request.scope.units()}
    activity = momentum.unit_activity(rollout, today)
    rows = []
    for unit_id, series in sorted(
        activity.items(), key=lambda item: units[item[0]].name if item[0] in units else ""
    ):
        if unit_id not in units:
            continue
        found = momentum.drops(series, settings.drop_percent)
        rows.append((units[unit_id], series, max(series), found is not None))
    return render(
        request,
        "engage/conversations/momentum.html",
        {
            "rollout": rollout,
            "cohorts": momentum.cohorts(rollout, today),
            "weeks_after": range(1, momentum.WEEKS_AFTER + 1),
            "rows": rows,
            "alerts": momentum.current_alerts([rollout], today).get(rollout.pk, []),
            "settings_form": MomentumSettingsForm(instance=settings),
            "drop_percent": settings.drop_percent,
            "can_manage": request.scope.has_role(EDITORS),
        },
    )


@role_required(EDITORS)
@require_POST
def update_settings(request, pk):
    rollout = request.scope.rollout(pk)
    form = MomentumSettingsForm(request.POST, instance=_settings(rollout))
    if form.is_valid():
        form.save()
        messages.success(request, _("Momentum alert threshold saved."))
    else:
        messages.error(request, " ".join(form.errors.get("drop_percent", [_("Enter a whole percentage.")])))
    return redirect("engage:momentum", pk=rollout.pk)


@role_required(EDITORS)
def import_attendance(request, pk):
    rollout = request.scope.rollout(pk)
    form = AttendanceImportForm(request.POST or None, request.FILES or None)
    errors = []
    if form.is_valid():
        try:
            record, created = services.import_attendance(rollout, form.cleaned_data["file"], request.user)
        except ImportFailed as failure:
            errors = failure.errors
        else:
            if created:
                messages.success(
                    request,
                    ngettext(
                        "Imported %(count)s attendance from %(file)s.",
                        "Imported %(count)s attendances from %(file)s.",
                        record.messages,
                    )
                    % {"count": record.messages, "file": record.filename},
                )
            else:
                messages.info(
                    request, _("%(file)s was imported already; nothing changed.") % {"file": record.filename}
                )
            return redirect("engage:momentum", pk=rollout.pk)
    return render(
        request,
        "engage/conversations/attendance_import.html",
        {"rollout": rollout, "form": form, "errors": errors},
    )

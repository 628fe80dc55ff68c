"""The strategy worksheet: overview, the six section pages, sign-off, copy, history and print."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import EDITORS, STAFF, role_required
from rollout.data_versions import remember

from . import services
from .completeness import COUNTS, annotate_counts, completeness, section_checks
from .forms import CopyFromForm, SendBackForm, shared_choices
from .history import worksheet_history
from .models import Worksheet
from .sections import BY_KEY, SECTIONS, next_section


def _worksheet(rollout):
    """The rollout's worksheet with its completeness counts, or an unsaved blank one."""
    found = annotate_counts(Worksheet.objects.filter(rollout=rollout)).select_related(
        "business_owner", "budget_holder", "process_manager", "submitted_by", "approved_by"
    )
    worksheet = found.first()
    if worksheet is None:
        worksheet = Worksheet(rollout=rollout)
        for name in COUNTS:
            setattr(worksheet, name, 0)
    return worksheet


def _context(request, rollout, worksheet, **extra):
    overall, by_section, missing = completeness(worksheet)
    checks = section_checks(worksheet)
    return {
        "rollout": rollout,
        "worksheet": worksheet,
        "sections": [(s, by_section[s.key], checks[s.key]) for s in SECTIONS],
        "overall": overall,
        "missing": missing,
        "can_edit": request.scope.has_role(EDITORS) and not worksheet.is_locked,
        "is_editor": request.scope.has_role(EDITORS),
        "can_approve": services.can_approve(rollout, request.scope),
        **extra,
    }


@role_required(STAFF)
def worksheet_view(request, pk):
    rollout = request.scope.rollout(pk)
    # The worksheet and its rows change only with a write to the strategy (which makes a new data
    # version): read them once per version, not on every view. Forms and sign-off read them afresh.
    worksheet, rows = remember(
        ("strategy-worksheet", rollout.pk),
        lambda: _worksheet_with_rows(rollout),
        organization=rollout.organization_id,
        rollout=rollout.pk,
        apps={"strategy"},
    )
    copy_form = CopyFromForm(scope=request.scope, rollout=rollout)
    context = _context(request, rollout, worksheet, copy_form=copy_form, send_back_form=SendBackForm())
    empty = not (
        worksheet.n_objectives or worksheet.n_stakeholders or worksheet.n_audiences or worksheet.n_metrics
    )
    context["can_copy"] = context["can_edit"] and empty and copy_form.fields["source"].queryset.exists()
    context.update(rows)
    return render(request, "strategy/worksheet.html", context)


def _worksheet_with_rows(rollout):
    worksheet = _worksheet(rollout)
    return worksheet, _rows(worksheet)


def _rows(worksheet):
    if not worksheet.pk:
        return {"rows": {}}
    return {
        "rows": {
            "objectives": list(worksheet.objectives.all()),
            "allowances": list(worksheet.time_allowances.all()),
            "stakeholders": list(worksheet.stakeholders.all()),
            "audiences": list(worksheet.audiences.select_related("unit")),
            "channels": list(worksheet.channels.select_related("audience")),
            "metrics": list(worksheet.metrics.select_related("audience")),
        }
    }


def _bind(section, data, worksheet, rollout, scope):
    kwargs = {"rollout": rollout, "scope": scope}
    form = section.form(data, instance=worksheet, **kwargs) if section.form else None
    row_kwargs = {"worksheet": worksheet, **kwargs}
    if section.parts:
        row_kwargs["choices"] = shared_choices(worksheet, scope)
    formsets = [
        part.formset(data, instance=worksheet, prefix=part.prefix, form_kwargs=row_kwargs)
        for part in section.parts
    ]
    return form, formsets


def row_changes(formset):
    """What a valid row formset changes, as services.save_section() takes it: the cleaned data of
    each changed row (an existing row under "id") and of each new one, and the rows marked for
    deletion; what the formset's own save() would write, and nothing outside its queryset."""
    deleted = formset.deleted_forms
    saved = [
        {**form.cleaned_data, "id": form.instance}
        for form in formset.initial_forms
        # An initial form without a row is one the POST named outside the queryset: left alone.
        if form.instance.pk is not None and form not in deleted and form.has_changed()
    ]
    saved += [
        {**form.cleaned_data, "id": None}
        for form in formset.extra_forms
        if form.has_changed() and form not in deleted
    ]
    return services.RowChanges(
        model=formset.model,
        saved=saved,
        deleted=[form.instance for form in formset.initial_forms if form in deleted and form.instance.pk],
    )


@role_required(EDITORS)
def section_edit(request, pk, section):
    rollout = request.scope.rollout(pk)
    section = BY_KEY.get(section)
    if section is None:
        raise Http404("No such section.")
    worksheet = _worksheet(rollout)
    if request.method == "POST":
        if worksheet.is_locked:  # checked again under a row lock when saving
            messages.error(request, str(services.LOCKED))
            return redirect("strategy:worksheet", pk=rollout.pk)
        form, formsets = _bind(section, request.POST, worksheet, rollout, request.scope)
        if (form is None or form.is_valid()) and all(formset.is_valid() for formset in formsets):
            try:
                services.save_section(
                    worksheet,
                    form.cleaned_data if form is not None else None,
                    [row_changes(formset) for formset in formsets],
                )
            except services.SignOffError as error:
                messages.error(request, str(error))
                return redirect("strategy:worksheet", pk=rollout.pk)
            messages.success(
                request,
                _("Section %(number)s, %(title)s, saved.")
                % {"number": section.number, "title": section.in_sentence},
            )
            following = next_section(section)
            if "continue" in request.POST and following:
                return redirect("strategy:section", pk=rollout.pk, section=following.key)
            return redirect("strategy:section", pk=rollout.pk, section=section.key)
        status = 400
    else:
        form, formsets = _bind(section, None, worksheet, rollout, request.scope)
        status = 200
    parts = list(zip(section.parts, formsets, strict=True))
    context = _context(
        request, rollout, worksheet, section=section, form=form, parts=parts, next=next_section(section)
    )
    return render(request, "strategy/section.html", context, status=status)


def _transition(request, pk, action, *, approver=False):
    rollout = request.scope.rollout(pk)
    if approver and not services.can_approve(rollout, request.scope):
        raise PermissionDenied(_("Only the rollout's owner or an admin signs off the strategy."))
    worksheet = Worksheet.objects.filter(rollout=rollout).first()
    if worksheet is None:
        messages.error(request, _("There is no worksheet yet: fill in section 1 first."))
        return redirect("strategy:worksheet", pk=rollout.pk)
    try:
        message = action(worksheet)
    except services.SignOffError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, message)
    return redirect("strategy:worksheet", pk=rollout.pk)


@role_required(EDITORS)
@require_POST
def submit(request, pk):
    def action(worksheet):
        services.submit(worksheet, request.user)
        return _("Submitted for approval. The rollout's owner can now approve it or send it back.")

    return _transition(request, pk, action)


@role_required(EDITORS)
@require_POST
def approve(request, pk):
    def action(worksheet):
        services.approve(worksheet, request.user)
        return _("Strategy approved. It is read-only until reopened.")

    return _transition(request, pk, action, approver=True)


@role_required(EDITORS)
@require_POST
def send_back(request, pk):
    form = SendBackForm(request.POST)

    def action(worksheet):
        if not form.is_valid():
            raise services.SignOffError(_("Say what needs another look before sending the worksheet back."))
        services.send_back(worksheet, request.user, form.cleaned_data["comment"])
        return _("Sent back to draft with your comment.")

    return _transition(request, pk, action, approver=True)


@role_required(EDITORS)
@require_POST
def reopen(request, pk):
    def action(worksheet):
        services.reopen(worksheet, request.user)
        return _("Reopened: the worksheet can be edited again and needs a new sign-off.")

    return _transition(request, pk, action, approver=True)


@role_required(EDITORS)
@require_POST
def copy(request, pk):
    rollout = request.scope.rollout(pk)
    form = CopyFromForm(request.POST, scope=request.scope, rollout=rollout)
    if not form.is_valid():
        messages.error(request, _("Choose a rollout of this organization that has a worksheet."))
        return redirect("strategy:worksheet", pk=rollout.pk)
    try:
        services.copy_from(form.cleaned_data["source"], rollout)
    except services.SignOffError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("Copied from %(rollout)s. Set the dates for this rollout.")
            % {"rollout": form.cleaned_data["source"]},
        )
    return redirect("strategy:worksheet", pk=rollout.pk)


@role_required(STAFF)
def history(request, pk):
    rollout = request.scope.rollout(pk)
    worksheet = Worksheet.objects.filter(rollout=rollout).first()
    entries = worksheet_history(worksheet) if worksheet else []
    return render(request, "strategy/history.html", {"rollout": rollout, "entries": entries})


@role_required(STAFF)
def print_view(request, pk):
    rollout = request.scope.rollout(pk)
    worksheet = _worksheet(rollout)
    context = _context(request, rollout, worksheet)
    context.update(_rows(worksheet))
    return render(request, "strategy/print.html", context)

"""Pages of the review step: the landing page, the review form, a review, actions and the landscape."""

from datetime import timedelta

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy
from django.views.decorators.http import require_POST

from rollout.access import EDITORS, STAFF, role_required
from rollout.paging import PAGE_SIZE
from rollout.portfolio import step_context
from rollout.steps import registry
from trust.selectors import incident_summary

from . import cycles, selectors, services
from .forms import ReviewSheet, ScheduleForm, ShareForm, review_actions
from .models import Action, Review
from .notifications import SEND_AT

LANDSCAPE_COLUMNS = 6

# The incident kinds and severities (trust's choice keys) as they read after a number, "2 security".
INCIDENT_KINDS = {
    "security": pgettext_lazy("incidents of this kind, after a number", "security"),
    "defamation": pgettext_lazy("incidents of this kind, after a number", "defamation"),
    "copyright": pgettext_lazy("incidents of this kind, after a number", "copyright"),
    "privacy": pgettext_lazy("incidents of this kind, after a number", "privacy"),
    "conduct": pgettext_lazy("incidents of this kind, after a number", "conduct"),
    "other": pgettext_lazy("incidents of this kind, after a number", "other"),
}
INCIDENT_SEVERITIES = {
    "low": pgettext_lazy("incidents of this severity, after a number", "low"),
    "medium": pgettext_lazy("incidents of this severity, after a number", "medium"),
    "high": pgettext_lazy("incidents of this severity, after a number", "high"),
    "critical": pgettext_lazy("incidents of this severity, after a number", "critical"),
}


def _incidents_shown(summary):
    """Trust's incident summary with its non-zero counts by kind and of open ones by severity as
    they read, in the summary's order: ["2 security", "1 privacy"]."""

    def shown(counts, words):
        return [
            pgettext("a number of incidents and their kind or severity", "%(count)s %(kind)s")
            % {"count": n, "kind": words.get(key, key)}
            for key, n in counts.items()
            if n
        ]

    return {
        **summary,
        "kinds_shown": shown(summary["by_kind"], INCIDENT_KINDS),
        "open_shown": shown(summary["open_by_severity"], INCIDENT_SEVERITIES),
    }


@role_required(STAFF)
def home(request, pk):
    rollout = request.scope.rollout(pk)
    today = selectors.today_in(request.scope.organization)
    step = registry.get("review")
    upcoming = selectors.open_review(rollout)
    past = Paginator(selectors.completed_reviews(rollout), PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "rollout": rollout,
        "step": step,
        **step_context(rollout, step.key, request.user),  # its health and when it was computed
        "upcoming": upcoming,
        "days_to_go": (upcoming.due_date - today).days if upcoming else None,
        "reminder_at": SEND_AT,  # in the organization's time zone, named on the page
        "days_late": (today - upcoming.due_date).days if upcoming else None,
        "page": past,
        "actions": selectors.action_counts(rollout, today),
        "is_editor": request.scope.has_role(EDITORS),
    }
    if upcoming is None and context["is_editor"]:
        context["schedule_form"] = ScheduleForm(
            scope=request.scope,
            initial={"due_date": cycles.first_due_date(rollout, today), "owner": rollout.owner_id},
        )
    return render(request, "reviews/home.html", context)


@role_required(EDITORS)
@require_POST
def schedule(request, pk):
    rollout = request.scope.rollout(pk)
    form = ScheduleForm(request.POST, scope=request.scope)
    if not form.is_valid():
        messages.error(request, _("Choose the date of the review (and, if you like, its owner)."))
        return redirect("reviews:home", pk=rollout.pk)
    try:
        review = services.schedule(rollout, form.cleaned_data["due_date"], form.cleaned_data["owner"])
    except services.ReviewError as error:
        messages.error(request, str(error))
        return redirect("reviews:home", pk=rollout.pk)
    messages.success(
        request,
        _("Review %(number)s scheduled for %(date)s.")
        % {"number": review.number, "date": date_format(review.due_date, "j M Y")},
    )
    return redirect("reviews:edit", pk=rollout.pk, review=review.pk)


def _review_context(request, rollout, review, today):
    previous = selectors.previous_completed(review)
    return {
        "rollout": rollout,
        "review": review,
        "previous": previous,
        "today": today,
        "kpi_rows": selectors.kpi_table(review, rollout, today, previous),
        "findings_before": selectors.findings_before(previous),
        "assessments_before": selectors.assessments_before(previous),
        "is_editor": request.scope.has_role(EDITORS),
        # The Trust findings start from the incident register since the previous review
        # (trust's documented read function; reviews does not read trust's models).
        "incidents": _incidents_shown(
            incident_summary(
                rollout.organization,
                previous.completed_on if previous else None,
                today + timedelta(days=1),
            )
        )
        if request.scope.has_role(EDITORS)
        else None,
    }


@role_required(STAFF)
def detail(request, pk, review):
    rollout = request.scope.rollout(pk)
    review = selectors.review_of(rollout, review)
    today = review.completed_on or selectors.today_in(request.scope.organization)
    context = _review_context(request, rollout, review, today)
    before, seen = context["findings_before"], context["assessments_before"]
    context.update(
        findings=[(finding, before.get(finding.step)) for finding in review.findings.all()],
        assessments=[(a, seen.get(a.platform_id)) for a in review.assessments.select_related("platform")],
        actions=review_actions(review) if review.is_open else selectors.actions_of_completed(review),
    )
    return render(request, "reviews/detail.html", context)


@role_required(EDITORS)
def edit(request, pk, review):
    rollout = request.scope.rollout(pk)
    review = selectors.review_of(rollout, review)
    if not review.is_open:
        messages.info(
            request,
            _("Review %(number)s is completed and can no longer be changed.") % {"number": review.number},
        )
        return redirect("reviews:detail", pk=rollout.pk, review=review.pk)
    today = selectors.today_in(request.scope.organization)
    context = _review_context(request, rollout, review, today)
    completion = {
        "next_due_date": cycles.next_due_date(rollout, review.due_date, today),
        "next_owner": review.owner_id,
    }
    data = request.POST if request.method == "POST" else None
    sheet = ReviewSheet(review, rollout, request.scope, context["kpi_rows"], today, data, completion)
    sheet.show_previous(context["findings_before"], context["assessments_before"])
    if data is not None and sheet.is_valid(completing="complete" in data):
        return _submit(request, sheet, "complete" in data, today)
    context["sheet"] = sheet
    return render(request, "reviews/edit.html", context, status=400 if data is not None else 200)


@role_required(EDITORS)
def share(request, pk, review):
    """Choose what employees may read of a completed review in "You said, we did"."""
    rollout = request.scope.rollout(pk)
    review = selectors.review_of(rollout, review)
    if review.is_open:
        messages.info(
            request,
            _("Review %(number)s is open: choose what to share in its form.") % {"number": review.number},
        )
        return redirect("reviews:edit", pk=rollout.pk, review=review.pk)
    form = ShareForm(request.POST if request.method == "POST" else None, instance=review)
    if form.is_valid():
        values = form.cleaned_data
        services.share_review(
            review,
            share_decisions=values["share_decisions"],
            shared_summary=values["shared_summary"],
            shared_said=values["shared_said"],
            shared_actions=values["actions"],
        )
        messages.success(
            request, _("What employees see of review %(number)s is saved.") % {"number": review.number}
        )
        return redirect("reviews:detail", pk=rollout.pk, review=review.pk)
    context = {"rollout": rollout, "review": review, "form": form}
    return render(request, "reviews/share.html", context, status=400 if form.is_bound else 200)


def _changed_rows(formset):
    """The cleaned data of the changed rows of a valid model formset without deletion or new rows
    (the findings, the landscape), each with its row under "id": what the formset's save() writes."""
    return [
        {**form.cleaned_data, "id": form.instance}
        for form in formset.initial_forms
        # An initial form without a row is one the POST named outside the queryset: left alone.
        if form.instance.pk is not None and form.has_changed()
    ]


def review_changes(sheet):
    """The values of a valid ReviewSheet, as services.save_review() and complete_review() take them."""
    actions = sheet.actions
    deleted = actions.deleted_forms
    return services.ReviewChanges(
        header=sheet.form.cleaned_data,
        kpis=[(form.row, form.cleaned_data) for form in sheet.kpis.forms],
        findings=_changed_rows(sheet.findings),
        actions=[
            {**form.cleaned_data, "id": form.instance if form.instance.pk is not None else None}
            for form in actions.forms
            if form not in deleted and form.has_changed()
        ],
        deleted_actions=[form.instance for form in deleted if form.instance.pk is not None],
        assessments=_changed_rows(sheet.landscape),
        new_platforms=[
            {**form.cleaned_data, "platform": form.existing}
            for form in sheet.new_platforms.forms
            if form.has_changed()
        ],
    )


def _submit(request, sheet, completing, today):
    """Save the valid review form, or complete the review; say what happened and where next."""
    review, rollout = sheet.review, sheet.rollout
    changes = review_changes(sheet)
    try:
        if completing:
            following = services.complete_review(
                review,
                changes,
                request.user,
                today,
                next_due_date=sheet.complete.cleaned_data["next_due_date"],
                next_owner=sheet.complete.cleaned_data["next_owner"],
            )
        else:
            services.save_review(review, changes)
    except services.ReviewError as error:
        messages.error(request, str(error))
        return redirect("reviews:home", pk=rollout.pk)
    if completing:
        messages.success(
            request,
            _("Review %(number)s completed. Review %(next)s is scheduled for %(date)s.")
            % {
                "number": review.number,
                "next": following.number,
                "date": date_format(following.due_date, "j M Y"),
            },
        )
        return redirect("reviews:detail", pk=rollout.pk, review=review.pk)
    messages.success(request, _("Review %(number)s saved.") % {"number": review.number})
    return redirect("reviews:edit", pk=rollout.pk, review=review.pk)


@role_required(STAFF)
def actions(request, pk):
    rollout = request.scope.rollout(pk)
    status = request.GET.get("status", "open")
    if status not in {"", "open", *Action.Status.values}:
        status = "open"
    page = Paginator(selectors.actions_of(rollout, status), PAGE_SIZE).get_page(request.GET.get("page"))
    today = selectors.today_in(request.scope.organization)
    return render(
        request,
        "reviews/actions.html",
        {
            "rollout": rollout,
            "page": page,
            "status": status,
            "statuses": Action.Status.choices,
            "today": today,
        },
    )


@role_required(STAFF)
def landscape(request, pk):
    rollout = request.scope.rollout(pk)
    reviews = Review.objects.filter(rollout=rollout).order_by("-number")
    page = Paginator(reviews, LANDSCAPE_COLUMNS).get_page(request.GET.get("page"))
    columns = list(page.object_list)[::-1]  # oldest on the left, so change reads left to right
    return render(
        request,
        "reviews/landscape.html",
        {
            "rollout": rollout,
            "page": page,
            "columns": columns,
            "rows": selectors.landscape_history(columns),
        },
    )

"""Pulse surveys: the list with readiness over time, a new pulse, its results, open and close, and
"what we did about it" on a closed pulse (shared with its results as "You said, we did")."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from rollout.access import role_required

from .. import pulses
from ..forms import OutcomeForm, PulseForm
from ..models import ADKAR
from ..roles import EDITORS, READERS
from . import PAGE_SIZE


@role_required(READERS)
def pulse_list(request, pk):
    rollout = request.scope.rollout(pk)
    rows = rollout.pulses.annotate(
        invited=Count("invitations", distinct=True),
        answered=Count("invitations", filter=Q(invitations__answered=True), distinct=True),
    )
    page = Paginator(rows.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "engage/conversations/pulse_list.html",
        {
            "rollout": rollout,
            "page": page,
            "over_time": [
                (pulse, [means.get(element) for element in ADKAR.values])
                for pulse, means in pulses.readiness_over_time(rollout)
            ],
            "elements": ADKAR.choices,
            "can_manage": request.scope.has_role(EDITORS),
        },
    )


@role_required(EDITORS)
def pulse_new(request, pk):
    rollout = request.scope.rollout(pk)
    form = PulseForm(request.POST or None, scope=request.scope, rollout=rollout)
    if form.is_valid():
        data = form.cleaned_data
        pulse = pulses.create_pulse(
            rollout,
            title=data["title"],
            kind=data["kind"],
            closes_on=data["closes_on"],
            audience=data["audience"],
            questions=data["question_lines"],
            created_by=request.user,
        )
        messages.success(request, _("Pulse saved as a draft. Open it to send the invitations."))
        return redirect("engage:pulses_results", pk=rollout.pk, pulse=pulse.pk)
    return render(request, "engage/conversations/pulse_form.html", {"rollout": rollout, "form": form})


@role_required(READERS)
def pulse_results(request, pk, pulse):
    rollout = request.scope.rollout(pk)
    pulse = get_object_or_404(rollout.pulses.prefetch_related("audience"), pk=pulse)
    results = pulses.results(pulse)
    questions = list(pulse.questions.all())
    unit_rows = [
        (name, n, [means.get(question.pk) for question in questions])
        for name, n, means in results.get("units", [])
    ]
    return render(
        request,
        "engage/conversations/pulse_results.html",
        {
            "rollout": rollout,
            "pulse": pulse,
            "results": results,
            "questions": questions,
            "unit_rows": unit_rows,
            "can_manage": request.scope.has_role(EDITORS),
        },
    )


@role_required(EDITORS)
@require_POST
def pulse_open(request, pk, pulse):
    rollout = request.scope.rollout(pk)
    pulse = get_object_or_404(rollout.pulses, pk=pulse)
    invited = pulses.open_pulse(pulse)
    if invited is None:
        messages.info(request, _("This pulse is open or closed already."))
    else:
        messages.success(
            request,
            ngettext(
                "Pulse opened: %(count)s person will get an email with their link.",
                "Pulse opened: %(count)s people will get an email with their link.",
                invited,
            )
            % {"count": invited},
        )
    return redirect("engage:pulses_results", pk=rollout.pk, pulse=pulse.pk)


@role_required(EDITORS)
@require_POST
def pulse_close(request, pk, pulse):
    rollout = request.scope.rollout(pk)
    pulse = get_object_or_404(rollout.pulses, pk=pulse)
    if pulses.close_pulse(pulse):
        messages.success(request, _("Pulse closed: no more answers are accepted."))
    else:
        messages.info(request, _("This pulse is not open."))
    return redirect("engage:pulses_results", pk=rollout.pk, pulse=pulse.pk)


@role_required(EDITORS)
def pulse_outcome(request, pk, pulse):
    rollout = request.scope.rollout(pk)
    pulse = get_object_or_404(rollout.pulses, pk=pulse)
    if pulse.status != pulse.Status.CLOSED:
        messages.info(request, _("Close the pulse first: what was done about it follows its results."))
        return redirect("engage:pulses_results", pk=rollout.pk, pulse=pulse.pk)
    form = OutcomeForm(request.POST or None, initial={"outcome": pulse.outcome})
    if form.is_valid():
        if pulses.record_outcome(pulse, form.cleaned_data["outcome"]):
            messages.success(request, _("Saved. People see it with the results under “You said, we did”."))
        return redirect("engage:pulses_results", pk=rollout.pk, pulse=pulse.pk)
    return render(
        request,
        "engage/conversations/pulse_outcome.html",
        {"rollout": rollout, "pulse": pulse, "form": form, "results": pulses.results(pulse)},
    )

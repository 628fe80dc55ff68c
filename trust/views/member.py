"""A person's own page: the guidelines that ask them to acknowledge, the boundaries beside them,
and the safe-practice training with their results."""

from django.contrib import messages
from django.db.models import Prefetch, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from rollout.access import EVERYONE, role_required
from rollout.i18n import percent

from .. import services
from ..forms import AcknowledgeForm, QuizForm
from ..models import Boundary, Choice, Completion
from ..selectors import my_guidelines, my_modules
from . import module_of


def my_boundaries(scope):
    membership = scope.membership
    reach = Q(unit__isnull=True)
    if membership.unit_id:
        reach |= Q(unit_id=membership.unit_id)
        if membership.unit.parent_id:
            reach |= Q(unit_id=membership.unit.parent_id)
    return (
        Boundary.objects.filter(organization=scope.organization)
        .filter(reach)
        .select_related("platform", "unit")
    )


@role_required(EVERYONE)
def mine(request):
    guidelines = list(my_guidelines(request.scope))
    modules = list(my_modules(request.scope))
    return render(
        request,
        "trust/mine.html",
        {
            "guidelines": guidelines,
            "to_acknowledge": [g for g in guidelines if g.my_ack_at is None],
            "modules": modules,
            "passed": sum(1 for module in modules if module.my_passed_at),
            "boundaries": my_boundaries(request.scope)[:100],
        },
    )


@role_required(EVERYONE)
def my_guideline(request, pk):
    guideline = get_object_or_404(my_guidelines(request.scope).select_related("organization"), pk=pk)
    form = AcknowledgeForm(request.POST if request.method == "POST" else None, guideline=guideline)
    if guideline.my_ack_at is None and form.is_valid():
        _ack, created = services.acknowledge(guideline, guideline.current, request.user)
        if created:
            messages.success(
                request,
                _("Thank you: you acknowledged “%(guideline)s” (version %(number)s).")
                % {"guideline": guideline, "number": guideline.current.number},
            )
        return redirect("trust_org:mine")
    modules = guideline.current.training_modules.filter(active=True).order_by("title")
    return render(
        request,
        "trust/my_guideline.html",
        {
            "guideline": guideline,
            "form": form,
            "modules": modules,
            "boundaries": my_boundaries(request.scope)[:100],
        },
    )


@role_required(EVERYONE)
def take_module(request, pk):
    module = module_of(request, pk, active_only=True)
    questions = list(
        module.questions.prefetch_related(Prefetch("choices", queryset=Choice.objects.order_by("position")))
    )
    form = QuizForm(request.POST if request.method == "POST" else None, questions=questions)
    if questions and form.is_valid():
        result = services.score(module, form.answers())
        services.record_attempt(module, request.user, result)
        if result >= module.pass_mark:
            messages.success(
                request,
                _("You scored %(score)s and passed “%(module)s” (pass mark %(pass_mark)s).")
                % {"score": percent(result, 0), "module": module, "pass_mark": percent(module.pass_mark, 0)},
            )
        else:
            messages.warning(
                request,
                _(
                    "You scored %(score)s; the pass mark is %(pass_mark)s. Read the lesson again and retake the quiz."
                )
                % {"score": percent(result, 0), "pass_mark": percent(module.pass_mark, 0)},
            )
        return redirect("trust_org:take_module", pk=module.pk)
    completion = Completion.objects.filter(module=module, user=request.user).first()
    return render(
        request,
        "trust/take_module.html",
        {"module": module, "form": form, "completion": completion, "questions": questions},
    )

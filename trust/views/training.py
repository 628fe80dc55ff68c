"""Managing safe-practice training: modules, their quizzes and who passed."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import TrainingModuleForm
from ..models import Completion
from ..roles import MANAGERS
from ..selectors import module_table, training_figures
from . import module_of


def _quiz(form):
    """The parsed quiz of a valid TrainingModuleForm when it is to replace the module's questions
    (changed, or a module without questions yet), else None."""
    return form.cleaned_data["questions"] if form.questions_changed else None


@role_required(MANAGERS)
def module_list(request):
    organization = request.scope.organization
    page = Paginator(module_table(organization), PAGE_SIZE).get_page(request.GET.get("page"))
    figures = training_figures([organization.pk])[organization.pk]
    return render(request, "trust/module_list.html", {"page": page, "figures": figures})


@role_required(MANAGERS)
def module_create(request):
    form = TrainingModuleForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        module = services.save_module(request.scope.organization, form.cleaned_data, questions=_quiz(form))
        messages.success(
            request,
            _("“%(module)s” added. People find it on their guidelines and training page.")
            % {"module": module},
        )
        return redirect("trust_org:modules")
    return render(request, "trust/module_form.html", {"form": form})


@role_required(MANAGERS)
def module_edit(request, pk):
    module = module_of(request, pk)
    form = TrainingModuleForm(request.POST or None, instance=module, scope=request.scope)
    if form.is_valid():
        services.save_module(
            request.scope.organization, form.cleaned_data, questions=_quiz(form), module=module
        )
        messages.success(request, _("“%(module)s” saved.") % {"module": module})
        return redirect("trust_org:modules")
    return render(request, "trust/module_form.html", {"form": form, "module": module})


@role_required(MANAGERS)
def module_results(request, pk):
    module = module_of(request, pk)
    completions = (
        Completion.objects.filter(module=module, user__memberships__organization=request.scope.organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    page = Paginator(completions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "trust/module_results.html", {"module": module, "page": page})

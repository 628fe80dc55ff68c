"""Ask for help (every role): a question for a rollout's champions, and the person's own questions
with their state. Mounted under /questions/ (conversations/org_urls.py)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from rollout.access import EVERYONE, role_required
from rollout.ratelimits import TOO_MANY, limit, person

from .. import asking, selectors
from ..forms import AskForm
from . import PAGE_SIZE


@role_required(EVERYONE)
@limit("employee_messages", key=person, what=TOO_MANY)
def ask(request):
    scope = request.scope
    rollouts = scope.rollouts().filter(status__in=asking.OPEN_FOR_QUESTIONS).order_by("name", "pk")
    form = AskForm(request.POST or None, rollouts=rollouts)
    if form.rollouts and form.is_valid():
        rollout = form.cleaned_data["rollout"]
        asking.ask(scope.membership, rollout, form.cleaned_data["text"])
        messages.success(
            request,
            _("Your question is in the queue of %(rollout)s. You get an email when it is answered.")
            % {"rollout": rollout.name},
        )
        return redirect("conversations_org:mine")
    return render(request, "engage/conversations/ask.html", {"form": form})


@role_required(EVERYONE)
def mine(request):
    questions = selectors.questions_asked_by(request.user, request.scope.organization.pk)
    page = Paginator(questions, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "engage/conversations/my_questions.html", {"page": page})

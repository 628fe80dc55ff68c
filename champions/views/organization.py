"""Organization-wide pages: the skills taxonomy and a person's own sessions across rollouts."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from rollout.access import EVERYONE, role_required
from rollout.paging import PAGE_SIZE

from ..forms import SkillForm
from ..models import Skill, SupportSession
from ..roles import EDITORS


def _skills(request):
    return Skill.objects.filter(organization=request.scope.organization)


@role_required(EDITORS)
def skills(request):
    form = SkillForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        skill = form.save()
        messages.success(request, _("“%(name)s” added to the taxonomy.") % {"name": skill})
        return redirect("champions_org:skills")
    taxonomy = _skills(request).annotate(used=Count("sessions", distinct=True)).order_by("-active", "name")
    page = Paginator(taxonomy, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "champions/skills.html", {"page": page, "form": form})


@role_required(EDITORS)
def skill_edit(request, skill):
    skill = get_object_or_404(_skills(request), pk=skill)
    form = SkillForm(request.POST or None, instance=skill, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("“%(name)s” saved.") % {"name": skill})
        return redirect("champions_org:skills")
    return render(request, "champions/skill_form.html", {"form": form, "skill": skill})


@role_required(EVERYONE)
def my_sessions(request):
    sessions = (
        SupportSession.objects.filter(
            rollout__organization=request.scope.organization, champion__user=request.user
        )
        .select_related("rollout", "helped_unit")
        .prefetch_related("topics")
        .order_by("-happened_at", "-pk")
    )
    page = Paginator(sessions, PAGE_SIZE).get_page(request.GET.get("page"))
    roles = request.user.champion_roles.filter(rollout__organization=request.scope.organization)
    return render(
        request,
        "champions/my_sessions.html",
        {"page": page, "roles": roles.select_related("rollout").order_by("rollout__name")},
    )

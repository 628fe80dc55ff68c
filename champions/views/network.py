"""The champion network: the list, nominating, deciding on nominations, editing a profile."""

from datetime import timedelta

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout import audit
from rollout.access import role_required
from rollout.i18n import Phrase
from rollout.paging import PAGE_SIZE
from trust.readiness import readiness

from .. import services
from ..forms import ChampionFilterForm, ChampionManageForm, ChampionProfileForm, NominationForm
from ..models import QUIET_AFTER_DAYS
from ..roles import EDITORS, LOGGERS, NOMINATORS, STAFF
from ..selectors import quiet_champions


@role_required(STAFF)
def network(request, pk):
    rollout = request.scope.rollout(pk)
    filters = ChampionFilterForm(request.GET or None)
    champions = rollout.champions.all()
    if filters.is_valid():
        status = filters.cleaned_data["status"]
        if status == "quiet":
            champions = quiet_champions(rollout)
        elif status:
            champions = champions.filter(status=status)
        if q := filters.cleaned_data["q"]:
            champions = champions.filter(Q(user__full_name__icontains=q) | Q(user__email__icontains=q))
    since = timezone.now() - timedelta(days=QUIET_AFTER_DAYS)
    champions = (
        champions.select_related("user", "location")
        .prefetch_related("units", "skills")
        .annotate(
            recent_sessions=Count("sessions", filter=Q(sessions__happened_at__gte=since), distinct=True),
            latest_session=Max("sessions__happened_at"),
        )
        .order_by("status", "user__full_name", "pk")
    )
    page = Paginator(champions, PAGE_SIZE).get_page(request.GET.get("page"))
    # Whether each champion and nominee on the page acknowledged the guidelines and passed the
    # training (trust/readiness.py), in a fixed number of queries for the whole page.
    ready = readiness(request.scope.organization, [c.user_id for c in page.object_list], rollout)
    for champion in page.object_list:
        champion.readiness = ready[champion.user_id]
    return render(
        request,
        "champions/network.html",
        {"rollout": rollout, "page": page, "filters": filters, "can_edit": request.scope.has_role(EDITORS)},
    )


@role_required(NOMINATORS)
def nominate(request, pk):
    rollout = request.scope.rollout(pk)
    nominate_others = request.scope.has_role(EDITORS)
    form = NominationForm(
        request.POST or None, scope=request.scope, rollout=rollout, nominate_others=nominate_others
    )
    if form.is_valid():
        person = form.cleaned_data.get("person", request.user)
        services.nominate(
            rollout, person, request.user, form.cleaned_data["motivation"], form.cleaned_data["units"]
        )
        messages.success(
            request, _("%(name)s is nominated; a manager will approve or decline.") % {"name": person}
        )
        return redirect("champions:network" if nominate_others else "champions:nominate", pk=rollout.pk)
    return render(
        request,
        "champions/nominate.html",
        {"rollout": rollout, "form": form, "nominate_others": nominate_others},
    )


@role_required(EDITORS)
@require_POST
def decide(request, pk, champion):
    rollout = request.scope.rollout(pk)
    nominee = get_object_or_404(rollout.champions.select_related("user", "rollout"), pk=champion)
    approve = request.POST.get("decision") == "approve"
    override = request.POST.get("override") == "on"
    reason = request.POST.get("override_reason", "").strip() if approve and override else ""
    if override and not reason:
        messages.error(
            request,
            _("Say why you approve %(name)s before they are ready, then approve again.")
            % {"name": nominee.user},
        )
        return redirect("champions:network", pk=rollout.pk)
    try:
        decided = services.decide(nominee, approve, request.user, override_reason=reason)
    except services.NotReady as not_ready:
        messages.error(
            request,
            _(
                "%(name)s cannot be approved yet. %(missing)s. Ask them to do it, "
                "or tick “Approve before ready” and give a reason."
            )
            % {"name": nominee.user, "missing": not_ready.readiness.summary},
        )
        return redirect("champions:network", pk=rollout.pk)
    if decided:
        verdict = _("%(name)s is now an active champion.") if approve else _("%(name)s was declined.")
        messages.success(request, verdict % {"name": nominee.user})
        nominee.refresh_from_db()
        if approve and nominee.readiness_override:
            audit.record(
                request,
                audit.Action.MEMBER_CHANGED,
                nominee,
                Phrase.gettext(
                    "%(email)s approved as champion of “%(rollout)s” before ready; reason: %(reason)s",
                    email=nominee.user.email,
                    rollout=str(rollout),
                    reason=nominee.readiness_override,
                ),
            )
    else:
        messages.error(
            request,
            _("%(name)s was already decided on: %(status)s.")
            % {"name": nominee.user, "status": nominee.get_status_display()},
        )
    return redirect("champions:network", pk=rollout.pk)


@role_required(LOGGERS)
def champion_edit(request, pk, champion):
    """Managers edit any champion (units, start, status); a champion edits their own profile."""
    rollout = request.scope.rollout(pk)
    profile = get_object_or_404(rollout.champions.select_related("user"), pk=champion)
    manager = request.scope.has_role(EDITORS)
    if not manager and profile.user_id != request.user.pk:
        raise PermissionDenied("Champions edit their own profile only.")
    form_class = ChampionManageForm if manager else ChampionProfileForm
    form = form_class(request.POST or None, instance=profile, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("Profile of %(name)s saved.") % {"name": profile.user})
        return redirect("champions:network" if manager else "champions:home", pk=rollout.pk)
    return render(
        request, "champions/champion_form.html", {"rollout": rollout, "form": form, "champion": profile}
    )

"""The support-session log: log one (on a phone, in seconds), list, edit, delete, close a follow-up."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import SessionFilterForm, SupportSessionForm
from ..models import EDIT_WINDOW, open_follow_ups
from ..roles import EDITORS, LOGGERS, READERS, STAFF
from . import own_champion


def _logging_champion(request, rollout):
    champion = own_champion(request, rollout)
    if champion is None or not champion.is_active:
        raise PermissionDenied("Only active champions of this rollout log support sessions.")
    return champion


@role_required(LOGGERS)
def log_session(request, pk):
    rollout = request.scope.rollout(pk)
    champion = _logging_champion(request, rollout)
    form = SupportSessionForm(request.POST or None, scope=request.scope)
    if form.is_valid():
        _session, created = services.log_support_session(champion, **form.session_values())
        if created:
            messages.success(request, _("Session logged. Thank you!"))
        else:
            messages.info(request, _("That session was already logged; it is saved once."))
        return redirect("champions:home", pk=rollout.pk)
    return render(request, "champions/session_form.html", {"rollout": rollout, "form": form})


def _visible_sessions(request, rollout):
    """Managers and leaders see every session of the rollout; a champion sees their own."""
    sessions = rollout.support_sessions.all()
    if not request.scope.has_role(READERS):
        sessions = sessions.filter(champion__user=request.user)
    return sessions


@role_required(STAFF)
def session_list(request, pk):
    rollout = request.scope.rollout(pk)
    sessions = _visible_sessions(request, rollout)
    filters = SessionFilterForm(request.GET or None, rollout=rollout)
    if filters.is_valid():
        if champion := filters.cleaned_data["champion"]:
            sessions = sessions.filter(champion=champion)
        if outcome := filters.cleaned_data["outcome"]:
            sessions = sessions.filter(open_follow_ups() if outcome == "open" else Q(outcome=outcome))
    sessions = sessions.select_related("champion__user", "helped_unit", "helped_person").prefetch_related(
        "topics"
    )
    page = Paginator(sessions.order_by("-happened_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "champions/session_list.html",
        {
            "rollout": rollout,
            "page": page,
            "filters": filters,
            "sees_all": request.scope.has_role(READERS),
            "can_manage": request.scope.has_role(EDITORS),
            "edit_after": timezone.now() - EDIT_WINDOW,
        },
    )


def _editable_session(request, rollout, session_pk):
    """A session this user may change: managers any; a champion their own, for 7 days."""
    session = get_object_or_404(
        rollout.support_sessions.select_related("champion__user", "helped_person"), pk=session_pk
    )
    if request.scope.has_role(EDITORS):
        return session
    if session.champion.user_id != request.user.pk:
        raise PermissionDenied("Champions change their own sessions only.")
    if timezone.now() > session.editable_by_champion_until():
        raise PermissionDenied(
            f"Sessions can be changed for {EDIT_WINDOW.days} days after logging; ask a manager to correct it."
        )
    return session


@role_required(LOGGERS)
def session_edit(request, pk, session):
    rollout = request.scope.rollout(pk)
    session = _editable_session(request, rollout, session)
    form = SupportSessionForm(request.POST or None, instance=session, scope=request.scope)
    if form.is_valid():
        form.save()
        messages.success(request, _("Session saved."))
        return redirect("champions:sessions", pk=rollout.pk)
    return render(
        request, "champions/session_form.html", {"rollout": rollout, "form": form, "session": session}
    )


@role_required(LOGGERS)
@require_POST
def session_delete(request, pk, session):
    rollout = request.scope.rollout(pk)
    session = _editable_session(request, rollout, session)
    session.delete()
    messages.success(request, _("Session deleted."))
    return redirect("champions:sessions", pk=rollout.pk)


@role_required(LOGGERS)
@require_POST
def follow_up_done(request, pk, session):
    rollout = request.scope.rollout(pk)
    session = get_object_or_404(rollout.support_sessions.select_related("champion"), pk=session)
    if not request.scope.has_role(EDITORS) and session.champion.user_id != request.user.pk:
        raise PermissionDenied("Champions close their own follow-ups only.")
    if services.close_follow_up(session):
        messages.success(request, _("Follow-up marked done."))
    else:
        messages.info(request, _("This follow-up was already closed."))
    back = request.POST.get("back")
    return redirect(
        f"champions:{back}" if back in ("sessions", "report") else "champions:home", pk=rollout.pk
    )

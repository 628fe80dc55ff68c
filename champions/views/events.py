"""Drop-ins and training sessions of a rollout: managers plan any, a champion their own."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from rollout.access import role_required
from rollout.paging import PAGE_SIZE

from .. import services
from ..forms import ChampionEventForm
from ..models import Champion
from ..roles import EDITORS, LOGGERS, STAFF
from . import own_champion


@role_required(STAFF)
def event_list(request, pk):
    rollout = request.scope.rollout(pk)
    past = request.GET.get("when") == "past"
    events = rollout.champion_events.select_related("champion__user").prefetch_related("units")
    now = timezone.now()
    events = (
        events.filter(ends_at__lte=now).order_by("-starts_at", "-pk")
        if past
        else events.filter(ends_at__gt=now)
    )
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    me = own_champion(request, rollout)
    return render(
        request,
        "champions/event_list.html",
        {
            "rollout": rollout,
            "page": page,
            "past": past,
            "can_edit": request.scope.has_role(EDITORS),
            "can_add": request.scope.has_role(EDITORS) or (me is not None and me.is_active),
            "me": me,
        },
    )


def _runner(request, rollout):
    """The signed-in champion's active record, or PermissionDenied (a manager needs none)."""
    me = own_champion(request, rollout)
    if me is None or me.status != Champion.Status.ACTIVE:
        raise PermissionDenied("Only the rollout's active champions and its managers plan sessions.")
    return me


def _save(request, rollout, event=None):
    manager = request.scope.has_role(EDITORS)
    runner = None if manager else (event.champion if event else _runner(request, rollout))
    form = ChampionEventForm(
        request.POST or None, instance=event, scope=request.scope, rollout=rollout, manager=manager
    )
    if form.is_valid():
        saved = services.save_event(
            rollout,
            form.event_values(),
            champion=form.cleaned_data["champion"] if manager else runner,
            units=form.cleaned_data["units"],
            created_by=request.user,
            event=event,
        )
        messages.success(
            request,
            _("“%(title)s” on %(when)s saved.")
            % {
                "title": saved.title,
                "when": dateformat.format(timezone.localtime(saved.starts_at), "j M H:i"),
            },
        )
        return redirect("champions:events", pk=rollout.pk)
    return render(request, "champions/event_form.html", {"rollout": rollout, "form": form, "event": event})


@role_required(LOGGERS)
def event_create(request, pk):
    return _save(request, request.scope.rollout(pk))


def _editable_event(request, rollout, event_pk):
    """An event this user may change: managers any, a champion the ones they run."""
    event = get_object_or_404(rollout.champion_events.select_related("champion"), pk=event_pk)
    if not request.scope.has_role(EDITORS) and (
        event.champion is None or event.champion.user_id != request.user.pk
    ):
        raise PermissionDenied("Champions change the sessions they run only.")
    return event


@role_required(LOGGERS)
def event_edit(request, pk, event):
    rollout = request.scope.rollout(pk)
    return _save(request, rollout, _editable_event(request, rollout, event))


@role_required(LOGGERS)
@require_POST
def event_delete(request, pk, event):
    rollout = request.scope.rollout(pk)
    event = _editable_event(request, rollout, event)
    event.delete()
    messages.success(request, _("“%(title)s” deleted.") % {"title": event.title})
    return redirect("champions:events", pk=rollout.pk)

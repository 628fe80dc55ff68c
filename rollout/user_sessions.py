"""Who is signed in where: a `UserSession` row per signed-in session, written at sign-in and
removed at sign-out, so that an admin sees a person's sessions and ends them, and deactivating a
person or lowering their role ends theirs at once.

The sessions signed in before these rows existed got theirs from migration 0016."""

from importlib import import_module

from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from .audit import client_ip
from .models import UserSession


def on_logged_in(sender, request, user, **kwargs):
    """user_logged_in receiver: record the new session (login() has just cycled its key)."""
    if request is None or not hasattr(request, "session"):
        return
    if request.session.session_key is None:
        request.session.save()
    UserSession.objects.update_or_create(
        session_key=request.session.session_key,
        defaults={
            "user": user,
            "ip": client_ip(request),
            "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
            "created_at": timezone.now(),
        },
    )


def on_logged_out(sender, request, user, **kwargs):
    """user_logged_out receiver: the session is over."""
    key = getattr(getattr(request, "session", None), "session_key", None)
    if key:
        UserSession.objects.filter(session_key=key).delete()


def active(user) -> list[UserSession]:
    """The person's sessions that are still signed in, newest first."""
    live = Session.objects.filter(expire_date__gt=timezone.now()).values("session_key")
    return list(UserSession.objects.filter(user=user, session_key__in=live))


def end_all(user) -> int:
    """Sign the person out everywhere: delete their unexpired sessions; how many ended."""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    live = Session.objects.filter(session_key__in=keys, expire_date__gt=timezone.now()).count()
    for key in keys:
        store(key).delete()
    UserSession.objects.filter(user=user).delete()
    return live

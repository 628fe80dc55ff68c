"""Rate limits on the doors that need no login or that send email (django-ratelimit).

Each limit has a name, a rate in `settings.RATE_LIMITS` ("5/h", "30/10m": django-ratelimit's
syntax) and a key: the client's address, or the address a password reset is asked for. A request
over its limit is answered 429 with `Retry-After` (a page for people, JSON for the API and SCIM),
never a server error, and does nothing. The counters live in the cache named by
`RATELIMIT_USE_CACHE`: Redis in production (shared by every web process), the process's own memory
in the embedded mode. The limits are listed in docs/operations.md ("Rate limits").
"""

from functools import wraps

from django.conf import settings
from django.shortcuts import render
from django.utils.translation import gettext_lazy
from django_ratelimit import ALL, UNSAFE
from django_ratelimit.core import get_usage

from .audit import client_ip

# What a person who sent too many messages in a short while is told.
TOO_MANY = gettext_lazy("You have sent a lot of messages in the last hour.")

__all__ = [
    "ALL",
    "TOO_MANY",
    "UNSAFE",
    "client",
    "limit",
    "over_limit",
    "person",
    "reset_address",
    "too_many",
]


def client(group, request):
    """The client's address as the lockouts and the audit trail see it (behind DJANGO_PROXY_COUNT
    proxies, from X-Forwarded-For)."""
    return client_ip(request) or "unknown"


def person(group, request):
    """The signed-in person (for the limits on what people send to each other)."""
    return f"user-{request.user.pk}"


def reset_address(group, request):
    """The email address a password reset is asked for, however it is capitalised."""
    return request.POST.get("email", "").strip().lower()


def over_limit(request, name, key=client, method=UNSAFE, increment=True) -> int:
    """Count this request against limit `name` (or only look, with `increment` False); the seconds
    to wait if it is over the limit, else 0."""
    usage = get_usage(
        request,
        group=f"rollout.{name}",
        key=key,
        rate=settings.RATE_LIMITS[name],
        method=method,
        increment=increment,
    )
    if usage is None:  # the cache could not be reached: let it through (RATELIMIT_FAIL_OPEN)
        return 0
    # Counting, the request is over when it passes the limit; only looking (`increment` False),
    # the next one would be over once the limit is reached.
    over = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    return max(1, usage["time_left"]) if over else 0


def too_many(request, wait, what=""):
    response = render(
        request, "429.html", {"wait_minutes": max(1, round(wait / 60)), "what": what}, status=429
    )
    response["Retry-After"] = str(wait)
    return response


def limit(name, key=client, method=UNSAFE, what=""):
    """View decorator: at most `settings.RATE_LIMITS[name]` requests (of `method`) per key."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            wait = over_limit(request, name, key, method)
            if wait:
                return too_many(request, wait, what)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def limit_failures(name, key=client, what=""):
    """View decorator for links whose signed token is the key (invitation, pulse, unsubscribe):
    only the requests the link refuses (404: a wrong or expired token) count, so a whole office
    answering the same emailed survey from one address is never refused; a client that has made
    `settings.RATE_LIMITS[name]` wrong guesses is refused until the window ends."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            wait = over_limit(request, name, key, ALL, increment=False)
            if wait:
                return too_many(request, wait, what)
            response = view(request, *args, **kwargs)
            if response.status_code == 404:
                over_limit(request, name, key, ALL)
            return response

        return wrapped

    return decorator

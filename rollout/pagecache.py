"""Whole pages from the cache, for the pages people open most (the portfolio, a rollout's overview,
the worksheet, a champion's home, the engage page and the unanswered queue).

A page is kept under a key made of everything it depends on:

- the organization's data version (portfolio.versioned_key: any write to the organization's data
  makes every cached page of it stale, and so does a new day);
- the person, their membership and role (a role change is a write to the membership; a new name
  makes a new data version too, see portfolio.user_shown_changed);
- the path with its query string;
- the session's CSRF secret (a page's forms carry a token made from it; another browser of the
  same person has another secret, so it gets a page of its own);
- a slot of `fresh_for` seconds, for what a page says about the time ("waiting 3 hours").

Access is checked on every request before the cache is read: the decorator sits inside
`role_required`, so the role comes from the database each time, and the key is the person's own.
An object of another organization is never in the cache under this person's key (only 200
answers are kept). Only GET is cached; a request with flash messages to show is rendered afresh
(the messages are part of the page, once).

Pages are kept in this process only, in a store of at most MAX_PAGES (the least recently used
goes first), never in Redis: whole pages per person and minute would otherwise fill the Redis
that also holds the task queue, and anyone signed in could add keys through the query string.
A write that a Redis outage kept from making a new data version is seen when the minute's slot
ends: no page is older than `fresh_for` seconds then.
"""

import hashlib
import time
from functools import wraps

from django.contrib import messages
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.utils.cache import set_response_etag

from . import portfolio

FRESH_FOR = 60  # seconds a page may say "now" about: its times are at most this old
MAX_PAGES = 256  # pages this process keeps (a page is 10-150 KB)

_pages = portfolio.RecentEntries(MAX_PAGES)


def page_key(request, fresh_for=FRESH_FOR):
    """The page's cache key, or None when this request must be rendered (not a GET, messages to
    show, no CSRF cookie yet, no organization, or the cache cannot be reached)."""
    scope = request.scope
    if request.method != "GET" or scope.membership is None:
        return None
    secret = request.META.get("CSRF_COOKIE")
    if not secret or len(messages.get_messages(request)):
        return None
    fingerprint = hashlib.sha256(f"{request.get_full_path()}\n{secret}".encode()).hexdigest()[:40]
    return portfolio.versioned_key(
        "page",
        fingerprint,
        request.user.pk,
        scope.membership.pk,
        scope.role,
        int(time.time() // fresh_for),
        organization=scope.organization.pk,
    )


def cached_page(view=None, *, fresh_for=FRESH_FOR):
    """View decorator (inside `role_required`): serve the page from the cache while nothing it
    shows has changed; render it, and keep it, otherwise."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            key = page_key(request, fresh_for)
            found = None if key is None else _pages.get(key)
            if found is not None:
                content, content_type, etag = found
                get_token(request)  # as rendering the page's {% csrf_token %} would: keep the cookie
                response = HttpResponse(content, content_type=content_type)
                response["ETag"] = etag  # as ConditionalGetMiddleware would, without hashing again
                return response
            response = view(request, *args, **kwargs)
            if key is not None and response.status_code == 200 and not response.streaming:
                set_response_etag(response)
                _pages.keep(key, (response.content, response["Content-Type"], response["ETag"]))
            return response

        return wrapped

    return decorator if view is None else decorator(view)

"""The notifications outbox: every scheduled email goes through the `Notification` table.

Producers and kinds
-------------------
Apps plug in without the centre importing them:

- a **producer** is a function `(now) -> iterable of Due`, registered with `@producer`; the
  dispatcher calls every producer on each tick and inserts what they return. The key makes the
  insert idempotent: a key that exists already is skipped, so producers may return the same
  notification on every tick until it is inserted.
- a **kind** names the email templates (`emails/<kind>-subject.txt`, `-body.txt`, `-body.html`)
  and a function `(notification) -> context` that builds their context at send time, registered
  with `register_kind`. A context function may raise `Cancel` to drop a notification that no
  longer makes sense (the review was completed, the person left the organization).

The guarantee is documented in docs/operations.md ("Notifications").
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from django.utils.translation import gettext_lazy as _

_producers: list[Callable] = []
_kinds: dict[str, object] = {}


class Cancel(Exception):
    """Raised by a context function: the notification is no longer wanted; it is cancelled."""


@dataclass(frozen=True)
class Due:
    kind: str
    key: str  # unique forever, e.g. "review-reminder:<review id>:<stage>"
    organization_id: int
    recipient_id: int
    scheduled_for: datetime
    payload: dict = field(default_factory=dict)  # JSON-serialisable ids the context function needs
    cc: tuple = ()  # extra addresses copied on the email


@dataclass(frozen=True)
class Kind:
    name: str
    label: str
    context: object  # (notification) -> dict
    unsubscribe: bool = False  # digests carry List-Unsubscribe and a signed one-click link
    # The Membership preference the link turns off (a key of PREFERENCES).
    preference: str = "weekly_digest"


# The email preferences a person can turn off per organization: Membership field -> what it is.
PREFERENCES = {
    "weekly_digest": _("the weekly digest"),
    "announcements": _("news for employees (new champions, “You said, we did”)"),
}


def producer(function):
    _producers.append(function)
    return function


def register_kind(name, label, context, unsubscribe=False, preference="weekly_digest"):
    if name in _kinds:
        raise ValueError(f"Notification kind {name!r} is already registered.")
    if preference not in PREFERENCES:
        raise ValueError(f"Unknown email preference {preference!r}.")
    _kinds[name] = Kind(name, label, context, unsubscribe, preference)
    return _kinds[name]


def producers():
    return list(_producers)


def kind(name):
    return _kinds[name]


def kinds():
    return dict(_kinds)

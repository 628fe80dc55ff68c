"""Views of the champion step. Shared helpers live here; pages are grouped by concern."""

import zoneinfo
from functools import wraps

from django.utils import timezone


def in_organization_time(view):
    """Show and parse dates and times in the organization's time zone."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        organization = request.scope.organization
        with timezone.override(zoneinfo.ZoneInfo(organization.timezone)):
            return view(request, *args, **kwargs)

    return wrapped


def own_champion(request, rollout):
    """The signed-in user's champion record in `rollout`, or None."""
    return rollout.champions.filter(user=request.user).first()

"""Views of Engage part 2, grouped by concern. Shared helpers live here."""

import zoneinfo
from functools import wraps

from django.utils import timezone

from rollout.paging import PAGE_SIZE

__all__ = ["PAGE_SIZE", "in_organization_time"]


def in_organization_time(view):
    """Show and parse dates and times in the organization's time zone."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with timezone.override(zoneinfo.ZoneInfo(request.scope.organization.timezone)):
            return view(request, *args, **kwargs)

    return wrapped

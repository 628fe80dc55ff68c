"""Views of Engage part 2, grouped by concern. Shared helpers live here."""

import zoneinfo
from functools import wraps

from django.utils import timezone

PAGE_SIZE = 25


def in_organization_time(view):
    """Show and parse dates and times in the organization's time zone."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with timezone.override(zoneinfo.ZoneInfo(request.scope.organization.timezone)):
            return view(request, *args, **kwargs)

    return wrapped

"""Views of the incentive step. Shared helpers live here; pages are grouped by concern."""

import zoneinfo
from functools import wraps

from django.utils import timezone


def in_organization_time(view):
    """Show dates and times in the organization's time zone."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        organization = request.scope.organization
        with timezone.override(zoneinfo.ZoneInfo(organization.timezone)):
            return view(request, *args, **kwargs)

    return wrapped

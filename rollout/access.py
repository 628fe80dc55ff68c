"""Who may see what: the one place that turns (user, organization) into querysets and role checks.

Every view reaches tenant data through `Scope` (as `request.scope`), never through
`Model.objects.all()`. An object of another organization is a 404 (we do not confirm it exists);
a role that may not use a page is a 403; an anonymous visitor is sent to the login page.

The current organization is kept in the session. A user in several organizations switches with
`switch_organization`; with no choice made, the oldest membership applies.
"""

import zoneinfo
from contextlib import nullcontext
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from . import data_versions, figures
from .models import Invitation, Membership, Platform, Role, Rollout, Unit

SESSION_KEY = "rollout_organization_id"

# Roles grouped by what they may do; views name one of these rather than listing roles.
EVERYONE = frozenset(Role.values)
STAFF = frozenset({Role.ADMIN, Role.MANAGER, Role.LEADER, Role.CHAMPION})
EDITORS = frozenset({Role.ADMIN, Role.MANAGER})
ADMINS = frozenset({Role.ADMIN})
LEADERS = frozenset({Role.ADMIN, Role.MANAGER, Role.LEADER})  # the portfolio and its reports
# How much a role may do, to tell a promotion from a change that takes rights away (leader and
# champion differ in what, not how much: a move between them takes rights away too).
ROLE_RANK = {Role.ADMIN: 4, Role.MANAGER: 3, Role.LEADER: 2, Role.CHAMPION: 2, Role.MEMBER: 1}


class Scope:
    """The user's view of one organization: its membership and the querysets it may read."""

    def __init__(self, user, membership, other_memberships=()):
        self.user = user
        self.membership = membership
        self.organization = membership.organization if membership else None
        self.role = membership.role if membership else None
        # The user's memberships of other organizations (the navigation's switcher).
        self.other_memberships = list(other_memberships)

    def has_role(self, roles):
        return self.role in roles

    def _filter(self, queryset):
        if self.organization is None:
            return queryset.none()
        return queryset.filter(organization=self.organization)

    def rollouts(self):
        # With their stored figures (rollout/figures.py) but not the figures' document, read only if
        # a page asks for a step's health: a page of rollouts reads what it sorts by in its query.
        return (
            self._filter(Rollout.objects.all())
            .select_related("platform", "owner", "figures")
            .defer("figures__data")
        )

    def units(self):
        return self._filter(Unit.objects.all()).select_related("parent")

    def platforms(self):
        return self._filter(Platform.objects.all())

    def memberships(self):
        return self._filter(Membership.objects.all()).select_related("user", "unit")

    def invitations(self):
        return self._filter(Invitation.objects.all()).select_related("unit", "invited_by")

    def people(self, roles=None):
        """Users with a membership in this organization (with one of `roles`, if given).

        One filter() call, so both conditions apply to the same membership and a person who
        belongs to several organizations appears once.
        """
        from .models import User

        if self.organization is None:
            return User.objects.none()
        conditions = {"memberships__organization": self.organization, "memberships__is_active": True}
        if roles is not None:
            conditions["memberships__role__in"] = roles
        return User.objects.filter(**conditions)

    def rollout(self, pk):
        return get_object_or_404(self.rollouts(), pk=pk)


def memberships_of(user):
    """The user's memberships, oldest first, each with its organization and unit."""
    return (
        Membership.objects.filter(user=user)
        .select_related("organization", "unit")
        .order_by("created_at", "pk")
    )


def resolve_scope(request):
    """The request's Scope: the membership of the organization chosen in the session, else the
    user's oldest one, and their other memberships, in one query.

    Read from the database on every request, never from a cache: what a person may do must not
    depend on a cache having seen the latest write (a role change during a Redis outage would
    otherwise be lost until the next write to the organization).
    """
    user = request.user
    if not user.is_authenticated:
        return Scope(user, None)
    memberships = list(memberships_of(user))
    chosen = request.session.get(SESSION_KEY)
    membership = next((found for found in memberships if found.organization_id == chosen), None)
    if membership is None and memberships:
        membership = memberships[0]
        request.session[SESSION_KEY] = membership.organization_id  # remembered for the next request
    return Scope(user, membership, [found for found in memberships if found is not membership])


def start_in_oldest_organization(sender, request=None, user=None, **kwargs):
    """user_logged_in receiver: a new session starts in the user's oldest organization, recorded
    in the session (so every page costs the same from the first one on)."""
    if request is None or not hasattr(request, "session") or SESSION_KEY in request.session:
        return
    organization_id = memberships_of(user).values_list("organization_id", flat=True).first()
    if organization_id is not None:
        request.session[SESSION_KEY] = organization_id


def switch_organization(request, organization_id):
    """Make `organization_id` current for this session; its membership, or None if not a member."""
    membership = memberships_of(request.user).filter(organization_id=organization_id).first()
    if membership is not None:
        request.session[SESSION_KEY] = membership.organization_id
    return membership


class OrganizationMiddleware:
    """Attach `request.scope` and show a signed-in person's request in their organization's time
    zone: every date and time a page, a form or a CSV shows or reads is in that zone, set here once.
    Anonymous requests resolve no membership and stay in UTC."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.scope = SimpleLazyObject(lambda: resolve_scope(request))
        # The data versions are read once per request (the page's cached values all name them; a
        # write during the request reads them afresh), and the request's writes are its user's.
        with data_versions.one_data_version(), figures.changes_by(request.user), organization_time(request):
            return self.get_response(request)


def organization_time(request):
    """timezone.override() of the signed-in person's own time zone if they chose one, else of their
    current organization's, else nothing."""
    if not request.user.is_authenticated or request.scope.organization is None:
        return nullcontext()
    return timezone.override(zoneinfo.ZoneInfo(request.user.time_zone or request.scope.organization.timezone))


def role_required(roles):
    """View decorator: anonymous users log in, members without one of `roles` get a 403."""

    def decorator(view):
        @wraps(view)
        def wrapped(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.scope.has_role(roles):
                raise PermissionDenied(_("Your role in this organization does not give access to this page."))
            return view(request, *args, **kwargs)

        wrapped.allowed_roles = frozenset(roles)
        return wrapped

    return decorator

from django.utils.translation import gettext, gettext_lazy
from rest_framework import permissions

from ..models import ApiToken


class RolePermission(permissions.BasePermission):
    """A view declares `read_roles` and `write_roles` (role groups from rollout/access.py).

    A read-only token may only read; a user whose role is not allowed gets 403.
    """

    message = gettext_lazy("Your role in this organization does not give access to this.")

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        reading = request.method in permissions.SAFE_METHODS
        token = request.auth if isinstance(request.auth, ApiToken) else None
        if not reading and token is not None and token.scope != ApiToken.Scope.WRITE:
            self.message = gettext("This token is read-only; create a read/write token to change data.")
            return False
        roles = view.read_roles if reading else view.write_roles
        return request.scope.has_role(roles)

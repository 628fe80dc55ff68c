from .access import ADMINS, EDITORS, LEADERS, STAFF


def organization(request):
    """The current organization and role, for the navigation bar."""
    scope = getattr(request, "scope", None)
    if scope is None or not request.user.is_authenticated:
        return {}
    return {
        "scope": scope,
        "current_organization": scope.organization,
        "current_role": scope.role,
        "is_staff_role": scope.has_role(STAFF),
        "is_editor": scope.has_role(EDITORS),
        "is_admin_role": scope.has_role(ADMINS),
        "is_leader_role": scope.has_role(LEADERS),
    }

"""What every API viewset shares: scoped querysets, role groups, pagination, filters."""

from rest_framework import serializers, viewsets

from ..access import EDITORS, STAFF, Scope


class ScopedViewSet(viewsets.GenericViewSet):
    """Read for `read_roles`, write for `write_roles`; querysets come from `request.scope`."""

    read_roles = STAFF
    write_roles = EDITORS
    # Object ids in URLs are database integers: longer digit strings are simply not found.
    lookup_value_regex = r"[0-9]{1,18}"

    @property
    def scope(self):
        scope = getattr(self.request, "scope", None)
        if scope is None:  # schema generation: no request user, so nothing to see
            from django.contrib.auth.models import AnonymousUser

            return Scope(AnonymousUser(), None)  # its querysets are empty
        return scope


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A foreign key chosen by id, among the objects the request's scope may see.

    platform = ScopedRelatedField(Platform, lambda scope: scope.platforms())
    """

    def __init__(self, model, scoped, **kwargs):
        self.model, self.scoped = model, scoped
        super().__init__(**kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        scope = getattr(request, "scope", None) if request is not None else None
        if scope is None:  # e.g. while the schema is generated
            return self.model._default_manager.none()
        return self.scoped(scope)

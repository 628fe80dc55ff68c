from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import (
    action,
    api_view,
    authentication_classes,
    permission_classes,
    throttle_classes,
)
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ..access import ADMINS
from ..models import Notification, Rollout
from ..portfolio import rows_for
from .base import ScopedViewSet
from .filters import FilterSet
from .serializers import NotificationSerializer, RolloutHealthSerializer, RolloutSerializer


def _text(value):
    """Text for JSON in the reader's language: a step's name or a figure's reason may be a lazy
    translation or a Phrase (rollout/i18n.py), which JSON would otherwise write in English."""
    return None if value is None else str(value)


def health_of(row):
    return {
        "rollout": row.rollout.pk,
        "name": row.rollout.name,
        "overall": row.overall,
        "steps": [
            {
                "step": step.key,
                "number": step.number,
                "name": _text(step.name),
                "score": health.score,
                "status": health.status,
                "reasons": [_text(reason) for reason in health.reasons],
                "next_action": _text(health.next_action),
                "next_url": health.next_url,
            }
            for step, health in row.healths
        ],
    }


class RolloutFilter(FilterSet):
    class Meta:
        model = Rollout
        fields = ["status", "platform", "owner"]


class RolloutViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    ScopedViewSet,
):
    """Rollouts of the token's organization. Managers and admins create and change them."""

    serializer_class = RolloutSerializer
    filterset_class = RolloutFilter
    ordering_fields = ["name", "status", "start_date", "target_date", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return self.scope.rollouts().order_by("name", "pk")

    @extend_schema(responses=RolloutHealthSerializer)
    @action(detail=True)
    def health(self, request, pk=None):
        """The six steps' health of one rollout, with reasons and the next action."""
        rollout = self.get_object()
        [row] = rows_for([rollout], user=request.user)
        return Response(health_of(row))


class HealthViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Every rollout's health, as on the portfolio (computed for all rollouts at once)."""

    serializer_class = RolloutHealthSerializer
    filter_backends: list[type] = []

    def get_queryset(self):
        return self.scope.rollouts().order_by("name", "pk")

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.get_queryset())
        rows = rows_for(page, user=request.user)
        return self.get_paginated_response([health_of(row) for row in rows])


class NotificationFilter(FilterSet):
    class Meta:
        model = Notification
        fields = ["status", "kind"]


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The notifications outbox of the organization (admins)."""

    read_roles = ADMINS
    write_roles = ADMINS
    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["scheduled_for", "status", "attempts"]
    ordering = ["-scheduled_for"]

    def get_queryset(self):
        return (
            Notification.objects.filter(organization=self.scope.organization)
            .select_related("recipient")
            .order_by("-scheduled_for", "-pk")
        )


@extend_schema(exclude=True)
@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
def not_found(request, path):
    """Any other path under /api/v1/ (an id that is not a number, say): a 404 in the API's
    error shape, not the site's HTML page."""
    raise NotFound(_("There is no such API endpoint or object; the schema lists them (/api/v1/schema/)."))

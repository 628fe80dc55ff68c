"""Champions in the API: the network (read) and support sessions (champions log their own)."""

import uuid

from django.http import QueryDict
from django.utils.translation import gettext
from rest_framework import mixins, serializers
from rest_framework.exceptions import PermissionDenied, ValidationError

from rollout.api.base import ScopedRelatedField, ScopedViewSet
from rollout.api.filters import DateTimeFilter, FilterSet
from rollout.models import Rollout

from . import services
from .forms import SupportSessionForm
from .models import Champion, SupportSession
from .roles import LOGGERS, READERS, STAFF


class ChampionSerializer(serializers.ModelSerializer):
    email = serializers.EmailField(source="user.email")
    name = serializers.CharField(source="user.full_name")
    units = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = Champion
        fields = ["id", "rollout", "email", "name", "status", "units", "shift", "time_zone", "start_date"]


class ChampionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The champion network of every rollout."""

    serializer_class = ChampionSerializer
    filterset_fields = ["rollout", "status"]
    ordering_fields = ["id", "start_date"]
    ordering = ["id"]

    def get_queryset(self):
        return (
            Champion.objects.filter(rollout__in=self.scope.rollouts())
            .select_related("user")
            .prefetch_related("units")
            .order_by("id")
        )


class SupportSessionSerializer(serializers.ModelSerializer):
    rollout = ScopedRelatedField(Rollout, lambda scope: scope.rollouts())
    champion = serializers.EmailField(source="champion.user.email", read_only=True)
    token = serializers.UUIDField(
        required=False,
        write_only=True,
        help_text="Send the same token again and the session is not logged twice.",
    )

    class Meta:
        model = SupportSession
        fields = [
            "id",
            "rollout",
            "champion",
            "happened_at",
            "minutes",
            "people_helped",
            "topics",
            "other_topic",
            "channel",
            "outcome",
            "follow_up_on",
            "helped_unit",
            "token",
        ]
        read_only_fields = ["id", "champion"]
        extra_kwargs = {"topics": {"required": False}}


class SessionFilter(FilterSet):
    since = DateTimeFilter(field_name="happened_at", lookup_expr="gte")

    class Meta:
        model = SupportSession
        fields = ["rollout", "outcome", "channel", "since"]


class SupportSessionViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, ScopedViewSet
):
    """Support sessions: champions see and log their own; managers and leaders read all."""

    read_roles = STAFF
    write_roles = LOGGERS
    serializer_class = SupportSessionSerializer
    filterset_class = SessionFilter
    ordering_fields = ["happened_at", "minutes", "people_helped"]
    ordering = ["-happened_at"]

    def get_queryset(self):
        sessions = SupportSession.objects.filter(rollout__in=self.scope.rollouts()).select_related(
            "champion__user"
        )
        if not self.scope.has_role(READERS):
            sessions = sessions.filter(champion__user_id=self.scope.user.pk)
        return sessions.prefetch_related("topics").order_by("-happened_at", "-pk")

    def perform_create(self, serializer):
        rollout = serializer.validated_data["rollout"]
        champion = (
            Champion.objects.filter(rollout=rollout, user=self.request.user).select_related("rollout").first()
        )
        if champion is None or not champion.is_active:
            raise PermissionDenied(gettext("Only active champions of this rollout log support sessions."))
        # The web form's validation and the same idempotent service, so both doors behave alike.
        data = QueryDict(mutable=True)
        for name, value in self.request.data.items():
            if name == "topics":
                data.setlist("topics", [str(v) for v in (value if isinstance(value, list) else [value])])
            elif value is not None:
                data[name] = str(value)
        data.setdefault("token", str(serializer.validated_data.get("token") or uuid.uuid4()))
        form = SupportSessionForm(data, scope=self.scope)
        if not form.is_valid():
            raise ValidationError({field: list(errors) for field, errors in form.errors.items()})
        session, _created = services.log_support_session(champion, **form.session_values())
        serializer.instance = session


ROUTES = [
    ("champions", ChampionViewSet, "champion"),
    ("support-sessions", SupportSessionViewSet, "support-session"),
]

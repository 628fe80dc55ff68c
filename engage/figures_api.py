"""The Engage figures in the API: the same objects as the page, the digest and the CSV
(engage/figures.py), so a figure reads the same everywhere, with its window, its denominator and
the reason when it is not known."""

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response

from rollout.api.base import ScopedViewSet
from rollout.models import Rollout

from . import figures, selectors
from .views import READERS


class AudienceFigureSerializer(serializers.Serializer):
    audience_id = serializers.IntegerField(allow_null=True)
    name = serializers.CharField()
    by = serializers.CharField(help_text="unit, list, organization or unknown")
    active = serializers.IntegerField(allow_null=True)
    size = serializers.IntegerField(allow_null=True)
    size_source = serializers.CharField()
    rate = serializers.FloatField(allow_null=True, help_text="In %, one decimal; null when not known.")
    unknown = serializers.CharField(help_text="Why the rate is not known; empty when it is.")
    text = serializers.CharField()


class ParticipationSerializer(serializers.Serializer):
    start = serializers.DateField()
    end = serializers.DateField()
    active_users = serializers.IntegerField()
    in_audiences = serializers.IntegerField()
    outside = serializers.IntegerField(help_text="Members active in none of the rollout's audiences.")
    unmatched = serializers.IntegerField(help_text="Active people matched to no member.")
    concealed = serializers.IntegerField()
    rate = serializers.FloatField(allow_null=True)
    text = serializers.CharField()
    headline = AudienceFigureSerializer(allow_null=True)
    audiences = AudienceFigureSerializer(many=True)


class DialogueSerializer(serializers.Serializer):
    end = serializers.DateField()
    posts = serializers.IntegerField()
    replies = serializers.IntegerField()
    source = serializers.CharField()
    rate = serializers.FloatField(allow_null=True)
    unavailable = serializers.CharField(help_text="Why there is no ratio; empty when there is one.")
    text = serializers.CharField()


class EngageFiguresSerializer(serializers.Serializer):
    rollout = serializers.IntegerField()
    last_day = serializers.DateField(allow_null=True, help_text="The last day with activity data.")
    definitions = serializers.CharField(help_text="Where the figures are defined.")
    participation = ParticipationSerializer(allow_null=True)
    dialogue_ratio = DialogueSerializer(allow_null=True)


def engage_figures(rollout):
    """The figures of the Engage page for the 28 days to the last day with data."""
    last = selectors.last_data_day(rollout)
    return {
        "rollout": rollout.pk,
        "last_day": last,
        "definitions": "/metrics/",
        "participation": figures.participation(rollout, last) if last else None,
        "dialogue_ratio": figures.dialogue_ratio(rollout, last) if last else None,
    }


class EngageFiguresViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    """A rollout's Engage figures (GET /api/v1/engage-figures/<rollout id>/): active users, each
    audience's participation, the people outside the audiences or matched to no member, and the
    dialogue ratio, over the 28 days to the last day with data (docs/metrics.md)."""

    read_roles = READERS
    serializer_class = EngageFiguresSerializer

    def get_queryset(self):
        return self.scope.rollouts() if self.request else Rollout.objects.none()

    @extend_schema(responses=EngageFiguresSerializer)
    def retrieve(self, request, pk=None):
        return Response(EngageFiguresSerializer(engage_figures(self.get_object())).data)


ROUTES = [("engage-figures", EngageFiguresViewSet, "engage-figures")]

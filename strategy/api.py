"""Strategy in the API: the success metrics each rollout is measured against (read)."""

from rest_framework import mixins, serializers

from rollout.api.base import ScopedViewSet
from rollout.api.filters import FilterSet, IdFilter

from .models import SuccessMetric


class SuccessMetricSerializer(serializers.ModelSerializer):
    rollout = serializers.IntegerField(source="worksheet.rollout_id")
    name = serializers.CharField()
    audience = serializers.CharField(source="audience.name", allow_null=True, default=None)
    audience_size = serializers.IntegerField(source="audience.size", allow_null=True, default=None)

    class Meta:
        model = SuccessMetric
        fields = [
            "id",
            "rollout",
            "metric_key",
            "name",
            "audience",
            "audience_size",
            "baseline",
            "target",
            "target_date",
            "source",
        ]


class SuccessMetricFilter(FilterSet):
    rollout = IdFilter(field_name="worksheet__rollout_id")

    class Meta:
        model = SuccessMetric
        fields = ["rollout", "metric_key"]


class SuccessMetricViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The strategy's success metrics: baseline, target and target date per rollout."""

    serializer_class = SuccessMetricSerializer
    filterset_class = SuccessMetricFilter
    ordering_fields = ["id", "target_date"]
    ordering = ["id"]

    def get_queryset(self):
        return (
            SuccessMetric.objects.filter(worksheet__rollout__in=self.scope.rollouts())
            .select_related("worksheet", "audience")
            .order_by("id")
        )


ROUTES = [("success-metrics", SuccessMetricViewSet, "success-metric")]

"""Reviews in the API: reviews and their KPI results (read)."""

from rest_framework import mixins, serializers

from rollout.api.base import ScopedViewSet

from .models import KpiResult, Review


class ReviewSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="owner.email", allow_null=True, default=None)

    class Meta:
        model = Review
        fields = ["id", "rollout", "number", "due_date", "owner", "status", "decisions", "completed_on"]


class ReviewViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Reviews of every rollout, open and completed."""

    serializer_class = ReviewSerializer
    filterset_fields = ["rollout", "status"]
    ordering_fields = ["due_date", "number"]
    ordering = ["-due_date"]

    def get_queryset(self):
        return (
            Review.objects.filter(rollout__in=self.scope.rollouts())
            .select_related("owner")
            .order_by("-due_date", "-pk")
        )


class KpiResultSerializer(serializers.ModelSerializer):
    rollout = serializers.IntegerField(source="review.rollout_id")

    class Meta:
        model = KpiResult
        fields = [
            "id",
            "review",
            "rollout",
            "metric_key",
            "name",
            "audience",
            "baseline",
            "target",
            "target_date",
            "expected",
            "actual",
            "computed",
            "status",
            "note",
        ]


class KpiResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """KPI actuals against their targets, as recorded at each review."""

    serializer_class = KpiResultSerializer
    filterset_fields = ["review", "metric_key", "status"]
    ordering_fields = ["id"]
    ordering = ["id"]

    def get_queryset(self):
        return (
            KpiResult.objects.filter(review__rollout__in=self.scope.rollouts())
            .select_related("review")
            .order_by("id")
        )


ROUTES = [("reviews", ReviewViewSet, "review"), ("kpi-results", KpiResultViewSet, "kpi-result")]

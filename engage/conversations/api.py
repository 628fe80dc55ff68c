"""Conversations in the API: questions (read) and marking one answered."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from rollout.api.base import ScopedViewSet

from ..models import Message
from . import services
from .forms import AnsweredForm
from .roles import READERS, WORKERS
from .views.queue import _may_work_on


class QuestionSerializer(serializers.ModelSerializer):
    thread = serializers.IntegerField(source="thread_id")
    asked_by = serializers.CharField(source="author_name")
    claimed_by = serializers.EmailField(source="claimed_by.email", allow_null=True, default=None)

    class Meta:
        model = Message
        fields = [
            "id",
            "rollout",
            "thread",
            "asked_by",
            "unit",
            "created_at",
            "text",
            "first_response_at",
            "response_seconds",
            "answered_at",
            "answer_url",
            "claimed_by",
            "claimed_at",
        ]


class AnsweredSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="Where the answer can be read.")


class QuestionFilter(filters.FilterSet):
    open = filters.BooleanFilter(
        field_name="first_response_at", lookup_expr="isnull", label="Still without a reply"
    )

    class Meta:
        model = Message
        fields = ["rollout", "unit", "open"]


class QuestionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Questions from imported or hand-logged conversations, oldest first."""

    read_roles = READERS
    write_roles = WORKERS
    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    ordering_fields = ["created_at", "response_seconds"]
    ordering = ["created_at"]

    def get_queryset(self):
        return (
            Message.objects.filter(rollout__in=self.scope.rollouts(), is_question=True)
            .select_related("claimed_by", "rollout")
            .order_by("created_at", "pk")
        )

    @extend_schema(request=AnsweredSerializer, responses=QuestionSerializer)
    @action(detail=True, methods=["post"])
    def answered(self, request, pk=None):
        """Mark the question answered, with the link to the answer (the same rules as the queue)."""
        question = self.get_object()
        _may_work_on(request, question)
        form = AnsweredForm(request.data)
        if not form.is_valid():
            raise serializers.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        if not services.mark_answered(question, request.user, form.cleaned_data["url"]):
            return Response(
                {
                    "error": {
                        "status": 409,
                        "code": "conflict",
                        "message": "This question has been answered already.",
                        "fields": {},
                    }
                },
                status=status.HTTP_409_CONFLICT,
            )
        question.refresh_from_db()
        return Response(QuestionSerializer(question).data)


ROUTES = [("questions", QuestionViewSet, "question")]

"""Conversations in the API: questions (read) and marking one answered.

Each question carries its rollout's response target (the strategy's, else the organization's
default) with where it comes from, and whether it was answered within it.
"""

from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from rollout.api.base import ScopedViewSet
from rollout.api.errors import Conflict
from rollout.api.filters import BooleanFilter, FilterSet
from rollout.api.schema import error_response
from strategy.selectors import ResponseTarget, response_targets_for

from . import services
from .forms import AnsweredForm
from .models import Message
from .roles import READERS, WORKERS
from .views.queue import _may_work_on


class QuestionSerializer(serializers.ModelSerializer):
    thread = serializers.IntegerField(source="thread_id")
    asked_by = serializers.CharField(source="author_name")
    claimed_by = serializers.EmailField(source="claimed_by.email", allow_null=True, default=None)
    response_target_hours = serializers.SerializerMethodField(
        help_text="Hours within which the question should get its first reply: its rollout's response target."
    )
    response_target_source = serializers.SerializerMethodField(
        help_text='Where the target comes from: "strategy" (the rollout\'s strategy sets it) or '
        '"organization" (the organization\'s default, as the strategy sets none).'
    )
    within_target = serializers.SerializerMethodField(
        help_text="true: first reply within the target; false: replied later, or still open past the "
        "target; null: still open and younger than the target."
    )

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
            "response_target_hours",
            "response_target_source",
            "within_target",
        ]

    def _target(self, question):
        """The question's rollout's target, from the targets the view read for all its rollouts."""
        return self.context["response_targets"][question.rollout_id]

    @extend_schema_field(OpenApiTypes.INT)
    def get_response_target_hours(self, question):
        return self._target(question).hours

    @extend_schema_field(
        serializers.ChoiceField(choices=[ResponseTarget.STRATEGY, ResponseTarget.ORGANIZATION])
    )
    def get_response_target_source(self, question):
        return self._target(question).source

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_within_target(self, question):
        target = self._target(question)
        if question.response_seconds is not None:
            return question.response_seconds <= target.seconds
        if (timezone.now() - question.created_at).total_seconds() >= target.seconds:
            return False
        return None


class AnsweredSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="Where the answer can be read.")


class QuestionFilter(FilterSet):
    open = BooleanFilter(field_name="first_response_at", lookup_expr="isnull", label="Still without a reply")

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

    def get_serializer_context(self):
        # Every question shown belongs to one of the scope's rollouts: their response targets are
        # read in one query, however many questions and rollouts the answer holds.
        return {
            **super().get_serializer_context(),
            "response_targets": response_targets_for(self.scope.rollouts()),
        }

    def get_queryset(self):
        return (
            Message.objects.filter(rollout__in=self.scope.rollouts(), is_question=True)
            .select_related("claimed_by", "rollout")
            .order_by("created_at", "pk")
        )

    @extend_schema(
        request=AnsweredSerializer,
        responses={200: QuestionSerializer, 409: error_response("The question has been answered already.")},
    )
    @action(detail=True, methods=["post"])
    def answered(self, request, pk=None):
        """Mark the question answered, with the link to the answer (the same rules as the queue)."""
        question = self.get_object()
        _may_work_on(request, question)
        form = AnsweredForm(request.data)
        if not form.is_valid():
            raise serializers.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        if not services.mark_answered(question, request.user, form.cleaned_data["url"]):
            raise Conflict(_("This question has been answered already."))
        question.refresh_from_db()
        return Response(self.get_serializer(question).data)


ROUTES = [("questions", QuestionViewSet, "question")]

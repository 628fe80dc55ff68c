from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from rest_framework import serializers

from ..access import EDITORS
from ..models import Notification, Platform, Rollout, User
from .base import ScopedRelatedField


class RolloutSerializer(serializers.ModelSerializer):
    # Only this organization's platforms and editors can be chosen.
    platform = ScopedRelatedField(Platform, lambda scope: scope.platforms())
    owner = ScopedRelatedField(User, lambda scope: scope.people(EDITORS), allow_null=True, required=False)
    also_accepts = ScopedRelatedField(
        Platform,
        lambda scope: scope.platforms(),
        many=True,
        required=False,
        help_text=gettext_lazy(
            "Other platforms whose activity exports this rollout accepts (their figures add up)."
        ),
    )

    class Meta:
        model = Rollout
        fields = [
            "id",
            "name",
            "platform",
            "also_accepts",
            "status",
            "owner",
            "purpose",
            "start_date",
            "target_date",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]

    def validate_name(self, name):
        scope = self.context["request"].scope
        clash = scope.rollouts().filter(name__iexact=name)
        if self.instance is not None:
            clash = clash.exclude(pk=self.instance.pk)
        if clash.exists():
            raise serializers.ValidationError(
                _("This organization already has a rollout called “%(name)s”.") % {"name": name}
            )
        return name

    def validate(self, data):
        start = data.get("start_date", getattr(self.instance, "start_date", None))
        target = data.get("target_date", getattr(self.instance, "target_date", None))
        if start and target and target < start:
            raise serializers.ValidationError(
                {"target_date": [_("The target date must not be before the start.")]}
            )
        return data

    def create(self, validated_data):
        validated_data["organization"] = self.context["request"].scope.organization
        return super().create(validated_data)


class TextField(serializers.CharField):
    """Text of the step figures (a Phrase, rollout/i18n.py, or a lazy text) in the request's
    language, the same words as the page: `str()` of it, never the English it holds as a `str`."""

    def to_representation(self, value):
        return str(value)


class StepHealthSerializer(serializers.Serializer):
    step = serializers.CharField()
    number = serializers.IntegerField()
    name = TextField()
    score = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
    reasons = serializers.ListField(child=TextField())
    next_action = TextField(allow_blank=True)
    next_url = serializers.CharField(allow_blank=True)


class RolloutHealthSerializer(serializers.Serializer):
    rollout = serializers.IntegerField()
    name = serializers.CharField()
    overall = serializers.IntegerField(allow_null=True)
    steps = StepHealthSerializer(many=True)


class NotificationSerializer(serializers.ModelSerializer):
    recipient = serializers.EmailField(source="recipient.email")

    class Meta:
        model = Notification
        fields = [
            "id",
            "kind",
            "key",
            "recipient",
            "status",
            "scheduled_for",
            "attempts",
            "next_attempt_at",
            "sent_at",
            "last_error",
        ]

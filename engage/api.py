"""Activity ingestion in the API: upload an export (the same importer as the web page, the same
check, all-or-nothing import and idempotency), then follow it at its status URL."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from rollout.api.base import ScopedViewSet
from rollout.tasks import enqueue_on_commit

from . import services
from .forms import UploadForm
from .models import ImportBatch
from .tasks import check_activity_file
from .views import IMPORTERS, READERS

SHOWN_PROBLEMS = 50


class ImportSerializer(serializers.ModelSerializer):
    status_url = serializers.SerializerMethodField()
    problems = serializers.SerializerMethodField()

    class Meta:
        model = ImportBatch
        fields = [
            "id",
            "rollout",
            "file_name",
            "source",
            "variant",
            "concealed",
            "status",
            "message",
            "rows_total",
            "rows_done",
            "created_count",
            "updated_count",
            "unchanged_count",
            "problem_count",
            "problems",
            "period_start",
            "period_end",
            "created_at",
            "finished_at",
            "status_url",
        ]

    def get_status_url(self, batch) -> str:
        return reverse("api:activity-import-detail", args=[batch.pk])

    def get_problems(self, batch) -> list[dict]:
        return [
            {"row": p.row, "column": p.column, "value": p.value, "message": p.message}
            for p in batch.problems.order_by("pk")[:SHOWN_PROBLEMS]
        ]


class UploadSerializer(serializers.Serializer):
    rollout = serializers.IntegerField(help_text="The rollout's id.")
    file = serializers.FileField()
    period_end = serializers.DateField(required=False, help_text="Slack only: last day of the period.")
    period_days = serializers.IntegerField(required=False, min_value=1, max_value=366)

    def validate_rollout(self, pk):
        rollout = self.context["request"].scope.rollouts().filter(pk=pk).first()
        if rollout is None:
            raise serializers.ValidationError(_("No rollout with this id in your organization."))
        return rollout


class ActivityImportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Activity imports. POST a file to check it and, when it has no problems, import it."""

    read_roles = READERS
    write_roles = IMPORTERS
    parser_classes = [MultiPartParser, FormParser]
    serializer_class = ImportSerializer
    filterset_fields = ["rollout", "status"]
    ordering_fields = ["created_at"]
    ordering = ["-created_at"]

    def get_queryset(self):
        return ImportBatch.objects.filter(rollout__in=self.scope.rollouts()).order_by("-created_at", "-pk")

    @extend_schema(request={"multipart/form-data": UploadSerializer}, responses={202: ImportSerializer})
    def create(self, request):
        """Upload an export. A small file is checked at once and, without problems, queued for
        import; a larger one is checked by a worker — POST to its `confirm` URL once it is ready.
        An export of another platform than the rollout's (and those it also accepts) is refused
        with a 400 that names both, and nothing is stored."""
        incoming = UploadSerializer(data=request.data, context={"request": request})
        incoming.is_valid(raise_exception=True)
        rollout = incoming.validated_data["rollout"]
        form = UploadForm(request.data, request.FILES, max_bytes=services.max_upload_bytes())
        if not form.is_valid():
            raise serializers.ValidationError({name: list(errors) for name, errors in form.errors.items()})
        try:
            batch = services.store_upload(rollout, form.cleaned_data["file"], request.user, form.options())
        except services.TooLarge:
            raise serializers.ValidationError(
                {
                    "file": [
                        _("The file is larger than the limit of %(limit)s MB.")
                        % {"limit": services.max_upload_bytes() // 1048576}
                    ]
                }
            ) from None
        except services.WrongPlatform as refusal:
            raise serializers.ValidationError({"file": [str(refusal)]}) from None
        if batch.size <= services.inline_check_bytes():
            batch = services.check(batch)
            self._confirm(batch, request)
        else:
            enqueue_on_commit(check_activity_file, batch.pk)
        batch.refresh_from_db()
        return Response(ImportSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=None, responses={202: ImportSerializer})
    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        """Queue a checked file (status `ready`) for import."""
        batch = self.get_object()
        self._confirm(batch, request)
        batch.refresh_from_db()
        return Response(ImportSerializer(batch).data, status=status.HTTP_202_ACCEPTED)

    def _confirm(self, batch, request):
        try:
            services.confirm(batch, request.user, request=request)
        except services.AlreadyImported as error:
            services.cancel(batch)
            ImportBatch.objects.filter(pk=batch.pk).update(
                message=_("Already imported as import %(id)s; nothing changed.") % {"id": error.batch.pk}
            )


ROUTES = [("activity-imports", ActivityImportViewSet, "activity-import")]

from django.contrib import admin

from .models import (
    Acknowledgement,
    Boundary,
    Completion,
    Guideline,
    GuidelineVersion,
    Incident,
    TrainingModule,
)


class VersionInline(admin.TabularInline):
    model = GuidelineVersion
    extra = 0
    fields = ["number", "material", "changes", "published_at", "published_by"]
    readonly_fields = ["number", "material", "changes", "published_at", "published_by"]


@admin.register(Guideline)
class GuidelineAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "rollout", "audience_unit", "acknowledge_from"]
    list_filter = ["organization"]
    search_fields = ["title"]
    raw_id_fields = ["rollout", "audience_unit", "current"]
    inlines = [VersionInline]


@admin.register(Acknowledgement)
class AcknowledgementAdmin(admin.ModelAdmin):
    list_display = ["user", "version", "acknowledged_at"]
    raw_id_fields = ["user", "version"]


@admin.register(TrainingModule)
class TrainingModuleAdmin(admin.ModelAdmin):
    list_display = ["title", "organization", "topic", "pass_mark", "active"]
    list_filter = ["organization", "topic", "active"]


@admin.register(Completion)
class CompletionAdmin(admin.ModelAdmin):
    list_display = ["user", "module", "score", "attempts", "passed_at"]
    raw_id_fields = ["user", "module"]


@admin.register(Boundary)
class BoundaryAdmin(admin.ModelAdmin):
    list_display = ["platform", "permission", "unit", "devices", "organization"]
    list_filter = ["organization", "permission"]


@admin.register(Incident)
class IncidentAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "organization",
        "kind",
        "severity",
        "status",
        "source",
        "anonymous",
        "occurred_on",
    ]
    list_filter = ["organization", "kind", "severity", "status", "source", "anonymous"]
    raw_id_fields = ["rollout", "platform", "handler", "reported_by"]

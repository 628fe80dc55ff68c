from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import AuditEvent, Heartbeat, Invitation, Membership, Organization, Platform, Rollout, Unit, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization", "unit"]
    fk_name = "user"


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_superuser", "is_active"]
    search_fields = ["email", "full_name"]
    inlines = [MembershipInline]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Personal", {"fields": ["full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (None, {"classes": ["wide"], "fields": ["email", "full_name", "password1", "password2"]})
    ]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "timezone", "response_target_hours", "privacy_min_group"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "parent", "headcount"]
    list_filter = ["kind", "organization"]
    search_fields = ["name"]
    list_select_related = ["organization", "parent"]
    autocomplete_fields = ["parent"]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "unit"]
    list_filter = ["role", "organization"]
    search_fields = ["user__email", "user__full_name"]
    list_select_related = ["user", "organization", "unit"]
    autocomplete_fields = ["user", "organization", "unit"]


@admin.register(Platform)
class PlatformAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "status", "organization"]
    list_filter = ["kind", "status", "organization"]
    search_fields = ["name"]


@admin.register(Rollout)
class RolloutAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "platform", "status", "owner", "start_date", "target_date"]
    list_filter = ["status", "organization"]
    search_fields = ["name"]
    list_select_related = ["organization", "platform", "owner"]
    autocomplete_fields = ["owner"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "organization",
        "role",
        "created_at",
        "accepted_at",
        "revoked_at",
        "email_sent_at",
    ]
    list_filter = ["role", "organization"]
    search_fields = ["email"]
    readonly_fields = ["email_sent_at", "email_attempts", "email_error"]


@admin.register(Heartbeat)
class HeartbeatAdmin(admin.ModelAdmin):
    list_display = ["name", "beat_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the trail is written by `rollout.audit.record()` and never edited."""

    list_display = ["created_at", "action", "actor", "organization", "summary", "ip"]
    list_filter = ["action", "organization"]
    search_fields = ["summary", "actor__email", "target_id", "ip"]
    list_select_related = ["actor", "organization"]
    date_hierarchy = "created_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

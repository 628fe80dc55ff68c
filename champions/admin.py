from django.contrib import admin

from .models import Champion, Skill, SupportSession


@admin.register(Skill)
class SkillAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "active"]
    list_filter = ["organization", "active"]
    search_fields = ["name"]


@admin.register(Champion)
class ChampionAdmin(admin.ModelAdmin):
    list_display = ["user", "rollout", "status", "shift", "time_zone", "start_date"]
    list_filter = ["status", "shift", "rollout__organization"]
    search_fields = ["user__email", "user__full_name"]
    raw_id_fields = ["user", "rollout", "location", "nominated_by", "decided_by"]
    filter_horizontal = ["units", "skills"]


@admin.register(SupportSession)
class SupportSessionAdmin(admin.ModelAdmin):
    list_display = ["champion", "rollout", "happened_at", "minutes", "people_helped", "channel", "outcome"]
    list_filter = ["channel", "outcome", "rollout__organization"]
    date_hierarchy = "happened_at"
    raw_id_fields = ["champion", "rollout", "helped_person", "helped_unit"]
    filter_horizontal = ["topics"]

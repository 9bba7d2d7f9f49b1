"""Evidence in the admin: read and add only (evidence is append-only)."""

from django.contrib import admin

from huren.accounts.admin_base import ScopedAdmin
from huren.evidence import models as m


class EvidenceAdmin(ScopedAdmin):
    list_filter = ["performed_on"]
    readonly_fields = ["recorded_at"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)

    def get_exclude(self, request, obj=None):
        return ["recorded_by"]


@admin.register(m.Measurement)
class MeasurementAdmin(EvidenceAdmin):
    list_display = ["item", "metric", "value", "unit", "device", "performed_on", "recorded_by"]
    list_filter = ["item", "source", "performed_on"]


@admin.register(m.DailyLog)
class DailyLogAdmin(EvidenceAdmin):
    list_display = ["device", "performed_on", "temperature_c", "humidity_percent", "helium_level_percent", "recorded_by"]


@admin.register(m.ChecklistAnswer)
class ChecklistAnswerAdmin(EvidenceAdmin):
    list_display = ["item", "question", "answer", "device", "performed_on", "recorded_by"]
    list_filter = ["answer", "item"]


@admin.register(m.Document)
class DocumentAdmin(EvidenceAdmin):
    list_display = ["title", "kind", "device", "performed_on", "valid_until", "recorded_by"]
    readonly_fields = ["recorded_at", "original_name", "size_bytes", "sha256"]

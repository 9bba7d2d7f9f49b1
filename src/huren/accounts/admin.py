from django.contrib import admin

from huren.accounts import models as m
from huren.accounts.admin_base import ReadOnlyAdmin, ScopedAdmin


@admin.register(m.Profile)
class ProfileAdmin(ScopedAdmin):
    list_display = ["user", "display_name", "institution"]
    list_filter = ["institution"]


@admin.register(m.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "action", "model", "object_id", "object_repr"]
    list_filter = ["action", "model"]
    search_fields = ["username", "object_repr", "object_id"]

from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from huren.accounts import audit_display
from huren.accounts import models as m
from huren.accounts.admin_base import ReadOnlyAdmin, ScopedAdmin


@admin.register(m.Profile)
class ProfileAdmin(ScopedAdmin):
    list_display = ["user", "display_name", "institution"]
    list_filter = ["institution"]


class RecordTypeFilter(admin.SimpleListFilter):
    """The audit log by record type, each named (not ``registry.device``)."""

    title = _("record type")
    parameter_name = "model"

    def lookups(self, request, model_admin):
        labels = model_admin.get_queryset(request).order_by().values_list("model", flat=True).distinct()
        return sorted(((x, audit_display.record_type(x)) for x in labels), key=lambda p: p[1])

    def queryset(self, request, queryset):
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(m.AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "who", "action", "record_type", "object_id", "record"]
    list_filter = ["action", RecordTypeFilter]
    search_fields = ["username", "object_repr", "object_id"]
    fields = ["at", "who", "ip", "action", "record_type", "object_id", "record", "institution", "changed", "note_shown"]
    readonly_fields = fields

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("user__profile")

    @admin.display(description=_("user"), ordering="username")
    def who(self, obj):
        return audit_display.person(obj)

    @admin.display(description=_("record type"), ordering="model")
    def record_type(self, obj):
        return audit_display.record_type(obj.model)

    @admin.display(description=_("record"))
    def record(self, obj):
        return audit_display.record_text(obj)

    @admin.display(description=_("note"))
    def note_shown(self, obj):
        return audit_display.readable(obj.note)

    @admin.display(description=_("changes"))
    def changed(self, obj):
        lines = audit_display.changes_lines(obj)
        if not lines:
            return "—"
        return format_html("<table>{}</table>", format_html_join(
            "", "<tr><td>{}</td><td>{}</td><td>→</td><td>{}</td></tr>", lines))

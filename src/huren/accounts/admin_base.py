"""Admin base classes: the admin lists and offers only the records of the user's scope
(through the same ``for_user`` as the API), and archived records are read-only there."""

from __future__ import annotations

from django.contrib import admin


class ScopedAdmin(admin.ModelAdmin):
    def get_queryset(self, request):
        qs = super().get_queryset(request)
        return qs.for_user(request.user) if hasattr(qs, "for_user") else qs

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related, "SCOPE") and hasattr(related.objects, "for_user"):
            kwargs.setdefault("queryset", related.objects.for_user(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(ScopedAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

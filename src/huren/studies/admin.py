from django.contrib import admin

from .models import Study


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ("study_instance_uid", "accession_number", "study_date", "modality", "body_part", "device",
                    "series_count", "image_count", "last_received_at")
    list_filter = ("modality",)
    search_fields = ("study_instance_uid", "accession_number")
    readonly_fields = [f.name for f in Study._meta.fields]
    exclude = ()

    def has_add_permission(self, request):
        return False  # studies are filed by DICOM intake only

    def has_delete_permission(self, request, obj=None):
        return False

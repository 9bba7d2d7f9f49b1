from django.contrib import admin

from .models import AnalysisRun, DicomObject, DicomSeries


@admin.register(DicomSeries)
class DicomSeriesAdmin(admin.ModelAdmin):
    list_display = ("series_instance_uid", "modality", "description", "station_name", "device_serial",
                    "object_count", "status", "last_received_at")
    list_filter = ("status", "modality")
    search_fields = ("series_instance_uid", "description", "station_name", "device_serial")
    readonly_fields = [f.name for f in DicomSeries._meta.fields]


@admin.register(DicomObject)
class DicomObjectAdmin(admin.ModelAdmin):
    list_display = ("sop_instance_uid", "modality", "station_name", "calling_ae_title", "source", "status", "received_at")
    list_filter = ("status", "source", "modality")
    search_fields = ("sop_instance_uid", "series_instance_uid", "station_name", "device_serial", "path")
    readonly_fields = [f.name for f in DicomObject._meta.fields]

    def has_delete_permission(self, request, obj=None):
        return False  # nothing received is ever dropped


@admin.register(AnalysisRun)
class AnalysisRunAdmin(admin.ModelAdmin):
    list_display = ("id", "series", "status", "queued_at", "finished_at", "measurement_count")
    list_filter = ("status",)
    readonly_fields = [f.name for f in AnalysisRun._meta.fields]

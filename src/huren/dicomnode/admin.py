"""Received DICOM in the admin: read-only (nothing received is changed or dropped), and
listed through the same scope as the web pages."""

from django.contrib import admin

from huren.accounts.admin_base import ReadOnlyAdmin

from .models import AnalysisRun, DicomObject, DicomSeries
from .scope import series_for_user


@admin.register(DicomSeries)
class DicomSeriesAdmin(ReadOnlyAdmin):
    list_display = ("series_instance_uid", "modality", "description", "device", "station_name", "device_serial",
                    "object_count", "status", "last_received_at")
    list_filter = ("status", "modality")
    search_fields = ("series_instance_uid", "description", "station_name", "device_serial")

    def get_queryset(self, request):
        return series_for_user(request.user)


@admin.register(DicomObject)
class DicomObjectAdmin(ReadOnlyAdmin):
    list_display = ("sop_instance_uid", "modality", "station_name", "calling_ae_title", "source", "status", "received_at")
    list_filter = ("status", "source", "modality")
    search_fields = ("sop_instance_uid", "series_instance_uid", "station_name", "device_serial", "path")

    def get_queryset(self, request):
        return DicomObject.objects.filter(series__in=series_for_user(request.user))


@admin.register(AnalysisRun)
class AnalysisRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "series", "status", "queued_at", "finished_at", "measurement_count")
    list_filter = ("status",)

    def get_queryset(self, request):
        return AnalysisRun.objects.filter(series__in=series_for_user(request.user))

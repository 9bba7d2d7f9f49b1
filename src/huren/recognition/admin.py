from django.contrib import admin

from huren.accounts.admin_base import ReadOnlyAdmin, ScopedAdmin
from huren.recognition import models as m


@admin.register(m.RecognitionQuery)
class RecognitionQueryAdmin(ReadOnlyAdmin):
    list_display = ["asked_at", "asked_by", "kind", "study_date", "device", "recognised", "error"]


@admin.register(m.QualificationAction)
class QualificationActionAdmin(ReadOnlyAdmin):
    list_display = ["at", "device", "action", "by", "reason"]


@admin.register(m.StateSpan)
class StateSpanAdmin(ReadOnlyAdmin):
    list_display = ["device", "start", "end", "state", "recognised"]


@admin.register(m.ClinicianDecision)
class ClinicianDecisionAdmin(ReadOnlyAdmin):
    list_display = ["decided_at", "institution", "accession_number", "exam_code", "accepted", "reason"]


@admin.register(m.ReExamReason)
class ReExamReasonAdmin(ScopedAdmin):
    """The QC centre's list of legitimate re-examination reasons (seeded from the catalog)."""

    list_display = ["code", "label_zh", "label_en", "active", "order"]
    list_editable = ["label_zh", "label_en", "active", "order"]

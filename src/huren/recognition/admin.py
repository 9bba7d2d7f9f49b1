from django.contrib import admin

from huren.accounts.admin_base import ReadOnlyAdmin
from huren.recognition import models as m


@admin.register(m.RecognitionQuery)
class RecognitionQueryAdmin(ReadOnlyAdmin):
    list_display = ["asked_at", "asked_by", "study_date", "device", "recognised"]

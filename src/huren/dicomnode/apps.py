from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DicomNodeConfig(AppConfig):
    name = "huren.dicomnode"
    label = "dicomnode"
    verbose_name = _("DICOM intake")
    default_auto_field = "django.db.models.BigAutoField"

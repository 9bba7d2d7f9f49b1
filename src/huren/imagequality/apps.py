from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImageQualityConfig(AppConfig):
    name = "huren.imagequality"
    label = "imagequality"
    verbose_name = _("Image quality of clinical studies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import signals  # noqa: F401  (a decided clinical series schedules its study's evaluation)

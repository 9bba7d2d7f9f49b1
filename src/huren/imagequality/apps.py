from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImageQualityConfig(AppConfig):
    name = "huren.imagequality"
    label = "imagequality"
    verbose_name = _("Image quality of clinical studies")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from huren.recognition.services import register_iq_provider

        from . import signals  # noqa: F401  (a decided clinical series schedules its study's evaluation)
        from .services import study_iq_problems

        register_iq_provider(study_iq_problems)  # a study whose checks failed is not recognised

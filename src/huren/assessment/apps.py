from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "huren.assessment"
    label = "assessment"
    verbose_name = _("Qualification assessment")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudiesConfig(AppConfig):
    name = "huren.studies"
    label = "studies"
    verbose_name = _("Study registry")
    default_auto_field = "django.db.models.BigAutoField"

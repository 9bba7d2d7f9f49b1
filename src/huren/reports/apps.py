from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "huren.reports"
    label = "reports"
    verbose_name = _("Reports and reminders")
    default_auto_field = "django.db.models.BigAutoField"

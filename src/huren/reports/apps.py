from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "huren.reports"
    label = "reports"
    verbose_name = _("Reports and reminders")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        post_migrate.connect(_schedule, sender=self)


def _schedule(sender, using="default", **kwargs):
    from django.db import DatabaseError

    from huren.reports.tasks import schedule_digest

    try:
        schedule_digest()
    except DatabaseError:  # the task table is not there (yet): the next migrate schedules it
        pass

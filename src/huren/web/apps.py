from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WebConfig(AppConfig):
    name = "huren.web"
    label = "web"
    verbose_name = _("Web interface")

    def ready(self):
        from django.contrib import admin

        from huren.web import logfilters

        logfilters.install()  # an expected 403 is one log line, not a traceback

        # The configuration pages (Django admin) speak the interface's language too.
        admin.site.site_header = _("huren configuration")
        admin.site.site_title = _("huren configuration")
        admin.site.index_title = _("Configuration")

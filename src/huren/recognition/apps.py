from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecognitionConfig(AppConfig):
    name = "huren.recognition"
    label = "recognition"
    verbose_name = _("Mutual recognition")

    def ready(self) -> None:
        from huren.recognition import signals  # noqa: F401  (connects the receivers)

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "huren.accounts"
    label = "accounts"
    verbose_name = _("Accounts and audit")

    def ready(self) -> None:
        from huren.accounts import audit, throttle  # noqa: F401  (signal receivers)

"""In-app notifications: one per user, device, kind and day (the digest task makes them;
running it twice a day adds nothing)."""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet


class Notification(models.Model):
    SCOPE = "institution"

    class Kind(models.TextChoices):
        DUE = "due", _("test due")
        EXPIRING = "expiring", _("qualification expiring")
        MISSING_LOG = "missing_log", _("daily log missing")
        HELIUM = "helium", _("helium alert")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="huren_notifications",
                             verbose_name=_("user"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.CASCADE, related_name="+",
                                    verbose_name=_("institution"))
    device = models.ForeignKey("registry.Device", on_delete=models.CASCADE, null=True, blank=True, related_name="+",
                               verbose_name=_("device"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    key = models.CharField(_("key"), max_length=60, blank=True, help_text=_("the catalog item or metric it is about"))
    day = models.DateField(_("day"))
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-day", "-id"]
        constraints = [models.UniqueConstraint(fields=["user", "device", "kind", "key", "day"], name="reports_notification_once")]
        indexes = [models.Index(fields=["user", "read_at"])]

    def __str__(self) -> str:
        return f"{self.day} {self.kind} {self.text_zh[:40]}"


def count_key(user_id: int) -> str:
    return f"huren:notifications-unread:{user_id}"


def unread_count(user) -> int:
    """The user's unread notifications, cached until the digest adds some or the user reads them."""
    key = count_key(user.pk)
    n = cache.get(key)
    if n is None:
        n = Notification.objects.filter(user=user, read_at__isnull=True).count()
        cache.set(key, n, 3600)
    return n

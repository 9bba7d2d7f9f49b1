"""A user's profile (institution), the audit log and failed-login records."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet


class Profile(models.Model):
    """Which institution a user works for. Roles are Django groups (see :mod:`roles`)."""

    SCOPE = "institution"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile",
                                verbose_name=_("user"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="profiles", verbose_name=_("institution"))
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return self.display_name or self.user.get_username()


class AuditEntry(models.Model):
    """One change of one record: who, when, what, and the old and new values.

    ``changes`` maps a field name to ``[old, new]`` (JSON values). Entries are never
    changed or deleted.
    """

    SCOPE = "institution"

    class Action(models.TextChoices):
        CREATE = "create", _("created")
        UPDATE = "update", _("updated")
        DELETE = "delete", _("deleted")
        ACTION = "action", _("action")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                             related_name="+", verbose_name=_("user"))
    username = models.CharField(_("user name"), max_length=150, blank=True)
    ip = models.CharField(_("address"), max_length=45, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    model = models.CharField(_("record type"), max_length=100, db_index=True)
    object_id = models.CharField(_("record id"), max_length=64, db_index=True)
    object_repr = models.CharField(_("record"), max_length=200, blank=True)
    # No database constraint: the entry for a deleted institution still names it.
    institution = models.ForeignKey("registry.Institution", on_delete=models.DO_NOTHING, db_constraint=False,
                                    null=True, blank=True, related_name="+", verbose_name=_("institution"))
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        from huren.accounts.audit_display import record_type

        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()} {record_type(self.model)} #{self.object_id}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError("审计记录不可修改 / audit entries cannot be changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("审计记录不可删除 / audit entries cannot be deleted")


class LoginFailure(models.Model):
    """A failed login, kept for throttling (see :mod:`huren.accounts.throttle`)."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=45, blank=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("failed login")
        verbose_name_plural = _("failed logins")
        indexes = [models.Index(fields=["username", "ip", "at"])]

"""A log of recognition queries: who asked about which study, and the answer given."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet


class RecognitionQuery(models.Model):
    """One answered question "is this study recognised?". Scoped to the asking institution:
    recognition is asked across hospitals, so the log belongs to whoever asked."""

    SCOPE = "institution"

    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("asked by"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("asking institution"))
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    study_date = models.DateField(_("study date"))
    identity = models.JSONField(_("device identity asked"), default=dict, blank=True)
    device = models.ForeignKey("registry.Device", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("device"))
    decision = models.ForeignKey("assessment.Decision", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("decision"))
    recognised = models.BooleanField(_("recognised"))
    reason_zh = models.TextField(_("reason (Chinese)"), blank=True)
    reason_en = models.TextField(_("reason (English)"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition query")
        verbose_name_plural = _("recognition queries")
        ordering = ["-asked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.study_date} {self.device}: {'yes' if self.recognised else 'no'}"

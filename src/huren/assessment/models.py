"""Assessments (a device's verdicts frozen under one catalog version), item reviews by a
QC-centre evaluator, and decisions. A submitted assessment's snapshot, every review and
every decision are kept forever: they cannot be changed or deleted.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet

VERDICTS = [
    ("pass", _("pass")),
    ("fail", _("fail")),
    ("missing", _("missing evidence")),
    ("overdue", _("overdue")),
    ("not_applicable", _("not applicable")),
]


class Immutable(Exception):
    def __init__(self, what: str = "记录") -> None:
        super().__init__(f"{what}已归档，不能修改或删除 / this record is archived and cannot be changed or deleted")


class ImmutableQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise Immutable()

    def delete(self):
        raise Immutable()


class Assessment(models.Model):
    """A device's verdicts at one point in time, under one catalog version."""

    SCOPE = "device__department__institution"
    FROZEN_FIELDS = ("device_id", "catalog_key", "as_of", "snapshot", "created_by_id", "created_at")

    class State(models.TextChoices):
        DRAFT = "draft", _("draft")
        SUBMITTED = "submitted", _("submitted for review")
        DECIDED = "decided", _("decided")

    device = models.ForeignKey("registry.Device", on_delete=models.PROTECT, related_name="assessments",
                               verbose_name=_("device"))
    catalog_key = models.CharField(_("standard version"), max_length=80)
    state = models.CharField(_("state"), max_length=10, choices=State.choices, default=State.DRAFT)
    as_of = models.DateTimeField(_("verdicts as of"), default=timezone.now)
    snapshot = models.JSONField(_("verdicts and evidence"), default=list,
                                help_text=_("each item's verdict, reasons and evidence ids at as_of"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True, max_length=2000)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device} @ {self.as_of:%Y-%m-%d} ({self.catalog_key}, {self.state})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            old = type(self)._base_manager.filter(pk=self.pk).values(*self.FROZEN_FIELDS, "state").first()
            if old and old["state"] != self.State.DRAFT:
                if any(old[f] != getattr(self, f) for f in self.FROZEN_FIELDS):
                    raise Immutable("已提交的评估")
                if old["state"] == self.State.DECIDED and self.state != self.State.DECIDED:
                    raise Immutable("已作出结论的评估")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        if self.state != self.State.DRAFT:
            raise Immutable("已提交的评估")
        return super().delete(*args, **kwargs)

    def item(self, item_id: str) -> dict | None:
        return next((e for e in self.snapshot if e.get("item") == item_id), None)


class ItemReview(models.Model):
    """An evaluator's review of one item of a submitted assessment. Overriding the derived
    verdict requires a written reason. A later review of the same item replaces the earlier
    one for the decision; both are kept."""

    SCOPE = "assessment__device__department__institution"

    assessment = models.ForeignKey(Assessment, on_delete=models.PROTECT, related_name="reviews",
                                   verbose_name=_("assessment"))
    item = models.CharField(_("catalog item"), max_length=40)
    derived_verdict = models.CharField(_("derived verdict"), max_length=15, choices=VERDICTS)
    verdict = models.CharField(_("verdict"), max_length=15, choices=VERDICTS)
    reason = models.TextField(_("reason"), blank=True, max_length=2000)
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("reviewer"))
    reviewed_at = models.DateTimeField(_("reviewed at"), default=timezone.now)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("item review")
        verbose_name_plural = _("item reviews")
        ordering = ["assessment", "item", "reviewed_at", "id"]

    def __str__(self) -> str:
        return f"{self.item}: {self.verdict}"

    @property
    def overridden(self) -> bool:
        return self.verdict != self.derived_verdict

    def clean(self) -> None:
        if self.overridden and not (self.reason or "").strip():
            raise ValidationError({"reason": "改判须写明理由 / overriding a verdict requires a written reason"})

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("评审记录")
        self.clean()
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable("评审记录")


class Decision(models.Model):
    """The QC centre's decision on an assessment: qualified (until ``valid_until``),
    rectification required (items and deadline), or not qualified. Kept forever with the
    catalog version and the final verdicts it rests on."""

    SCOPE = "device__department__institution"

    class Outcome(models.TextChoices):
        QUALIFIED = "qualified", _("qualified")
        RECTIFY = "rectify", _("rectification required")
        NOT_QUALIFIED = "not_qualified", _("not qualified")

    assessment = models.OneToOneField(Assessment, on_delete=models.PROTECT, related_name="decision",
                                      verbose_name=_("assessment"))
    device = models.ForeignKey("registry.Device", on_delete=models.PROTECT, related_name="decisions",
                               verbose_name=_("device"))
    outcome = models.CharField(_("decision"), max_length=15, choices=Outcome.choices)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    rectification_items = models.JSONField(_("rectification items"), default=list, blank=True)
    rectification_deadline = models.DateField(_("rectification deadline"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True, max_length=4000)
    catalog_key = models.CharField(_("standard version"), max_length=80)
    snapshot = models.JSONField(_("final verdicts and evidence"), default=list)

    objects = ImmutableQuerySet.as_manager()

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.device}: {self.outcome} ({self.decided_at:%Y-%m-%d})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise Immutable("评估结论")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise Immutable("评估结论")

    def in_force_on(self, day) -> bool:
        """Whether the decision grants recognition on ``day`` (a date)."""
        if self.outcome == self.Outcome.NOT_QUALIFIED:
            return False
        if day < self.valid_from:
            return False
        if self.valid_until is not None and day > self.valid_until:
            return False
        return True

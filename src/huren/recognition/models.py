"""Recognition: the query log, the device's qualification state history, the QC centre's
manual actions, the re-examination reasons, the receiving doctor's decisions and the
verification codes of decisions."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet

DEVICE_SCOPE = "device__department__institution"


class RecognitionQuery(models.Model):
    """One answered question "is this study recognised?". Scoped to the asking institution:
    recognition is asked across hospitals, so the log belongs to whoever asked. A question
    that could not be answered (bad input) is logged too, with ``error`` set."""

    SCOPE = "institution"

    class Kind(models.TextChoices):
        DEVICE_DATE = "device_date", _("device and date")
        STUDY_UID = "study_uid", _("Study Instance UID")
        ACCESSION = "accession", _("accession number")
        FILE = "file", _("DICOM file")
        HEADER = "header", _("header fields")
        PATIENT = "patient", _("patient ID")

    asked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("asked by"))
    institution = models.ForeignKey("registry.Institution", on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("asking institution"))
    asked_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    kind = models.CharField(_("asked by"), max_length=20, choices=Kind.choices, default=Kind.DEVICE_DATE)
    study_date = models.DateField(_("study date"), null=True, blank=True)
    identity = models.JSONField(_("question"), default=dict, blank=True)
    study_instance_uid = models.CharField(_("Study Instance UID"), max_length=64, blank=True)
    accession_number = models.CharField(_("accession number"), max_length=64, blank=True)
    device = models.ForeignKey("registry.Device", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("device"))
    decision = models.ForeignKey("assessment.Decision", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("decision"))
    recognised = models.BooleanField(_("recognised"))
    items = models.JSONField(_("examination items"), default=list, blank=True)
    error = models.BooleanField(_("not answerable"), default=False)
    reason_zh = models.TextField(_("reason (Chinese)"), blank=True)
    reason_en = models.TextField(_("reason (English)"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("recognition query")
        verbose_name_plural = _("recognition queries")
        ordering = ["-asked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.study_date} {self.device}: {'yes' if self.recognised else 'no'}"

    def save(self, *args, **kwargs):
        # the log is append-only (and so not audited: each row is its own record)
        if not self._state.adding:
            raise ValidationError("查询记录不能修改 / a logged question cannot be changed")
        super().save(*args, **kwargs)


class QualificationAction(models.Model):
    """A QC-centre evaluator's suspension, reinstatement or revocation of a device's
    qualification (with a reason), or a device leaving or returning to service (recorded
    when its "in service" flag changes). Kept forever; each is audited."""

    SCOPE = DEVICE_SCOPE

    class Action(models.TextChoices):
        SUSPEND = "suspend", _("suspend")
        REINSTATE = "reinstate", _("reinstate")
        REVOKE = "revoke", _("revoke")
        RETIRE = "retire", _("taken out of service")
        RETURN = "return", _("returned to service")

    device = models.ForeignKey("registry.Device", on_delete=models.PROTECT, related_name="qualification_actions",
                               verbose_name=_("device"))
    action = models.CharField(_("action"), max_length=12, choices=Action.choices)
    reason = models.TextField(_("reason"), max_length=2000, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                           related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("qualification action")
        verbose_name_plural = _("qualification actions")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.device}: {self.action} {self.at:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ValidationError("记录不能修改 / the record cannot be changed")
        super().save(*args, **kwargs)


class StateSpan(models.Model):
    """One interval of a device's recognition state (``start`` to ``end`` inclusive): the
    history that answers for past dates. Derived data, rewritten by
    :mod:`huren.recognition.history` from the day a change takes effect."""

    SCOPE = DEVICE_SCOPE

    device = models.ForeignKey("registry.Device", on_delete=models.CASCADE, related_name="state_spans",
                               verbose_name=_("device"))
    start = models.DateField(_("from"))
    end = models.DateField(_("to"))
    state = models.CharField(_("state"), max_length=20)
    recognised = models.BooleanField(_("recognised"))
    decision = models.ForeignKey("assessment.Decision", on_delete=models.SET_NULL, null=True, blank=True,
                                 related_name="+", verbose_name=_("decision"))
    items = models.JSONField(_("items suspending or warning"), default=list, blank=True)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("state interval")
        verbose_name_plural = _("state history")
        ordering = ["device", "start"]
        indexes = [models.Index(fields=["device", "end"], name="statespan_device_end")]

    def __str__(self) -> str:
        return f"{self.device_id} {self.start}–{self.end} {self.state}"


class StateHorizon(models.Model):
    """How far a device's history is computed, under which catalog, and the earliest day a
    change since makes stale (``dirty_from``)."""

    SCOPE = DEVICE_SCOPE

    device = models.OneToOneField("registry.Device", on_delete=models.CASCADE, related_name="state_horizon",
                                  verbose_name=_("device"))
    start = models.DateField(_("history from"), null=True, blank=True)
    through = models.DateField(_("computed through"), null=True, blank=True)
    dirty_from = models.DateField(_("stale from"), null=True, blank=True)
    catalog_key = models.CharField(_("standard version"), max_length=80, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("state history horizon")
        verbose_name_plural = _("state history horizons")


class SharedQuerySet(ScopedQuerySet):
    def for_user(self, user):
        return self if getattr(user, "is_authenticated", False) else self.none()


class ReExamReason(models.Model):
    """A legitimate reason to repeat an examination (national policy), seeded from the
    catalog's ``[[recognition.reason]]``; the QC centre edits, adds and retires them."""

    SCOPE = None  # shared reference data of no institution: every logged-in user reads it

    code = models.SlugField(_("code"), max_length=40, unique=True)
    label_zh = models.CharField(_("label (Chinese)"), max_length=100)
    label_en = models.CharField(_("label (English)"), max_length=100)
    active = models.BooleanField(_("in use"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = SharedQuerySet.as_manager()

    class Meta:
        verbose_name = _("re-examination reason")
        verbose_name_plural = _("re-examination reasons")
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.label_zh} / {self.label_en}"


class ClinicianDecision(models.Model):
    """A receiving doctor's decision about an earlier study: accept it, or not (with a
    reason code and a note). Belongs to the receiving institution."""

    SCOPE = "institution"

    institution = models.ForeignKey("registry.Institution", on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("receiving institution"))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("doctor"))
    decided_at = models.DateTimeField(_("decided at"), default=timezone.now)
    study = models.ForeignKey("studies.Study", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("study"))
    study_instance_uid = models.CharField(_("Study Instance UID"), max_length=64, blank=True)
    accession_number = models.CharField(_("accession number"), max_length=64, blank=True)
    origin = models.ForeignKey("registry.Institution", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("originating institution"))
    device = models.ForeignKey("registry.Device", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               verbose_name=_("device"))
    exam_code = models.CharField(_("examination item"), max_length=40, blank=True)
    recognised = models.BooleanField(_("recognised by huren"))
    accepted = models.BooleanField(_("accepted"))
    reason = models.ForeignKey(ReExamReason, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("reason for repeating"))
    note = models.TextField(_("note"), max_length=2000, blank=True)
    query = models.ForeignKey(RecognitionQuery, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                              verbose_name=_("recognition query"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("receiving doctor's decision")
        verbose_name_plural = _("receiving doctors' decisions")
        ordering = ["-decided_at", "-id"]

    def __str__(self) -> str:
        return f"{self.accession_number or self.study_instance_uid}: {'accept' if self.accepted else 'repeat'}"

    def clean(self) -> None:
        if not self.accepted and self.reason_id is None:
            raise ValidationError({"reason": "不采纳须选择复查理由 / not accepting needs a reason for repeating"})


def new_code() -> str:
    # 10 characters of an alphabet without look-alikes: short enough to type from a film
    alphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
    return "".join(secrets.choice(alphabet) for _ in range(10))


class VerificationCode(models.Model):
    """The public verification code of a decision (what the HR mark's QR code points to)."""

    SCOPE = "decision__device__department__institution"

    decision = models.OneToOneField("assessment.Decision", on_delete=models.PROTECT, related_name="verification",
                                    verbose_name=_("decision"))
    code = models.CharField(_("verification code"), max_length=16, unique=True, default=new_code)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("verification code")
        verbose_name_plural = _("verification codes")

    def __str__(self) -> str:
        return self.code

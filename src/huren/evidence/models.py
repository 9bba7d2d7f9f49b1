"""Evidence records. Append-only: a correction is a new record that ``supersedes`` the old one;
no record is ever changed or deleted (``save()`` of a stored row, ``delete()`` and queryset
``update()``/``delete()`` raise :class:`EvidenceImmutable`).

Each record says who recorded it (``recorded_by``), when (``recorded_at``), the day it
refers to (``performed_on``) and which catalog item(s) it answers.
"""

from __future__ import annotations

import uuid
from pathlib import PurePath

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet

TEST_TYPES = [("acceptance", _("acceptance test")), ("status", _("status test")), ("stability", _("stability test"))]

# File types accepted as attachments; anything else is stored as .bin.
SAFE_EXTENSIONS = {".pdf", ".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".txt", ".csv", ".json", ".xml",
                   ".doc", ".docx", ".xls", ".xlsx", ".odt", ".ods", ".zip", ".dcm"}


class EvidenceImmutable(Exception):
    """Evidence is append-only."""

    def __init__(self, msg: str = "证据记录只能追加，不能修改或删除；请录入更正记录 / evidence is append-only: "
                                  "record a correction instead of changing or deleting") -> None:
        super().__init__(msg)


def stored_name(instance, filename: str) -> str:
    """A generated storage path: no part of the user's file name reaches the filesystem
    except a known extension."""
    ext = PurePath(filename or "").suffix.lower()
    if ext not in SAFE_EXTENSIONS:
        ext = ".bin"
    return f"evidence/{instance._meta.model_name}/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{ext}"


class EvidenceQuerySet(ScopedQuerySet):
    def update(self, **kwargs):
        raise EvidenceImmutable()

    def delete(self):
        raise EvidenceImmutable()

    def current(self):
        """Records that no correction supersedes."""
        return self.filter(superseded_by__isnull=True)

    def for_device(self, device):
        """Records about ``device``, or about its whole department (device left empty)."""
        return self.filter(models.Q(device=device) | models.Q(device__isnull=True, department_id=device.department_id))


class Evidence(models.Model):
    SCOPE = "department__institution"
    KIND = ""

    department = models.ForeignKey("registry.Department", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("department"))
    device = models.ForeignKey("registry.Device", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               verbose_name=_("device"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                                    verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), default=timezone.now, editable=False, db_index=True)
    performed_on = models.DateField(_("date"), db_index=True)
    supersedes = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                      related_name="superseded_by", verbose_name=_("corrects"))
    note = models.TextField(_("note"), blank=True, max_length=2000)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        abstract = True
        ordering = ["-performed_on", "-recorded_at", "-id"]

    def clean(self) -> None:
        errors = {}
        if self.device_id and self.department_id and self.device.department_id != self.department_id:
            errors["device"] = "设备须属于该科室 / the device must belong to the department"
        if self.performed_on and self.performed_on > timezone.localdate():
            errors["performed_on"] = "日期不能在将来 / the date cannot be in the future"
        elif (self.performed_on and self.device_id and self.device.install_date
              and self.performed_on < self.device.install_date):
            errors["performed_on"] = (f"日期早于设备安装日期 {self.device.install_date} / "
                                      f"the date precedes the device's installation on {self.device.install_date}")
        if self.supersedes_id:
            old = self.supersedes
            if old.department_id != self.department_id or old.device_id != self.device_id:
                errors["supersedes"] = "更正记录须针对同一设备 / a correction must be about the same device"
        if errors:
            raise ValidationError(errors)

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise EvidenceImmutable()
        if self.device_id and not self.department_id:
            self.department_id = self.device.department_id
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise EvidenceImmutable()

    @property
    def is_current(self) -> bool:
        return not hasattr(self, "superseded_by") or self.superseded_by is None


class Measurement(Evidence):
    """A measured value of one metric of one catalog item, typed in or from an analysis."""

    KIND = "measurement"

    class Source(models.TextChoices):
        TYPED = "typed", _("typed in")
        ANALYSIS = "analysis", _("image analysis")

    item = models.CharField(_("catalog item"), max_length=40, db_index=True)
    metric = models.CharField(_("metric"), max_length=60)
    value = models.FloatField(_("value"))
    unit = models.CharField(_("unit"), max_length=20, blank=True)
    test_type = models.CharField(_("test type"), max_length=12, choices=TEST_TYPES, blank=True)
    method = models.CharField(_("method"), max_length=60, blank=True)
    conditions = models.JSONField(_("conditions"), default=dict, blank=True,
                                  help_text=_("test conditions and details, e.g. kV, mAs, nominal value"))
    baseline = models.FloatField(_("baseline"), null=True, blank=True)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices, default=Source.TYPED)
    result = models.JSONField(_("analysis result (huren.result/1)"), null=True, blank=True)
    sop_instance_uids = models.JSONField(_("DICOM SOP instance UIDs"), default=list, blank=True)

    class Meta(Evidence.Meta):
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")

    def __str__(self) -> str:
        return f"{self.item} {self.metric} = {self.value:g} {self.unit} ({self.performed_on})"


class DailyLog(Evidence):
    """One day's log of a device: environment, start-up checks, MR cryogen and cooling."""

    KIND = "log"

    room = models.ForeignKey("registry.Room", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("room"))
    temperature_c = models.FloatField(_("temperature (°C)"), null=True, blank=True)
    humidity_percent = models.FloatField(_("relative humidity (%)"), null=True, blank=True)
    warm_up_done = models.BooleanField(_("tube warm-up done"), null=True, blank=True)
    air_calibration_done = models.BooleanField(_("air calibration done"), null=True, blank=True)
    startup_check_done = models.BooleanField(_("start-up check done"), null=True, blank=True)
    status_ok = models.BooleanField(_("overall status and image quality normal"), null=True, blank=True)
    system_log_reviewed = models.BooleanField(_("system and error logs reviewed"), null=True, blank=True)
    table_checked = models.BooleanField(_("table checked and cleaned"), null=True, blank=True)
    images_sent_to_pacs = models.BooleanField(_("images sent to PACS"), null=True, blank=True)
    errors_followed_up = models.BooleanField(_("errors followed up"), null=True, blank=True)
    compressor_running = models.BooleanField(_("helium compressor running"), null=True, blank=True)
    cold_head_sound_normal = models.BooleanField(_("cold head sounding normal"), null=True, blank=True)
    preventive_maintenance_done = models.BooleanField(_("preventive maintenance done"), null=True, blank=True)
    backup_done = models.BooleanField(_("workstation maintenance and backup done"), null=True, blank=True)
    full_shutdown_done = models.BooleanField(_("full shutdown done"), null=True, blank=True)
    helium_level_percent = models.FloatField(_("helium level (%)"), null=True, blank=True)
    compressor_temperature_c = models.FloatField(_("compressor temperature (°C)"), null=True, blank=True)
    compressor_pressure_mpa = models.FloatField(_("compressor pressure (MPa)"), null=True, blank=True)
    chiller_water_temperature_c = models.FloatField(_("chiller water temperature (°C)"), null=True, blank=True)
    chiller_water_pressure_mpa = models.FloatField(_("chiller water pressure (MPa)"), null=True, blank=True)
    storage_free_percent = models.FloatField(_("free storage space (%)"), null=True, blank=True)

    class Meta(Evidence.Meta):
        verbose_name = _("daily log")
        verbose_name_plural = _("daily logs")

    def __str__(self) -> str:
        return f"{self.device or self.department} {self.performed_on}"


class ChecklistAnswer(Evidence):
    """An answer to one catalog item (or one question of its checklist): yes, no or n/a."""

    KIND = "check"

    class Answer(models.TextChoices):
        YES = "yes", _("yes")
        NO = "no", _("no")
        NOT_APPLICABLE = "not_applicable", _("not applicable")

    item = models.CharField(_("catalog item"), max_length=40, db_index=True)
    question = models.CharField(_("question"), max_length=20, blank=True,
                                help_text=_("number of the item's checklist question (from 1); empty for the whole item"))
    answer = models.CharField(_("answer"), max_length=15, choices=Answer.choices)
    attachment = models.FileField(_("attachment"), upload_to=stored_name, null=True, blank=True)

    class Meta(Evidence.Meta):
        verbose_name = _("checklist answer")
        verbose_name_plural = _("checklist answers")

    def __str__(self) -> str:
        q = f" Q{self.question}" if self.question else ""
        return f"{self.item}{q}: {self.answer} ({self.performed_on})"


class Document(Evidence):
    """An uploaded document (test report, contract, floor plan…), its issuer, date and validity."""

    KIND = "document"

    class Kind(models.TextChoices):
        TEST_REPORT = "test_report", _("test report")
        CALIBRATION = "calibration", _("calibration certificate")
        MAINTENANCE = "maintenance", _("maintenance record")
        FLOOR_PLAN = "floor_plan", _("floor plan")
        SITE_REQUIREMENTS = "site_requirements", _("site-requirement sheet")
        CONTRACT = "contract", _("contract")
        LICENCE = "licence", _("licence")
        OTHER = "other", _("other")

    items = models.JSONField(_("catalog items"), default=list)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.OTHER)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=stored_name)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"), default=0)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    issuing_body = models.CharField(_("issued by"), max_length=200, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    class Meta(Evidence.Meta):
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return f"{self.title} ({self.performed_on})"

    def clean(self) -> None:
        super().clean()
        if self.valid_until and self.performed_on and self.valid_until < self.performed_on:
            raise ValidationError({"valid_until": "有效期不能早于出具日期 / valid until cannot precede the issue date"})


EVIDENCE_MODELS = (Measurement, DailyLog, ChecklistAnswer, Document)

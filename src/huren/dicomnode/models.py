"""What was received, where it lies on disk, and what its analysis gave.

Rows are written after the file is safely on disk (see :mod:`huren.dicomnode.storage`);
they are never deleted by the application, so every received object can be traced.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DicomSeries(models.Model):
    """One series as it arrives, object by object, and the state of its analysis."""

    SCOPE = "device__department__institution"  # the platform's scope path (audit log, for_user)

    class Status(models.TextChoices):
        RECEIVING = "receiving", _("Receiving")
        NOT_PHANTOM = "not_phantom", _("Not a phantom series")
        QUEUED = "queued", _("Analysis queued")
        RUNNING = "running", _("Analysing")
        DONE = "done", _("Analysed")
        FAILED = "failed", _("Analysis failed")
        HELD = "held", _("Held for confirmation")
        IGNORED = "ignored", _("Ignored (localiser or topogram)")

    series_instance_uid = models.CharField(_("Series Instance UID"), max_length=64, unique=True)
    study_instance_uid = models.CharField(_("Study Instance UID"), max_length=64, blank=True)
    study = models.ForeignKey(
        "studies.Study", null=True, blank=True, on_delete=models.PROTECT, related_name="series",
        verbose_name=_("study"),
    )
    modality = models.CharField(_("modality"), max_length=16, blank=True)
    description = models.CharField(_("series description"), max_length=200, blank=True)
    station_name = models.CharField(_("station name"), max_length=64, blank=True)
    device_serial = models.CharField(_("device serial number"), max_length=64, blank=True)
    manufacturer = models.CharField(_("manufacturer"), max_length=64, blank=True)
    model_name = models.CharField(_("model"), max_length=64, blank=True)
    calling_ae_title = models.CharField(_("sender AE title"), max_length=16, blank=True)
    device = models.ForeignKey(
        "registry.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="dicom_series",
        verbose_name=_("device"),
    )
    first_received_at = models.DateTimeField(_("first received"))
    last_received_at = models.DateTimeField(_("last received"), db_index=True)
    object_count = models.PositiveIntegerField(_("objects"), default=0)
    phantom_hint = models.CharField(
        _("phantom hint"), max_length=200, blank=True,
        help_text=_("Why the series was taken for a phantom QC series (matched words)."),
    )
    class Decision(models.TextChoices):
        WORDS = "words", _("Phantom words in the header")
        CONTENT = "content", _("Image content looks like a phantom")
        NEITHER = "neither", _("Neither words nor content")
        DISAGREE = "disagree", _("Words and content disagree")

    class Hold(models.TextChoices):
        PHANTOM = "phantom", _("The header's words and the image content disagree")
        DEVICE = "device", _("The header contradicts the registered device")

    class Confirmation(models.TextChoices):
        CONFIRMED = "confirmed", _("Confirmed as phantom QC evidence")
        REJECTED = "rejected", _("Rejected: not analysed")

    phantom_decided_by = models.CharField(
        _("taken for a phantom series by"), max_length=16, choices=Decision.choices, blank=True,
        help_text=_("What decided, when the series was complete, whether it is analysed automatically."),
    )
    phantom_reason_zh = models.TextField(_("phantom decision (Chinese)"), blank=True)
    phantom_reason_en = models.TextField(_("phantom decision (English)"), blank=True)
    field_strength_t = models.FloatField(_("field strength (T) in the header"), null=True, blank=True)
    hold_kind = models.CharField(_("held because"), max_length=16, choices=Hold.choices, blank=True)
    hold_reason_zh = models.TextField(_("why held (Chinese)"), blank=True)
    hold_reason_en = models.TextField(_("why held (English)"), blank=True)
    confirmation = models.CharField(_("confirmation"), max_length=16, choices=Confirmation.choices, blank=True)
    confirmed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("confirmed by"))
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.RECEIVING, db_index=True)
    check_pending = models.BooleanField(_("completeness check pending"), default=False)
    error_zh = models.TextField(_("reason (Chinese)"), blank=True)
    error_en = models.TextField(_("reason (English)"), blank=True)

    class Meta:
        ordering = ["-last_received_at"]
        verbose_name = _("DICOM series")
        verbose_name_plural = _("DICOM series")

    def __str__(self) -> str:
        return f"{self.modality} {self.description or self.series_instance_uid}"

    @property
    def latest_run(self) -> "AnalysisRun | None":
        return self.runs.order_by("-id").first()

    @property
    def can_request_analysis(self) -> bool:
        """Not while an analysis is queued or running, unless that one is stale (its worker
        died): after ``HUREN_DICOM_ANALYSIS_STALE_MINUTES`` a new request is allowed."""
        if self.status == self.Status.HELD:
            return False  # a person confirms or rejects it first (huren.dicomnode.trust)
        if self.status not in (self.Status.QUEUED, self.Status.RUNNING):
            return True
        run = self.latest_run
        minutes = float(getattr(settings, "HUREN_DICOM_ANALYSIS_STALE_MINUTES", 30))
        return run is None or run.queued_at < timezone.now() - timedelta(minutes=minutes)


class DicomObject(models.Model):
    """One received DICOM object (one file on disk)."""

    class Source(models.TextChoices):
        CSTORE = "c-store", _("DICOM C-STORE")
        UPLOAD = "upload", _("Upload")

    class Status(models.TextChoices):
        STORED = "stored", _("Stored")
        DUPLICATE = "duplicate", _("Duplicate (stored again)")
        INVALID = "invalid", _("Not usable (unreadable or truncated)")

    series = models.ForeignKey(DicomSeries, null=True, blank=True, on_delete=models.PROTECT, related_name="dicom_objects",
                               verbose_name=_("series"))
    sop_instance_uid = models.CharField(_("SOP Instance UID"), max_length=64, blank=True, db_index=True)
    sop_class_uid = models.CharField(_("SOP Class UID"), max_length=64, blank=True)
    series_instance_uid = models.CharField(_("Series Instance UID"), max_length=64, blank=True)
    study_instance_uid = models.CharField(_("Study Instance UID"), max_length=64, blank=True)
    modality = models.CharField(_("modality"), max_length=16, blank=True)
    station_name = models.CharField(_("station name"), max_length=64, blank=True)
    device_serial = models.CharField(_("device serial number"), max_length=64, blank=True)
    calling_ae_title = models.CharField(_("sender AE title"), max_length=16, blank=True)
    transfer_syntax_uid = models.CharField(_("transfer syntax"), max_length=64, blank=True)
    source = models.CharField(_("source"), max_length=16, choices=Source.choices)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))
    path = models.CharField(_("stored path"), max_length=255, unique=True,
                            help_text=_("Relative to the DICOM storage folder."))
    size_bytes = models.PositiveBigIntegerField(_("size (bytes)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    error_zh = models.TextField(_("reason (Chinese)"), blank=True)
    error_en = models.TextField(_("reason (English)"), blank=True)
    kerma_ugy = models.FloatField(_("detector air kerma (µGy)"), null=True, blank=True,
                                  help_text=_("Measured at the detector for this exposure (DR signal transfer)."))
    kerma_source = models.CharField(_("kerma from"), max_length=40, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        verbose_name = _("DICOM object")
        verbose_name_plural = _("DICOM objects")

    def __str__(self) -> str:
        return self.sop_instance_uid or self.path

    @property
    def absolute_path(self):
        return settings.DICOM_ROOT / self.path


class AnalysisRun(models.Model):
    """One attempt to analyse a series; a retry is a new row, so history is kept."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    series = models.ForeignKey(DicomSeries, on_delete=models.PROTECT, related_name="runs", verbose_name=_("series"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    object_count = models.PositiveIntegerField(_("objects analysed"), default=0)
    result = models.JSONField(_("result (huren.result/1)"), null=True, blank=True)
    measurement_count = models.PositiveIntegerField(_("measurements"), default=0)
    error_zh = models.TextField(_("reason (Chinese)"), blank=True)
    error_en = models.TextField(_("reason (English)"), blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("analysis run")
        verbose_name_plural = _("analysis runs")

    def __str__(self) -> str:
        return f"{self.series_id} #{self.pk} {self.status}"


class UploadBatch(models.Model):
    """A large upload (a zip of many members) stored in the background, with its progress."""

    SCOPE = "device__department__institution"

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Storing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    name = models.CharField(_("file name"), max_length=255)
    path = models.CharField(_("stored upload"), max_length=255, help_text=_("Relative to the DICOM storage folder."))
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))
    device = models.ForeignKey("registry.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                               verbose_name=_("device"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(_("members"), default=0)
    done = models.PositiveIntegerField(_("members processed"), default=0)
    stored = models.PositiveIntegerField(_("objects stored"), default=0)
    problems = models.JSONField(_("problems"), default=list, blank=True)
    series_ids = models.JSONField(_("series"), default=list, blank=True)
    created_at = models.DateTimeField(_("uploaded at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("upload")
        verbose_name_plural = _("uploads")

    def __str__(self) -> str:
        return f"{self.name} ({self.done}/{self.total})"

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else (100 if self.status == self.Status.DONE else 0)

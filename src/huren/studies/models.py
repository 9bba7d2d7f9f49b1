"""The study registry's one table: a study as huren received it.

Rows are created and updated only by :mod:`huren.studies.intake` as objects arrive; the
application never deletes them. The patient appears only as keyed hashes
(:func:`huren.studies.keys.patient_key`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet


class Study(models.Model):
    """One examination (DICOM study), with the device that made it."""

    SCOPE = "device__department__institution"  # the platform's scope path (for_user, audit log)

    study_instance_uid = models.CharField(_("Study Instance UID"), max_length=64, unique=True)
    accession_number = models.CharField(_("accession number"), max_length=64, blank=True, db_index=True)
    study_date = models.DateField(_("study date"), null=True, blank=True, db_index=True)
    study_time = models.TimeField(_("study time"), null=True, blank=True)
    modality = models.CharField(
        _("modality"), max_length=16, blank=True, db_index=True,
        help_text=_("DR, CT or MR (DX and CR are DR); the header's own value when it is none of these."))
    modalities = models.JSONField(_("modalities in the study"), default=list, blank=True)
    body_part = models.CharField(_("body part examined"), max_length=64, blank=True)
    study_description = models.CharField(_("study description"), max_length=200, blank=True)
    series_descriptions = models.JSONField(
        _("series descriptions"), default=list, blank=True,
        help_text=_("Each series' description and protocol name, in the order the series arrived."))
    institution_name = models.CharField(_("institution name in the header"), max_length=64, blank=True)
    device = models.ForeignKey(
        "registry.Device", null=True, blank=True, on_delete=models.PROTECT, related_name="studies",
        verbose_name=_("device"))
    patient_id_key = models.CharField(_("patient ID (keyed hash)"), max_length=64, blank=True, db_index=True)
    patient_name_key = models.CharField(_("patient name (keyed hash)"), max_length=64, blank=True)
    patient_sex = models.CharField(_("patient sex"), max_length=1, blank=True)
    series_count = models.PositiveIntegerField(_("series"), default=0)
    image_count = models.PositiveIntegerField(_("images"), default=0)
    first_received_at = models.DateTimeField(_("first received"))
    last_received_at = models.DateTimeField(_("last received"), db_index=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-last_received_at", "-id"]
        verbose_name = _("study")
        verbose_name_plural = _("studies")
        indexes = [models.Index(fields=["device", "study_date"], name="study_device_date")]

    def __str__(self) -> str:
        label = self.accession_number or self.study_instance_uid
        return f"{self.modality} {self.study_date or ''} {label}".strip()

"""What the image-quality service keeps: rule versions, evaluation runs with their results per
series and per check, sampling rules and drawn samples, and the experts' score sheets.

Evaluations and score sheets are never changed once finished or submitted: a retry is a new
run (the failed one keeps its reason), a correction of a sheet is a new sheet that supersedes it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from huren.accounts.scope import ScopedQuerySet

STUDY_SCOPE = "study__device__department__institution"


class RulesVersion(models.Model):
    """A rule file (TOML, schema huren.iq.rules/1) uploaded by the QC centre. The latest active
    one is in force; with none, the rules shipped with huren.iq are."""

    name = models.CharField(_("name"), max_length=100)
    text = models.TextField(_("rule file (TOML)"))
    sha256 = models.CharField(_("SHA-256"), max_length=64, unique=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    active = models.BooleanField(_("in force"), default=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("image-quality rules version")
        verbose_name_plural = _("image-quality rules versions")

    def __str__(self) -> str:
        return f"{self.name} {self.sha256[:12]}"


class Evaluation(models.Model):
    """One run of the automatic checks on one study."""

    SCOPE = STUDY_SCOPE

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        WAITING = "waiting", _("Waiting for the study's series")
        RUNNING = "running", _("Running")
        DONE = "done", _("Evaluated")
        FAILED = "failed", _("Failed")

    class Outcome(models.TextChoices):
        PASS = "pass", _("All checks passed")
        FAIL = "fail", _("Some checks failed")
        NOT_EVALUABLE = "not_evaluable", _("Not evaluable")

    study = models.ForeignKey("studies.Study", on_delete=models.PROTECT, related_name="iq_evaluations",
                              verbose_name=_("study"))
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.QUEUED, db_index=True)
    attempt = models.PositiveSmallIntegerField(_("attempt"), default=1)
    retry_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="retries",
                                 verbose_name=_("retry of"))
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+", verbose_name=_("requested by"))
    task_id = models.CharField(_("task id"), max_length=64, blank=True)
    queued_at = models.DateTimeField(_("queued at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    rules_name = models.CharField(_("rules"), max_length=100, blank=True)
    rules_sha256 = models.CharField(_("rules version (SHA-256)"), max_length=64, blank=True)
    rules_version = models.ForeignKey(RulesVersion, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="evaluations", verbose_name=_("uploaded rules version"))
    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True, db_index=True)
    checks_passed = models.PositiveIntegerField(_("checks passed"), default=0)
    checks_failed = models.PositiveIntegerField(_("checks failed"), default=0)
    checks_not_evaluable = models.PositiveIntegerField(_("checks not evaluable"), default=0)
    failed_checks = models.JSONField(_("failed checks"), default=list, blank=True)
    images = models.PositiveIntegerField(_("images"), default=0)
    pixel_images_read = models.PositiveIntegerField(_("images whose pixels were read"), default=0)
    body_part = models.CharField(_("body part judged"), max_length=64, blank=True)
    body_part_decided_by = models.CharField(_("body part decided by"), max_length=32, blank=True)
    errors = models.JSONField(_("files not read"), default=list, blank=True)
    error_zh = models.TextField(_("reason (Chinese)"), blank=True)
    error_en = models.TextField(_("reason (English)"), blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("image-quality evaluation")
        verbose_name_plural = _("image-quality evaluations")
        indexes = [models.Index(fields=["study", "status"], name="iq_eval_study_status")]

    def __str__(self) -> str:
        return f"{self.study_id} #{self.pk} {self.status}"


class SeriesResult(models.Model):
    """What one evaluation found about one series (its role, plane, weighting, phase)."""

    SCOPE = "evaluation__" + STUDY_SCOPE

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="series_results",
                                   verbose_name=_("evaluation"))
    series = models.ForeignKey("dicomnode.DicomSeries", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="+", verbose_name=_("series"))
    series_instance_uid = models.CharField(_("Series Instance UID"), max_length=64)
    series_number = models.IntegerField(_("series number"), null=True, blank=True)
    description = models.CharField(_("series description"), max_length=200, blank=True)
    modality = models.CharField(_("modality"), max_length=16, blank=True)
    images = models.PositiveIntegerField(_("images"), default=0)
    role = models.CharField(_("role"), max_length=16, blank=True)
    plane = models.CharField(_("plane"), max_length=16, blank=True)
    weighting = models.CharField(_("weighting"), max_length=16, blank=True)
    phase = models.CharField(_("contrast phase"), max_length=16, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=Evaluation.Outcome.choices, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation_id", "series_number", "id"]
        verbose_name = _("series result")
        verbose_name_plural = _("series results")


class CheckResult(models.Model):
    """One automatic check of one series (or of the study): the item it answers, the figure,
    the rule, the images it looked at and the reason in Chinese and English."""

    SCOPE = "evaluation__" + STUDY_SCOPE

    class Result(models.TextChoices):
        PASS = "pass", _("Pass")
        FAIL = "fail", _("Fail")
        NOT_EVALUABLE = "not_evaluable", _("Not evaluable")

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="checks",
                                   verbose_name=_("evaluation"))
    check_name = models.CharField(_("check"), max_length=40, db_index=True)
    item = models.CharField(_("catalog item"), max_length=40, blank=True, db_index=True)
    result = models.CharField(_("result"), max_length=16, choices=Result.choices, db_index=True)
    value = models.JSONField(_("value"), null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=32, blank=True)
    rule = models.TextField(_("rule"), blank=True)
    series_instance_uid = models.CharField(_("Series Instance UID"), max_length=64, blank=True)
    series_result = models.ForeignKey(SeriesResult, null=True, blank=True, on_delete=models.CASCADE,
                                      related_name="checks", verbose_name=_("series"))
    sop_instance_uids = models.JSONField(_("images looked at"), default=list, blank=True)
    reason_zh = models.TextField(_("reason (Chinese)"), blank=True)
    reason_en = models.TextField(_("reason (English)"), blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["evaluation_id", "id"]
        verbose_name = _("check result")
        verbose_name_plural = _("check results")

    def __str__(self) -> str:
        return f"{self.check_name} {self.result}"


class SamplingRule(models.Model):
    """How many studies of a device (or of every device of a modality) experts score per period."""

    SCOPE = "device__department__institution"

    class Period(models.TextChoices):
        MONTH = "month", _("Month")
        QUARTER = "quarter", _("Quarter")

    device = models.ForeignKey("registry.Device", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="iq_sampling_rules", verbose_name=_("device"))
    modality = models.CharField(_("modality"), max_length=2, blank=True,
                                help_text=_("For every device of this modality (when no device is named)."))
    per_period = models.PositiveIntegerField(_("studies per device and period"))
    period = models.CharField(_("period"), max_length=8, choices=Period.choices, default=Period.QUARTER)
    stratify_by_body_part = models.BooleanField(_("stratified by body part"), default=True)
    active = models.BooleanField(_("active"), default=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("sampling rule")
        verbose_name_plural = _("sampling rules")

    def __str__(self) -> str:
        return f"{self.device or self.modality}: {self.per_period}/{self.period}"


class Sample(models.Model):
    """Studies drawn for expert scoring from one device's studies of one period. The draw is
    reproducible: the same seed over the same population gives the same studies."""

    SCOPE = "device__department__institution"

    rule = models.ForeignKey(SamplingRule, on_delete=models.PROTECT, related_name="samples", verbose_name=_("rule"))
    device = models.ForeignKey("registry.Device", on_delete=models.PROTECT, related_name="iq_samples",
                               verbose_name=_("device"))
    period_start = models.DateField(_("period start"))
    period_end = models.DateField(_("period end"))
    seed = models.BigIntegerField(_("random seed"))
    population = models.PositiveIntegerField(_("studies in the period"))
    strata = models.JSONField(_("strata"), default=dict, blank=True,
                              help_text=_("Per body part: studies received and studies drawn."))
    method = models.CharField(_("method"), max_length=200, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("drawn by"))
    drawn_at = models.DateTimeField(_("drawn at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-period_start", "-id"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        constraints = [models.UniqueConstraint(fields=["rule", "device", "period_start"], name="iq_one_sample_per_period")]

    def __str__(self) -> str:
        return f"{self.device} {self.period_start}–{self.period_end}"


class SampleStudy(models.Model):
    """One drawn study and the expert it is assigned to."""

    SCOPE = STUDY_SCOPE

    sample = models.ForeignKey(Sample, on_delete=models.CASCADE, related_name="entries", verbose_name=_("sample"))
    study = models.ForeignKey("studies.Study", on_delete=models.PROTECT, related_name="iq_samples",
                              verbose_name=_("study"))
    stratum = models.CharField(_("stratum (body part)"), max_length=64, blank=True)
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                               related_name="iq_assignments", verbose_name=_("expert"))

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["sample_id", "id"]
        verbose_name = _("sampled study")
        verbose_name_plural = _("sampled studies")
        constraints = [models.UniqueConstraint(fields=["sample", "study"], name="iq_study_once_per_sample")]


class SheetImmutable(Exception):
    """A submitted score sheet is never changed; a correction supersedes it."""


class ScoreSheet(models.Model):
    """An expert's grades of one study: per criterion (the IQ items of the study's modality) and
    for the study, with a comment. Immutable once submitted (created); a correction is a new
    sheet naming the one it supersedes."""

    SCOPE = STUDY_SCOPE

    study = models.ForeignKey("studies.Study", on_delete=models.PROTECT, related_name="iq_score_sheets",
                              verbose_name=_("study"))
    sample_entry = models.ForeignKey(SampleStudy, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="sheets", verbose_name=_("sampled study"))
    evaluation = models.ForeignKey(Evaluation, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("automatic findings shown"))
    expert = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="iq_score_sheets",
                               verbose_name=_("expert"))
    grades = models.JSONField(_("grades per criterion"), help_text=_("Catalog item → points."))
    overall = models.PositiveSmallIntegerField(_("grade of the study (points)"))
    comment = models.TextField(_("comment"), blank=True)
    supersedes = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="superseded_by", verbose_name=_("corrects"))
    submitted_at = models.DateTimeField(_("submitted at"), auto_now_add=True)

    objects = ScopedQuerySet.as_manager()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        verbose_name = _("score sheet")
        verbose_name_plural = _("score sheets")

    def save(self, *args, **kwargs):
        if self.pk is not None and ScoreSheet.objects.filter(pk=self.pk).exists():
            raise SheetImmutable("a submitted score sheet cannot be changed; submit a correction")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise SheetImmutable("a submitted score sheet cannot be deleted")

    def __str__(self) -> str:
        return f"{self.study_id} {self.expert} {self.overall}"

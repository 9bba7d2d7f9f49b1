"""Background work on received series, through Django's Tasks API (``django.tasks``).

A series is taken as complete once no object has arrived for the quiet period
(``HUREN_DICOM_SERIES_QUIET_SECONDS``). The first object of a series (or the first after
an analysis) schedules one check for the end of the quiet period; a check that finds the
series still receiving schedules itself again, so a 500-slice series costs a handful of
tasks, not 500. Backends that cannot defer (the immediate backend used in tests) run the
check at once.
"""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from .models import AnalysisRun, DicomSeries

log = logging.getLogger(__name__)

ACTIVE = (DicomSeries.Status.QUEUED, DicomSeries.Status.RUNNING)


def _enqueue(t, *args, run_after: datetime | None = None):
    if run_after is not None and default_task_backend.supports_defer and run_after > timezone.now():
        return t.using(run_after=run_after).enqueue(*args)
    return t.enqueue(*args)


def schedule_series_check(series_id: int) -> None:
    """Called after each stored object of a series is committed."""
    from .storage import quiet_period

    with transaction.atomic():
        series = DicomSeries.objects.select_for_update().get(pk=series_id)
        if series.check_pending:
            return  # the pending check will see this object too
        series.status = DicomSeries.Status.RECEIVING
        series.check_pending = True
        series.save(update_fields=["status", "check_pending"])
        due = series.last_received_at + quiet_period()
    _enqueue(check_series, series_id, run_after=due)


@task()
def check_series(series_id: int) -> str:
    """Decide whether a receiving series is complete, and queue its analysis if it is a phantom series."""
    from .storage import quiet_period

    with transaction.atomic():
        series = DicomSeries.objects.select_for_update().get(pk=series_id)
        if series.status != DicomSeries.Status.RECEIVING:
            return series.status
        due = series.last_received_at + quiet_period()
        # A backend that cannot defer (the immediate one) cannot wait: the series is taken as it is.
        if due > timezone.now() and default_task_backend.supports_defer:
            transaction.on_commit(lambda: _enqueue(check_series, series_id, run_after=due))
            return "waiting"
        series.check_pending = False
        fields = ["check_pending", "phantom_decided_by", "phantom_reason_zh", "phantom_reason_en"]
        from .trust import HOLD_FIELDS, held_reason, hold, localiser_series

        if series.confirmation == DicomSeries.Confirmation.REJECTED:
            series.status = DicomSeries.Status.NOT_PHANTOM  # a person said no: more images change nothing
            series.save(update_fields=["status", "check_pending"])
            return series.status
        if localiser_series(series):
            series.status = DicomSeries.Status.IGNORED
            series.phantom_decided_by = ""
            series.phantom_reason_zh = "定位像（定位片/topogram），按规定不分析"
            series.phantom_reason_en = "a localiser (scout / topogram): not analysed, by design"
            series.save(update_fields=["status", *fields])
            return series.status
        if series.confirmation != DicomSeries.Confirmation.CONFIRMED:
            decide_phantom(series)
        if series.phantom_decided_by == DicomSeries.Decision.NEITHER:
            series.status = DicomSeries.Status.NOT_PHANTOM
            series.save(update_fields=["status", *fields])
            return series.status
        why = held_reason(series)
        if why is not None:
            hold(series, *why)
            series.save(update_fields=[*HOLD_FIELDS, *fields])
            return series.status
        series.save(update_fields=fields)
        return request_analysis(series).status


def decide_phantom(series: DicomSeries) -> None:
    """Whether a complete series is a phantom QC series. Its content decides
    (:func:`huren.analysis.looks_like_phantom` on a few slices around the middle, so that a long
    patient series costs a few image reads); words alone never do: phantom words whose content
    disagrees make the decision ``DISAGREE``, and the series is held for a person
    (:mod:`huren.dicomnode.trust`). Sets the decision and its reason."""
    ok, zh, en = screen_content(series)
    words = series.phantom_hint
    if words and ok:
        series.phantom_decided_by = DicomSeries.Decision.WORDS
        zh = f"患者/序列信息中有体模用词：{words}；图像内容相符：{zh}"
        en = f"phantom words in the patient/series fields: {words}; the content agrees: {en}"
    elif words:
        series.phantom_decided_by = DicomSeries.Decision.DISAGREE
        zh = f"患者/序列信息中有体模用词（{words}），但图像内容不像体模：{zh}；需人工确认"
        en = f"phantom words in the patient/series fields ({words}) but the content does not look like a phantom: {en}; held for a person to confirm"
    elif ok:
        series.phantom_decided_by = DicomSeries.Decision.CONTENT
    else:
        series.phantom_decided_by = DicomSeries.Decision.NEITHER
        zh, en = f"无体模用词；{zh}", f"no phantom word; {en}"
    series.phantom_reason_zh, series.phantom_reason_en = zh[:1000], en[:1000]


def screen_content(series: DicomSeries) -> tuple[bool, str, str]:
    """Judge the content of a few objects around the middle of the series (in the order received,
    which senders keep in slice order; the position then picks the middle among them)."""
    from .storage import series_files

    try:
        from huren.analysis import SCREEN_IMAGES, looks_like_phantom, screening_images
        from huren.dicomio import load_images

        files = series_files(series)
        mid = len(files) // 2
        paths = files[max(0, mid - SCREEN_IMAGES): mid + SCREEN_IMAGES]
        images, _ = load_images(sorted(paths), require_spacing=False)
        return looks_like_phantom(screening_images(images))
    except Exception as e:  # a screen that fails must not stop the node: the series is simply not analysed
        log.exception("content screen of series %s failed", series.series_instance_uid)
        return False, f"无法判断图像内容：{type(e).__name__}: {e}", f"the image content could not be judged: {type(e).__name__}: {e}"


def request_analysis(series: DicomSeries, user=None) -> AnalysisRun:
    """Queue one analysis run of the series (also the retry path from the web page)."""
    with transaction.atomic():
        series = DicomSeries.objects.select_for_update().get(pk=series.pk)
        run = AnalysisRun.objects.create(series=series, queued_at=timezone.now(), requested_by=user)
        series.status = DicomSeries.Status.QUEUED
        series.error_zh = series.error_en = ""
        series.save(update_fields=["status", "error_zh", "error_en"])

    def go():
        result = analyze_run.enqueue(run.pk)
        AnalysisRun.objects.filter(pk=run.pk).update(task_id=str(result.id)[:64])

    transaction.on_commit(go)
    return run


@task()
def analyze_run(run_id: int) -> str:
    """Run the phantom analysis of one series; record the result or the reason it failed."""
    from .analysis import run_analysis

    status = run_analysis(run_id)
    if status == AnalysisRun.Status.DONE:
        from . import pictures

        pictures.request(AnalysisRun.objects.select_related("series").get(pk=run_id))
    return status


@task()
def draw_pictures(run_id: int) -> str:
    """Draw the pictures with the ROIs of one analysis run and keep them (:mod:`huren.dicomnode.pictures`)."""
    from . import pictures

    run = AnalysisRun.objects.select_related("series").get(pk=run_id)
    data = pictures.draw(run)
    return "failed" if data.get("error_en") else f"{len(data['pictures'])} pictures"


@task()
def store_batch(batch_id: int) -> str:
    """Store a large upload in the background (:func:`huren.dicomnode.storage.run_batch`)."""
    from .storage import run_batch

    return run_batch(batch_id)

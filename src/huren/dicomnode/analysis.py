"""Run ``huren.analysis.analyze_paths`` on a stored series and keep what it gave.

The analysis itself is the pure core; this module only finds the files, records the
``huren.result/1`` JSON on the run, and hands the measurements to the evidence store
(:func:`huren.dicomnode.evidence.record_measurements`). A failure of any kind is kept
on the run and the series with a Chinese and an English reason, and can be retried.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from .models import AnalysisRun, DicomSeries

log = logging.getLogger(__name__)


def _fail(run: AnalysisRun, zh: str, en: str) -> str:
    now = timezone.now()
    AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.FAILED, finished_at=now, error_zh=zh, error_en=en)
    DicomSeries.objects.filter(pk=run.series_id).update(status=DicomSeries.Status.FAILED, error_zh=zh, error_en=en)
    return AnalysisRun.Status.FAILED


def run_analysis(run_id: int) -> str:
    from .storage import series_files

    run = AnalysisRun.objects.select_related("series").get(pk=run_id)
    if run.status not in (AnalysisRun.Status.QUEUED, AnalysisRun.Status.RUNNING):
        return run.status  # already finished (a duplicate delivery of the task)
    series = run.series
    started = timezone.now()
    files = series_files(series)
    AnalysisRun.objects.filter(pk=run.pk).update(status=AnalysisRun.Status.RUNNING, started_at=started, object_count=len(files))
    DicomSeries.objects.filter(pk=series.pk).update(status=DicomSeries.Status.RUNNING)
    missing = [p for p in files if not p.exists()]
    if not files or missing:
        return _fail(run, f"存储中缺少文件：{', '.join(map(str, missing[:3])) or '（无文件）'}",
                     f"files missing from storage: {', '.join(map(str, missing[:3])) or '(no files)'}")
    try:
        # imported here, inside the guard: a broken installation (an import error) must
        # fail the run with its reason, not leave it queued for ever
        from huren.analysis import AnalyzeOptions, analyze_paths

        from .kerma import kerma_map

        # DR: each image's detector air kerma as given on the series page (the CLI's --kerma path)
        result = analyze_paths([str(p) for p in files], AnalyzeOptions(kerma_ugy=kerma_map(series)))
    except Exception as e:  # an analysis bug must not lose the run: keep the reason, allow a retry
        log.exception("analysis of series %s failed", series.series_instance_uid)
        return _fail(run, f"分析程序出错：{type(e).__name__}: {e}", f"the analysis raised {type(e).__name__}: {e}")
    data = result.to_dict()
    n = len(result.measurements)
    if n == 0:
        errs = result.errors or []
        zh = "；".join(f"{e.reason_zh}" for e in errs[:3]) or "未得到任何测量值"
        en = "; ".join(f"{e.reason_en}" for e in errs[:3]) or "no measurement could be made"
        AnalysisRun.objects.filter(pk=run.pk).update(result=data)
        return _fail(run, zh, en)
    device = series.device
    if device is not None and result.modality and device.modality and result.modality != device.modality:
        # e.g. CT images uploaded under an MR device: they are no evidence of it
        AnalysisRun.objects.filter(pk=run.pk).update(result=data)
        return _fail(run, f"图像为 {result.modality}，而设备 {device.name} 是 {device.modality}：测量值未记为该设备的证据；"
                          f"请把序列归到正确的设备后重试",
                     f"the images are {result.modality} but device {device.name} is {device.modality}: the measurements "
                     f"were not recorded as its evidence; assign the series to the right device and retry")
    from .evidence import record_measurements

    with transaction.atomic():
        recorded = record_measurements(run, result)
        AnalysisRun.objects.filter(pk=run.pk).update(
            status=AnalysisRun.Status.DONE, finished_at=timezone.now(), result=data, measurement_count=n,
            error_zh="", error_en="")
        s = DicomSeries.objects.select_for_update().get(pk=series.pk)
        # Objects that arrived while we were analysing are not in this result: look again.
        more = s.dicom_objects.filter(received_at__gt=started).exists()
        s.status = DicomSeries.Status.RECEIVING if more else DicomSeries.Status.DONE
        s.error_zh = s.error_en = ""
        s.save(update_fields=["status", "error_zh", "error_en"])
    if more:
        from .tasks import schedule_series_check

        DicomSeries.objects.filter(pk=series.pk).update(check_pending=False)
        schedule_series_check(series.pk)
    log.info("series %s analysed: %d measurements, %d recorded as evidence", series.series_instance_uid, n, recorded)
    return AnalysisRun.Status.DONE

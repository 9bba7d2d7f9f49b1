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
        if not series.phantom_hint:
            series.status = DicomSeries.Status.NOT_PHANTOM
            series.save(update_fields=["status", "check_pending"])
            return series.status
        series.save(update_fields=["check_pending"])
        return request_analysis(series).status


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

    return run_analysis(run_id)

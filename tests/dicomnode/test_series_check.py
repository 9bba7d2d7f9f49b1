"""Series completeness with the database task backend: one deferred check per burst of
objects, re-scheduled while objects keep arriving, then the analysis is queued."""

from __future__ import annotations

import datetime as dt
import io

import pydicom
import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult

from huren.dicomnode.models import AnalysisRun, DicomSeries
from huren.dicomnode.storage import store
from huren.dicomnode.tasks import check_series

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture
def raw_qc(phantoms) -> bytes:
    ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    ds.PatientName = "Phantom^QC"
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


def _again(raw: bytes) -> bytes:
    ds = pydicom.dcmread(io.BytesIO(raw))
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


@override_settings(TASKS=DB_TASKS, HUREN_DICOM_SERIES_QUIET_SECONDS=30)
def test_one_deferred_check_per_burst_then_the_analysis_is_queued(db, tmp_path, settings, raw_qc,
                                                                   django_capture_on_commit_callbacks):
    settings.DICOM_ROOT = tmp_path
    with django_capture_on_commit_callbacks(execute=True):
        first = store(raw_qc, source="c-store")
        store(_again(raw_qc), source="c-store")
        store(_again(raw_qc), source="c-store")
    series = DicomSeries.objects.get(pk=first.series.pk)
    assert series.object_count == 3 and series.check_pending and series.status == "receiving"
    checks = DBTaskResult.objects.filter(task_path="huren.dicomnode.tasks.check_series")
    assert checks.count() == 1  # not one per object
    due = checks.get().run_after
    assert abs((due - (series.first_received_at + dt.timedelta(seconds=30))).total_seconds()) < 5

    # Run early (a worker picking it up at once): the series is still within its quiet period.
    with django_capture_on_commit_callbacks(execute=True):
        assert check_series.call(series.pk) == "waiting"
    assert checks.count() == 2 and not AnalysisRun.objects.exists()

    # Quiet long enough: complete, and it looks like a phantom series → the analysis is queued.
    DicomSeries.objects.filter(pk=series.pk).update(last_received_at=series.last_received_at - dt.timedelta(seconds=60))
    with django_capture_on_commit_callbacks(execute=True):
        check_series.call(series.pk)
    series.refresh_from_db()
    run = AnalysisRun.objects.get(series=series)
    assert series.status == "queued" and not series.check_pending and run.status == "queued"
    queued = DBTaskResult.objects.get(task_path="huren.dicomnode.tasks.analyze_run")
    assert queued.args_kwargs["args"] == [run.pk] and run.__class__.objects.get(pk=run.pk).task_id == str(queued.id)

"""The node analyses a complete series when its words OR its content say phantom, and records
which decided: the real GE ACR series ("cardiac SE-1", no phantom word) is analysed by content;
a patient-like CT series is stored but not analysed."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from django.test import override_settings

from huren.dicomnode.models import AnalysisRun, DicomSeries
from huren.dicomnode.storage import store
from huren.dicomnode.tasks import check_series

from huren.synth.patient import abdomen_hu, with_pixels

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _raw(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


@pytest.fixture
def node_settings(settings, tmp_path):
    settings.DICOM_ROOT = tmp_path
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0


@override_settings(TASKS=IMMEDIATE)
def test_acr_series_without_a_phantom_word_is_analysed_because_of_its_content(
        db, node_settings, phantoms, django_capture_on_commit_callbacks):
    files = sorted((phantoms / "mr" / "acr" / "GE").glob("*"))
    # the whole series arrives, then its completeness check runs once (as after the quiet period)
    with django_capture_on_commit_callbacks(execute=False):
        for f in files:
            stored = store(f.read_bytes(), source="c-store")
    with django_capture_on_commit_callbacks(execute=True):
        assert check_series.call(stored.series.pk) == DicomSeries.Status.QUEUED
    series = DicomSeries.objects.get(pk=stored.series.pk)
    assert series.phantom_hint == "" and "cardiac" in series.description.lower()
    assert series.phantom_decided_by == DicomSeries.Decision.CONTENT
    assert "ACR" in series.phantom_reason_en and "ACR" in series.phantom_reason_zh
    run = AnalysisRun.objects.get(series=series)
    assert run.status == AnalysisRun.Status.DONE and run.object_count == len(files) == 11
    assert run.result["phantom"] == "acr-mr-large" and run.measurement_count > 10
    assert series.status == DicomSeries.Status.DONE


@override_settings(TASKS=IMMEDIATE)
def test_patient_like_ct_series_is_stored_but_not_analysed_and_says_why(
        db, node_settings, phantoms, django_capture_on_commit_callbacks):
    hdr = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    series_uid = pydicom.uid.generate_uid()
    with django_capture_on_commit_callbacks(execute=False):
        for i in range(3):
            ds = with_pixels(hdr, np.clip(abdomen_hu(256, 1.56, seed=i) + 1024, 0, 4095), pixel_mm=1.56)
            ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.InstanceNumber = series_uid, pydicom.uid.generate_uid(), i + 1
            ds.ImagePositionPatient = [0, 0, 5.0 * i]
            stored = store(_raw(ds), source="c-store")
    with django_capture_on_commit_callbacks(execute=True):
        assert check_series.call(stored.series.pk) == DicomSeries.Status.NOT_PHANTOM
    series = DicomSeries.objects.get(pk=stored.series.pk)
    assert series.status == DicomSeries.Status.NOT_PHANTOM
    assert series.phantom_decided_by == DicomSeries.Decision.NEITHER
    assert "no phantom word" in series.phantom_reason_en and "无体模用词" in series.phantom_reason_zh
    assert not AnalysisRun.objects.filter(series=series).exists()


@override_settings(TASKS=IMMEDIATE)
def test_phantom_words_with_agreeing_content_decide(db, node_settings, phantoms, django_capture_on_commit_callbacks):
    ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    ds.PatientName = "QC^Phantom"
    with django_capture_on_commit_callbacks(execute=True):
        stored = store(_raw(ds), source="c-store")
    series = DicomSeries.objects.get(pk=stored.series.pk)
    assert series.phantom_decided_by == DicomSeries.Decision.WORDS
    assert "phantom" in series.phantom_reason_en and "the content agrees" in series.phantom_reason_en
    assert AnalysisRun.objects.filter(series=series).exists()

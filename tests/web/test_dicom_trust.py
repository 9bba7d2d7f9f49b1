"""What the node must not decide alone (issue 11 item 6, issue 12 items 4 and 5, issue 11 item 1
node side): words without agreeing content are held for a person; a header that contradicts the
registered device is held; localisers are ignored; files sharing a SOP Instance UID but not their
bytes are distinct images."""

from __future__ import annotations

import io

import numpy as np
import pydicom
import pytest
from django.test import override_settings
from django.urls import reverse

from huren.accounts.models import AuditEntry
from huren.dicomnode.models import AnalysisRun, DicomObject, DicomSeries
from huren.dicomnode.storage import series_files, store, uid_collisions
from huren.dicomnode.tasks import check_series
from huren.evidence.models import Measurement
from huren.registry.models import Device
from huren.registry.services import find_device
from huren.synth import dr
from huren.synth.patient import chest_dr, head_mr, with_pixels

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def _raw(ds) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


@pytest.fixture
def node(settings, tmp_path):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    return settings.DICOM_ROOT


@pytest.fixture
def ge_files(phantoms):
    return sorted((phantoms / "mr" / "acr" / "GE").glob("*"))


@pytest.fixture
def ge_mr(world, ge_files):
    hdr = pydicom.dcmread(ge_files[0], stop_before_pixels=True)
    ct = world.ct_a
    return Device.objects.create(
        department=ct.department, room=ct.room, name="MR-a", modality="MR", manufacturer=str(hdr.Manufacturer),
        model_name=str(hdr.ManufacturerModelName), serial_number="MR-NAMEPLATE-1",
        device_serial_number=str(hdr.get("DeviceSerialNumber", "")), field_strength_t=float(hdr.MagneticFieldStrength))


def _complete(series_pk, capture):
    with capture(execute=True):
        return check_series.call(series_pk)


def _dixon_head(ge_files, n=3):
    """A patient head MR named the way GE names Dixon series ("WATER: ..."), in a real GE header."""
    uid = pydicom.uid.generate_uid()
    out = []
    for i in range(n):
        hdr = pydicom.dcmread(ge_files[5])
        ds = with_pixels(hdr, head_mr(seed=i, width_mm=150.0), pixel_mm=0.94)
        ds.SeriesDescription, ds.PatientName, ds.PatientID = "WATER: AX T1 FLEX", "Zhang^San", "P0012345"
        ds.SeriesInstanceUID, ds.SOPInstanceUID, ds.InstanceNumber = uid, pydicom.uid.generate_uid(), i + 1
        ds.ImagePositionPatient = [0, 0, 5.0 * i]
        out.append(_raw(ds))
    return out


@override_settings(TASKS=IMMEDIATE)
def test_dixon_water_patient_head_is_held_not_recorded_and_a_manager_may_confirm(
        client, world, node, ge_files, ge_mr, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        for raw in _dixon_head(ge_files):
            stored = store(raw, source="c-store")
    assert stored.series.device == ge_mr
    assert _complete(stored.series.pk, django_capture_on_commit_callbacks) == DicomSeries.Status.HELD
    s = DicomSeries.objects.get(pk=stored.series.pk)
    assert s.phantom_decided_by == DicomSeries.Decision.DISAGREE and s.hold_kind == DicomSeries.Hold.PHANTOM
    assert "water" in s.hold_reason_en and "does not look like a phantom" in s.hold_reason_en and "需人工确认" in s.hold_reason_zh
    assert not AnalysisRun.objects.exists() and not Measurement.objects.exists() and not s.can_request_analysis

    # the queue on the DICOM page; a technologist sees it but may not answer
    client.force_login(world.users["tech_a"])
    page = client.get(reverse("web:dicom_list")).content.decode()
    assert 'id="held-queue"' in page and f'data-held="{s.pk}"' in page and "确认为体模" not in page
    assert client.post(reverse("dicomnode:held_answer", args=[s.pk]), {"answer": "confirm"}).status_code == 403
    client.force_login(world.users["manager_a"])
    page = client.get(reverse("web:dicom_series", args=[s.pk])).content.decode()
    assert 'id="held"' in page and "确认为体模" in page and "分析失败" not in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("dicomnode:held_answer", args=[s.pk]), {"answer": "confirm"})
    assert r.status_code == 302
    s.refresh_from_db()
    assert s.confirmation == "confirmed" and s.confirmed_by == world.users["manager_a"]
    assert AnalysisRun.objects.filter(series=s, requested_by=world.users["manager_a"]).exists()
    assert AuditEntry.objects.filter(object_id=str(s.pk), note__contains="confirmed as phantom").exists()


@override_settings(TASKS=IMMEDIATE)
def test_chest_radiograph_with_patient_id_qc_is_held_and_a_rejection_is_final(
        client, world, node, django_capture_on_commit_callbacks):
    det = dr.Detector(shape=(384, 384), pixel_mm=1.0)
    ds = chest_dr(det, 0, 300.0)
    ds.PatientID, ds.PatientName = "QC", "Li^Si"
    with django_capture_on_commit_callbacks(execute=False):
        stored = store(_raw(ds), source="upload", device=world.ct_a)
    assert _complete(stored.series.pk, django_capture_on_commit_callbacks) == DicomSeries.Status.HELD
    s = DicomSeries.objects.get(pk=stored.series.pk)
    assert s.hold_kind == DicomSeries.Hold.PHANTOM and "qc" in s.hold_reason_en
    client.force_login(world.users["evaluator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dicomnode:held_answer", args=[s.pk]), {"answer": "reject"})
    s.refresh_from_db()
    assert s.status == DicomSeries.Status.NOT_PHANTOM and s.confirmation == "rejected"
    assert not AnalysisRun.objects.exists() and not Measurement.objects.exists()
    assert AuditEntry.objects.filter(object_id=str(s.pk), note__contains="rejected", username="evaluator").exists()
    # more images of the series later change nothing: a person said no
    DicomSeries.objects.filter(pk=s.pk).update(status=DicomSeries.Status.RECEIVING)
    assert _complete(s.pk, django_capture_on_commit_callbacks) == DicomSeries.Status.NOT_PHANTOM


@override_settings(TASKS=IMMEDIATE)
def test_phantom_words_with_agreeing_content_are_analysed_as_today(world, node, phantoms, django_capture_on_commit_callbacks):
    ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    ds.PatientName = "QC^Phantom"
    with django_capture_on_commit_callbacks(execute=True):
        stored = store(_raw(ds), source="c-store")
    s = DicomSeries.objects.get(pk=stored.series.pk)
    assert s.device == world.ct_a and s.phantom_decided_by == DicomSeries.Decision.WORDS
    assert "the content agrees" in s.phantom_reason_en and "Catphan" in s.phantom_reason_en
    assert AnalysisRun.objects.filter(series=s).exists() and s.status != DicomSeries.Status.HELD


@override_settings(TASKS=IMMEDIATE)
def test_a_3t_skyra_header_under_a_registered_15t_scanner_is_held_and_flagged(
        client, world, node, ge_files, django_capture_on_commit_callbacks):
    ct = world.ct_a
    aera = Device.objects.create(department=ct.department, room=ct.room, name="MR-Aera", modality="MR",
                                 manufacturer="Siemens Healthineers", model_name="MAGNETOM Aera", serial_number="AERA-1",
                                 device_serial_number="45001", field_strength_t=1.5)
    with django_capture_on_commit_callbacks(execute=False):
        for f in ge_files:
            ds = pydicom.dcmread(f)
            ds.Manufacturer, ds.ManufacturerModelName, ds.MagneticFieldStrength = "SIEMENS", "Skyra", 3.0
            ds.DeviceSerialNumber = "166012"
            stored = store(_raw(ds), source="upload", device=aera)
    assert _complete(stored.series.pk, django_capture_on_commit_callbacks) == DicomSeries.Status.HELD
    s = DicomSeries.objects.get(pk=stored.series.pk)
    assert s.hold_kind == DicomSeries.Hold.DEVICE and s.phantom_decided_by == DicomSeries.Decision.CONTENT
    assert "Skyra" in s.hold_reason_en and "3 T" in s.hold_reason_en and "1.5 T" in s.hold_reason_en
    assert "166012" in s.hold_reason_en and "manufacturer" not in s.hold_reason_en  # SIEMENS is Siemens Healthineers
    assert not AnalysisRun.objects.exists()
    client.force_login(world.users["evaluator"])
    page = client.get(reverse("web:dicom_series", args=[s.pk])).content.decode()
    assert 'id="device-mismatch"' in page and "场强：头信息为 3 T，登记为 1.5 T" in page


def test_the_nameplate_serial_printed_on_the_device_page_is_accepted_by_the_recognition(client, world):
    assert find_device(device_serial="SN-a", manufacturer="SIEMENS") == world.ct_a
    assert find_device(device_serial="60005") == world.ct_a  # the DICOM serial still first
    client.force_login(world.users["tech_a"])
    page = client.get(reverse("web:device", args=[world.ct_a.pk])).content.decode()
    assert "SN-a" in page and "60005" in page and "铭牌" in page


@override_settings(TASKS=IMMEDIATE)
def test_a_topogram_series_is_ignored_not_failed(client, world, node, phantoms, django_capture_on_commit_callbacks):
    ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    ds.PatientName, ds.ImageType, ds.SeriesDescription = "QC^Phantom", ["ORIGINAL", "PRIMARY", "LOCALIZER"], "Topogram 0.6 T20f"
    ds.SeriesInstanceUID = pydicom.uid.generate_uid()
    with django_capture_on_commit_callbacks(execute=True):
        stored = store(_raw(ds), source="c-store")
    s = DicomSeries.objects.get(pk=stored.series.pk)
    assert s.status == DicomSeries.Status.IGNORED and not AnalysisRun.objects.exists()
    client.force_login(world.users["evaluator"])
    page = client.get(reverse("web:dicom_series", args=[s.pk])).content.decode()
    assert "定位像" in page and "分析失败" not in page and "重试" not in page


def test_files_sharing_a_uid_but_not_their_bytes_are_distinct_images(client, world, node, phantoms):
    base = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    raws = []
    for i in range(3):  # an anonymiser gave three slices one UID
        ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
        arr = ds.pixel_array.copy()
        arr[0, i] += 1
        ds.PixelData = arr.tobytes()
        ds.ImagePositionPatient = [0, 0, 2.5 * i]
        ds.SOPInstanceUID = base.SOPInstanceUID
        raws.append(_raw(ds))
    for raw in raws + [raws[1]]:  # and one byte-identical re-send
        store(raw, source="c-store")
    statuses = sorted(DicomObject.objects.values_list("status", flat=True))
    assert statuses == ["duplicate", "stored", "stored", "stored"]
    s = DicomSeries.objects.get()
    assert len(series_files(s)) == 3 and uid_collisions(s) == {str(base.SOPInstanceUID): 3}
    client.force_login(world.users["evaluator"])
    page = client.get(reverse("web:dicom_series", args=[s.pk])).content.decode()
    assert 'id="uid-collisions"' in page and "3" in page

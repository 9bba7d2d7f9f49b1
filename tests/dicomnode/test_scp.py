"""The Storage SCP on a loopback port, driven by pynetdicom's own SCU."""

from __future__ import annotations

from pathlib import Path

import pydicom
import pytest
from django.test import override_settings
from pydicom.uid import ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE, sop_class

from huren.dicomnode import scp
from huren.dicomnode.models import AnalysisRun, DicomObject, DicomSeries
from huren.synth.scu import associate as _assoc  # a console's association, long timeouts

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def dicom_root(tmp_path, settings):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    return settings.DICOM_ROOT


@pytest.fixture
def node(dicom_root):
    server = scp.start("127.0.0.1", 0, "HUREN_TEST")  # port 0: the system picks a free one
    yield server.server_address[1]
    server.shutdown()


@pytest.fixture(scope="module")
def ct_file(phantoms) -> Path:
    return phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm"


def test_echo_answers_success(node):
    assoc = _assoc(node, [(sop_class.Verification, [ExplicitVRLittleEndian])])
    status = assoc.send_c_echo()
    assoc.release()
    assert status.Status == 0x0000


@override_settings(TASKS=IMMEDIATE)
def test_cstore_of_real_ct_is_on_disk_recorded_and_analysed(node, dicom_root, ct_file):
    ds = pydicom.dcmread(ct_file)
    # The phantom's header says "Head MTF": mark it as a QC series the way a technologist would.
    ds.PatientName = "QC^Phantom"
    assoc = _assoc(node, [(sop_class.CTImageStorage, [ds.file_meta.TransferSyntaxUID, ImplicitVRLittleEndian])])
    status = assoc.send_c_store(ds)
    assoc.release()
    assert status.Status == 0x0000

    obj = DicomObject.objects.get(sop_instance_uid=ds.SOPInstanceUID)
    assert obj.status == DicomObject.Status.STORED
    assert obj.calling_ae_title == "CT_CONSOLE"
    assert obj.modality == "CT" and obj.station_name == "NN" and obj.device_serial == "60005"
    on_disk = dicom_root / obj.path
    assert on_disk.is_file() and on_disk.stat().st_size == obj.size_bytes
    assert pydicom.dcmread(on_disk).SOPInstanceUID == ds.SOPInstanceUID
    assert ".." not in obj.path and not obj.path.startswith("/")

    series = DicomSeries.objects.get(series_instance_uid=ds.SeriesInstanceUID)
    assert series.object_count == 1 and "phantom" in series.phantom_hint
    run = AnalysisRun.objects.get(series=series)
    # The task ran to an end: a result, or a failure with its reason in both languages.
    assert run.status in (AnalysisRun.Status.DONE, AnalysisRun.Status.FAILED)
    assert run.finished_at is not None and run.object_count == 1
    if run.status == AnalysisRun.Status.FAILED:
        assert run.error_zh and run.error_en
    else:
        assert run.result["schema"] == "huren.result/1" and run.measurement_count > 0
    series.refresh_from_db()
    assert series.status in (DicomSeries.Status.DONE, DicomSeries.Status.FAILED)


@override_settings(TASKS=IMMEDIATE)
def test_clinical_looking_series_is_stored_but_not_analysed(node, dicom_root, ct_file):
    import numpy as np

    from huren.synth.patient import abdomen_hu, with_pixels

    # clinical words and patient-like content: neither says phantom
    ds = with_pixels(pydicom.dcmread(ct_file), np.clip(abdomen_hu(256, 1.56) + 1024, 0, 4095), pixel_mm=1.56)
    ds.PatientName = "Zhang^San"
    ds.PatientID = "123456"
    ds.StudyDescription = "Abdomen"
    ds.SeriesDescription = "Abdomen 5.0 B30f"
    ds.ProtocolName = "Abdomen"
    ds.SeriesInstanceUID = pydicom.uid.generate_uid()
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    assoc = _assoc(node, [(sop_class.CTImageStorage, [ds.file_meta.TransferSyntaxUID])])
    assert assoc.send_c_store(ds).Status == 0x0000
    assoc.release()
    series = DicomSeries.objects.get(series_instance_uid=ds.SeriesInstanceUID)
    assert series.status == DicomSeries.Status.NOT_PHANTOM and series.phantom_decided_by == "neither"
    assert not AnalysisRun.objects.filter(series=series).exists()


def test_write_failure_answers_failure_status_and_keeps_nothing_half_done(node, dicom_root, ct_file):
    dicom_root.parent.mkdir(parents=True, exist_ok=True)
    dicom_root.write_text("a file where the storage folder should be")  # every write now fails
    ds = pydicom.dcmread(ct_file)
    assoc = _assoc(node, [(sop_class.CTImageStorage, [ds.file_meta.TransferSyntaxUID])])
    status = assoc.send_c_store(ds)
    assoc.release()
    assert status.Status == 0xA700
    assert not DicomObject.objects.exists()


def test_resent_object_is_kept_and_marked_duplicate(node, dicom_root, ct_file):
    ds = pydicom.dcmread(ct_file)
    assoc = _assoc(node, [(sop_class.CTImageStorage, [ds.file_meta.TransferSyntaxUID])])
    assert assoc.send_c_store(ds).Status == 0x0000
    assert assoc.send_c_store(ds).Status == 0x0000
    assoc.release()
    rows = list(DicomObject.objects.filter(sop_instance_uid=ds.SOPInstanceUID).order_by("id"))
    assert [r.status for r in rows] == [DicomObject.Status.STORED, DicomObject.Status.DUPLICATE]
    assert rows[0].path != rows[1].path
    assert all((dicom_root / r.path).is_file() for r in rows)


@pytest.mark.parametrize("syntax", [pydicom.uid.RLELossless, pydicom.uid.JPEG2000Lossless])
def test_compressed_object_is_stored_as_received(node, dicom_root, ct_file, syntax):
    import copy

    ds = pydicom.dcmread(ct_file)
    original = ds.pixel_array.copy()
    ds = copy.deepcopy(ds)
    ds.compress(syntax)
    assoc = _assoc(node, [(sop_class.CTImageStorage, [syntax])])
    assert assoc.send_c_store(ds).Status == 0x0000
    assoc.release()
    obj = DicomObject.objects.get(sop_instance_uid=ds.SOPInstanceUID)
    assert obj.transfer_syntax_uid == syntax
    back = pydicom.dcmread(dicom_root / obj.path)
    assert back.file_meta.TransferSyntaxUID == syntax
    assert (back.pixel_array == original).all()  # lossless, and nothing re-encoded on the way


def test_every_modality_storage_class_is_offered_with_compressed_syntaxes(node):
    from huren.dicomnode.identify import STORAGE_SOP_CLASSES

    wanted = ["CTImageStorage", "EnhancedCTImageStorage", "MRImageStorage", "EnhancedMRImageStorage",
              "DigitalXRayImageStorageForPresentation", "DigitalXRayImageStorageForProcessing",
              "ComputedRadiographyImageStorage"]
    assert set(wanted) <= set(STORAGE_SOP_CLASSES)
    contexts = [(getattr(sop_class, n), [pydicom.uid.JPEGLosslessSV1, pydicom.uid.JPEG2000]) for n in wanted]
    ae = AE(ae_title="MODALITY")
    for c, ts in contexts:
        ae.add_requested_context(c, ts)
    assoc = ae.associate("127.0.0.1", node, ae_title="HUREN_TEST")
    assert assoc.is_established
    accepted = {cx.abstract_syntax for cx in assoc.accepted_contexts}
    assoc.release()
    assert accepted == {c for c, _ in contexts}


def test_two_senders_filing_one_new_series_at_once_lose_nothing(node, dicom_root, ct_file):
    import copy
    import threading

    base = pydicom.dcmread(ct_file)
    series_uid = pydicom.uid.generate_uid()
    errors: list = []

    def send(n: int):
        try:
            assoc = _assoc(node, [(sop_class.CTImageStorage, [base.file_meta.TransferSyntaxUID])])
            for _ in range(n):
                ds = copy.deepcopy(base)
                ds.SeriesInstanceUID = series_uid
                ds.SOPInstanceUID = pydicom.uid.generate_uid()
                status = assoc.send_c_store(ds)
                if status.Status != 0:
                    errors.append(hex(status.Status))
            assoc.release()
        except Exception as e:  # surfaced below
            errors.append(repr(e))

    threads = [threading.Thread(target=send, args=(6,)) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    series = DicomSeries.objects.get(series_instance_uid=series_uid)
    assert series.object_count == 12 and series.dicom_objects.count() == 12
    assert sum(1 for _ in dicom_root.rglob("*.dcm")) == 12

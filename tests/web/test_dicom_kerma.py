"""DR air kerma in the service (issue 11 item 7): a user gives each image's kerma on the series
page (or in the CLI's CSV at upload), and the signal transfer property runs in the node."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from huren.accounts.models import AuditEntry
from huren.dicomnode.kerma import parse_kerma
from huren.dicomnode.models import AnalysisRun, DicomObject, DicomSeries
from huren.evidence.models import Measurement
from huren.registry.models import Device
from huren.synth import dr

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
KERMAS = (1.0, 5.0, 10.0, 20.0, 30.0)


@pytest.fixture
def node(settings, tmp_path):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0


@pytest.fixture
def dr_device(world):
    hdr = dr.flat_field(dr.Detector(shape=(16, 16)), 1.0).ds  # registered as the synthetic detector names itself
    ct = world.ct_a
    return Device.objects.create(department=ct.department, room=ct.room, name="DR-a", modality="DR",
                                 manufacturer=str(hdr.get("Manufacturer", "")), model_name=str(hdr.get("ManufacturerModelName", "")),
                                 serial_number="DR-1", device_serial_number=str(hdr.get("DeviceSerialNumber", "")))


def _zip(synths) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for i, s in enumerate(synths):
            b = io.BytesIO()
            s.ds.save_as(b, enforce_file_format=True)
            zf.writestr(f"stp/{i + 1:02d}.dcm", b.getvalue())
    return buf.getvalue()


@pytest.mark.parametrize("text, ok", [("12.5", 12.5), ("3,2", 3.2), ("", None), ("0", "bad"), ("-1", "bad"),
                                      ("abc", "bad"), ("inf", "bad"), ("nan", "bad")])
def test_kerma_entries_are_validated_in_both_languages(text, ok):
    v, err = parse_kerma(text)
    if ok == "bad":
        assert v is None and "正数" in err[0] and "positive" in err[1]
    else:
        assert v == ok and err is None


@override_settings(TASKS=IMMEDIATE)
def test_kerma_given_on_the_series_page_makes_the_signal_transfer_run_in_the_service(
        client, world, node, dr_device, django_capture_on_commit_callbacks):
    det = dr.Detector(shape=(256, 256), pixel_mm=1.0, response="linear", gain=400.0, offset=100.0)
    series = dr.stp_series(det, KERMAS)
    client.force_login(world.users["evaluator"])
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("stp.zip", _zip(series)),
                                                     "device": dr_device.pk})
    s = DicomSeries.objects.get()
    assert s.device == dr_device and r.status_code == 302
    assert not Measurement.objects.filter(metric="stp_r2").exists()  # no kerma: no signal transfer
    page = client.get(reverse("web:dicom_series", args=[s.pk])).content.decode()
    assert 'id="kerma"' in page and "探测器入射空气比释动能" in page
    objs = list(s.dicom_objects.order_by("original_name"))
    assert len(objs) == 5
    # a bad value is refused with its reason, nothing saved
    bad = {f"kerma-{o.pk}": "x" for o in objs}
    r = client.post(reverse("dicomnode:series_kerma", args=[s.pk]), bad, follow=True)
    assert "正数" in r.content.decode() and not DicomObject.objects.exclude(kerma_ugy=None).exists()
    form = {f"kerma-{o.pk}": str(k) for o, k in zip(objs, KERMAS)}
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dicomnode:series_kerma", args=[s.pk]), {**form, "analyse": "1"})
    assert sorted(DicomObject.objects.values_list("kerma_ugy", flat=True)) == sorted(KERMAS)
    assert AuditEntry.objects.filter(object_id=str(s.pk), note__contains="kerma of object").count() == 5
    s.refresh_from_db()
    run = AnalysisRun.objects.filter(series=s).order_by("-id").first()
    assert run is not None, (s.status, s.phantom_reason_en, s.hold_reason_en)
    assert run.status == AnalysisRun.Status.DONE, (run.error_en, run.result and run.result.get("errors"))
    stp = Measurement.objects.current().get(metric="stp_r2", device=dr_device)
    assert stp.value > 0.999 and stp.method == "linear"


def test_the_series_page_of_a_ct_series_has_no_kerma_form(client, world, node, phantoms):
    from huren.dicomnode.storage import store

    stored = store((phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm").read_bytes(), source="c-store")
    client.force_login(world.users["evaluator"])
    page = client.get(reverse("web:dicom_series", args=[stored.series.pk])).content.decode()
    assert 'id="kerma"' not in page
    assert client.post(reverse("dicomnode:series_kerma", args=[stored.series.pk]), {}).status_code == 403


@override_settings(TASKS=IMMEDIATE)
def test_kerma_given_at_upload_in_the_clis_csv(client, world, node, dr_device, django_capture_on_commit_callbacks):
    det = dr.Detector(shape=(256, 256), pixel_mm=1.0, response="linear", gain=400.0, offset=100.0)
    csv = "file,kerma_ugy\n" + "".join(f"{i + 1:02d}.dcm,{k}\n" for i, k in enumerate(KERMAS))
    client.force_login(world.users["evaluator"])
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("stp.zip", b"PK"), "device": dr_device.pk,
                                                 "kerma": SimpleUploadedFile("k.csv", b"file,kerma\na,1\n")})
    assert r.status_code == 200 and "file,kerma_ugy" in r.content.decode()  # a bad CSV: said at the field
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("stp.zip", _zip(dr.stp_series(det, KERMAS))),
                                                 "device": dr_device.pk, "kerma": SimpleUploadedFile("k.csv", csv.encode())})
    assert sorted(DicomObject.objects.values_list("kerma_ugy", flat=True)) == sorted(KERMAS)
    assert set(DicomObject.objects.values_list("kerma_source", flat=True)) == {"upload CSV"}
    stp = Measurement.objects.current().get(metric="stp_r2", device=dr_device)
    assert stp.value > 0.999

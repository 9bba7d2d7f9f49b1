"""DICOM upload through the web page (the SCP's storage path), device matching, scope,
and the retry of a failed analysis."""

from __future__ import annotations

import io
import zipfile

import pydicom
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from huren.dicomnode.models import AnalysisRun, DicomObject, DicomSeries
from huren.evidence.models import Measurement

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def dicom_root(tmp_path, settings):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    return settings.DICOM_ROOT


@pytest.fixture(scope="module")
def ct_bytes(phantoms) -> bytes:
    return (phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm").read_bytes()


def _qc_copy(raw: bytes) -> bytes:
    """The CT file with its patient name set the way a technologist marks a QC scan."""
    ds = pydicom.dcmread(io.BytesIO(raw))
    ds.PatientName = "QC^Phantom"
    buf = io.BytesIO()
    ds.save_as(buf)
    return buf.getvalue()


@override_settings(TASKS=IMMEDIATE)
def test_upload_of_a_zip_stores_matches_the_device_and_runs_the_analysis(client, world, dicom_root, ct_bytes,
                                                                         django_capture_on_commit_callbacks):
    client.force_login(world.users["evaluator"])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("ct/001.dcm", _qc_copy(ct_bytes))
        zf.writestr("ct/readme.txt", b"not dicom")
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("qc.zip", buf.getvalue())}, follow=True)
    assert r.status_code == 200
    html = r.content.decode()
    assert "已存储 1 个 DICOM 对象" in html and "readme.txt" in html  # the text file is named with its reason
    good = DicomObject.objects.get(status=DicomObject.Status.STORED)
    assert (dicom_root / good.path).read_bytes()[128:132] == b"DICM"
    assert DicomObject.objects.get(status=DicomObject.Status.INVALID).error_zh  # kept, with the reason
    series = good.series
    assert series.device == world.ct_a  # matched by the header's device serial number 60005
    run = AnalysisRun.objects.get(series=series)
    assert run.status in ("done", "failed") and run.finished_at
    if run.status == "done":
        assert Measurement.objects.filter(device=world.ct_a, source="analysis").count() > 0
    page = client.get(reverse("web:dicom_series", args=[series.pk])).content.decode()
    assert "分析结果" in page and series.series_instance_uid in page
    # the page says what decided the automatic analysis, and why
    assert 'data-decided-by="words"' in page and "头信息中有体模关键词" in page and "患者/序列信息中有体模用词" in page
    # no metric key, method code or raw result document in what the page shows (issue 12 item 6)
    from tests.web.test_no_codes import code_patterns, visible_text

    assert code_patterns().findall(visible_text(page)) == [] and "'schema'" not in page


@override_settings(TASKS=IMMEDIATE)
def test_hospital_upload_is_filed_under_the_chosen_device_and_hidden_from_other_hospitals(client, world, dicom_root, ct_bytes):
    client.force_login(world.users["tech_b"])
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes)})
    assert r.status_code == 200 and "该字段是必填项" in r.content.decode()  # a hospital must say which device
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes), "device": world.ct_b.pk})
    series = DicomSeries.objects.get()
    assert series.device == world.ct_b and r.status_code == 302
    assert client.get(reverse("web:dicom_series", args=[series.pk])).status_code == 200
    client.logout()
    client.force_login(world.users["tech_a"])
    assert client.get(reverse("web:dicom_series", args=[series.pk])).status_code == 404
    assert series.series_instance_uid not in client.get(reverse("web:dicom_list")).content.decode()
    assert client.post(reverse("web:dicom_retry", args=[series.pk])).status_code == 404


def test_upload_above_the_limit_is_refused(client, world, dicom_root, settings, ct_bytes):
    settings.HUREN_MAX_UPLOAD_BYTES = 1000
    client.force_login(world.users["evaluator"])
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes)})
    assert r.status_code == 200 and "上限" in r.content.decode()
    assert not DicomObject.objects.exists()


def test_upload_form_messages_are_in_both_languages_on_an_english_page(client, world, dicom_root, settings, ct_bytes):
    settings.HUREN_MAX_UPLOAD_BYTES = 1000
    client.force_login(world.users["evaluator"])
    client.post(reverse("set_language"), {"language": "en"})
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes)})
    assert "上限 / the file is larger than the" in r.context["form"].errors["files"][0]
    r = client.post(reverse("web:dicom_upload"), {"device": "999999"})
    errors = r.context["form"].errors
    assert errors["files"][0] in ("该字段是必填项。 / This field is required.",
                                  "请至少选择一个文件。 / Choose at least one file.")
    assert "选择一个有效的选项" in errors["device"][0] and "Select a valid choice" in errors["device"][0]
    assert not DicomObject.objects.exists()


@override_settings(TASKS=IMMEDIATE)
def test_failed_analysis_keeps_its_reason_and_can_be_retried(client, world, dicom_root, ct_bytes,
                                                              django_capture_on_commit_callbacks):
    client.force_login(world.users["evaluator"])
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", _qc_copy(ct_bytes))})
    series = DicomSeries.objects.get()
    obj = series.dicom_objects.get()
    stored = (dicom_root / obj.path).read_bytes()
    (dicom_root / obj.path).unlink()  # the storage lost the file: the analysis must say so
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:dicom_retry", args=[series.pk]))
    series.refresh_from_db()
    last = series.latest_run
    assert last.status == "failed" and "缺少文件" in last.error_zh and "missing" in last.error_en
    assert series.status == "failed"
    page = client.get(reverse("web:dicom_list")).content.decode()
    assert "分析失败" in page and "重试" in page
    (dicom_root / obj.path).write_bytes(stored)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:dicom_retry", args=[series.pk]))
    assert series.runs.count() == 3  # the automatic run, the failed retry, this retry: history is kept
    assert series.latest_run.status in ("done", "failed") and "缺少文件" not in series.latest_run.error_zh


def test_qc_centre_files_an_unmatched_series_under_a_device(client, world, dicom_root, ct_bytes):
    from huren.accounts.models import AuditEntry

    ds = pydicom.dcmread(io.BytesIO(ct_bytes))
    ds.DeviceSerialNumber, ds.StationName = "UNKNOWN-1", "NOWHERE"
    buf = io.BytesIO()
    ds.save_as(buf)
    client.force_login(world.users["evaluator"])
    client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("x.dcm", buf.getvalue())})
    series = DicomSeries.objects.get()
    assert series.device is None
    page = client.get(reverse("web:dicom_series", args=[series.pk])).content.decode()
    assert "未匹配到已登记设备" in page and "归入设备" in page
    client.logout()

    client.force_login(world.users["tech_a"])
    assert client.get(reverse("web:dicom_series", args=[series.pk])).status_code == 404
    assert client.post(reverse("web:dicom_assign", args=[series.pk]), {"device": world.ct_a.pk}).status_code == 403
    client.logout()

    client.force_login(world.users["evaluator"])
    r = client.post(reverse("web:dicom_assign", args=[series.pk]), {"device": world.ct_a.pk})
    assert r.status_code == 302
    series.refresh_from_db()
    assert series.device == world.ct_a
    assert AuditEntry.objects.filter(model="dicomnode.dicomseries", object_id=str(series.pk),
                                     institution=world.hospital_a).exists()
    assert client.post(reverse("web:dicom_assign", args=[series.pk]), {"device": world.ct_b.pk}).status_code == 404
    client.logout()
    client.force_login(world.users["tech_a"])
    assert client.get(reverse("web:dicom_series", args=[series.pk])).status_code == 200


def test_admin_lists_received_dicom_within_scope_and_read_only(client, world, dicom_root, ct_bytes, settings):
    from django.contrib.auth.models import Permission

    client.force_login(world.users["tech_b"])
    client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes), "device": world.ct_b.pk})
    series = DicomSeries.objects.get()
    for key in ("tech_a", "tech_b"):
        u = world.users[key]
        u.is_staff = True
        u.save()
        u.user_permissions.add(Permission.objects.get(codename="view_dicomseries"))
    client.force_login(world.users["tech_b"])
    r = client.get(reverse("admin:dicomnode_dicomseries_changelist"))
    assert r.status_code == 200 and series.series_instance_uid in r.content.decode()
    r = client.get(reverse("admin:dicomnode_dicomseries_change", args=[series.pk]))
    assert r.status_code == 200 and 'name="_save"' not in r.content.decode()  # read-only
    client.force_login(world.users["tech_a"])
    r = client.get(reverse("admin:dicomnode_dicomseries_changelist"))
    assert series.series_instance_uid not in r.content.decode()


def test_an_upload_cannot_add_images_to_another_devices_series(client, world, dicom_root, ct_bytes):
    client.force_login(world.users["tech_a"])
    client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes), "device": world.ct_a.pk})
    series = DicomSeries.objects.get()
    client.logout()
    client.force_login(world.users["tech_b"])
    other = pydicom.dcmread(io.BytesIO(ct_bytes))
    other.SOPInstanceUID = pydicom.uid.generate_uid()  # same series, a new image
    buf = io.BytesIO()
    other.save_as(buf)
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("b.dcm", buf.getvalue()), "device": world.ct_b.pk},
                    follow=True)
    assert "该序列已属于另一台设备" in r.content.decode()
    assert series.dicom_objects.count() == 1 and DicomObject.objects.count() == 1
    assert sum(1 for _ in dicom_root.rglob("*.dcm")) == 1  # refused before anything was written


def test_a_zip_that_would_unpack_too_large_is_refused(client, world, dicom_root, settings):
    settings.HUREN_MAX_UNZIPPED_BYTES = 1024 * 1024
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.dcm", b"\0" * (8 * 1024 * 1024))  # 8 MB of zeros, a few kB zipped
    client.force_login(world.users["evaluator"])
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("bomb.zip", buf.getvalue())}, follow=True)
    assert "解压后为 8 MB" in r.content.decode() and not DicomObject.objects.exists()


def test_a_truncated_dicom_file_is_kept_and_named_with_its_reason(client, world, dicom_root, ct_bytes):
    client.force_login(world.users["evaluator"])
    r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("cut.dcm", ct_bytes[:900])}, follow=True)
    obj = DicomObject.objects.get()
    assert obj.status == DicomObject.Status.INVALID and obj.error_zh and obj.error_en
    assert (dicom_root / obj.path).read_bytes() == ct_bytes[:900]  # nothing received is dropped
    assert "cut.dcm" in r.content.decode() and obj.error_zh in r.content.decode()


@override_settings(TASKS=IMMEDIATE)
def test_a_stuck_analysis_can_be_requested_again_once_stale(client, world, dicom_root, ct_bytes, settings):
    import datetime as dt

    from django.utils import timezone

    client.force_login(world.users["evaluator"])
    client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", ct_bytes), "device": world.ct_a.pk})
    series = DicomSeries.objects.get()
    # A worker died mid-analysis: the run stays "running".
    run = AnalysisRun.objects.create(series=series, queued_at=timezone.now(), status="running")
    DicomSeries.objects.filter(pk=series.pk).update(status="running")
    r = client.post(reverse("web:dicom_retry", args=[series.pk]), follow=True)
    assert "已在排队或运行中" in r.content.decode() and series.runs.count() == 1
    AnalysisRun.objects.filter(pk=run.pk).update(queued_at=timezone.now() - dt.timedelta(minutes=31))
    client.post(reverse("web:dicom_retry", args=[series.pk]))
    assert series.runs.count() == 2

"""What the QA walk-through found on the pages: texts that contradicted the form, and English
left in the Chinese interface."""

from __future__ import annotations

from django.urls import reverse
from django.utils import translation


def test_hospital_upload_form_does_not_offer_to_leave_the_required_device_empty(client, world):
    client.force_login(world.users["tech_a"])
    page = client.get(reverse("web:dicom_upload"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "留空" not in page and "拍摄这些图像的设备。" in page
    client.force_login(world.users["evaluator"])
    page = client.get(reverse("web:dicom_upload"), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "留空则按 DICOM 文件头自动匹配" in page  # the QC centre may leave it empty


def test_empty_choice_of_a_select_is_chinese_in_the_chinese_interface(client, world):
    client.force_login(world.users["tech_a"])
    with translation.override("zh-hans"):
        page = client.get(reverse("web:dicom_upload")).content.decode()
    assert "Select an option" not in page and "- 请选择 -" in page


def test_a_broken_analysis_import_fails_the_run_with_its_reason(client, world, tmp_path, settings, monkeypatch,
                                                               phantoms):
    """An import error in the analysis must not leave the run 'queued' for ever."""
    import sys

    from django.core.files.uploadedfile import SimpleUploadedFile

    from huren.dicomnode.analysis import run_analysis
    from huren.dicomnode.models import AnalysisRun, DicomSeries

    settings.DICOM_ROOT = tmp_path / "dicom"
    raw = (phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm").read_bytes()
    client.force_login(world.users["evaluator"])
    client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("a.dcm", raw)})
    series = DicomSeries.objects.get()
    from django.utils import timezone

    run = AnalysisRun.objects.create(series=series, queued_at=timezone.now())
    monkeypatch.setitem(sys.modules, "huren.analysis", None)  # importing it now raises ImportError
    assert run_analysis(run.pk) == "failed"
    run.refresh_from_db()
    assert run.status == "failed" and "huren.analysis" in run.error_zh and "raised ModuleNotFoundError" in run.error_en


def test_dicom_intake_records_are_in_the_audit_log(world):
    from huren.accounts.audit import acting_as
    from django.utils import timezone

    from huren.accounts.models import AuditEntry
    from huren.dicomnode.models import DicomSeries

    with acting_as(world.users["evaluator"]):
        s = DicomSeries.objects.create(series_instance_uid="1.2.3.4", modality="CT", first_received_at=timezone.now(),
                                       last_received_at=timezone.now())
        s.device = world.ct_a
        s.save()
    entries = AuditEntry.objects.filter(model__icontains="dicomseries")
    assert entries.count() >= 2 and entries.filter(user=world.users["evaluator"]).exists()


def test_pages_name_a_local_icon_so_browsers_do_not_ask_for_a_missing_favicon(client, world):
    from django.contrib.staticfiles import finders

    page = client.get("/accounts/login/").content.decode()
    assert 'rel="icon"' in page and "web/favicon.svg" in page
    assert finders.find("web/favicon.svg")


def test_series_page_names_metrics_in_the_users_language_with_the_metric_name_only_as_a_tooltip():
    # issue 12 item 6: no metric key in the visible text; the key stays as the title attribute
    from huren.web.templatetags.huren_web import metric_label
    from tests.web.test_no_codes import visible_text

    with translation.override("zh-hans"):
        zh = str(metric_label("ct_number_water"))
    with translation.override("en"):
        en = str(metric_label("ct_number_water"))
    assert visible_text(zh).strip() == "CT值(水)" and 'title="ct_number_water"' in zh
    assert visible_text(en).strip() == "CT number of water" and 'title="ct_number_water"' in en
    assert metric_label("not_a_metric") == "not_a_metric"


def test_ct_images_uploaded_under_an_mr_device_are_not_recorded_as_its_evidence(
        client, world, tmp_path, settings, phantoms, django_capture_on_commit_callbacks):
    """Found by QA: a hospital user chose the wrong device in the upload form and the CT water
    measurements became evidence of the MR scanner."""
    import pydicom
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    from huren.dicomnode.models import AnalysisRun
    from huren.evidence.models import Measurement
    from huren.registry.models import Device

    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    ct = world.ct_a
    mr = Device.objects.create(department=ct.department, room=ct.room, name="MR-a", modality="MR",
                               manufacturer="Siemens", model_name="Aera", serial_number="MR-SN-a",
                               field_strength_t=1.5)
    ds = pydicom.dcmread(phantoms / "ct" / "Constancy13img" / "003_003_Hode_vann__4.8__Hf38_002.dcm")
    ds.PatientName = "QC^Water"
    path = tmp_path / "water.dcm"
    ds.save_as(path)
    client.force_login(world.users["tech_a"])
    immediate = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    with override_settings(TASKS=immediate), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:dicom_upload"),
                    {"files": SimpleUploadedFile("water.dcm", path.read_bytes()), "device": mr.pk})
    # the CT header contradicts the MR device: held for a person, nothing analysed (dicomnode.trust)
    from huren.dicomnode.models import DicomSeries

    series = DicomSeries.objects.get()
    assert series.status == "held" and series.hold_kind == "device" and not AnalysisRun.objects.exists()
    client.force_login(world.users["evaluator"])  # a person confirms it anyway: the analysis still refuses
    with override_settings(TASKS=immediate), django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("dicomnode:held_answer", args=[series.pk]), {"answer": "confirm"})
    run = AnalysisRun.objects.get()
    assert run.status == "failed" and "MR-a" in run.error_en and "not recorded" in run.error_en
    assert "未记为该设备的证据" in run.error_zh and run.result  # the result itself is kept on the run
    assert not Measurement.objects.filter(device=mr).exists()

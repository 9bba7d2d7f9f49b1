"""The device QC report of one analysis run, from the CLI (no Django) and from a received series."""

from __future__ import annotations

import io
import json

import pytest

from tests.reports.conftest import page_checks, pdf_pages, pdf_text, render_pages, tofu_glyphs


def _images_in(data: bytes) -> int:
    from pypdf import PdfReader

    n = 0
    for page in PdfReader(io.BytesIO(data)).pages:
        xo = page["/Resources"].get("/XObject") or {}
        n += sum(1 for v in xo.values() if v.get_object().get("/Subtype") == "/Image")
    return n


def test_cli_pdf_holds_the_measurements_verdicts_and_the_roi_pictures(tmp_path, capsys, monkeypatch):
    import tempfile

    from huren.cli import main
    from huren.synth import ct as sct

    s = sct.water_phantom(matrix=128, n_slices=1, noise_sd=3.0)
    s.write(tmp_path / "w")
    out = tmp_path / "qc.pdf"
    (tmp_path / "tmp").mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "tmp"))
    rc = main(["analyze", str(tmp_path / "w"), "--json", "--pdf", str(out)])
    doc = json.loads(capsys.readouterr().out)
    assert rc == 0 and out.is_file()
    data = out.read_bytes()
    text = pdf_text(data).replace("\n", "")
    assert "设备质控检测报告" in text and "测量结果" in text and "体模图像" in text
    water = next(m for m in doc["measurements"] if m["metric"] == "ct_number_water")
    assert f"{water['value']:.4g}" in text and "CT-QC-HU-WATER" in text
    assert "合格" in text and water["criterion"]["text"].replace(" ", "") in text.replace(" ", "")
    assert _images_in(data) >= 1  # the phantom picture with its ROIs
    assert not list((tmp_path / "tmp").iterdir())  # no figure folder left behind without --report
    for p in render_pages(data, tmp_path):
        c = page_checks(p)
        assert c["ink"] > 0.002 and c["edge_ink"] == 0


def test_cli_pdf_with_nothing_measured_still_writes_a_clear_document(tmp_path):
    from huren.cli import main

    (tmp_path / "junk.dcm").write_bytes(b"not a dicom file")
    out = tmp_path / "qc.pdf"
    rc = main(["analyze", str(tmp_path / "junk.dcm"), "--pdf", str(out)])
    assert rc == 1 and out.is_file()
    text = pdf_text(out.read_bytes()).replace("\n", "")
    assert "未测得任何结果" in text and "错误" in text


def test_cli_pdf_into_an_unwritable_place_is_exit_2_with_a_bilingual_message(tmp_path, capsys):
    from huren.cli import main
    from huren.synth import ct as sct

    sct.water_phantom(matrix=96, n_slices=1).write(tmp_path / "w")
    rc = main(["analyze", str(tmp_path / "w"), "--pdf", str(tmp_path / "no" / "such" / "dir" / "qc.pdf")])
    err = capsys.readouterr().err
    assert rc == 2 and "无法写入 PDF" in err and "cannot write the PDF" in err


def test_qc_run_html_escapes_what_the_images_say():
    from huren.reports.pdf.qcrun import qc_run_html

    html = qc_run_html({"modality": "CT", "device": {"manufacturer": "<script>x</script>"}, "measurements": []})
    assert "<script>x" not in html and "&lt;script&gt;" in html


def test_qc_run_pdf_of_a_real_uploaded_series_redraws_its_roi_pictures(client, world, tmp_path, settings, phantoms,
                                                                         django_capture_on_commit_callbacks):
    """The web QC-run report of a series received for real (the CTP404 file through the upload
    page): the figures of the stored run and the ROI pictures drawn from the stored image (kept
    with the run); another hospital gets 404; with the stored file gone the kept pictures still
    serve, and with those gone too the report still comes, without pictures."""
    import pydicom
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings
    from django.urls import reverse

    from huren.dicomnode.models import AnalysisRun, DicomObject

    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    ds = pydicom.dcmread(phantoms / "ct" / "CTP404_FOV150" / "CTP404_FOV150_001.dcm")
    ds.PatientName = "QC^Phantom"
    buf = io.BytesIO()
    ds.save_as(buf)
    client.force_login(world.users["tech_a"])
    with override_settings(TASKS={"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}):
        with django_capture_on_commit_callbacks(execute=True):
            r = client.post(reverse("web:dicom_upload"), {"files": SimpleUploadedFile("ctp404.dcm", buf.getvalue()),
                                                          "device": world.ct_a.pk}, follow=True)
    assert r.status_code == 200
    run = AnalysisRun.objects.get(series__device=world.ct_a)
    assert run.status == "done" and run.result["measurements"], run.error_en
    r = client.get(reverse("reports:run_pdf", args=[run.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    text = pdf_text(r.content).replace("\n", "")
    assert "体模图像" in text and "CT-a" in text and "甲医院" in text
    shown = [m for m in run.result["measurements"] if isinstance(m.get("value"), (int, float))]
    assert shown and f"{shown[0]['value']:.4g}" in text
    assert _images_in(r.content) >= 1  # pictures with the ROIs, from the stored image
    assert tofu_glyphs(r.content) == []
    for p in render_pages(r.content, tmp_path):
        c = page_checks(p)
        assert c["ink"] > 0.002 and c["edge_ink"] == 0
    client.logout()
    client.force_login(world.users["tech_b"])
    assert client.get(reverse("reports:run_pdf", args=[run.pk])).status_code == 404
    client.logout()
    client.force_login(world.users["tech_a"])
    import shutil

    from huren.dicomnode import pictures

    for obj in DicomObject.objects.filter(series=run.series):
        (settings.DICOM_ROOT / obj.path).unlink()
    r = client.get(reverse("reports:run_pdf", args=[run.pk]))  # the pictures were kept when the run was analysed
    assert r.status_code == 200 and "体模图像" in pdf_text(r.content).replace("\n", "") and _images_in(r.content) >= 1
    shutil.rmtree(pictures.folder(run))  # and with the kept pictures gone too: the table, no pictures
    r = client.get(reverse("reports:run_pdf", args=[run.pk]))
    text = pdf_text(r.content).replace("\n", "")
    assert r.status_code == 200 and "体模图像" not in text and f"{shown[0]['value']:.4g}" in text

"""The device QC report of one analysis run, from the CLI (no Django) and from a received series."""

from __future__ import annotations

import io
import json

import pytest

from tests.reports.conftest import page_checks, pdf_pages, pdf_text, render_pages


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

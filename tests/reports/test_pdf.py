"""The PDF documents: text extracted from them holds the figures and the Chinese labels,
the fonts are embedded, and the pages rendered to PNG have ink and clean margins."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tests.reports.conftest import WATER, PASSWORD, pdf_pages, pdf_text, page_checks, render_pages, tofu_glyphs


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def test_assessment_report_holds_every_item_figures_overrides_decision_and_people(client, assessed, tmp_path):
    w, a, d = assessed.world, assessed.assessment, assessed.decision
    _login(client, w.users["manager_a"])
    r = client.get(reverse("reports:assessment_pdf", args=[a.pk]))
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf"
    data = b"".join(r.streaming_content) if r.streaming else r.content
    text = pdf_text(data)
    flat = text.replace("\n", "")
    for label in ("互认资格评估报告", "逐项评估", "评估结论", "评审改判", "有效期", "编制人", "审核人", "决定人", "盖章"):
        assert label in flat, label
    for e in a.snapshot:  # every catalog item of the modality
        assert e["item"] in flat, e["item"]
    assert a.catalog_key in flat and w.ct_a.serial_number in flat and "甲医院" in flat
    assert f"{WATER[-1]:g}" in flat  # the latest CT number of water is the figure the item rests on
    assert assessed.override_reason in flat and "合格（予以互认）" in flat
    assert "manager_a" in flat and "evaluator" in flat and "qcadmin" in flat
    assert str(d.valid_until) in flat
    assert tofu_glyphs(data) == []  # every character drawn with a glyph of an embedded font
    pages = render_pages(data, tmp_path)
    assert len(pages) == pdf_pages(data) >= 3
    for p in pages:
        c = page_checks(p)
        assert c["ink"] > 0.002, p  # not blank
        assert c["edge_ink"] == 0, p  # nothing runs into the page margin


def test_assessment_pdf_embeds_the_cjk_font(assessed):
    import io

    from pypdf import PdfReader

    from huren.reports.documents import assessment_pdf

    reader = PdfReader(io.BytesIO(assessment_pdf(assessed.assessment)))
    fonts = set()
    for page in reader.pages[:1]:
        for f in page["/Resources"]["/Font"].values():
            f = f.get_object()
            desc = f["/DescendantFonts"][0].get_object() if "/DescendantFonts" in f else f
            fd = desc["/FontDescriptor"].get_object()
            assert any(k in fd for k in ("/FontFile", "/FontFile2", "/FontFile3")), f["/BaseFont"]  # embedded
            fonts.add(str(f["/BaseFont"]))
    assert any("CJK" in f for f in fonts), fonts


def test_a_draft_assessment_with_missing_evidence_gives_a_clear_document(client, world):
    from huren.assessment import workflow

    a = workflow.create(world.ct_b, world.users["qc_admin"])  # no evidence at all
    _login(client, world.users["tech_b"])
    r = client.get(reverse("reports:assessment_pdf", args=[a.pk]))
    assert r.status_code == 200
    text = pdf_text(r.content).replace("\n", "")
    assert "尚未作出结论" in text and "缺少证据" in text and "无证据" in text
    n_missing = sum(1 for e in a.snapshot if e["verdict"] == "missing")
    assert n_missing > 0 and f"有 {n_missing} 个条目缺少证据" in text


def test_certificate_is_one_page_with_the_decision_and_the_qr_of_its_public_verification_page(
        client, assessed, tmp_path, settings):
    import numpy as np
    from PIL import Image

    from huren.recognition.verification import verification_code

    settings.HUREN_PUBLIC_URL = "https://hr.example.org"
    w, d = assessed.world, assessed.decision
    _login(client, w.users["manager_a"])
    r = client.get(reverse("reports:certificate_pdf", args=[d.pk]))
    assert r.status_code == 200
    text = pdf_text(r.content).replace("\n", "")
    assert pdf_pages(r.content) == 1 and tofu_glyphs(r.content) == []
    assert "互认资格证书" in text and "合格（予以互认）" in text
    assert str(d.valid_until) in text and w.ct_a.serial_number in text
    url = f"https://hr.example.org/v/{verification_code(d)}"
    assert url in text and "扫码核验" in text and "暂不可用" not in text
    # the printed URL is the public page, which answers without a login
    client.logout()
    assert client.get(f"/v/{verification_code(d)}").status_code == 200
    (p,) = render_pages(r.content, tmp_path, dpi=100)
    c = page_checks(p)
    assert c["ink"] > 0.01 and c["edge_ink"] == 0
    a = np.asarray(Image.open(p).convert("L"))
    h, wd = a.shape
    qr_box = a[int(h * 0.70):int(h * 0.81), int(wd * 0.13):int(wd * 0.29)]
    # a QR code is half dark modules: far more ink than an empty placeholder's thin frame
    assert 0.2 < (qr_box < 128).mean() < 0.7


def test_no_certificate_for_a_not_qualified_decision(client, world):
    from huren.assessment import workflow

    a = workflow.submit(workflow.create(world.ct_a, world.users["manager_a"]), world.users["manager_a"])
    d = workflow.decide(a, world.users["evaluator"], "not_qualified", comment="证据缺失")
    _login(client, world.users["manager_a"])
    r = client.get(reverse("reports:certificate_pdf", args=[d.pk]))
    assert r.status_code == 409 and "不出具互认资格证书" in r.content.decode()


def test_pdf_unavailable_is_a_clear_message_not_a_500(client, assessed, monkeypatch):
    from huren.reports import pdf

    monkeypatch.setattr(pdf, "cjk_font_present", lambda: False)
    _login(client, assessed.world.users["manager_a"])
    r = client.get(reverse("reports:assessment_pdf", args=[assessed.assessment.pk]))
    assert r.status_code == 503 and "fonts-noto-cjk" in r.content.decode() and "中文字体" in r.content.decode()


def test_the_tofu_check_finds_characters_no_font_has():
    """The check used on every report above, on a document that has tofu and one that has not."""
    from huren.reports.pdf import render_pdf

    assert tofu_glyphs(render_pdf("<p>质控中心 合格 CT 号 ±4 HU</p>")) == []
    bad = tofu_glyphs(render_pdf("<p>质控 \U000F0001\U000F0002 合格</p>"))  # private-use characters: no font has them
    assert len(bad) == 2 and bad[0][0] == 1

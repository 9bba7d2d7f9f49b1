"""Review in one pass (issue 12 item 8): the evaluator reviews every item of a submitted
assessment on one page and saves once (all or none, each changed item recorded as the
per-item service records it), each row links to its evidence (the item's records, the DICOM
series with its ROI pictures, documents that open from the page), errors are shown at the top
and at the field, and the decision is confirmed on a summary of the counts first."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from huren.assessment import workflow
from huren.assessment.models import Decision, ItemReview
from huren.evidence.models import Document, Measurement
from tests.web.test_dicom_pictures import IMMEDIATE, analysed, stores  # noqa: F401  (fixtures)

PDF = b"%PDF-1.4\n% huren test report\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def submitted(client, world, settings, tmp_path, analysed):  # noqa: F811
    """CT-a with an analysed CTP404 series (CT-EQ-PERF…), a failing typed water CT number and an
    uploaded calibration report, submitted; the client logged in as the evaluator."""
    settings.MEDIA_ROOT = tmp_path / "media"
    tech = world.users["tech_a"]
    Measurement.objects.create(device=world.ct_a, recorded_by=tech, performed_on=timezone.localdate(),
                               item="CT-QC-HU-WATER", metric="ct_number_water", value=30, unit="HU", test_type="status")
    client.force_login(tech)
    r = client.post(reverse("web:record_document", args=[world.ct_a.pk]), {
        "performed_on": timezone.localdate().isoformat(), "items": ["CT-EQ-CAL"], "kind": "calibration",
        "title": "剂量仪校准证书", "file": SimpleUploadedFile("校准证书.pdf", PDF, content_type="application/pdf")})
    assert r.status_code == 302
    a = workflow.submit(workflow.create(world.ct_a, world.users["manager_a"]), world.users["manager_a"])
    client.force_login(world.users["evaluator"])
    return a


def _sheet(a, **changes) -> dict:
    """The sheet as the page posts it: every item's current verdict and an empty reason."""
    data = {f"verdict-{e['item']}": e["verdict"] for e in workflow.final_verdicts(a)}
    data |= {f"reason-{e['item']}": "" for e in a.snapshot}
    return data | changes


def _row(page: str, item: str) -> str:
    return re.search(rf'<tr id="item-{item}"[^>]*>(.*?)</tr>', page, re.S).group(0)


def test_one_post_records_several_overrides_and_accepts_the_rest(client, world, submitted):
    a = submitted
    derived = {e["item"]: e["verdict"] for e in a.snapshot}
    assert derived["CT-QC-HU-WATER"] == "fail" and derived["CT-EQ-ENV-T"] == "missing"
    url = reverse("web:assessment_review", args=[a.pk])
    r = client.post(url, _sheet(a, **{
        "verdict-CT-QC-HU-WATER": "pass", "reason-CT-QC-HU-WATER": "复测 0.8 HU，原值为录入错误",
        "verdict-CT-EQ-ENV-T": "pass", "reason-CT-EQ-ENV-T": "现场核查温度记录齐全",
        "verdict-CT-EQ-PERF": "fail", "reason-CT-EQ-PERF": "体模摆位偏差，需重新检测",
        "reason-CT-EQ-CAL": "证书已核对",  # same verdict, a note: recorded too
        "accept_rest": "on"}))
    assert r.status_code == 302 and r["Location"].endswith("#decision")
    reviews = ItemReview.objects.filter(assessment=a)
    assert reviews.count() == len(a.snapshot)  # one review per item, in one save
    over = {r.item: (r.verdict, r.reason) for r in reviews if r.overridden}
    assert over == {"CT-QC-HU-WATER": ("pass", "复测 0.8 HU，原值为录入错误"), "CT-EQ-ENV-T": ("pass", "现场核查温度记录齐全"),
                    "CT-EQ-PERF": ("fail", "体模摆位偏差，需重新检测")}
    assert reviews.get(item="CT-EQ-CAL").reason == "证书已核对" and not reviews.get(item="CT-EQ-CAL").overridden
    assert all(r.reviewer == world.users["evaluator"] and r.derived_verdict == derived[r.item] for r in reviews)
    final = {e["item"]: e for e in workflow.final_verdicts(a)}
    assert final["CT-QC-HU-WATER"]["verdict"] == "pass" and final["CT-QC-HU-WATER"]["override_reason"]
    # saving the unchanged sheet again records nothing more; changing one item records one review
    reviews = ItemReview.objects.filter(assessment=a)  # (a fresh query set: the one above holds its rows)
    assert client.post(url, _sheet(a, accept_rest="on")).status_code == 302 and reviews.count() == len(a.snapshot)
    r = client.post(url, _sheet(a, **{"verdict-CT-EQ-PERF": derived["CT-EQ-PERF"]}))  # back to derived: no reason needed
    assert r.status_code == 302
    assert reviews.count() == len(a.snapshot) + 1 and reviews.latest("id").verdict == derived["CT-EQ-PERF"]
    page = client.get(reverse("web:assessment", args=[a.pk])).content.decode()
    assert "复测 0.8 HU" in _row(page, "CT-QC-HU-WATER") and "评审人" in page


def test_an_override_without_a_reason_refuses_the_whole_save_with_errors_at_the_top_and_the_field(client, world, submitted):
    a = submitted
    r = client.post(reverse("web:assessment_review", args=[a.pk]), _sheet(a, **{
        "verdict-CT-QC-HU-WATER": "pass", "reason-CT-QC-HU-WATER": "复测合格",
        "verdict-CT-EQ-ENV-T": "pass",  # no reason
        "verdict-CT-EQ-ENV-H": "not_applicable", "reason-CT-EQ-ENV-H": " ",  # a blank reason is none
        "accept_rest": "on"}))
    page = r.content.decode()
    assert r.status_code == 400 and not ItemReview.objects.exists()  # nothing saved, not even the good rows
    top = re.search(r'<div class="errorsummary" role="alert".*?</div>', page, re.S).group(0)
    assert "未保存任何评审" in top and top.count("改判须写明理由") == 2
    assert 'href="#item-CT-EQ-ENV-T"' in top and 'href="#item-CT-EQ-ENV-H"' in top and "#item-CT-QC-HU-WATER" not in top
    row = _row(page, "CT-EQ-ENV-T")
    assert 'class="has-error"' in row and "改判须写明理由" in row and 'aria-invalid="true"' in row
    assert "has-error" not in _row(page, "CT-QC-HU-WATER") and 'value="复测合格"' in page  # what was typed is kept
    assert re.search(r'name="verdict-CT-EQ-ENV-T"[^>]*>.*?<option value="pass" selected', row, re.S)
    # the English page says it in both languages at the field
    client.post(reverse("set_language"), {"language": "en"})
    r = client.post(reverse("web:assessment_review", args=[a.pk]), _sheet(a, **{"verdict-CT-EQ-ENV-T": "pass"}))
    assert r.status_code == 400 and "overriding a verdict requires a written reason" in _row(r.content.decode(), "CT-EQ-ENV-T")


@override_settings(TASKS=IMMEDIATE)
def test_each_row_links_its_evidence_and_the_links_open_for_the_evaluator(client, world, submitted, analysed):  # noqa: F811
    a = submitted
    series, run = analysed
    page = client.get(reverse("web:assessment", args=[a.pk])).content.decode()
    perf = _row(page, "CT-EQ-PERF")
    series_url = reverse("web:dicom_series", args=[series.pk])
    assert f'href="{series_url}" data-evidence="series"' in perf and "ROI" in perf
    doc = Document.objects.get()
    doc_url = reverse("web:evidence_file", args=["document", doc.pk])
    assert f'href="{doc_url}" data-evidence="file"' in _row(page, "CT-EQ-CAL") and "剂量仪校准证书" in _row(page, "CT-EQ-CAL")
    water = _row(page, "CT-QC-HU-WATER")
    records = re.search(r'href="([^"]+)" data-evidence="records"', water).group(1)
    assert records == reverse("web:device_item", args=[world.ct_a.pk, "CT-QC-HU-WATER"]) + "#history"
    # every evidence link on the page answers the evaluator
    links = set(re.findall(r'href="([^"]+)" data-evidence="[a-z]+"', page))
    assert len(links) >= 5
    for url in links:
        assert client.get(url).status_code == 200, url
    # the series page shows the ROI pictures; the document opens in the browser as the uploaded PDF
    shown = client.get(series_url).content.decode()
    assert reverse("dicomnode:run_picture", args=[run.pk, "CTP404.png"]) in shown
    r = client.get(doc_url)
    assert r["Content-Type"] == "application/pdf" and r["Content-Disposition"].startswith("inline")
    assert b"".join(r.streaming_content) == PDF and "filename" in r["Content-Disposition"]
    # another hospital's technologist opens none of them
    client.force_login(world.users["tech_b"])
    for url in (doc_url, series_url, records):
        assert client.get(url).status_code == 404, url


def test_a_stored_file_gone_from_disk_gets_a_message_not_an_error(client, world, submitted):
    doc = Document.objects.get()
    doc.file.storage.delete(doc.file.name)
    r = client.get(reverse("web:evidence_file", args=["document", doc.pk]))
    assert r.status_code == 404 and "该文件已不在存储中" in r.content.decode()
    assert client.get(reverse("web:evidence_file", args=["log", 1])).status_code == 404


def test_decision_is_confirmed_on_a_summary_of_the_counts_with_the_failing_items_by_title(client, world, submitted):
    a = submitted
    client.post(reverse("web:assessment_review", args=[a.pk]), _sheet(a, **{
        "verdict-CT-EQ-ENV-T": "pass", "reason-CT-EQ-ENV-T": "现场核查温度记录齐全",
        "verdict-CT-QC-NOISE": "fail", "reason-CT-QC-NOISE": "噪声复测超标"}))
    final = workflow.final_verdicts(a)
    page = client.get(reverse("web:assessment", args=[a.pk])).content.decode()
    box = re.compile(r'<input type="checkbox" name="rectification_items" value="([^"]+)"[^>]*>')
    ticked = {m.group(1) for m in box.finditer(page) if "checked" in m.group(0)}
    assert ticked == {e["item"] for e in final if e["verdict"] in ("fail", "overdue")} >= {"CT-QC-HU-WATER", "CT-QC-NOISE"}
    deadline = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    body = {"outcome": "rectify", "rectification_items": sorted(ticked), "rectification_deadline": deadline,
            "comment": "限期整改"}
    r = client.post(reverse("web:assessment_decide", args=[a.pk]), body)
    html = r.content.decode()
    assert r.status_code == 200 and not Decision.objects.exists()  # nothing recorded before the confirmation
    count = {v: sum(1 for e in final if e["verdict"] == v) for v in ("pass", "fail", "missing", "overdue", "not_applicable")}
    assert count["fail"] >= 2 and count["missing"] > 0
    summary = re.search(r'<p class="summary" data-tally>(.*?)</p>', html).group(1)
    assert summary == (f"汇总: 合格 {count['pass']} · 不合格 {count['fail']} · 缺少证据 {count['missing']} · "
                       f"逾期 {count['overdue']} · 不适用 {count['not_applicable']} · 已改判 2 · "
                       f"尚未评审 {len(final) - 2}")
    titles = {e["item"]: e["title_zh"] for e in final}
    assert all(f"{i} {titles[i]}" in html for i in ticked)  # the items to rectify, by title
    assert 'name="confirmed" value="yes"' in html and "不可撤销" in html and deadline in html
    r = client.post(reverse("web:assessment_decide", args=[a.pk]), body | {"confirmed": "yes"})
    d = Decision.objects.get()
    assert r.status_code == 302 and d.outcome == "rectify" and sorted(d.rectification_items) == sorted(ticked)
    # a decision the workflow refuses is refused before the confirmation, at its field
    a2 = workflow.submit(workflow.create(world.ct_a, world.users["manager_a"]), world.users["manager_a"])
    r = client.post(reverse("web:assessment_decide", args=[a2.pk]), {"outcome": "rectify", "rectification_deadline": deadline})
    assert r.status_code == 400 and "须列出整改项" in r.content.decode() and "确认评估结论" not in r.content.decode()


def test_page_queries_do_not_grow_with_the_reviews(client, world, submitted, django_assert_max_num_queries):
    a = submitted
    url = reverse("web:assessment", args=[a.pk])
    with django_assert_max_num_queries(40) as before:
        client.get(url)
    client.post(reverse("web:assessment_review", args=[a.pk]), _sheet(a, accept_rest="on"))
    with django_assert_max_num_queries(40) as after:
        client.get(url)
    assert len(after.captured_queries) <= len(before.captured_queries) + 1  # every item reviewed: no query per review


def test_only_the_evaluator_saves_the_sheet_and_not_once_decided(client, world, submitted):
    a = submitted
    url = reverse("web:assessment_review", args=[a.pk])
    client.force_login(world.users["manager_a"])  # sees the assessment, may not review it
    page = client.get(reverse("web:assessment", args=[a.pk])).content.decode()
    assert 'name="verdict-CT-QC-HU-WATER"' not in page and 'data-evidence="records"' in page  # the links, no sheet
    r = client.post(url, _sheet(a, accept_rest="on"), follow=True)
    assert "只有质控中心评审专家" in r.content.decode() and not ItemReview.objects.exists()
    client.force_login(world.users["evaluator"])
    workflow.decide(a, world.users["evaluator"], "not_qualified", comment="证据不足")
    r = client.post(url, _sheet(a, accept_rest="on"), follow=True)
    assert "只能评审已提交且未作结论的评估" in r.content.decode() and not ItemReview.objects.exists()

"""XLSX exports read back with openpyxl; charts page; per-URL scope."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from tests.reports.conftest import PASSWORD, WATER, add_measurements


def _login(client, user):
    assert client.login(username=user.username, password=PASSWORD)


def _book(r):
    assert r.status_code == 200, r.content[:300]
    assert r["Content-Type"].startswith("application/vnd.openxmlformats")
    return load_workbook(io.BytesIO(r.content))


def _header(ws):
    for row in ws.iter_rows(min_row=1, max_row=3, values_only=True):
        if row and row[0] and "\n" in str(row[0]):
            return [str(c).split("\n") for c in row if c]
    raise AssertionError("no header row")


def test_device_evidence_export_has_chinese_headers_units_and_verdicts(client, world):
    from huren.evidence.models import DailyLog

    today = timezone.localdate()
    add_measurements(world.ct_a, world.users["tech_a"], WATER + [7.5], start=today - dt.timedelta(days=200))
    DailyLog.objects.create(device=world.ct_a, recorded_by=world.users["tech_a"], performed_on=today, temperature_c=23.5)
    _login(client, world.users["tech_a"])
    wb = _book(client.get(reverse("reports:device_evidence_xlsx", args=[world.ct_a.pk])))
    ws = wb["测量 Measurements"]
    head = _header(ws)
    zh = [h[0] for h in head]
    assert zh[:3] == ["编号", "日期", "条目"] and "单位" in zh and "判定" in zh and "判据" in zh
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert [r[zh.index("测量值")] for r in rows] == WATER + [7.5]
    assert {r[zh.index("单位")] for r in rows} == {"HU"}
    verdicts = [r[zh.index("判定")] for r in rows]
    assert verdicts[:4] == ["合格 / pass"] * 4 and verdicts[4] == "不合格 / fail"  # 7.5 HU is outside ±6 HU
    logs = wb["日常记录 Daily logs"]
    lhead = [h[1] for h in _header(logs)]
    assert "temperature (°C)" in lhead
    lrow = next(r for r in logs.iter_rows(min_row=3, values_only=True) if r[0])
    assert lrow[lhead.index("temperature (°C)")] == 23.5


def test_empty_period_export_says_so_and_bad_dates_are_a_message(client, world):
    _login(client, world.users["tech_a"])
    wb = _book(client.get(reverse("reports:device_evidence_xlsx", args=[world.ct_a.pk]) + "?start=2020-01-01&end=2020-02-01"))
    for ws in wb.worksheets:
        cells = [c for row in ws.iter_rows(values_only=True) for c in row if c]
        assert any("所选范围内没有记录" in str(c) for c in cells), ws.title
    r = client.get(reverse("reports:device_evidence_xlsx", args=[world.ct_a.pk]) + "?start=2020-13-01")
    assert r.status_code == 400 and "YYYY-MM-DD" in r.content.decode() and "日期格式" in r.content.decode()
    r = client.get(reverse("reports:device_evidence_xlsx", args=[world.ct_a.pk]) + "?start=2021-01-01&end=2020-01-01")
    assert r.status_code == 400 and "晚于" in r.content.decode()


def test_institution_status_overview_and_qualified_list(client, assessed):
    w = assessed.world
    _login(client, w.users["manager_a"])
    ws = _book(client.get(reverse("reports:institution_xlsx", args=[w.hospital_a.pk]))).worksheets[0]
    head = [h[0] for h in _header(ws)]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert [r[head.index("设备")] for r in rows] == ["CT-a"]  # only its own institution
    assert rows[0][head.index("资格状态")].endswith("/ qualified") or "at_risk" in rows[0][head.index("资格状态")]
    client.logout()
    _login(client, w.users["qc_admin"])
    ws = _book(client.get(reverse("reports:overview_xlsx"))).worksheets[0]
    names = [r[2] for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert sorted(names) == ["CT-a", "CT-b"]
    ws = _book(client.get(reverse("reports:qualified_xlsx"))).worksheets[0]
    head = [h[0] for h in _header(ws)]
    rows = [r for r in ws.iter_rows(min_row=3, values_only=True) if r[0]]
    assert [r[head.index("设备")] for r in rows] == ["CT-a"]  # CT-b was never assessed
    assert rows[0][head.index("有效期至")].date() == assessed.decision.valid_until
    assert rows[0][head.index("序列号")] == "SN-a"


def test_charts_page_draws_every_numeric_metric_with_limits(client, world):
    from huren.evidence.models import DailyLog

    today = timezone.localdate()
    add_measurements(world.ct_a, world.users["tech_a"], [0.1 * k for k in range(12)], start=today - dt.timedelta(days=120), step_days=10)
    for k in range(10):
        DailyLog.objects.create(device=world.ct_a, recorded_by=world.users["tech_a"], performed_on=today - dt.timedelta(days=k),
                                temperature_c=22 + 0.1 * k, humidity_percent=50)
    _login(client, world.users["tech_a"])
    r = client.get(reverse("reports:device_charts", args=[world.ct_a.pk]))
    html = r.content.decode()
    assert r.status_code == 200 and html.count("<svg") == 3
    assert 'data-metric="m:CT-QC-HU-WATER:ct_number_water:central-roi"' in html and 'data-points="12"' in html
    assert 'data-metric="log:temperature"' in html and 'data-points="10"' in html
    assert 'class="crit-lo" data-value="-6"' in html and 'class="crit-hi" data-value="6"' in html  # ±6 HU
    assert "连续 6 点持续上升或下降" in html  # the steadily rising CT number of water


def test_device_without_history_gets_a_message_not_an_error(client, world):
    _login(client, world.users["tech_b"])
    r = client.get(reverse("reports:device_charts", args=[world.ct_b.pk]))
    assert r.status_code == 200 and "<svg" not in r.content.decode()
    assert "尚无" in r.content.decode() or "no numeric" in r.content.decode()


def test_every_report_url_refuses_another_institutions_records(client, assessed):
    from huren.dicomnode.models import AnalysisRun, DicomSeries

    w = assessed.world
    now = timezone.now()
    series = DicomSeries.objects.create(series_instance_uid="1.2.3.4", device=w.ct_a, first_received_at=now, last_received_at=now)
    run = AnalysisRun.objects.create(series=series, queued_at=now, status="done", result={"modality": "CT", "measurements": []})
    a_urls = [
        reverse("reports:assessment_pdf", args=[assessed.assessment.pk]),
        reverse("reports:certificate_pdf", args=[assessed.decision.pk]),
        reverse("reports:run_pdf", args=[run.pk]),
        reverse("reports:device_evidence_xlsx", args=[w.ct_a.pk]),
        reverse("reports:device_charts", args=[w.ct_a.pk]),
        reverse("reports:institution_xlsx", args=[w.hospital_a.pk]),
    ]
    _login(client, w.users["tech_b"])
    for url in a_urls:
        assert client.get(url).status_code == 404, url
    for url in (reverse("reports:overview_xlsx"), reverse("reports:qualified_xlsx")):
        assert client.get(url).status_code == 403, url  # the QC centre's exports
    client.logout()
    _login(client, w.users["tech_a"])
    for url in a_urls:
        assert client.get(url).status_code == 200, url
    client.logout()
    for url in a_urls:
        r = client.get(url)
        assert r.status_code == 302 and "/accounts/login/" in r["Location"], url


def test_assessment_and_series_pages_link_their_pdfs(client, assessed):
    from huren.dicomnode.models import AnalysisRun, DicomSeries

    w = assessed.world
    _login(client, w.users["manager_a"])
    html = client.get(reverse("web:assessment", args=[assessed.assessment.pk])).content.decode()
    assert reverse("reports:assessment_pdf", args=[assessed.assessment.pk]) in html
    assert reverse("reports:certificate_pdf", args=[assessed.decision.pk]) in html
    now = timezone.now()
    series = DicomSeries.objects.create(series_instance_uid="1.2.9", device=w.ct_a, first_received_at=now, last_received_at=now)
    run = AnalysisRun.objects.create(series=series, queued_at=now, status="done",
                                     result={"modality": "CT", "measurements": [{"item": "CT-QC-HU-WATER", "metric": "ct_number_water",
                                                                                 "value": 1.25, "unit": "HU", "verdict": "pass"}]})
    html = client.get(reverse("web:dicom_series", args=[series.pk])).content.decode()
    assert reverse("reports:run_pdf", args=[run.pk]) in html
    r = client.get(reverse("reports:run_pdf", args=[run.pk]))  # the stored images are gone: the table, no pictures
    from tests.reports.conftest import pdf_text

    text = pdf_text(r.content).replace("\n", "")
    assert r.status_code == 200 and "1.25 HU" in text and "CT-a" in text and "甲医院" in text and "体模图像" not in text

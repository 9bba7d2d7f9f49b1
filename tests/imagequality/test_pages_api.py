"""The studies pages: list with findings and filters, the study page, retry, scope (404)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from huren.imagequality.models import CheckResult, Evaluation, SeriesResult
from huren.studies.models import Study


def _study(device, uid, *, body="CHEST", day=dt.date(2026, 11, 2)):
    now = timezone.now()
    return Study.objects.create(study_instance_uid=uid, device=device, modality=device.modality, body_part=body,
                                study_date=day, study_description=f"desc {uid}", first_received_at=now,
                                last_received_at=now)


def _evaluated(study, failed=("noise",)):
    ev = Evaluation.objects.create(study=study, status="done", queued_at=timezone.now(), outcome="fail" if failed else "pass",
                                   checks_failed=len(failed), checks_passed=1, failed_checks=list(failed))
    sr = SeriesResult.objects.create(evaluation=ev, series_instance_uid="1.2.3." + str(ev.pk), series_number=2,
                                     description="AX T1", modality=study.modality)
    CheckResult.objects.create(evaluation=ev, series_result=sr, check_name="coverage", result="pass", value=1,
                               reason_zh="覆盖完整", reason_en="coverage complete")
    for name in failed:
        CheckResult.objects.create(evaluation=ev, series_result=sr, check_name=name, result="fail", value=42.5,
                                   unit="HU", rule="≤ 20 HU", reason_zh="噪声过高", reason_en="noise too high")
    return ev


def _client(user):
    c = Client()
    c.force_login(user)
    return c


@pytest.mark.django_db
def test_list_shows_findings_and_filters(site):
    a1 = _study(site.a.CT, "1.1", body="CHEST")
    a2 = _study(site.a.CT, "1.2", body="HEAD", day=dt.date(2026, 10, 1))
    _evaluated(a1, failed=("noise",))
    _evaluated(a2, failed=())
    b = _study(site.b.CT, "2.1")
    c = _client(site.a.manager)
    r = c.get("/studies/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "desc 1.1" in body and "desc 1.2" in body and "desc 2.1" not in body
    assert "noise" in body
    only_noise = c.get("/studies/", {"check": "noise"}).content.decode()
    assert "desc 1.1" in only_noise and "desc 1.2" not in only_noise
    head = c.get("/studies/", {"body_part": "HEAD"}).content.decode()
    assert "desc 1.2" in head and "desc 1.1" not in head
    october = c.get("/studies/", {"since": "2026-10-01", "until": "2026-10-31"}).content.decode()
    assert "desc 1.2" in october and "desc 1.1" not in october
    mr_only = c.get("/studies/", {"device": site.a.MR.pk}).content.decode()
    assert "desc 1.1" not in mr_only
    assert "desc 2.1" in _client(site.qc_admin).get("/studies/").content.decode()
    assert b.pk


@pytest.mark.django_db
def test_study_page_and_scope(site):
    s = _study(site.a.CT, "1.1")
    _evaluated(s)
    r = _client(site.a.tech).get(f"/studies/{s.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    body = r.content.decode()
    assert r.status_code == 200
    assert "AX T1" in body and "42.5 HU" in body and "≤ 20 HU" in body
    assert _client(site.b.manager).get(f"/studies/{s.pk}/").status_code == 404
    assert _client(site.b.manager).post(f"/studies/{s.pk}/retry/").status_code == 404


@pytest.mark.django_db
def test_retry_of_failed_evaluation(site):
    s = _study(site.a.CT, "1.1")
    Evaluation.objects.create(study=s, status="failed", queued_at=timezone.now(), error_zh="读不出", error_en="unreadable")
    tech = _client(site.a.tech)
    assert "Retry" not in tech.get(f"/studies/{s.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert tech.post(f"/studies/{s.pk}/retry/").status_code == 403
    assert Evaluation.objects.filter(study=s).count() == 1
    manager = _client(site.a.manager)
    assert manager.get(f"/studies/{s.pk}/retry/").status_code == 405
    r = manager.post(f"/studies/{s.pk}/retry/")
    assert r.status_code == 302
    assert Evaluation.objects.filter(study=s).count() == 2
    newest = Evaluation.objects.filter(study=s).order_by("-id").first()
    assert newest.requested_by == site.a.manager and newest.status != "failed"
    # no second retry while the new one is pending
    manager.post(f"/studies/{s.pk}/retry/")
    assert Evaluation.objects.filter(study=s).count() == 2


@pytest.mark.django_db
def test_api_studies_and_evaluations(site):
    from rest_framework.test import APIClient

    s = _study(site.a.CT, "1.1")
    ev = _evaluated(s)
    other = _study(site.b.CT, "2.1")
    c = APIClient()
    c.force_authenticate(site.a.manager)
    rows = c.get("/api/studies/").json()["results"]
    assert [r["id"] for r in rows] == [s.pk]
    assert rows[0]["latest_evaluation"]["id"] == ev.pk and rows[0]["latest_evaluation"]["failed_checks"] == ["noise"]
    assert c.get(f"/api/studies/{other.pk}/").status_code == 404
    detail = c.get(f"/api/iq-evaluations/{ev.pk}/").json()
    assert {x["check_name"] for x in detail["checks"]} == {"coverage", "noise"}
    assert detail["series_results"][0]["description"] == "AX T1"
    assert c.post("/api/studies/", {}).status_code in (403, 405)
    assert c.get("/api/studies/", {"since": "not-a-date"}).status_code == 400
    schema = c.get("/api/schema/").content.decode()
    assert "/api/studies/" in schema and "/api/iq-evaluations/" in schema


@pytest.mark.django_db
def test_pages_in_chinese(site):
    s = _study(site.a.CT, "1.1")
    _evaluated(s)
    c = _client(site.a.manager)
    assert "检查影像质量" in c.get("/studies/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    body = c.get(f"/studies/{s.pk}/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "自动评价结果" in body and "噪声过高" in body and "noise too high" not in body


@pytest.mark.django_db
def test_qc_overview_shows_iq_pass_rates(site):
    from django.core.cache import cache

    cache.clear()
    a = [_study(site.a.CT, f"1.{i}") for i in range(4)]
    for s in a[:3]:
        ev = _evaluated(s, failed=())
        ev.finished_at = timezone.now()
        ev.save()
    old = _evaluated(a[3], failed=())  # superseded by a later failing evaluation: counts as failed
    old.finished_at = timezone.now()
    old.save()
    new = _evaluated(a[3], failed=("noise",))
    new.finished_at = timezone.now()
    new.save()
    html = _client(site.qc_admin).get("/qc/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    section = html.split('id="iq-rates"')[1].split("<h2")[0]
    assert "75 %" in section  # 3 of 4 studies pass, for hospital A and for its CT
    assert "CT-a" in section and "CT-b" not in section

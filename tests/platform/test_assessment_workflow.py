"""The assessment workflow through the API: a hospital creates and submits, an evaluator
reviews, overrides (only with a reason) and decides; decisions are kept unchanged."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.support import client_for
from django.utils import timezone

from huren.accounts.models import AuditEntry
from huren.assessment.models import Assessment, Decision, Immutable, ItemReview
from huren.evidence.models import Measurement


@pytest.fixture
def submitted(world):
    """Hospital A's CT with a failing CT number of water, assessed and submitted via the API."""
    Measurement.objects.create(device=world.a.ct, recorded_by=world.a.tech, performed_on=timezone.localdate(),
                               item="CT-QC-HU-WATER", metric="ct_number_water", value=7.2, unit="HU", test_type="status")
    mgr = client_for(world.a.manager)
    r = mgr.post("/api/assessments/", {"device": world.a.ct.pk, "note": "年度评估"}, format="json")
    assert r.status_code == 201, r.content
    aid = r.json()["id"]
    assert r.json()["state"] == "draft" and r.json()["catalog_key"].startswith("taiyuan-trial@")
    r = mgr.post(f"/api/assessments/{aid}/submit/")
    assert r.status_code == 200 and r.json()["state"] == "submitted"
    return aid


def test_end_to_end_with_override_and_decision(world, submitted):
    ev = client_for(world.evaluator)
    a = Assessment.objects.get(pk=submitted)
    item = a.item("CT-QC-HU-WATER")
    assert item["verdict"] == "fail" and "7.2 HU" in item["reason_zh"]
    # qualified is refused while required items do not pass
    r = ev.post(f"/api/assessments/{submitted}/decide/", {"outcome": "qualified", "valid_until": "2099-01-01"}, format="json")
    assert r.status_code == 400 and "CT-QC-HU-WATER" in r.json()["outcome"][0]
    # override refused without a reason, accepted with one
    r = ev.post(f"/api/assessments/{submitted}/override/", {"item": "CT-QC-HU-WATER", "verdict": "pass"}, format="json")
    assert r.status_code == 400 and "reason" in r.json()
    r = ev.post(f"/api/assessments/{submitted}/review/", {"item": "CT-QC-HU-WATER", "verdict": "pass", "reason": "  "},
                format="json")
    assert r.status_code == 400 and "理由" in r.json()["reason"][0] and "reason" in r.json()["reason"][0]
    assert not ItemReview.objects.filter(assessment_id=submitted, item="CT-QC-HU-WATER").exists()
    r = ev.post(f"/api/assessments/{submitted}/override/",
                {"item": "CT-QC-HU-WATER", "verdict": "pass", "reason": "体模放置偏移，复测 1.1 HU / phantom offset; retest 1.1 HU"},
                format="json")
    assert r.status_code == 201 and r.json()["overridden"] is True and r.json()["derived_verdict"] == "fail"
    bad = [e["item"] for e in a.snapshot if e["verdict"] not in ("pass", "not_applicable") and e["item"] != "CT-QC-HU-WATER"]
    for it in bad:
        assert ev.post(f"/api/assessments/{submitted}/override/",
                       {"item": it, "verdict": "pass", "reason": "现场核实 / verified on site"}, format="json").status_code == 201
    until = (timezone.localdate() + dt.timedelta(days=365)).isoformat()
    r = ev.post(f"/api/assessments/{submitted}/decide/", {"outcome": "qualified", "valid_until": until,
                                                         "comment": "合格"}, format="json")
    assert r.status_code == 201, r.content
    d = Decision.objects.get(pk=r.json()["id"])
    assert d.catalog_key == a.catalog_key and d.valid_until.isoformat() == until
    final = {e["item"]: e for e in d.snapshot}
    assert final["CT-QC-HU-WATER"]["derived"] == "fail" and final["CT-QC-HU-WATER"]["verdict"] == "pass"
    assert "phantom offset" in final["CT-QC-HU-WATER"]["override_reason"]
    assert final["CT-QC-HU-WATER"]["evidence"]["measurement"]
    # decided: kept forever
    with pytest.raises(Immutable):
        d.comment = "changed"
        d.save()
    with pytest.raises(Immutable):
        d.delete()
    with pytest.raises(Immutable):
        Decision.objects.filter(pk=d.pk).update(outcome="not_qualified")
    a.refresh_from_db()
    a.snapshot = []
    with pytest.raises(Immutable):
        a.save()
    r = ev.post(f"/api/assessments/{submitted}/decide/", {"outcome": "not_qualified", "comment": "x"}, format="json")
    assert r.status_code == 400 and "state" in r.json()
    # the device is qualified now and recognised
    assert client_for(world.a.tech).get(f"/api/devices/{world.a.ct.pk}/status/").json()["status"] == "qualified"
    assert AuditEntry.objects.filter(model="assessment.decision", object_id=str(d.pk), action="create").exists()
    assert AuditEntry.objects.filter(model="assessment.assessment", object_id=str(submitted), note="submitted").exists()


@pytest.mark.parametrize("who", ["manager", "tech"])
def test_hospital_users_cannot_review_override_or_decide(world, submitted, who):
    c = client_for(getattr(world.a, who))
    for action, body in [("review", {"item": "CT-QC-HU-WATER"}),
                         ("override", {"item": "CT-QC-HU-WATER", "verdict": "pass", "reason": "我们觉得合格"}),
                         ("decide", {"outcome": "qualified", "valid_until": "2099-01-01"})]:
        r = c.post(f"/api/assessments/{submitted}/{action}/", body, format="json")
        assert r.status_code == 403, (action, r.status_code)
        assert " / " in r.json()["detail"]
    assert not ItemReview.objects.filter(assessment_id=submitted).exists()
    assert not Decision.objects.filter(assessment_id=submitted).exists()


def test_qc_admin_cannot_decide_and_technologist_cannot_submit(world):
    r = client_for(world.a.tech).post("/api/assessments/", {"device": world.a.ct.pk}, format="json")
    assert r.status_code == 403
    aid = client_for(world.a.manager).post("/api/assessments/", {"device": world.a.ct.pk}, format="json").json()["id"]
    assert client_for(world.a.tech).post(f"/api/assessments/{aid}/submit/").status_code == 403
    client_for(world.a.manager).post(f"/api/assessments/{aid}/submit/")
    r = client_for(world.qc_admin).post(f"/api/assessments/{aid}/decide/", {"outcome": "not_qualified", "comment": "x"},
                                        format="json")
    assert r.status_code == 403


def test_review_needs_a_submitted_assessment_and_a_known_item(world):
    mgr, ev = client_for(world.a.manager), client_for(world.evaluator)
    aid = mgr.post("/api/assessments/", {"device": world.a.ct.pk}, format="json").json()["id"]
    r = ev.post(f"/api/assessments/{aid}/review/", {"item": "CT-QC-HU-WATER"}, format="json")
    assert r.status_code == 400 and "state" in r.json()
    mgr.post(f"/api/assessments/{aid}/submit/")
    r = ev.post(f"/api/assessments/{aid}/review/", {"item": "DR-QC-STP"}, format="json")
    assert r.status_code == 400 and "item" in r.json()
    r = ev.post(f"/api/assessments/{aid}/review/", {"item": "CT-QC-HU-WATER", "verdict": "great"}, format="json")
    assert r.status_code == 400 and "verdict" in r.json()


def test_bulk_acceptance_reviews_only_the_items_left(world, submitted):
    ev = client_for(world.evaluator)
    ev.post(f"/api/assessments/{submitted}/override/", {"item": "CT-QC-HU-WATER", "verdict": "pass", "reason": "复测合格"},
            format="json")
    r = ev.post(f"/api/assessments/{submitted}/accept-remaining/")
    assert r.status_code == 201
    a = Assessment.objects.get(pk=submitted)
    assert len(r.json()) == len(a.snapshot) - 1 and all(not x["overridden"] for x in r.json())
    assert ev.post(f"/api/assessments/{submitted}/accept-remaining/").json() == []
    final = {e["item"]: e["verdict"] for e in client_for(world.a.manager).get(f"/api/assessments/{submitted}/final/").json()}
    assert final["CT-QC-HU-WATER"] == "pass"
    assert client_for(world.a.manager).post(f"/api/assessments/{submitted}/accept-remaining/").status_code == 403


def test_rectification_needs_items_and_deadline_and_shows_at_risk(world, submitted):
    ev = client_for(world.evaluator)
    r = ev.post(f"/api/assessments/{submitted}/decide/", {"outcome": "rectify"}, format="json")
    assert r.status_code == 400 and {"rectification_items", "rectification_deadline"} <= set(r.json())
    deadline = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    r = ev.post(f"/api/assessments/{submitted}/decide/", {"outcome": "rectify", "rectification_items": ["CT-QC-HU-WATER"],
                                                         "rectification_deadline": deadline,
                                                         "valid_until": "2099-01-01"}, format="json")
    assert r.status_code == 201
    st = client_for(world.a.manager).get(f"/api/devices/{world.a.ct.pk}/status/").json()
    assert st["status"] == "at_risk" and st["decision"]["rectification_deadline"] == deadline


def test_not_qualified_needs_a_written_reason(world, submitted):
    r = client_for(world.evaluator).post(f"/api/assessments/{submitted}/decide/", {"outcome": "not_qualified"}, format="json")
    assert r.status_code == 400 and "comment" in r.json()


def test_reviews_are_kept_and_only_drafts_may_be_discarded(world):
    r = world.a.review
    with pytest.raises(Immutable):
        r.reason = "changed"
        r.save()
    with pytest.raises(Immutable):
        ItemReview.objects.filter(pk=r.pk).update(verdict="pass")
    with pytest.raises(Immutable):
        r.delete()
    with pytest.raises(Immutable):
        world.a.assessment.delete()
    from huren.assessment import workflow

    draft = workflow.create(world.a.ct, world.a.manager)
    draft.delete()
    assert not Assessment.objects.filter(pk=draft.pk).exists()


def test_override_reason_is_enforced_by_the_model_too(world, submitted):
    from django.core.exceptions import ValidationError

    a = Assessment.objects.get(pk=submitted)
    with pytest.raises(ValidationError):
        ItemReview.objects.create(assessment=a, item="CT-QC-HU-WATER", derived_verdict="fail", verdict="pass",
                                  reviewer=world.evaluator)

"""Who may record what (catalog [recording] rules), enforced by the API's serializers and so
by every web form; and a document alone does not stand for figures the catalog names."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.support import client_for
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from huren.assessment.verdicts import device_verdicts
from huren.evidence.models import ChecklistAnswer, Document, Measurement
from huren.registry.models import ShieldingMeasurement
from huren.standard.catalog import CatalogError, _loads, load_catalog

TODAY = timezone.localdate()
SCORE = {"performed_on": str(TODAY), "item": "CT-IQ-ARTIFACT", "metric": "expert_score", "value": 2.5, "unit": ""}


def _refused(r, field):
    assert r.status_code == 400, r.content
    msg = r.json()[field][0]
    assert "无权录入" in msg and "not allowed" in msg and "QC-centre" in msg and "质控中心" in msg
    return msg


@pytest.mark.parametrize("who", ["tech", "manager"])
def test_hospital_users_cannot_post_an_expert_score(world, who):
    user = getattr(world.a, who)
    n = Measurement.objects.count()
    r = client_for(user).post("/api/measurements/", SCORE | {"device": world.a.ct.pk}, format="json")
    msg = _refused(r, "metric")
    assert "专家图像质量评分" in msg
    assert Measurement.objects.count() == n
    v = next(v for v in device_verdicts(world.a.ct) if v.item == "CT-IQ-ARTIFACT")
    assert v.verdict != "pass"


@pytest.mark.parametrize("who", ["evaluator", "qc_admin"])
def test_the_centre_records_the_expert_score(world, who):
    r = client_for(getattr(world, who)).post("/api/measurements/", SCORE | {"device": world.a.ct.pk}, format="json")
    assert r.status_code == 201, r.content


def test_other_measurements_stay_the_hospitals(world):
    r = client_for(world.a.tech).post("/api/measurements/", {
        "device": world.a.ct.pk, "performed_on": str(TODAY), "item": "CT-QC-HU-WATER", "metric": "ct_number_water",
        "value": 2, "unit": "HU"}, format="json")
    assert r.status_code == 201, r.content


def test_image_quality_check_and_document_are_the_centres(world):
    n = ChecklistAnswer.objects.count()
    r = client_for(world.a.tech).post("/api/checklists/", {"device": world.a.ct.pk, "performed_on": str(TODAY),
                                                           "item": "CT-IQ-ARTIFACT", "answer": "yes"}, format="json")
    _refused(r, "item")
    assert ChecklistAnswer.objects.count() == n
    f = SimpleUploadedFile("iq.pdf", b"%PDF-1.4 x", content_type="application/pdf")
    r = client_for(world.a.tech).post("/api/documents/", {"device": world.a.ct.pk, "performed_on": str(TODAY),
                                                          "items": json.dumps(["CT-IQ-ARTIFACT"]), "title": "评分表", "file": f},
                                      format="multipart")
    _refused(r, "items")
    r = client_for(world.evaluator).post("/api/checklists/", {"device": world.a.ct.pk, "performed_on": str(TODAY),
                                                              "item": "CT-IQ-ARTIFACT", "answer": "yes"}, format="json")
    assert r.status_code == 201, r.content


def test_shielding_is_the_centres(world):
    body = {"room": world.a.room.pk, "position": "wall", "lead_equivalence_mm": "2.5", "measured_on": str(TODAY)}
    n = ShieldingMeasurement.objects.count()
    r = client_for(world.a.manager).post("/api/shielding/", body, format="json")
    _refused(r, "lead_equivalence_mm")
    assert ShieldingMeasurement.objects.count() == n
    assert client_for(world.qc_admin).post("/api/shielding/", body, format="json").status_code == 201


def test_measurement_form_refuses_a_technologists_expert_score(world, client):
    client.force_login(world.a.tech)
    n = Measurement.objects.count()
    r = client.post(f"/devices/{world.a.ct.pk}/measurement/", {"item": "CT-IQ-ARTIFACT", "metric": "expert_score",
                                                             "value": "2.5", "unit": "", "performed_on": str(TODAY)})
    assert r.status_code == 200
    assert "无权录入" in r.content.decode() and Measurement.objects.count() == n
    client.force_login(world.evaluator)
    r = client.post(f"/devices/{world.a.ct.pk}/measurement/", {"item": "CT-IQ-ARTIFACT", "metric": "expert_score",
                                                             "value": "2.5", "unit": "", "performed_on": str(TODAY)})
    assert r.status_code == 302 and Measurement.objects.count() == n + 1


# --------------------------------------------------------------- a document is not a measurement
def _doc(world, device, items, user):
    d = Document(device=device, recorded_by=user, performed_on=TODAY - dt.timedelta(days=1), items=items, title="检测报告")
    d.file.save("r.pdf", SimpleUploadedFile("r.pdf", b"%PDF-1.4"), save=False)
    d.save()
    return d


@pytest.mark.parametrize("item", ["CT-EQ-PERF", "MR-EQ-PERF"])
def test_a_report_alone_does_not_pass_a_performance_item(world, item):
    device = world.a.ct if item.startswith("CT") else world.a.mr
    _doc(world, device, [item], world.a.tech)
    v = next(v for v in device_verdicts(device) if v.item == item)
    assert v.verdict == "missing"
    assert "无测量结果" in v.reason_zh and "no measurement" in v.reason_en


def test_a_report_backs_the_figures_and_alone_passes_a_calibration_item(world):
    _doc(world, world.a.ct, ["CT-EQ-PERF", "CT-EQ-CAL"], world.a.tech)
    v = {v.item: v for v in device_verdicts(world.a.ct)}
    assert v["CT-EQ-CAL"].verdict == "pass"
    Measurement.objects.create(device=world.a.ct, recorded_by=world.a.tech, performed_on=TODAY, item="CT-EQ-PERF",
                               metric="geometric_distance", value=0.5, unit="mm", test_type="status")
    v = next(v for v in device_verdicts(world.a.ct) if v.item == "CT-EQ-PERF")
    assert v.verdict != "missing" and "document" in v.evidence and "measurement" in v.evidence


def test_catalog_recording_table_is_data_and_checked():
    cat = load_catalog()
    assert cat["DR-EQ-CAL"].document_alone and not cat["DR-EQ-PERF"].document_alone
    assert all("doc" in cat[i].kinds for i in cat.recording.document_alone)
    text = cat.source and (load_catalog.__globals__["resources"].files("huren.standard")
                           .joinpath("catalogs", "taiyuan-trial.toml").read_text("utf-8"))
    for bad, what in (('roles = ["qc_admin", "evaluator"]\nwhy_zh = "专家', 'roles = ["janitor"]\nwhy_zh = "专家'),
                      ('"DR-EQ-LAYOUT", "DR-EQ-POWER"', '"DR-EQ-PERF2"'),
                      ('document_alone = ["DR-EQ-LAYOUT",', 'document_alone = ["DR-EQ-SHIELD",')):
        assert bad in text
        with pytest.raises(CatalogError):
            _loads(text.replace(bad, what, 1), "t.toml")

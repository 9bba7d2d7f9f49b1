"""Migrations, the demo command, the OpenAPI schema and docs, the recognition query."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from tests.support import client_for
from django.core.management import call_command
from django.utils import timezone

from huren.recognition.models import RecognitionQuery


def test_models_and_migrations_agree(db):
    out = io.StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()


def test_demo_loads_once_quickly_with_the_promised_content(db):
    from django.contrib.auth import authenticate, get_user_model

    from huren.assessment.models import Decision
    from huren.assessment.status import device_status
    from huren.evidence.models import ChecklistAnswer, DailyLog, Measurement
    from huren.registry.models import Device, Institution

    out = io.StringIO()
    call_command("huren_demo", stdout=out)  # its speed is measured in bench/platform_timings.py
    assert Institution.objects.filter(kind="hospital", parent__kind="qc_centre").count() >= 2
    for h in Institution.objects.filter(kind="hospital"):
        mods = sorted(Device.objects.filter(department__institution=h).values_list("modality", flat=True))
        assert mods == ["CT", "DR", "MR"]
        assert Device.objects.get(department__institution=h, modality="MR").field_strength_t == 1.5
    ct = Device.objects.filter(modality="CT").first()
    assert DailyLog.objects.filter(device=ct).count() >= 85
    assert Measurement.objects.exists() and ChecklistAnswer.objects.exists()
    assert Decision.objects.exists()
    text = out.getvalue()
    for user in ("qcadmin", "evaluator", "a_manager", "a_tech", "b_manager", "b_tech"):
        assert user in text
        assert authenticate(username=user, password="huren-demo") is not None
    from django.test import Client

    admin = Client()
    admin.force_login(get_user_model().objects.get(username="qcadmin"))
    assert admin.get("/admin/registry/device/").status_code == 200
    statuses = {device_status(d).status for d in Device.objects.all()}
    assert {"qualified", "at_risk", "never_assessed"} <= statuses
    from huren.assessment.verdicts import device_verdicts

    verdicts = {v.verdict for d in Device.objects.all() for v in device_verdicts(d)}
    assert {"pass", "fail", "missing"} <= verdicts
    # a second run leaves the database alone
    n = DailyLog.objects.count()
    out2 = io.StringIO()
    call_command("huren_demo", stdout=out2)
    assert "not empty" in out2.getvalue() and DailyLog.objects.count() == n


def test_openapi_schema_generates_without_warnings(db, tmp_path):
    call_command("spectacular", "--fail-on-warn", "--file", str(tmp_path / "schema.yml"))
    assert "/api/recognition/" in (tmp_path / "schema.yml").read_text()


def test_openapi_schema_and_docs_are_served_locally(world):
    c = client_for(world.a.tech)
    r = c.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert r.status_code == 200
    paths = r.json()["paths"]
    for p in ("/api/devices/{id}/verdicts/", "/api/devices/{id}/status/", "/api/assessments/{id}/decide/",
              "/api/assessments/{id}/override/", "/api/recognition/", "/api/catalog/", "/api/documents/"):
        assert p in paths, p
    html = c.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in html
    assert "cdn" not in html.lower() and "unpkg" not in html.lower()


def test_catalog_endpoint_reads_the_standard(world):
    c = client_for(world.a.tech)
    data = c.get("/api/catalog/", {"modality": "MR"}).json()
    assert data["key"].startswith("taiyuan-trial@") and all(i["modality"] == "MR" for i in data["items"])
    assert c.get("/api/catalog/CT-QC-HU-WATER/").json()["id"] == "CT-QC-HU-WATER"
    r = c.get("/api/catalog/NOPE/")
    assert r.status_code == 404 and " / " in r.json()["detail"]


def test_recognition_by_device_identity_and_date(world):
    from huren.assessment import workflow

    today = timezone.localdate()
    ct = world.a.ct
    a = workflow.submit(workflow.create(ct, world.a.manager), world.a.manager)
    for e in a.snapshot:
        if e["verdict"] != "pass":
            workflow.review(a, world.evaluator, e["item"], verdict="pass", reason="核实 / verified")
    d = workflow.decide(a, world.evaluator, "qualified", valid_until=today + dt.timedelta(days=365))
    c = client_for(world.b.tech)  # another hospital asks: recognition is across hospitals
    asked = RecognitionQuery.objects.filter(asked_by=world.b.tech).count()
    r = c.get("/api/recognition/", {"station_name": "ctstation1", "study_date": today.isoformat()})
    assert r.status_code == 200
    body = r.json()
    assert body["recognised"] is True and body["decision"]["id"] == d.pk
    assert body["valid_until"] == (today + dt.timedelta(days=365)).isoformat()
    assert body["device"]["institution"] == world.a.institution.name and "evidence" not in str(body)
    r = c.get("/api/recognition/", {"device_serial": "CTSN1", "study_date": (today - dt.timedelta(days=3)).isoformat()})
    assert r.json()["recognised"] is False  # before the decision
    r = c.get("/api/recognition/", {"ae_title": "NOBODY", "study_date": today.isoformat()})
    assert r.json()["recognised"] is False and r.json()["device"] is None
    r = c.get("/api/recognition/", {"station_name": "CTSTATION2", "study_date": today.isoformat()})
    assert r.json()["recognised"] is False and r.json()["decision"]["outcome"] == "not_qualified"
    r = c.get("/api/recognition/", {"device": ct.pk, "study_date": (today + dt.timedelta(days=1)).isoformat()})
    assert r.status_code == 400 and "study_date" in r.json()
    r = c.get("/api/recognition/", {"study_date": today.isoformat()})
    assert r.status_code == 400 and "device" in r.json()
    assert RecognitionQuery.objects.filter(asked_by=world.b.tech).count() == asked + 6  # refused ones are logged too
    mine = client_for(world.b.manager).get("/api/recognition-queries/").json()["results"]
    assert all(q["institution"] == world.b.institution.pk for q in mine)


def test_me_endpoint_names_roles_and_institution(world):
    me = client_for(world.a.manager).get("/api/me/").json()
    assert me["roles"] == ["hospital_manager"] and me["institution"]["id"] == world.a.institution.pk


@pytest.mark.parametrize("lang", ["zh-hans", "en"])
def test_default_messages_are_bilingual_whatever_the_language(world, lang):
    r = client_for(world.a.manager).post("/api/rooms/", {"name": "x"}, format="json", HTTP_ACCEPT_LANGUAGE=lang)
    msg = r.json()["department"][0]
    assert " / " in msg and "required" in msg.lower()


def test_documented_response_shapes_match_the_responses(world):
    from huren.api import serializers as S
    from huren.recognition import api as RA

    c = client_for(world.evaluator)
    for url, shape in ((f"/api/devices/{world.a.ct.pk}/verdicts/", S.DeviceVerdictsSerializer),
                       (f"/api/devices/{world.a.ct.pk}/status/", S.DeviceStatusSerializer),
                       (f"/api/recognition/?device={world.a.ct.pk}&study_date={timezone.localdate()}",
                        RA.RecognitionAnswerSerializer)):
        data = c.get(url).json()
        s = shape(data=data)
        assert s.is_valid(), (url, s.errors)
        assert set(data) == set(shape().fields), url

"""Scope: a hospital user never sees or changes another hospital's records, on every API
endpoint. The endpoints are read from the router, so a new endpoint is covered at once."""

from __future__ import annotations

import pytest
from tests.support import client_for
from rest_framework.test import APIClient

from huren.api.urls import router

SCOPED = [(prefix, viewset) for prefix, viewset, _ in router.registry if getattr(viewset, "scoped", True)]
IDS = [p for p, _ in SCOPED]


def owned_by(model, institution) -> set[int]:
    """Ids of ``model`` rows of ``institution``, found by the model's SCOPE path (not by for_user)."""
    key = model.SCOPE or "pk"
    return set(model._base_manager.filter(**{key: institution.pk if not model.SCOPE else institution})
               .values_list("pk", flat=True))


def listed(client, prefix: str, **params) -> set[int]:
    ids: set[int] = set()
    url = f"/api/{prefix}/"
    while url:
        r = client.get(url, params)
        assert r.status_code == 200, (prefix, r.status_code, r.content[:300])
        ids |= {row["id"] for row in r.json()["results"]}
        url, params = r.json()["next"], {}
    return ids


def test_every_model_endpoint_is_scoped_and_has_a_model():
    assert len(SCOPED) >= 16
    for prefix, viewset in SCOPED:
        assert viewset.model is not None and hasattr(viewset.model, "SCOPE"), prefix


@pytest.mark.parametrize("prefix,viewset", SCOPED, ids=IDS)
def test_endpoint_keeps_each_hospital_to_its_own_records(world, prefix, viewset):
    """Lists never include hospital B's records for hospital A's users; B's detail URLs are
    404 (writes 403/404/405) and change nothing; the QC centre sees both; anonymous nothing."""
    model = viewset.model
    mine, theirs = owned_by(model, world.a.institution), owned_by(model, world.b.institution)
    assert theirs, f"the fixture has no {model.__name__} of hospital B: add one so {prefix} is tested"
    for user in (world.a.manager, world.a.tech):
        seen = listed(client_for(user), prefix)
        assert not seen & theirs, f"{user} sees hospital B's {prefix}"
        assert mine <= seen, f"{user} misses own {prefix}"
    c = client_for(world.a.manager)
    for pk in sorted(theirs)[:3]:
        assert c.get(f"/api/{prefix}/{pk}/").status_code == 404
        for method in ("patch", "put", "delete"):
            r = getattr(c, method)(f"/api/{prefix}/{pk}/", {"name": "x", "note": "x"}, format="json")
            assert r.status_code in (403, 404, 405), (prefix, method, r.status_code)
    assert owned_by(model, world.b.institution) == theirs
    for user in (world.evaluator, world.qc_admin):
        assert mine | theirs <= listed(client_for(user), prefix), (prefix, user)
    assert APIClient().get(f"/api/{prefix}/").status_code in (401, 403)


def test_filters_cannot_reach_other_institution(world):
    c = client_for(world.a.tech)
    assert listed(c, "measurements", device=world.b.ct.pk) == set()
    assert listed(c, "devices", institution=world.b.institution.pk) == set()
    assert c.get("/api/measurements/", {"device": "not-a-number"}).status_code == 400
    r = c.get("/api/logs/", {"since": "yesterday"})
    assert r.status_code == 400 and " / " in r.json()["since"][0]


def test_device_subresources_and_assessment_actions_are_scoped(world):
    c = client_for(world.a.manager)
    for sub in ("verdicts", "status"):
        assert c.get(f"/api/devices/{world.b.ct.pk}/{sub}/").status_code == 404
        assert c.get(f"/api/devices/{world.a.ct.pk}/{sub}/").status_code == 200
    assert c.post(f"/api/assessments/{world.b.assessment.pk}/submit/").status_code == 404
    ev = client_for(world.evaluator)
    assert ev.get(f"/api/devices/{world.b.ct.pk}/verdicts/").status_code == 200


def test_hospital_user_cannot_create_records_under_another_institution(world):
    c = client_for(world.a.manager)
    r = c.post("/api/devices/", {"department": world.b.department.pk, "name": "X", "modality": "DR",
                                 "manufacturer": "M", "model_name": "X", "serial_number": "X1"}, format="json")
    assert r.status_code == 400 and "department" in r.json()
    r = c.post("/api/measurements/", {"device": world.b.ct.pk, "performed_on": "2024-01-01", "item": "CT-QC-HU-WATER",
                                      "metric": "ct_number_water", "value": 1, "unit": "HU"}, format="json")
    assert r.status_code == 400 and "device" in r.json()
    r = c.post("/api/assessments/", {"device": world.b.ct.pk}, format="json")
    assert r.status_code == 400
    r = c.post("/api/institutions/", {"name": "新医院", "parent": world.centre.pk}, format="json")
    assert r.status_code == 403  # only a QC-centre administrator registers institutions


def test_token_authentication_applies_the_same_scope(world):
    from rest_framework.authtoken.models import Token

    token = Token.objects.create(user=world.a.tech)
    c = APIClient()
    c.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    ids = listed(c, "devices")
    assert world.a.ct.pk in ids and world.b.ct.pk not in ids
    assert c.get(f"/api/devices/{world.b.ct.pk}/").status_code == 404


def test_user_without_profile_sees_nothing(world):
    from django.contrib.auth import get_user_model

    u = get_user_model().objects.create_user("stranger", password="x")
    assert listed(client_for(u), "devices") == set()


def test_admin_lists_only_the_staff_users_scope(world, client):
    world.a.manager.is_staff = True
    world.a.manager.save()
    from django.contrib.auth.models import Permission

    world.a.manager.user_permissions.add(*Permission.objects.filter(codename__in=["view_device", "view_measurement"]))
    client.force_login(world.a.manager)
    html = client.get("/admin/registry/device/").content.decode()
    assert "CT-a" in html and "CT-b" not in html
    assert client.get(f"/admin/registry/device/{world.b.ct.pk}/change/").status_code in (302, 404)
    html = client.get("/admin/evidence/measurement/").content.decode()
    assert "CT-QC-HU-WATER" in html


BAD_BODIES = [
    {},
    {"id": 1, "value": "NaN", "performed_on": "2024-13-45", "device": "x", "department": -1, "items": "not a list"},
    {"value": 1e300, "performed_on": None, "device": None, "conditions": [1, 2], "sop_instance_uids": "1.2.3"},
    {"name": "x" * 5000, "kind": "?", "modality": "PET", "lead_equivalence_mm": "-1", "field_strength_t": "strong"},
]


@pytest.mark.parametrize("prefix", [p for p, _, _ in router.registry])
def test_malformed_input_never_causes_a_server_error(world, prefix):
    for user in (world.qc_admin, world.a.manager):
        c = client_for(user)
        for body in BAD_BODIES:
            r = c.post(f"/api/{prefix}/", body, format="json")
            assert r.status_code < 500, (prefix, body, r.content[:300])
            if r.status_code == 400:
                assert all(" / " in str(m) for msgs in r.json().values() for m in (msgs if isinstance(msgs, list) else [msgs])), r.json()
        for raw in ("{not json", '{"value": 1e400, "temperature_c": 1e400, "area_m2": 1e400}', '{"value": NaN}'):
            r = c.generic("POST", f"/api/{prefix}/", raw, content_type="application/json")
            assert r.status_code in (400, 403, 405), (prefix, raw, r.content[:300])
    for action in ("submit", "review", "override", "decide"):
        r = client_for(world.evaluator).post(f"/api/assessments/{world.a.assessment.pk}/{action}/", {"item": 5, "outcome": []},
                                             format="json")
        assert r.status_code < 500


def test_status_list_is_scoped_and_filtered(world):
    rows = client_for(world.a.tech).get("/api/devices/statuses/").json()["results"]
    assert {r["device"] for r in rows} == {world.a.ct.pk, world.a.mr.pk}
    assert {r["status"] for r in rows} == {"not_qualified", "never_assessed"}
    both = client_for(world.evaluator).get("/api/devices/statuses/", {"status": "not_qualified"}).json()["results"]
    assert {r["device"] for r in both} == {world.a.ct.pk, world.b.ct.pk}
    assert client_for(world.evaluator).get("/api/devices/statuses/", {"status": "good"}).status_code == 400


def test_every_platform_model_declares_its_scope():
    from django.apps import apps

    unscoped = {"accounts.loginfailure",  # keyed by user name and address, never listed
                "recognition.reexamreason"}  # shared reference data (re-examination reasons), no institution
    for label in ("accounts", "registry", "evidence", "assessment", "recognition"):
        for model in apps.get_app_config(label).get_models():
            key = f"{label}.{model._meta.model_name}"
            if key in unscoped:
                continue
            assert hasattr(model, "SCOPE"), key
            assert hasattr(model.objects, "for_user"), key
            # the path really leads to an institution
            path = model.SCOPE
            target = model
            for part in filter(None, path.split("__")):
                target = target._meta.get_field(part).related_model
            assert target._meta.label_lower == "registry.institution", key

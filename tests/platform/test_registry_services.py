"""Finding a device from a DICOM identity; register validation."""

from __future__ import annotations

import pytest
from tests.support import client_for

from huren.registry.models import Device
from huren.registry.services import find_device


def test_device_found_by_serial_then_station_then_ae_title(world):
    assert find_device(device_serial="ctsn1") == world.a.ct
    assert find_device(station_name=" CTSTATION2 ") == world.b.ct
    assert find_device(ae_title="CTAE1") == world.a.ct
    assert find_device(device_serial="unknown", station_name="CTSTATION1") == world.a.ct
    assert find_device(station_name="nobody") is None
    assert find_device() is None


def test_ambiguous_identity_matches_nothing_and_inactive_devices_are_skipped(world):
    Device.objects.filter(pk=world.b.mr.pk).update(station_name="CTSTATION1")
    assert find_device(station_name="CTSTATION1") is None
    assert find_device(device_serial="CTSN1", station_name="CTSTATION1") == world.a.ct
    Device.objects.filter(pk=world.a.ct.pk).update(active=False)
    assert find_device(device_serial="CTSN1") is None


@pytest.mark.parametrize("body,field", [
    ({"modality": "MR"}, "field_strength_t"),
    ({"modality": "CT", "field_strength_t": 1.5}, "field_strength_t"),
    ({"modality": "DR", "install_date": "2999-01-01"}, "install_date"),
    ({"modality": "DR", "serial_number": "CT1", "manufacturer": "M"}, "serial_number"),
    ({"modality": "XR"}, "modality"),
])
def test_device_registration_refuses_inconsistent_input(world, body, field):
    base = {"department": world.a.department.pk, "name": "新设备", "manufacturer": "N", "model_name": "X",
            "serial_number": "NEW1"}
    r = client_for(world.a.manager).post("/api/devices/", base | body, format="json")
    assert r.status_code == 400 and field in r.json(), r.json()
    assert " / " in r.json()[field][0]


def test_room_of_another_department_is_refused(world):
    from huren.registry.models import Department, Room

    other = Department.objects.create(institution=world.a.institution, name="急诊科")
    room = Room.objects.create(department=other, name="急诊 CT", kind="exam")
    r = client_for(world.a.manager).patch(f"/api/devices/{world.a.ct.pk}/", {"room": room.pk}, format="json")
    assert r.status_code == 400 and "room" in r.json()


def test_coils_only_on_mr(world):
    r = client_for(world.a.manager).post("/api/coils/", {"device": world.a.ct.pk, "kind": "head"}, format="json")
    assert r.status_code == 400 and "device" in r.json()


def test_deleting_a_device_with_evidence_is_refused_cleanly(world):
    c = client_for(world.a.manager)
    r = c.delete(f"/api/devices/{world.a.ct.pk}/")
    assert r.status_code == 409 and " / " in r.json()["detail"]
    assert Device.objects.filter(pk=world.a.ct.pk).exists()
    r = c.delete(f"/api/departments/{world.a.department.pk}/")
    assert r.status_code == 409
    r = c.patch(f"/api/devices/{world.a.ct.pk}/", {"active": False}, format="json")
    assert r.status_code == 200 and r.json()["active"] is False


def test_duplicates_are_refused_field_by_field_in_both_languages(world):
    r = client_for(world.a.manager).post("/api/departments/", {"institution": world.a.institution.pk, "name": "放射科"},
                                         format="json")
    assert r.status_code == 400 and "同名科室" in r.json()["name"][0] and "same" not in r.json()["name"][0]
    assert "department of this name" in r.json()["name"][0]
    r = client_for(world.qc_admin).post("/api/institutions/", {"name": "医院a", "parent": world.centre.pk}, format="json")
    assert r.status_code == 400 and " / " in r.json()["name"][0]

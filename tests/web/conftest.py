"""A small world for the web tests: a QC centre, two hospitals with one CT each, and a user
of every role. Built directly through the platform's models (milliseconds, no demo load)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from huren.accounts.models import Profile
from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, TECHNOLOGIST, ensure_groups
from huren.registry.models import Department, Device, Institution, Room

PASSWORD = "test-pass-123"


@dataclass
class World:
    centre: Institution
    hospital_a: Institution
    hospital_b: Institution
    ct_a: Device
    ct_b: Device
    users: dict


@pytest.fixture
def fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _user(username, role, inst):
    u = get_user_model().objects.create_user(username=username, password=PASSWORD, first_name=username)
    u.groups.add(Group.objects.get(name=role))
    Profile.objects.create(user=u, institution=inst, display_name=username)
    return u


def build_world() -> World:
    ensure_groups()
    centre = Institution.objects.create(name="太原市质控中心（测试）", kind=Institution.Kind.QC_CENTRE)
    devices, hospitals = {}, {}
    for key, name in (("a", "甲医院"), ("b", "乙医院")):
        h = Institution.objects.create(name=name, kind=Institution.Kind.HOSPITAL, parent=centre)
        dep = Department.objects.create(institution=h, name="放射科")
        room = Room.objects.create(department=dep, name="CT 检查间", kind=Room.Kind.EXAM)
        devices[key] = Device.objects.create(
            department=dep, room=room, name=f"CT-{key}", modality="CT", manufacturer="Siemens",
            # the model of the real CT file's header (a contradicting header is held: dicomnode.trust)
            model_name="Biograph128", serial_number=f"SN-{key}",
            station_name=f"CTSTATION{key.upper()}", device_serial_number=f"6000{'5' if key == 'a' else '6'}")
        hospitals[key] = h
    users = {
        "qc_admin": _user("qcadmin", QC_ADMIN, centre),
        "evaluator": _user("evaluator", EVALUATOR, centre),
        "manager_a": _user("manager_a", HOSPITAL_MANAGER, hospitals["a"]),
        "tech_a": _user("tech_a", TECHNOLOGIST, hospitals["a"]),
        "tech_b": _user("tech_b", TECHNOLOGIST, hospitals["b"]),
    }
    return World(centre, hospitals["a"], hospitals["b"], devices["a"], devices["b"], users)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rolled-back tests reuse primary keys on SQLite: no cached page data may outlive a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def world(db, fast_passwords) -> World:
    return build_world()

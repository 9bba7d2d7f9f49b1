"""Fixtures for the image-quality service: a QC centre, two hospitals with a CT, DR and MR device
each, users of every role, and synthetic clinical studies sent through the node's storage path."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django.test import override_settings
from iqs_helpers import IMMEDIATE, make_user, send


@pytest.fixture
def site(db, tmp_path, settings):
    from huren.registry.models import Department, Device, Institution

    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_HOME = tmp_path
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    centre = Institution.objects.create(name="质控中心", kind="qc_centre")
    w = SimpleNamespace(centre=centre, qc_admin=make_user("qcadmin", "qc_admin", centre),
                        evaluator=make_user("evaluator", "evaluator", centre),
                        evaluator2=make_user("evaluator2", "evaluator", centre))
    for key, n in (("a", 1), ("b", 2)):
        h = Institution.objects.create(name=f"医院{key}", name_en=f"Hospital {key}", parent=centre)
        dept = Department.objects.create(institution=h, name="放射科")
        devs = {m: Device.objects.create(department=dept, name=f"{m}-{key}", modality=m, manufacturer="M",
                                         model_name="X", serial_number=f"{m}{n}", station_name=f"{m}ST{n}",
                                         device_serial_number=f"{m}SN{n}")
                for m in ("CT", "DR", "MR")}
        setattr(w, key, SimpleNamespace(institution=h, manager=make_user(f"{key}_manager", "hospital_manager", h),
                                        tech=make_user(f"{key}_tech", "technologist", h), **devs))
    return w


@pytest.fixture
def immediate(django_capture_on_commit_callbacks):
    """Tasks run at once, on commit (as a worker would, without waiting): ``immediate(study, device)``."""
    def go(study, device, **kw):
        with override_settings(TASKS=IMMEDIATE, HUREN_DICOM_SERIES_QUIET_SECONDS=0), \
                django_capture_on_commit_callbacks(execute=True):
            send(study, device, **kw)
    return go

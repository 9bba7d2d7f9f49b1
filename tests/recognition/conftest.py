"""A small world for the recognition tests: a QC centre, two hospitals with a CT each, a
user of each role involved, and helpers to write evidence and decisions on past days."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from tests.support import client_for, make_user  # noqa: F401  (tests import client_for from here too)


@pytest.fixture(autouse=True)
def _fast(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def measure(device, user, day: dt.date, value: float, *, hour: int = 10):
    """A status test of CT number of water on ``day`` recorded that day."""
    from huren.evidence.models import Measurement

    m = Measurement(device=device, recorded_by=user, performed_on=day, item="CT-QC-HU-WATER",
                    metric="ct_number_water", value=value, unit="HU", test_type="status")
    m.recorded_at = at(day, hour)
    m.save()
    return m


def decide(device, manager, evaluator, day: dt.date, outcome: str, **kw):
    """An assessment created, submitted and decided on ``day`` (failing items overridden to
    pass for a qualified decision)."""
    from huren.assessment import workflow

    t = at(day, 14)
    a = workflow.submit(workflow.create(device, manager, at=t), manager, at=t)
    if outcome == "qualified":
        for e in a.snapshot:
            if e["verdict"] not in ("pass", "not_applicable"):
                workflow.review(a, evaluator, e["item"], verdict="pass", reason="核实 / verified", at=t)
        kw.setdefault("valid_until", timezone.localdate() + dt.timedelta(days=365))
    if outcome == "rectify":
        kw.setdefault("rectification_items", ["CT-QC-HU-WATER"])
        kw.setdefault("rectification_deadline", timezone.localdate() + dt.timedelta(days=30))
    if outcome == "not_qualified":
        kw.setdefault("comment", "测试 / test")
    return workflow.decide(a, evaluator, outcome, at=t, **kw)


@pytest.fixture
def world(db):
    from huren.registry.models import Department, Device, Institution

    centre = Institution.objects.create(name="质控中心", kind="qc_centre")
    w = SimpleNamespace(centre=centre, qc_admin=make_user("qcadmin", "qc_admin", centre),
                        evaluator=make_user("evaluator", "evaluator", centre))
    for key, n in (("a", 1), ("b", 2)):
        h = Institution.objects.create(name=f"医院{key}", name_en=f"Hospital {key}", parent=centre, code=f"14010{n}")
        dept = Department.objects.create(institution=h, name="放射科")
        ct = Device.objects.create(department=dept, name=f"CT-{key}", modality="CT", manufacturer="M",
                                   model_name="CT64", serial_number=f"CT{n}", station_name=f"CTSTATION{n}",
                                   device_serial_number=f"CTSN{n}", ae_title=f"CTAE{n}")
        setattr(w, key, SimpleNamespace(institution=h, department=dept, ct=ct,
                                        manager=make_user(f"{key}_manager", "hospital_manager", h),
                                        tech=make_user(f"{key}_tech", "technologist", h),
                                        doctor=make_user(f"{key}_doctor", "clinician", h)))
    return w


def make_study(device, day: dt.date, *, uid: str, accession: str = "", body_part: str = "HEAD",
               modality: str = "CT", description: str = "", patient_id: str = ""):
    from huren.studies.keys import patient_key
    from huren.studies.models import Study

    now = timezone.now()
    return Study.objects.create(study_instance_uid=uid, accession_number=accession, study_date=day, modality=modality,
                                body_part=body_part, study_description=description, device=device,
                                patient_id_key=patient_key(patient_id), first_received_at=now, last_received_at=now)

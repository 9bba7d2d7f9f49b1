"""Fixtures for the Django platform tests: a QC centre with two hospitals, a user of each
role, and one record of every scoped kind in each hospital."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from huren.accounts.roles import ROLES
from tests.support import client_for, make_user  # noqa: F401  (tests import client_for from here too)


@pytest.fixture(autouse=True)
def _fast_and_isolated(settings, tmp_path):
    # Password hashing at full strength costs ~0.3 s a login; the tests of hashing itself
    # look at the project settings, not at this override.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.MEDIA_ROOT = tmp_path / "media"


def build_hospital(centre, key: str, n: int):
    """One hospital with a record of every kind; returns a namespace of them."""
    from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
    from huren.registry.models import (
        Accessory, Coil, Department, Device, Institution, ProtectiveEquipment, Room, ShieldingMeasurement,
    )

    today = timezone.localdate()
    h = Institution.objects.create(name=f"医院{key}", name_en=f"Hospital {key}", parent=centre)
    manager = make_user(f"{key}_manager", "hospital_manager", h)
    tech = make_user(f"{key}_tech", "technologist", h)
    dept = Department.objects.create(institution=h, name="放射科")
    room = Room.objects.create(department=dept, name="CT 检查间", kind="exam")
    ct = Device.objects.create(department=dept, room=room, name=f"CT-{key}", modality="CT", manufacturer="M",
                               model_name="CT64", serial_number=f"CT{n}", station_name=f"CTSTATION{n}",
                               device_serial_number=f"CTSN{n}", ae_title=f"CTAE{n}")
    mr = Device.objects.create(department=dept, name=f"MR-{key}", modality="MR", manufacturer="M", model_name="MR15",
                               serial_number=f"MR{n}", field_strength_t=1.5, station_name=f"MRSTATION{n}")
    coil = Coil.objects.create(device=mr, kind="head_neck")
    acc = Accessory.objects.create(department=dept, kind="defibrillator")
    ppe = ProtectiveEquipment.objects.create(department=dept, kind="lead_apron", lead_equivalence_mm="0.5")
    shield = ShieldingMeasurement.objects.create(room=room, position="door", lead_equivalence_mm="2.5",
                                                 measured_on=today - dt.timedelta(days=10))
    day = today - dt.timedelta(days=1)
    meas = Measurement.objects.create(device=ct, recorded_by=tech, performed_on=day, item="CT-QC-HU-WATER",
                                      metric="ct_number_water", value=1.0, unit="HU", test_type="status")
    log = DailyLog.objects.create(device=ct, recorded_by=tech, performed_on=day, temperature_c=21.0, humidity_percent=50)
    check = ChecklistAnswer.objects.create(device=ct, recorded_by=tech, performed_on=day, item="CT-EQ-ENV-CLEAN",
                                           answer="yes")
    doc = Document(device=ct, recorded_by=tech, performed_on=day, items=["CT-EQ-CAL"], title="检测报告")
    doc.file.save("report.pdf", ContentFile(b"%PDF-1.4 test"), save=False)
    doc.save()
    from huren.imagequality.models import Evaluation
    from huren.studies.models import Study

    now = timezone.now()
    study = Study.objects.create(study_instance_uid=f"1.2.826.0.1.{n}", device=ct, modality="CT", study_date=day,
                                 first_received_at=now, last_received_at=now)
    iq = Evaluation.objects.create(study=study, status="done", outcome="pass", queued_at=now, checks_passed=1)
    return SimpleNamespace(institution=h, manager=manager, tech=tech, department=dept, room=room, ct=ct, mr=mr, study=study, iq=iq,
                           coil=coil, accessory=acc, ppe=ppe, shielding=shield, measurement=meas, log=log,
                           check=check, document=doc)


@pytest.fixture
def world(db):
    """A QC centre (administrator, evaluator) and hospitals A and B under it, each with one
    record of every kind, and in each a decided assessment and a recognition query."""
    from huren.assessment import workflow
    from huren.recognition.models import ClinicianDecision, QualificationAction, RecognitionQuery
    from huren.registry.models import Institution

    centre = Institution.objects.create(name="质控中心", kind="qc_centre")
    w = SimpleNamespace(centre=centre, qc_admin=make_user("qcadmin", "qc_admin", centre),
                        evaluator=make_user("evaluator", "evaluator", centre))
    w.a = build_hospital(centre, "a", 1)
    w.b = build_hospital(centre, "b", 2)
    for h in (w.a, w.b):
        a = workflow.create(h.ct, h.manager)
        a = workflow.submit(a, h.manager)
        h.review = workflow.review(a, w.evaluator, "CT-QC-HU-WATER")
        h.decision = workflow.decide(a, w.evaluator, "not_qualified", comment="测试 / test")
        h.assessment = a
        h.query = RecognitionQuery.objects.create(asked_by=h.tech, institution=h.institution,
                                                  study_date=timezone.localdate(), recognised=False)
        h.receiving = ClinicianDecision.objects.create(institution=h.institution, decided_by=h.manager,
                                                       recognised=False, accepted=True)
        h.action = QualificationAction.objects.create(device=h.ct, action="suspend", reason="测试 / test",
                                                      by=w.evaluator)
    return w


assert set(ROLES) == {"qc_admin", "evaluator", "hospital_manager", "technologist", "clinician"}

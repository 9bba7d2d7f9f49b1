"""Demo data: one QC centre, two hospitals, a DR, a CT and a 1.5 T MR each, 90 days of daily
logs (a few days out of range), QC measurements (some failing), checklists partly filled,
register entries, one decided assessment, and a login for each role.

All values are synthetic. The history is written through the same models and workflow as
real use, with past timestamps, so that verdicts, status and recognition have something to
show. Loads only into an empty database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from huren.accounts import audit
from huren.accounts.models import Profile
from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, TECHNOLOGIST, ensure_groups
from huren.assessment import workflow
from huren.assessment.verdicts import MISSING, PASS, current_catalog
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.registry.models import (
    Accessory, Coil, Department, Device, Institution, ProtectiveEquipment, Room, ShieldingMeasurement,
)

DEMO_PASSWORD = "huren-demo"
LOG_DAYS = 90

# (item, metric, value in hospital A, value in hospital B, unit, test type, conditions, baseline)
QC_VALUES = {
    "CT": [
        ("CT-QC-HU-WATER", "ct_number_water", 1.2, 7.2, "HU", "status", {}, None),
        ("CT-QC-UNIF", "uniformity_max_diff", 2.1, 3.4, "HU", "status", {}, None),
        ("CT-QC-NOISE", "noise_percent_10mm", 0.31, 0.38, "%", "status", {"kv": 120, "mas": 250}, None),
        ("CT-QC-HCR", "mtf10", 6.9, 6.1, "lp/cm", "status", {"method_note": "wire"}, None),
        ("CT-QC-LCR", "low_contrast_diameter", 2.5, 2.5, "mm", "status", {}, None),
        ("CT-QC-SLICE", "slice_thickness", 5.3, 5.6, "mm", "status", {"nominal": 5.0}, None),
        ("CT-QC-TABLE", "table_positioning_error", 0.8, 1.1, "mm", "status", {}, None),
        # the performance test's figures (the report backs them, it does not replace them)
        ("CT-EQ-PERF", "ct_number_linearity", 12.0, 18.0, "HU", "status", {}, None),
    ],
    "DR": [
        ("DR-QC-DARK", "dark_mean", 52.0, 55.0, "", "status", {}, 48.0),
        ("DR-QC-STP", "stp_r2", 0.996, 0.991, "", "status", {}, None),
        ("DR-QC-UNIF", "uniformity_cv", 2.1, 6.3, "%", "status", {}, None),
        ("DR-QC-GHOST", "ghost_percent", 1.2, 2.0, "%", "stability", {}, None),
        ("DR-QC-ARTIFACT", "artifact_count", 0, 0, "", "status", {}, None),
        ("DR-EQ-PERF", "low_contrast_details_changed", 0, 1, "", "status", {}, None),
    ],
    "MR": [
        ("MR-EQ-PERF", "piu", 92.5, 86.1, "%", "status", {}, None),
        ("MR-EQ-PERF", "ghosting_percent", 0.8, 1.1, "%", "status", {}, None),
        ("MR-EQ-PERF", "slice_thickness", 5.2, 5.3, "mm", "status", {}, None),
        ("MR-EQ-PERF", "resolved_hole_size", 1.0, 1.0, "mm", "status", {}, None),
        ("MR-EQ-PERF", "low_contrast_spokes", 36, 31, "", "status", {}, None),
    ],
}
METHODS = {"piu": "acr", "ghosting_percent": "acr-psg"}


def _users(centre, hospitals, out):
    User = get_user_model()
    ensure_groups()
    # one hash for the one demo password: hashing costs ~0.3 s a time
    hashed = make_password(DEMO_PASSWORD)

    def make(username, role, inst, name):
        # QC-centre administrators may also use the admin site (scoped, see accounts.admin_base)
        u = User.objects.create(username=username, password=hashed, first_name=name, is_staff=role == QC_ADMIN)
        u.groups.add(Group.objects.get(name=role))
        Profile.objects.create(user=u, institution=inst, display_name=name)
        out.append((username, role, inst.name))
        return u

    users = {"qc_admin": make("qcadmin", QC_ADMIN, centre, "质控中心管理员"),
             "evaluator": make("evaluator", EVALUATOR, centre, "评审专家")}
    for key, h in hospitals.items():
        users[f"{key}_manager"] = make(f"{key}_manager", HOSPITAL_MANAGER, h, f"{h.name} 管理员")
        users[f"{key}_tech"] = make(f"{key}_tech", TECHNOLOGIST, h, f"{h.name} 技师")
    return users


def _register(hospital, key):
    dept = Department.objects.create(institution=hospital, name="放射科", head="示范主任")
    rooms = {}
    for kind, name in [("waiting", "候诊区"), ("preparation", "准备间"), ("control", "控制室"),
                       ("exam", "DR 检查间"), ("exam", "CT 检查间"), ("magnet", "磁体间"), ("equipment", "设备间")]:
        rooms[name] = Room.objects.create(department=dept, kind=kind, name=name, independent_air_conditioning=True)
    n = 1 if key == "a" else 2
    devices = {
        "DR": Device.objects.create(department=dept, room=rooms["DR 检查间"], name=f"DR-{n}", modality="DR",
                                    manufacturer="Demo Imaging", model_name="DR 500", serial_number=f"DR{n}0001",
                                    install_date=dt.date(2021, 3, 1), ae_title=f"DEMO_DR{n}", station_name=f"DEMODR{n}",
                                    device_serial_number=f"DRSN{n}0001"),
        "CT": Device.objects.create(department=dept, room=rooms["CT 检查间"], name=f"CT-{n}", modality="CT",
                                    manufacturer="Demo Imaging", model_name="CT 64", serial_number=f"CT{n}0001",
                                    install_date=dt.date(2020, 6, 1), ae_title=f"DEMO_CT{n}", station_name=f"DEMOCT{n}",
                                    device_serial_number=f"CTSN{n}0001"),
        "MR": Device.objects.create(department=dept, room=rooms["磁体间"], name=f"MR-{n}", modality="MR",
                                    manufacturer="Demo Imaging", model_name="MR 1.5T", serial_number=f"MR{n}0001",
                                    install_date=dt.date(2019, 9, 1), field_strength_t=1.5, ae_title=f"DEMO_MR{n}",
                                    station_name=f"DEMOMR{n}", device_serial_number=f"MRSN{n}0001"),
    }
    coils = ["head_neck", "neck", "spine", "body", "shoulder", "knee", "ankle", "flexible"]
    if key == "b":
        coils = [c for c in coils if c not in ("shoulder", "ankle", "flexible")]
    for c in coils:
        Coil.objects.create(device=devices["MR"], kind=c, name=f"{c} coil")
    today = timezone.localdate()
    for kind in ["power_injector", "defibrillator", "bag_valve_respirator", "oxygen_supply", "suction_unit", "gating"]:
        Accessory.objects.create(department=dept, kind=kind)
    expired = today - dt.timedelta(days=12)
    Accessory.objects.create(department=dept, kind="adrenaline_1_1000", is_drug=True, quantity=5,
                             expiry_date=today + dt.timedelta(days=200))
    Accessory.objects.create(department=dept, kind="h1_antihistamine", is_drug=True, quantity=5,
                             expiry_date=expired if key == "b" else today + dt.timedelta(days=150))
    for kind in ["lead_apron", "lead_cap", "lead_collar", "lead_skirt", "lead_square_scarf"]:
        lead = "0.35" if (key == "b" and kind == "lead_square_scarf") else "0.50"
        ProtectiveEquipment.objects.create(department=dept, kind=kind, lead_equivalence_mm=lead, quantity=2,
                                           checked_on=today - dt.timedelta(days=40))
    for room in (rooms["DR 检查间"], rooms["CT 检查间"]):
        for pos, label, lead in [("wall", "东墙", "3.0"), ("wall", "西墙", "3.0"), ("door", "患者防护门", "2.5"),
                                 ("window", "观察窗", "1.5" if key == "b" else "2.5")]:
            ShieldingMeasurement.objects.create(room=room, position=pos, label=label, lead_equivalence_mm=lead,
                                                measured_on=today - dt.timedelta(days=200), measured_by="示范检测机构")
    return dept, rooms, devices


def _at(day: dt.date, hour: int = 9) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _logs(device, room, user, key):
    today = timezone.localdate()
    rows = []
    for i in range(LOG_DAYS, 0, -1):
        day = today - dt.timedelta(days=i - 1)
        if key == "b" and device.modality == "DR" and 20 <= i <= 24:
            continue  # a five-day gap in hospital B's DR log
        wobble = math.sin(i / 5.0)
        lo_t, hi_t = (20.5, 21.5) if device.modality == "MR" else (19.5, 22.5)
        t = round((lo_t + hi_t) / 2 + wobble * (hi_t - lo_t) / 2 * 0.8, 1)
        h = round(55 + 6 * math.cos(i / 7.0), 1)
        # a few out-of-range days: old ones everywhere, a recent one in hospital A's CT room
        if i in (61, 62):
            t = 25.6 if device.modality != "MR" else 23.1
        if i == 47:
            h = 68.0
        if key == "a" and device.modality == "CT" and i == 3:
            t = 26.1
        kw = dict(temperature_c=t, humidity_percent=h, startup_check_done=True, status_ok=True,
                  storage_free_percent=round(62 - (LOG_DAYS - i) * 0.1, 1), images_sent_to_pacs=True,
                  preventive_maintenance_done=(i % 30 == 5) or None, backup_done=(i % 30 == 7) or None,
                  full_shutdown_done=(i % 7 == 2) or None)
        if device.modality == "CT":
            kw.update(warm_up_done=True, air_calibration_done=True)
        if device.modality == "MR":
            kw.update(helium_level_percent=round(78 - (LOG_DAYS - i) * 0.05, 1), compressor_temperature_c=round(24 + wobble, 1),
                      compressor_pressure_mpa=round(2.1 + 0.05 * wobble, 2), chiller_water_temperature_c=round(16 + wobble, 1),
                      chiller_water_pressure_mpa=round(0.35 + 0.02 * wobble, 2), system_log_reviewed=True,
                      errors_followed_up=True, table_checked=True, compressor_running=True, cold_head_sound_normal=True)
        rows.append(DailyLog(department_id=device.department_id, device=device, room=room, recorded_by=user,
                             recorded_at=_at(day, 18), performed_on=day, **kw))
    # append-only: bulk insertion is still insertion; one audit entry records the batch
    DailyLog.objects.bulk_create(rows)
    audit.record_action(device, f"demo: {len(rows)} daily log entries", user=user)


def _qc(device, user, key, catalog):
    today = timezone.localdate()
    day = today - dt.timedelta(days=60)
    for item_id, metric, va, vb, unit, tt, cond, baseline in QC_VALUES[device.modality]:
        if item_id not in catalog:
            continue
        Measurement.objects.create(
            department_id=device.department_id, device=device, recorded_by=user, recorded_at=_at(day, 15),
            performed_on=day, item=item_id, metric=metric, value=va if key == "a" else vb, unit=unit, test_type=tt,
            method=METHODS.get(metric, ""), conditions=cond, baseline=baseline)


def _checks_and_docs(device, user, key, catalog, skip_every: int):
    day = timezone.localdate() - dt.timedelta(days=30)
    n = 0
    for item in catalog.for_modality(device.modality):
        if "check" in item.kinds:
            questions = [str(i + 1) for i in range(len(item.checklist))] or [""]
            for q in questions:
                n += 1
                if skip_every and n % skip_every == 0:
                    continue  # partly filled
                ChecklistAnswer.objects.create(department_id=device.department_id, device=device, recorded_by=user,
                                               recorded_at=_at(day, 10), performed_on=day, item=item.id, question=q,
                                               answer="yes")
        if "doc" in item.kinds and not (skip_every and item.section == "equipment" and n % 3 == 0):
            body = f"示范文档 / demo document: {item.id} {device.name}\n".encode()
            doc = Document(department_id=device.department_id, device=device, recorded_by=user, recorded_at=_at(day, 11),
                           performed_on=day - dt.timedelta(days=90), items=[item.id], kind="test_report",
                           title=f"{item.title_zh or item.id} 检测报告", original_name=f"{item.id}.txt",
                           size_bytes=len(body), sha256=hashlib.sha256(body).hexdigest(), issuing_body="示范检测机构",
                           valid_until=timezone.localdate() + dt.timedelta(days=270))
            doc.file.save(f"{item.id}.txt", ContentFile(body), save=False)
            doc.save()


def _decide(device, mgr, ev, catalog) -> None:
    when = timezone.now() - dt.timedelta(days=10)
    with audit.acting_as(mgr):
        a = workflow.create(device, mgr, at=when - dt.timedelta(hours=2), catalog=catalog)
        a = workflow.submit(a, mgr, at=when - dt.timedelta(hours=1), catalog=catalog)
    with audit.acting_as(ev):
        for e in a.snapshot:
            if e["verdict"] == MISSING and set(e["kinds"]) <= {"image", "check"}:
                workflow.review(a, ev, e["item"], verdict=PASS, at=when - dt.timedelta(minutes=30),
                                reason="专家现场评分合格（示范） / expert on-site score satisfactory (demo)")
        workflow.accept_remaining(a, ev, at=when - dt.timedelta(minutes=20))
        final = workflow.final_verdicts(a)
        bad = [e["item"] for e in final if e.get("required", True) and e["verdict"] not in ("pass", "not_applicable")]
        if bad:
            workflow.decide(a, ev, "rectify", rectification_items=bad,
                            rectification_deadline=timezone.localdate() + dt.timedelta(days=20),
                            valid_until=timezone.localdate() + dt.timedelta(days=355), at=when,
                            comment="示范：限期整改 / demo: rectification required")
        else:
            workflow.decide(a, ev, "qualified", valid_until=timezone.localdate(when) + dt.timedelta(days=365), at=when,
                            comment="示范：评估合格 / demo: qualified")


@transaction.atomic
def load(stdout=None) -> list[tuple[str, str, str]]:
    """Fill an empty database with the demo; returns (username, role, institution) rows."""
    catalog = current_catalog()
    centre = Institution.objects.create(name="太原市医学影像质量控制中心（示范）", name_en="Taiyuan imaging QC centre (demo)",
                                        kind=Institution.Kind.QC_CENTRE)
    hospitals = {
        "a": Institution.objects.create(name="晋阳示范医院", name_en="Jinyang Demo Hospital", parent=centre, level="三级甲等"),
        "b": Institution.objects.create(name="汾河示范医院", name_en="Fenhe Demo Hospital", parent=centre, level="三级乙等"),
    }
    logins: list[tuple[str, str, str]] = []
    users = _users(centre, hospitals, logins)
    for key, h in hospitals.items():
        tech = users[f"{key}_tech"]
        with audit.acting_as(tech):
            dept, rooms, devices = _register(h, key)
            room_of = {"DR": rooms["DR 检查间"], "CT": rooms["CT 检查间"], "MR": rooms["磁体间"]}
            for mod, dev in devices.items():
                _logs(dev, room_of[mod], tech, key)
                _qc(dev, tech, key, catalog)
                _checks_and_docs(dev, tech, key, catalog, skip_every=0 if key == "a" else 4)
    # two decided assessments in hospital A, ten days ago: the DR stays qualified; the CT
    # has had a day out of range since, so it shows as at risk
    for station in ("DEMODR1", "DEMOCT1"):
        _decide(Device.objects.get(station_name=station), users["a_manager"], users["evaluator"], catalog)
    return logins


def is_empty() -> bool:
    return not Institution.objects.exists() and not get_user_model().objects.filter(is_superuser=False).exists()

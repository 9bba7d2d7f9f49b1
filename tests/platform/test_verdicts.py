"""Derived verdicts for a device: missing, passing, failing, overdue, superseded evidence,
logs over their window, checklists, documents and the register; and the device status."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from tests.support import make_user
from django.utils import timezone

from huren.assessment.status import device_status
from huren.assessment.verdicts import device_verdicts
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.registry.models import Accessory, Coil, Department, Device, Institution, Room, ShieldingMeasurement

def days_ago(n: int) -> dt.date:
    return timezone.localdate() - dt.timedelta(days=n)


def at(n: int) -> dt.datetime:
    return timezone.now() - dt.timedelta(days=n)


@pytest.fixture
def site(db):
    h = Institution.objects.create(name="医院")
    tech = make_user("tech", "technologist", h)
    dept = Department.objects.create(institution=h, name="放射科")
    room = Room.objects.create(department=dept, name="检查间", kind="exam")
    ct = Device.objects.create(department=dept, room=room, name="CT", modality="CT", manufacturer="M", model_name="X",
                               serial_number="1")
    dr = Device.objects.create(department=dept, room=room, name="DR", modality="DR", manufacturer="M", model_name="Y",
                               serial_number="2")
    mr = Device.objects.create(department=dept, name="MR", modality="MR", manufacturer="M", model_name="Z",
                               serial_number="3", field_strength_t=1.5)
    return type("Site", (), dict(h=h, tech=tech, dept=dept, room=room, ct=ct, dr=dr, mr=mr))


def verdict(device, item, on=None):
    return next(v for v in device_verdicts(device, on=on) if v.item == item)


def measure(site, device, item, metric, value, unit, n_days=1, recorded=None, **kw):
    return Measurement.objects.create(device=device, recorded_by=site.tech, performed_on=days_ago(n_days),
                                      recorded_at=recorded or timezone.now(), item=item, metric=metric, value=value,
                                      unit=unit, **kw)


def log(site, device, n_days, **values):
    return DailyLog.objects.create(device=device, recorded_by=site.tech, performed_on=days_ago(n_days),
                                   recorded_at=at(n_days), **values)


def test_item_without_evidence_is_missing(site):
    v = verdict(site.ct, "CT-QC-HU-WATER")
    assert v.verdict == "missing"
    assert "缺少证据" in v.reason_zh and "no evidence" in v.reason_en


def test_every_item_of_the_modality_gets_a_verdict(site):
    from huren.standard import load_catalog

    items = {v.item for v in device_verdicts(site.mr)}
    assert items == {i.id for i in load_catalog().for_modality("MR")}


def test_passing_measurement_passes_and_names_its_figures(site):
    m = measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 1.2, "HU", test_type="status")
    v = verdict(site.ct, "CT-QC-HU-WATER")
    assert v.verdict == "pass"
    assert "1.2 HU" in v.reason_zh and v.evidence["measurement"] == [m.pk]


def test_failing_measurement_fails_with_figures_in_both_languages(site):
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 7.2, "HU", test_type="status")
    v = verdict(site.ct, "CT-QC-HU-WATER")
    assert v.verdict == "fail"
    assert "CT值(水) 7.2 HU" in v.reason_zh and "超出 ±6 HU" in v.reason_zh
    assert "7.2 HU" in v.reason_en and "outside ±6 HU" in v.reason_en


def test_correction_supersedes_the_old_record_but_history_keeps_it(site):
    old = measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 7.2, "HU", n_days=6, recorded=at(5),
                  test_type="status")
    new = measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 2.0, "HU", n_days=6, test_type="status",
                  supersedes=old, note="typing error")
    now = verdict(site.ct, "CT-QC-HU-WATER")
    assert now.verdict == "pass" and now.evidence["measurement"] == [new.pk]
    then = verdict(site.ct, "CT-QC-HU-WATER", on=days_ago(3))  # before the correction was recorded
    assert then.verdict == "fail" and then.evidence["measurement"] == [old.pk]


def test_latest_measurement_wins(site):
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 7.2, "HU", n_days=20, test_type="status")
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 0.5, "HU", n_days=2, test_type="status")
    assert verdict(site.ct, "CT-QC-HU-WATER").verdict == "pass"


def test_test_older_than_its_period_is_overdue(site):
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 1.0, "HU", n_days=400, recorded=at(400),
            test_type="status")
    v = verdict(site.ct, "CT-QC-HU-WATER")
    assert v.verdict == "overdue" and "365" in v.reason_zh
    assert verdict(site.ct, "CT-QC-HU-WATER", on=days_ago(100)).verdict == "pass"


def test_a_fail_outranks_overdue(site):
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 9.0, "HU", n_days=400, recorded=at(400),
            test_type="status")
    assert verdict(site.ct, "CT-QC-HU-WATER").verdict == "fail"


def test_mr_measurement_is_judged_with_the_devices_field_strength(site):
    measure(site, site.mr, "MR-EQ-PERF", "piu", 85.0, "%", method="acr", test_type="status")
    v = verdict(site.mr, "MR-EQ-PERF")
    assert v.verdict == "fail" and "87.5" in v.reason_zh  # the < 3 T limit applies to 1.5 T


def test_daily_logs_in_range_pass(site):
    for n in range(0, 30):
        log(site, site.ct, n, temperature_c=21.0)
    v = verdict(site.ct, "CT-EQ-ENV-T")
    assert v.verdict == "pass", v.reasons


def test_one_day_out_of_range_fails_and_names_the_day(site):
    for n in range(0, 30):
        log(site, site.ct, n, temperature_c=26.1 if n == 3 else 21.0)
    v = verdict(site.ct, "CT-EQ-ENV-T")
    assert v.verdict == "fail"
    assert str(days_ago(3)) in v.reason_zh and "26.1°C" in v.reason_zh and "18–24" in v.reason_zh


def test_out_of_range_day_outside_the_window_no_longer_counts(site, settings):
    settings.HUREN_LOG_WINDOW_DAYS = 30
    for n in range(0, 45):
        log(site, site.ct, n, temperature_c=26.1 if n == 40 else 21.0)
    assert verdict(site.ct, "CT-EQ-ENV-T").verdict == "pass"


def test_log_that_stopped_is_overdue_and_a_gap_fails(site):
    for n in range(5, 20):
        log(site, site.ct, n, temperature_c=21.0)
    assert verdict(site.ct, "CT-EQ-ENV-T").verdict == "overdue"
    for n in range(0, 5):
        log(site, site.ct, n, temperature_c=21.0) if n != 2 and n != 3 else None
    v = verdict(site.ct, "CT-EQ-ENV-T")
    assert v.verdict == "fail" and "2" in v.reason_zh


def test_log_bool_metric_false_on_a_day_fails(site):
    for n in range(0, 10):
        log(site, site.ct, n, warm_up_done=(n != 4), air_calibration_done=True, storage_free_percent=50)
    v = verdict(site.ct, "CT-EQ-MAINT")
    assert v.verdict == "fail" and str(days_ago(4)) in v.reason_zh


def test_helium_drop_per_day_is_derived_from_the_log(site):
    levels = [70.0 - 0.05 * (30 - n) for n in range(30, -1, -1)]
    for n, level in zip(range(30, -1, -1), levels):
        log(site, site.mr, n, helium_level_percent=level if n != 1 else level - 8.0)
    v = verdict(site.mr, "MR-EQ-HE-LEVEL")
    assert v.verdict == "fail", v.reasons


def test_checklist_no_fails_na_is_not_applicable_partial_is_missing(site):
    a = ChecklistAnswer.objects.create(device=site.ct, recorded_by=site.tech, performed_on=days_ago(1),
                                       item="CT-EQ-ENV-CLEAN", answer="no", note="地面有污渍")
    v = verdict(site.ct, "CT-EQ-ENV-CLEAN")
    assert v.verdict == "fail" and "地面有污渍" in v.reason_zh
    ChecklistAnswer.objects.create(device=site.ct, recorded_by=site.tech, performed_on=days_ago(0),
                                   item="CT-EQ-ENV-CLEAN", answer="not_applicable", supersedes=a)
    assert verdict(site.ct, "CT-EQ-ENV-CLEAN").verdict == "not_applicable"
    ChecklistAnswer.objects.create(device=site.ct, recorded_by=site.tech, performed_on=days_ago(0),
                                   item="CT-EX-REQUEST", question="1", answer="yes")
    v = verdict(site.ct, "CT-EX-REQUEST")
    assert v.verdict == "missing" and "第2项" in v.reason_zh


def test_document_expiry_makes_it_overdue_and_a_test_report_has_a_period(site):
    def doc(item, issued, valid_until=None):
        d = Document(device=site.ct, recorded_by=site.tech, performed_on=issued, items=[item], title="报告",
                     valid_until=valid_until)
        d.file.name = "evidence/document/x.pdf"
        d.save()
        return d

    doc("CT-EQ-CAL", days_ago(100))
    assert verdict(site.ct, "CT-EQ-CAL").verdict == "pass"
    doc("CT-EQ-CAL", days_ago(400))  # an older report recorded later is not the latest
    assert verdict(site.ct, "CT-EQ-CAL").verdict == "pass"
    doc("CT-EQ-POWER", days_ago(10), valid_until=days_ago(1))
    v = verdict(site.ct, "CT-EQ-POWER")
    assert v.verdict == "overdue" and str(days_ago(1)) in v.reason_zh


def test_register_answers_all_present_and_lead_equivalence(site):
    kit = ["power_injector", "defibrillator", "bag_valve_respirator", "oxygen_supply", "suction_unit", "h1_antihistamine"]
    for k in kit:
        Accessory.objects.create(department=site.dept, kind=k)
    Accessory.objects.create(department=site.dept, kind="adrenaline_1_1000", is_drug=True, expiry_date=days_ago(2))
    v = verdict(site.ct, "CT-EQ-ACCESSORY")
    assert v.verdict == "fail" and "过期" in v.reason_zh
    for c in ["head_neck", "spine", "body", "knee", "shoulder"]:
        Coil.objects.create(device=site.mr, kind=c)
    v = verdict(site.mr, "MR-EQ-COILS")
    assert v.verdict == "fail" and "ankle" in v.reason_en
    Coil.objects.create(device=site.mr, kind="flexible")  # serves the ankle, as the standard allows
    assert verdict(site.mr, "MR-EQ-COILS").verdict == "pass"
    ShieldingMeasurement.objects.create(room=site.room, position="wall", label="东墙", lead_equivalence_mm="3.0",
                                        measured_on=days_ago(30))
    assert verdict(site.dr, "DR-EQ-SHIELD").verdict == "pass"
    ShieldingMeasurement.objects.create(room=site.room, position="window", label="观察窗", lead_equivalence_mm="1.5",
                                        measured_on=days_ago(20))
    v = verdict(site.dr, "DR-EQ-SHIELD")
    assert v.verdict == "fail" and "1.5 mm Pb" in v.reason_zh


def test_department_level_evidence_counts_for_each_device(site):
    ChecklistAnswer.objects.create(department=site.dept, recorded_by=site.tech, performed_on=days_ago(1),
                                   item="CT-EQ-ENV-CLEAN", answer="yes")
    assert verdict(site.ct, "CT-EQ-ENV-CLEAN").verdict == "pass"


def _decide_now(site, device, evaluator, manager):
    from huren.assessment import workflow

    a = workflow.submit(workflow.create(device, manager), manager)
    for e in a.snapshot:
        if e["verdict"] != "pass":
            workflow.review(a, evaluator, e["item"], verdict="pass", reason="现场核实 / verified on site")
    return workflow.decide(a, evaluator, "qualified", valid_until=days_ago(-365))


def test_status_moves_from_never_assessed_to_qualified_to_at_risk(site):
    ev = make_user("ev", "evaluator", Institution.objects.create(name="中心", kind="qc_centre"))
    site.h.parent = ev.profile.institution
    site.h.save()
    mgr = make_user("mgr", "hospital_manager", site.h)
    assert device_status(site.ct).status == "never_assessed"
    for n in range(1, 30):
        log(site, site.ct, n, temperature_c=21.0, humidity_percent=50)
    _decide_now(site, site.ct, ev, mgr)
    assert device_status(site.ct).status == "qualified"
    # a day out of range after the decision puts the device at risk at once
    DailyLog.objects.create(device=site.ct, recorded_by=site.tech, performed_on=days_ago(0), temperature_c=27.5,
                            humidity_percent=50)
    st = device_status(site.ct)
    assert st.status == "at_risk" and "CT-EQ-ENV-T" in st.items_at_risk
    assert any("27.5" in z for z, _ in st.reasons)


def test_status_is_not_qualified_after_the_validity_ends(site):
    from huren.assessment.models import Decision

    from huren.assessment.models import Assessment

    ev = make_user("ev", "evaluator", None)
    mgr = make_user("mgr", "hospital_manager", site.h)

    a = Assessment.objects.create(device=site.ct, catalog_key="k", created_by=mgr, state="decided")
    Decision.objects.create(assessment=a, device=site.ct, outcome="qualified", decided_by=ev,
                            decided_at=at(400), valid_from=days_ago(400), valid_until=days_ago(35), catalog_key="k")
    st = device_status(site.ct)
    assert st.status == "not_qualified" and str(days_ago(35)) in st.reasons[0][0]


def test_periodic_task_done_long_before_the_log_window_still_counts(site):
    from huren.standard import load_catalog

    crit = next(c for c in load_catalog()["CT-EQ-MAINT"].criteria if c.metric == "last_pm_date")
    log(site, site.ct, crit.period_days - 10, preventive_maintenance_done=True)
    for n in range(0, 20):
        log(site, site.ct, n, warm_up_done=True, air_calibration_done=True, storage_free_percent=50)
    v = verdict(site.ct, "CT-EQ-MAINT")
    pm = next(z for z, _ in v.reasons if z.startswith(crit.label_zh))
    assert str(days_ago(crit.period_days - 10)) in pm and "前有效" in pm
    assert "never recorded" not in v.reason_en


def test_correction_that_moves_the_date_out_of_the_window_replaces_the_old_entry(site):
    bad = log(site, site.ct, 2, temperature_c=30.0)
    DailyLog.objects.create(device=site.ct, recorded_by=site.tech, performed_on=days_ago(60), temperature_c=30.0,
                            supersedes=bad, note="wrong day")
    for n in range(0, 30):
        if n != 2:
            log(site, site.ct, n, temperature_c=21.0)
    v = verdict(site.ct, "CT-EQ-ENV-T")
    assert not any("30°C" in z for z, _ in v.reasons), v.reasons
    assert v.verdict == "pass", v.reasons


def test_catalog_in_force_is_a_setting_and_assessments_record_it(site, settings, tmp_path):
    from importlib import resources

    from huren.assessment import workflow

    text = resources.files("huren.standard").joinpath("catalogs", "taiyuan-trial.toml").read_text("utf-8")
    f = tmp_path / "next.toml"
    f.write_text(re.sub(r'(?m)^version = ".*"$', 'version = "2099.1"', text, count=1), "utf-8")
    settings.HUREN_CATALOG = str(f)
    a = workflow.create(site.ct, make_user("mgr", "hospital_manager", site.h))
    assert a.catalog_key == "taiyuan-trial@2099.1"
    assert {e["item"] for e in a.snapshot} == {v.item for v in device_verdicts(site.ct)}


def test_test_that_becomes_overdue_after_the_decision_puts_the_device_at_risk(site):
    ev = make_user("ev", "evaluator", Institution.objects.create(name="中心", kind="qc_centre"))
    site.h.parent = ev.profile.institution
    site.h.save()
    mgr = make_user("mgr", "hospital_manager", site.h)
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 1.0, "HU", n_days=360, recorded=at(360),
            test_type="status")
    _decide_now(site, site.ct, ev, mgr)
    assert "CT-QC-HU-WATER" not in device_status(site.ct).items_at_risk
    later = device_status(site.ct, on=days_ago(-10))
    assert later.status == "at_risk" and "CT-QC-HU-WATER" in later.items_at_risk
    assert any("逾期" in z for z, _ in later.reasons)


def test_stability_test_takes_its_baseline_from_the_latest_status_test(site):
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 3.0, "HU", n_days=100, recorded=at(100),
            test_type="status")
    base = measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 2.0, "HU", n_days=50, recorded=at(50),
                   test_type="status")
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 5.5, "HU", n_days=5, test_type="stability")
    v = verdict(site.ct, "CT-QC-HU-WATER")
    # 5.5 HU is within the status limit (±6 HU) but 3.5 HU from the baseline 2.0 (limit ±4): still a pass;
    # 6.5 HU would fail both
    assert v.verdict == "pass" and str(days_ago(50)) in v.reason_zh and base.pk in v.evidence["measurement"]
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", -2.5, "HU", n_days=1, test_type="stability")
    v = verdict(site.ct, "CT-QC-HU-WATER")
    assert v.verdict == "fail" and "基线值 2 HU" in v.reason_zh, v.reasons


def test_stability_test_without_any_baseline_is_missing_evidence(site):
    measure(site, site.ct, "CT-QC-HU-WATER", "ct_number_water", 1.0, "HU", n_days=5, test_type="stability")
    v = verdict(site.ct, "CT-QC-HU-WATER")
    assert v.verdict == "missing" and "基线" in v.reason_zh


def test_random_evidence_for_every_item_never_breaks_derivation(site):
    """Every catalog item, fed random but well-formed evidence, gets a verdict with reasons in
    both languages (seeded, so a failure repeats)."""
    import random

    from huren.evidence.logfields import LOG_FIELDS
    from huren.standard import load_catalog, metrics

    rng = random.Random(20241129)
    cat = load_catalog()
    units = metrics()
    for device in (site.ct, site.dr, site.mr):
        for item in cat.for_modality(device.modality):
            for crit in item.criteria:
                if crit.metric in units and crit.kind in ("range", "deviation", "ratio"):
                    measure(site, device, item.id, crit.metric, rng.uniform(-5, 120), units[crit.metric].unit,
                            n_days=rng.randint(0, 500), test_type=crit.test_type or "", baseline=rng.choice([None, 10.0]),
                            conditions={"nominal": rng.choice([1.0, 5.0, 10.0])})
            for q in [""] + [str(i + 1) for i in range(len(item.checklist))]:
                if rng.random() < 0.5:
                    ChecklistAnswer.objects.create(device=device, recorded_by=site.tech, performed_on=days_ago(rng.randint(0, 400)),
                                                   item=item.id, question=q, answer=rng.choice(["yes", "no", "not_applicable"]))
        for n in rng.sample(range(0, 60), 40):
            values = {f.field: (rng.random() < 0.8 if f.kind == "bool" else rng.uniform(f.lo, f.hi))
                      for f in LOG_FIELDS if rng.random() < 0.7}
            log(site, device, n, **values)
        for v in device_verdicts(device):
            assert v.verdict in {"pass", "fail", "missing", "overdue", "not_applicable"}
            assert v.reason_zh and v.reason_en, v.item

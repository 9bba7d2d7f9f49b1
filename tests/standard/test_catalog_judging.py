"""The real items of the Taiyuan catalog judge values: boundaries, test types, reasons."""

import datetime as dt

import pytest

from huren.result import DeviceInfo, Measurement, Result
from huren.standard import judge, judge_value, load_catalog

ON = dt.date(2026, 11, 29)


def verdict(item, metric, value, **kw):
    j = judge_value(item, metric, value, on=ON, **kw)
    assert j is not None, f"{item}/{metric} has no criterion"
    return j.verdict


# ---------------------------------------------------------------- CT QC
@pytest.mark.parametrize("test_type,value,want", [
    ("status", 6.0, "pass"), ("status", -6.0, "pass"), ("status", 6.01, "fail"), ("status", -7.2, "fail"),
    ("acceptance", 4.0, "pass"), ("acceptance", -4.01, "fail"), ("acceptance", 6.0, "fail"),
])
def test_ct_water_within_4_hu_at_acceptance_and_6_hu_at_status(test_type, value, want):
    assert verdict("CT-QC-HU-WATER", "ct_number_water", value, test_type=test_type) == want


def test_ct_water_default_is_the_status_test():
    assert verdict("CT-QC-HU-WATER", "ct_number_water", 5.5) == "pass"


def test_ct_water_stability_is_judged_against_the_baseline():
    assert verdict("CT-QC-HU-WATER", "ct_number_water", 6.0, test_type="stability", baseline=2.0) == "pass"
    assert verdict("CT-QC-HU-WATER", "ct_number_water", 6.1, test_type="stability", baseline=2.0) == "fail"
    assert verdict("CT-QC-HU-WATER", "ct_number_water", 1.0, test_type="stability") == "missing"


def test_ct_water_reason_names_the_figures_in_both_languages():
    j = judge_value("CT-QC-HU-WATER", "ct_number_water", 7.2)
    assert j.verdict == "fail"
    assert "CT值(水) 7.2 HU" in j.reason_zh and "±6 HU" in j.reason_zh
    assert "CT number of water 7.2 HU" in j.reason_en and "±6 HU" in j.reason_en


@pytest.mark.parametrize("test_type,value,want", [
    ("status", 0.45, "fail"), ("status", 0.4499, "pass"), ("acceptance", 0.35, "fail"), ("acceptance", 0.3499, "pass"),
])
def test_ct_noise_bound_is_open(test_type, value, want):
    assert verdict("CT-QC-NOISE", "noise_percent_10mm", value, test_type=test_type) == want


def test_ct_noise_stability_within_10_percent_of_baseline_and_raw_noise_is_info():
    assert verdict("CT-QC-NOISE", "noise_percent_10mm", 0.44, test_type="stability", baseline=0.4) == "pass"
    assert verdict("CT-QC-NOISE", "noise_percent_10mm", 0.4401, test_type="stability", baseline=0.4) == "fail"
    assert judge_value("CT-QC-NOISE", "noise_percent", 0.9) is None


def test_ct_uniformity_table_hcr_and_lcr():
    assert verdict("CT-QC-UNIF", "uniformity_max_diff", 6.0) == "pass"
    assert verdict("CT-QC-UNIF", "uniformity_max_diff", 6.01) == "fail"
    assert verdict("CT-QC-UNIF", "uniformity_max_diff", 5.01, test_type="acceptance") == "fail"
    assert verdict("CT-QC-UNIF", "uniformity_max_diff", 3.0, test_type="stability", baseline=1.0) == "pass"
    assert verdict("CT-QC-TABLE", "table_positioning_error", -2.0) == "pass"
    assert verdict("CT-QC-TABLE", "table_positioning_error", 2.1) == "fail"
    assert verdict("CT-QC-HCR", "mtf10", 5.0) == "fail" and verdict("CT-QC-HCR", "mtf10", 5.1) == "pass"
    assert verdict("CT-QC-HCR", "resolved_lp_cm", 6) == "pass" and verdict("CT-QC-HCR", "resolved_lp_cm", 5) == "fail"
    assert verdict("CT-QC-LCR", "low_contrast_diameter", 3.0) == "fail"
    assert verdict("CT-QC-LCR", "low_contrast_diameter", 2.5, test_type="acceptance") == "fail"
    assert verdict("CT-QC-LCR", "low_contrast_diameter", 2.9) == "pass"


def test_ct_slice_thickness_by_test_type_and_nominal():
    assert verdict("CT-QC-SLICE", "slice_thickness", 6.0, reference=5.0) == "pass"
    assert verdict("CT-QC-SLICE", "slice_thickness", 6.01, reference=5.0) == "fail"
    assert verdict("CT-QC-SLICE", "slice_thickness", 1.5, reference=1.0, test_type="acceptance") == "pass"
    assert verdict("CT-QC-SLICE", "slice_thickness", 1.5, reference=1.0) == "not_evaluable"   # status: > 2 mm only
    # stability: ±20 % or ±1 mm of the baseline, whichever is larger
    assert verdict("CT-QC-SLICE", "slice_thickness", 7.2, test_type="stability", baseline=6.0) == "pass"
    assert verdict("CT-QC-SLICE", "slice_thickness", 7.21, test_type="stability", baseline=6.0) == "fail"
    assert verdict("CT-QC-SLICE", "slice_thickness", 6.0, test_type="stability", baseline=5.0) == "pass"
    assert verdict("CT-QC-SLICE", "slice_thickness", 6.01, test_type="stability", baseline=5.0) == "fail"


def test_ct_number_linearity_at_acceptance_only_and_geometric_distance_is_info():
    assert verdict("CT-EQ-PERF", "ct_number_linearity", -50.0, test_type="acceptance") == "pass"
    assert verdict("CT-EQ-PERF", "ct_number_linearity", 50.1, test_type="acceptance") == "fail"
    assert judge_value("CT-EQ-PERF", "ct_number_linearity", 80.0, test_type="status") is None
    assert judge_value("CT-EQ-PERF", "geometric_distance", 50.3) is None


# ---------------------------------------------------------------- DR QC and performance
def test_dr_stp_uniformity_ghost_dark():
    assert verdict("DR-QC-STP", "stp_r2", 0.95) == "pass"
    assert verdict("DR-QC-STP", "stp_r2", 0.9499) == "fail"
    assert verdict("DR-QC-STP", "stp_r2", 0.95, test_type="acceptance") == "fail"
    assert verdict("DR-QC-STP", "stp_r2", 0.98, test_type="acceptance") == "pass"
    assert verdict("DR-QC-UNIF", "uniformity_cv", 5.0) == "pass"
    assert verdict("DR-QC-UNIF", "uniformity_cv", 5.01) == "fail"
    assert verdict("DR-QC-GHOST", "ghost_percent", 5.0) == "pass"
    assert verdict("DR-QC-GHOST", "ghost_percent", 5.1) == "fail"
    assert verdict("DR-QC-DARK", "dark_mean", 150, baseline=100) == "pass"
    assert verdict("DR-QC-DARK", "dark_mean", 49.9, baseline=100) == "fail"
    assert judge_value("DR-QC-DARK", "dark_mean", 120, test_type="acceptance") is None   # sets the baseline
    assert verdict("DR-QC-ARTIFACT", "artifact_count", 1) == "fail"


def test_dr_performance_figures_of_ws76():
    assert verdict("DR-EQ-PERF", "ddi_deviation", -20.0) == "pass"
    assert verdict("DR-EQ-PERF", "ddi_deviation", 20.1) == "fail"
    assert verdict("DR-EQ-PERF", "distance_error", 2.0) == "pass"
    assert verdict("DR-EQ-PERF", "distance_error", -2.01) == "fail"
    assert verdict("DR-EQ-PERF", "low_contrast_details_changed", 2) == "pass"
    assert verdict("DR-EQ-PERF", "low_contrast_details_changed", 3) == "fail"
    assert verdict("DR-EQ-PERF", "aec_sensitivity_deviation", 25.0) == "pass"
    assert verdict("DR-EQ-PERF", "aec_sensitivity_deviation", -25.5) == "fail"
    assert verdict("DR-EQ-PERF", "aec_chamber_consistency", 12.0, test_type="status") == "pass"
    assert verdict("DR-EQ-PERF", "aec_chamber_consistency", 12.0, test_type="acceptance") == "fail"
    assert verdict("DR-EQ-PERF", "aec_chamber_consistency", 10.0, test_type="acceptance") == "pass"
    assert verdict("DR-EQ-PERF", "aec_kv_consistency", 25.0) == "pass"
    assert verdict("DR-EQ-PERF", "aec_kv_consistency", 25.01) == "fail"
    assert judge_value("DR-EQ-PERF", "aec_kv_consistency", 40.0, test_type="acceptance") is None


def test_dr_limiting_resolution_prefers_the_makers_value_then_nyquist():
    acc = dict(test_type="acceptance")
    assert verdict("DR-EQ-PERF", "limiting_resolution", 3.15, details={"maker": 3.5}, **acc) == "pass"
    assert verdict("DR-EQ-PERF", "limiting_resolution", 3.1, details={"maker": 3.5}, **acc) == "fail"
    assert verdict("DR-EQ-PERF", "limiting_resolution", 3.1, details={"maker": 3.5, "nyquist_lp_mm": 3.57}, **acc) == "fail"
    assert verdict("DR-EQ-PERF", "limiting_resolution", 2.856, details={"nyquist_lp_mm": 3.57}, **acc) == "pass"
    assert verdict("DR-EQ-PERF", "limiting_resolution", 2.85, details={"nyquist_lp_mm": 3.57}, **acc) == "fail"
    assert verdict("DR-EQ-PERF", "limiting_resolution", 2.7, baseline=3.0) == "pass"     # status: 90 % of baseline
    assert verdict("DR-EQ-PERF", "limiting_resolution", 2.69, baseline=3.0) == "fail"


# ---------------------------------------------------------------- MR performance
def test_mr_piu_and_spokes_depend_on_the_field_strength():
    assert verdict("MR-EQ-PERF", "piu", 87.5, method="acr", details={"field_strength_t": 1.5}) == "pass"
    assert verdict("MR-EQ-PERF", "piu", 87.4, method="acr", details={"field_strength_t": 1.5}) == "fail"
    assert verdict("MR-EQ-PERF", "piu", 82.0, method="acr", details={"field_strength_t": 3.0}) == "pass"
    assert judge_value("MR-EQ-PERF", "piu", 90.0, method="ws263-nine-roi", details={"field_strength_t": 1.5}) is None
    assert verdict("MR-EQ-PERF", "low_contrast_spokes", 30, details={"field_strength_t": 1.5}) == "pass"
    assert verdict("MR-EQ-PERF", "low_contrast_spokes", 36, details={"field_strength_t": 3.0}) == "fail"


def test_mr_geometry_slice_resolution_ghosting_and_vendor_ratios():
    assert verdict("MR-EQ-PERF", "geometric_length", 192.0, details={"nominal_mm": 190.0}) == "pass"
    assert verdict("MR-EQ-PERF", "geometric_length", 187.9, details={"nominal_mm": 190.0}) == "fail"
    assert verdict("MR-EQ-PERF", "slice_thickness", 5.7) == "pass"
    assert verdict("MR-EQ-PERF", "slice_thickness", 4.29) == "fail"
    assert verdict("MR-EQ-PERF", "resolved_hole_size", 1.0) == "pass"
    assert verdict("MR-EQ-PERF", "resolved_hole_size", 1.1) == "fail"
    assert verdict("MR-EQ-PERF", "ghosting_percent", 2.5, method="acr-psg") == "pass"
    assert verdict("MR-EQ-PERF", "ghosting_percent", 2.6, method="acr-psg") == "fail"
    assert verdict("MR-EQ-PERF", "b0_homogeneity_ppm", 2.0, details={"maker": 2.0}) == "pass"
    assert verdict("MR-EQ-PERF", "b0_homogeneity_ppm", 2.1, details={"maker": 2.0}) == "fail"
    assert verdict("MR-EQ-PERF", "snr", 90, test_type="stability", baseline=100) == "pass"
    assert verdict("MR-EQ-PERF", "snr", 89, test_type="stability", baseline=100) == "fail"


# ---------------------------------------------------------------- logs
@pytest.mark.parametrize("item,lo,hi", [("DR-EQ-ENV-T", 18.0, 24.0), ("CT-EQ-ENV-T", 18.0, 24.0), ("MR-EQ-ENV-T", 20.0, 22.0)])
def test_room_temperature_ends_pass_and_just_outside_fails(item, lo, hi):
    assert verdict(item, "temperature", lo) == "pass" and verdict(item, "temperature", hi) == "pass"
    assert verdict(item, "temperature", lo - 0.1) == "fail" and verdict(item, "temperature", hi + 0.1) == "fail"


@pytest.mark.parametrize("item", ["DR-EQ-ENV-H", "CT-EQ-ENV-H", "MR-EQ-ENV-H"])
def test_humidity_45_to_65_percent(item):
    assert [verdict(item, "humidity", v) for v in (45.0, 65.0, 44.9, 65.1)] == ["pass", "pass", "fail", "fail"]


def test_helium_level_and_sudden_drop():
    assert verdict("MR-EQ-HE-LEVEL", "helium_level", 60.0) == "pass"
    assert verdict("MR-EQ-HE-LEVEL", "helium_level", 59.9) == "fail"
    assert verdict("MR-EQ-HE-LEVEL", "helium_drop_percent_per_day", 1.0) == "pass"
    j = judge_value("MR-EQ-HE-LEVEL", "helium_drop_percent_per_day", 3.5)
    assert j.verdict == "fail" and "3.5 %/d" in j.reason_zh and "≤ 1 %/d" in j.reason_en


def test_daily_logs_may_not_have_a_gap_longer_than_a_day():
    d0 = dt.date(2026, 11, 1)
    full = [d0 + dt.timedelta(days=i) for i in range(28)]
    for item in ("DR-EQ-ENV-T", "CT-EQ-MAINT", "MR-EQ-HE-LEVEL", "MR-EQ-COOLING", "MR-EQ-BACKUP"):
        assert verdict(item, "log_days", full) == "pass", item
        assert verdict(item, "log_days", full[:10] + full[12:]) == "fail", item


def test_periods_of_calibration_maintenance_and_backup():
    assert verdict("CT-EQ-CAL", "last_test_date", "2025-11-29") == "pass"
    assert verdict("DR-EQ-CAL", "last_test_date", "2025-11-28") == "overdue"
    assert verdict("CT-EQ-MAINT", "last_pm_date", "2026-06-02") == "pass"
    assert verdict("CT-EQ-MAINT", "last_pm_date", "2026-06-01") == "overdue"
    assert verdict("MR-EQ-BACKUP", "last_full_shutdown_date", "2026-11-22") == "pass"
    assert verdict("MR-EQ-BACKUP", "last_full_shutdown_date", "2026-11-21") == "overdue"
    assert verdict("MR-EQ-BACKUP", "last_backup_date", "2026-10-29") == "pass"
    assert verdict("CT-EQ-MAINT", "storage_free_percent", 9.9) == "fail"
    assert verdict("CT-EQ-MAINT", "warm_up_done", "no") == "fail"


# ---------------------------------------------------------------- checks
def test_emergency_kit_each_present_and_in_date():
    kit = {"power_injector": None, "defibrillator": None, "bag_valve_respirator": None, "oxygen_supply": None,
           "suction_unit": None, "adrenaline_1_1000": "2027-03-01", "h1_antihistamine": "2027-01-01"}
    assert verdict("CT-EQ-ACCESSORY", "emergency_kit", kit) == "pass"
    j = judge_value("CT-EQ-ACCESSORY", "emergency_kit", {**kit, "h1_antihistamine": "2026-10-01"}, on=ON)
    assert j.verdict == "fail" and "组胺 H1 受体阻滞剂" in j.reason_zh and "h1_antihistamine" in j.reason_en
    del kit["defibrillator"]
    assert "心脏除颤器" in judge_value("CT-EQ-ACCESSORY", "emergency_kit", kit, on=ON).reason_zh


def test_ppe_shielding_coils_and_rooms():
    ppe = ["lead_apron", "lead_cap", "lead_collar", "lead_skirt", "lead_square_scarf"]
    assert verdict("CT-EQ-PPE", "ppe_items", ppe) == "pass"
    assert verdict("CT-EQ-PPE", "ppe_items", ppe[:-1]) == "fail"
    assert verdict("CT-EQ-PPE", "lead_equivalence_mm", 0.5) == "pass"
    assert verdict("CT-EQ-PPE", "lead_equivalence_mm", 0.35) == "fail"
    assert verdict("DR-EQ-SHIELD", "lead_equivalence_mm", 2.0) == "pass"
    assert verdict("DR-EQ-SHIELD", "lead_equivalence_mm", 1.9) == "fail"
    coils = ["head_or_head_neck", "neck_or_head_neck", "spine", "body", "shoulder", "knee", "ankle"]
    assert verdict("MR-EQ-COILS", "coils_present", coils) == "pass"
    assert verdict("MR-EQ-COILS", "coils_present", coils[1:]) == "fail"
    assert verdict("MR-EQ-LAYOUT", "rooms_present", ["control_room", "magnet_room"]) == "fail"


def test_every_checklist_item_is_a_yes_no_criterion():
    cat = load_catalog()
    checked = [i.id for i in cat.items.values() if i.criterion("checklist_ok") is not None]
    assert len(checked) >= 25
    for iid in checked:
        assert verdict(iid, "checklist_ok", "yes") == "pass"
        assert verdict(iid, "checklist_ok", "no") == "fail"


# ---------------------------------------------------------------- image quality
def test_image_quality_automatic_checks_and_expert_score():
    assert verdict("CT-IQ-DISPLAY", "matrix_min_px", 512) == "pass"
    assert verdict("CT-IQ-DISPLAY", "matrix_min_px", 511) == "fail"
    assert verdict("CT-IQ-ORDER", "missing_slices", 0) == "pass"
    assert verdict("CT-IQ-ORDER", "missing_slices", 1) == "fail"
    assert verdict("CT-IQ-ORDER", "misordered_slices", 2) == "fail"
    assert verdict("CT-IQ-RES", "pixel_spacing_mm", 0.98) == "pass"
    assert verdict("CT-IQ-PHASE", "contrast_tags_present", "n/a") == "not_applicable"
    assert verdict("MR-IQ-DISPLAY", "orientation_consistent", False) == "fail"
    assert verdict("MR-IQ-PROTOCOL", "sequence_weightings_present", ["T1", "T2", "FLAIR"]) == "pass"
    assert verdict("DR-IQ-RES", "deviation_index", 1.0) == "pass"
    assert verdict("DR-IQ-RES", "deviation_index", -1.1) == "fail"
    assert verdict("DR-IQ-LABEL", "identity_tags_present", ["PatientName", "PatientID"]) == "fail"
    cat = load_catalog()
    for item in cat.items.values():
        if item.section == "image_quality" and item.criterion("expert_score"):
            assert verdict(item.id, "expert_score", 2) == "pass"
            assert verdict(item.id, "expert_score", 1.9) == "fail"


# ---------------------------------------------------------------- judge() on a result
def test_judge_attaches_criteria_verdicts_and_reasons_to_a_result():
    r = Result(modality="MR", device=DeviceInfo(field_strength_t=3.0))
    r.add(Measurement(item="MR-EQ-PERF", metric="piu", value=84.0, unit="%", method="acr"))
    r.add(Measurement(item="MR-EQ-PERF", metric="snr", value=120.0, unit=""))
    r.add(Measurement(item="CT-QC-HU-WATER", metric="ct_number_water", value=7.2, unit="HU"))
    r.add(Measurement(item="CT-QC-SLICE", metric="slice_thickness", value=5.4, unit="mm", details={"nominal": 5.0}))
    r.add(Measurement(item="CT-QC-HU-WATER", metric="ct_number_water", value=3.0, unit="HU", test_type="stability"))
    r.add(Measurement(item="NOT-AN-ITEM", metric="x", value=1, unit=""))
    judge(r, baselines={"CT-QC-HU-WATER:ct_number_water": 0.5})
    piu, snr, water, thick, stab, other = r.measurements
    assert piu.verdict == "pass" and piu.criterion["min"] == 82.0      # 3 T from the device
    assert snr.verdict == "info" and snr.criterion is None             # status: no SNR criterion
    assert water.verdict == "fail" and water.test_type == "status" and "±6 HU" in water.reason_zh
    assert thick.verdict == "pass" and "±1 mm" in thick.reason_en
    assert stab.verdict == "pass" and stab.details["baseline"] == 0.5
    assert other.verdict == "info"


def test_a_criterion_needing_a_detail_that_is_absent_is_not_silently_info():
    j = judge_value("DR-EQ-PERF", "limiting_resolution", 3.0, test_type="acceptance")
    assert j.verdict == "missing" and "maker" in j.reason_en and "nyquist_lp_mm" in j.reason_zh
    assert judge_value("MR-EQ-PERF", "piu", 90.0, method="acr").verdict == "missing"
    r = Result(modality="MR")
    r.add(Measurement(item="MR-EQ-PERF", metric="low_contrast_spokes", value=35, unit=""))
    judge(r)
    assert r.measurements[0].verdict == "not_evaluable" and "field_strength_t" in r.measurements[0].reason_en

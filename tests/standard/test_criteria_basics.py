"""The criterion language: each form on passing, failing and boundary values."""

import datetime as dt

import pytest

from huren.standard.criteria import Criterion, CriterionError, Tier


def test_range_closed_boundaries_pass_and_just_outside_fails():
    c = Criterion(metric="temperature", kind="range", min=18, max=24, unit="°C", label_zh="温度", label_en="Temperature")
    assert c.evaluate(18).verdict == "pass"
    assert c.evaluate(24).verdict == "pass"
    assert c.evaluate(24.01).verdict == "fail"
    assert c.evaluate(17.99).verdict == "fail"
    assert "24.01°C" in c.evaluate(24.01).reason_zh


def test_open_upper_bound_fails_exactly_at_limit():
    c = Criterion(metric="noise_percent_10mm", kind="range", max=0.45, max_inclusive=False, unit="%")
    assert c.evaluate(0.4499).verdict == "pass"
    assert c.evaluate(0.45).verdict == "fail"


def test_deviation_from_nominal_names_the_figures():
    c = Criterion(metric="ct_number_water", kind="deviation", reference="nominal", nominal=0, tolerance_abs=6,
                  unit="HU", label_zh="CT值(水)", label_en="CT number of water")
    j = c.evaluate(7.2)
    assert j.verdict == "fail"
    assert "CT值(水) 7.2 HU" in j.reason_zh and "±6 HU" in j.reason_zh
    assert c.evaluate(-6.0).verdict == "pass"
    assert c.evaluate(6.0).verdict == "pass"


def test_deviation_from_baseline_needs_a_baseline():
    c = Criterion(metric="dark_mean", kind="deviation", reference="baseline", tolerance_rel_percent=50)
    assert c.evaluate(120).verdict == "missing"
    assert c.evaluate(150, baseline=100).verdict == "pass"
    assert c.evaluate(150.01, baseline=100).verdict == "fail"


def test_tiered_slice_tolerance_depends_on_nominal():
    c = Criterion(metric="slice_thickness", kind="deviation", reference="nominal", unit="mm", tiers=(
        Tier(ref_min=2.0, ref_min_inclusive=False, tolerance_abs=1.0),
        Tier(ref_min=1.0, ref_max=2.0, ref_max_inclusive=True, tolerance_rel_percent=50.0),
        Tier(ref_max=1.0, tolerance_abs=0.5),
    ))
    assert c.evaluate(6.0, reference=5.0).verdict == "pass"
    assert c.evaluate(6.01, reference=5.0).verdict == "fail"
    assert c.evaluate(1.5, reference=1.0).verdict == "pass"   # +50 % exactly
    assert c.evaluate(1.51, reference=1.0).verdict == "fail"
    assert c.evaluate(1.1, reference=0.6).verdict == "pass"
    assert c.evaluate(1.2, reference=0.6).verdict == "fail"


def test_all_present_reports_missing_and_expired():
    c = Criterion(metric="x", kind="all_present", required=("adrenaline", "antihistamine"),
                  required_zh=("肾上腺素", "抗组胺药"))
    today = dt.date(2026, 11, 29)
    assert c.evaluate({"adrenaline": "2027-01-01", "antihistamine": None}, on=today).verdict == "pass"
    j = c.evaluate({"adrenaline": "2026-11-01"}, on=today)
    assert j.verdict == "fail" and "抗组胺药" in j.reason_zh and "肾上腺素" in j.reason_zh


def test_log_gap_and_period():
    c = Criterion(metric="temperature", kind="log_gap", max_gap_days=1)
    d0 = dt.date(2026, 11, 1)
    days = [d0 + dt.timedelta(days=i) for i in range(10)]
    assert c.evaluate(days, on=d0 + dt.timedelta(days=10)).verdict == "pass"
    holed = days[:3] + days[6:]
    assert c.evaluate(holed, on=d0 + dt.timedelta(days=10)).verdict == "fail"
    p = Criterion(metric="x", kind="within_period", period_days=365)
    assert p.evaluate("2025-11-29", on=dt.date(2026, 11, 29)).verdict == "pass"
    assert p.evaluate("2025-11-28", on=dt.date(2026, 11, 29)).verdict == "overdue"


def test_malformed_criteria_are_refused():
    with pytest.raises(CriterionError):
        Criterion(metric="x", kind="range")
    with pytest.raises(CriterionError):
        Criterion(metric="x", kind="deviation", reference="nominal")
    with pytest.raises(CriterionError):
        Criterion(metric="x", kind="between")

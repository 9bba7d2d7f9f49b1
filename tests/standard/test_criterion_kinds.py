"""Every criterion kind, built directly, on passing, failing and boundary values."""

import datetime as dt

import pytest

from huren.standard.criteria import Criterion, CriterionError, Tier, criterion_from_dict

ON = dt.date(2026, 11, 29)


def crit(**kw):
    kw.setdefault("metric", "x")
    return Criterion(**kw)


# ------------------------------------------------------------------ range
@pytest.mark.parametrize("value,verdict", [(18.0, "pass"), (24.0, "pass"), (21, "pass"),
                                           (17.999, "fail"), (24.001, "fail")])
def test_closed_range_includes_both_ends(value, verdict):
    c = crit(kind="range", min=18.0, max=24.0, unit="°C", label_zh="温度", label_en="Temperature")
    assert c.evaluate(value).verdict == verdict


@pytest.mark.parametrize("value,verdict", [(5.0, "fail"), (5.0001, "pass"), (4.9, "fail")])
def test_open_lower_bound_excludes_the_limit(value, verdict):
    c = crit(kind="range", min=5.0, min_inclusive=False, unit="lp/cm")
    assert c.evaluate(value).verdict == verdict
    assert c.text("zh") == "> 5 lp/cm"


def test_open_and_closed_bounds_together_are_written_out():
    c = crit(kind="range", min=1, max=2, max_inclusive=False, unit="mm")
    assert c.evaluate(2).verdict == "fail" and c.evaluate(1).verdict == "pass"
    assert c.text("en") == "≥ 1 mm and < 2 mm"


def test_maximum_only_and_minimum_only():
    assert crit(kind="range", max=0).evaluate(0).verdict == "pass"
    assert crit(kind="range", max=0).evaluate(1).verdict == "fail"
    assert crit(kind="range", min=0.95).evaluate(0.95).verdict == "pass"
    assert crit(kind="range", min=0.95).evaluate(0.9499).verdict == "fail"


@pytest.mark.parametrize("bad", ["abc", None, float("nan"), True])
def test_range_refuses_values_that_are_not_numbers(bad):
    v = crit(kind="range", max=1).evaluate(bad).verdict
    assert v == ("missing" if bad is None else "not_evaluable")


def test_range_reason_names_value_and_limit_in_both_languages():
    c = crit(kind="range", min=20, max=22, unit="°C", label_zh="温度", label_en="Temperature")
    j = c.evaluate(22.5)
    assert j.reason_zh == "温度 22.5°C 不符合 20–22°C"
    assert j.reason_en == "Temperature 22.5°C fails 20–22°C"


# -------------------------------------------------------------- deviation
def test_absolute_deviation_from_a_fixed_nominal_is_symmetric():
    c = crit(kind="deviation", reference="nominal", nominal=0.0, tolerance_abs=6.0, unit="HU",
             label_zh="CT值(水)", label_en="CT number of water")
    for v, want in [(6.0, "pass"), (-6.0, "pass"), (6.01, "fail"), (-6.01, "fail"), (0, "pass")]:
        assert c.evaluate(v).verdict == want, v
    j = c.evaluate(7.2)
    assert "CT值(水) 7.2 HU" in j.reason_zh and "±6 HU" in j.reason_zh and "偏差 +7.2 HU" in j.reason_zh
    assert "CT number of water 7.2 HU" in j.reason_en and "outside ±6 HU" in j.reason_en


def test_deviation_from_a_nominal_supplied_with_the_measurement():
    c = crit(kind="deviation", reference="nominal", tolerance_abs=0.7, unit="mm")
    assert c.evaluate(5.7, reference=5.0).verdict == "pass"
    assert c.evaluate(5.71, reference=5.0).verdict == "fail"
    assert c.evaluate(5.0).verdict == "missing"


def test_relative_deviation_from_a_baseline():
    c = crit(kind="deviation", reference="baseline", tolerance_rel_percent=10.0, unit="%")
    assert c.evaluate(0.44, baseline=0.40).verdict == "pass"      # +10 % exactly
    assert c.evaluate(0.36, baseline=0.40).verdict == "pass"      # −10 % exactly
    assert c.evaluate(0.4401, baseline=0.40).verdict == "fail"
    j = c.evaluate(0.5)
    assert j.verdict == "missing" and "基线值" in j.reason_zh and "baseline" in j.reason_en


def test_absolute_or_relative_tolerance_takes_the_larger_or_the_smaller():
    larger = crit(kind="deviation", reference="baseline", tolerance_abs=1.0, tolerance_rel_percent=20.0)
    assert larger.tolerance_for(10.0) == 2.0 and larger.tolerance_for(2.0) == 1.0
    assert larger.evaluate(12.0, baseline=10.0).verdict == "pass"
    assert larger.evaluate(12.01, baseline=10.0).verdict == "fail"
    smaller = crit(kind="deviation", reference="baseline", tolerance_abs=1.0, tolerance_rel_percent=20.0, combine="min")
    assert smaller.tolerance_for(10.0) == 1.0
    assert "较大" in larger.text("zh") and "smaller" in smaller.text("en")


def test_tiers_choose_the_tolerance_by_the_size_of_the_reference():
    c = crit(kind="deviation", reference="nominal", unit="mm", tiers=(
        Tier(ref_min=2.0, ref_min_inclusive=False, tolerance_abs=1.0),
        Tier(ref_min=1.0, ref_max=2.0, ref_max_inclusive=True, tolerance_rel_percent=50.0),
        Tier(ref_max=1.0, tolerance_abs=0.5),
    ))
    assert c.evaluate(3.0, reference=2.0).verdict == "pass"   # 2 mm is in the ±50 % tier: ±1 mm
    assert c.evaluate(3.01, reference=2.0).verdict == "fail"
    assert c.evaluate(0.5, reference=1.0).verdict == "pass"
    assert c.evaluate(0.49, reference=1.0).verdict == "fail"
    assert c.evaluate(1.3, reference=0.8).verdict == "pass"
    only_thick = crit(kind="deviation", reference="nominal", tiers=(Tier(ref_min=2.0, ref_min_inclusive=False, tolerance_abs=1.0),))
    assert only_thick.evaluate(1.0, reference=1.0).verdict == "not_evaluable"


def test_deviation_from_a_reference_in_the_details():
    c = crit(kind="deviation", reference="detail:nominal_mm", tolerance_abs=2.0, unit="mm")
    assert c.evaluate(192.0, details={"nominal_mm": 190.0}).verdict == "pass"
    assert c.evaluate(192.1, details={"nominal_mm": 190.0}).verdict == "fail"
    assert c.evaluate(190.0).verdict == "missing"


# ------------------------------------------------------------------ ratio
def test_ratio_to_the_makers_value_and_to_nyquist():
    maker = crit(kind="ratio", reference="detail:maker", min=0.9, unit="lp/mm")
    assert maker.evaluate(3.15, details={"maker": 3.5}).verdict == "pass"    # 90 % exactly
    assert maker.evaluate(3.149, details={"maker": 3.5}).verdict == "fail"
    j = maker.evaluate(3.0, details={"maker": 3.5})
    assert "厂家标称值" in j.reason_zh and "85.71%" in j.reason_zh and "maker's value" in j.reason_en
    nyq = crit(kind="ratio", reference="detail:nyquist_lp_mm", min=0.8, unit="lp/mm")
    assert nyq.evaluate(2.8, details={"nyquist_lp_mm": 3.5}).verdict == "pass"
    assert nyq.evaluate(2.79, details={"nyquist_lp_mm": 3.5}).verdict == "fail"
    assert nyq.evaluate(2.8, details={"nyquist_lp_mm": 0}).verdict == "missing"


def test_ratio_maximum_against_a_baseline():
    c = crit(kind="ratio", reference="baseline", max=1.0)
    assert c.evaluate(2.0, baseline=2.0).verdict == "pass"
    assert c.evaluate(2.01, baseline=2.0).verdict == "fail"


# ------------------------------------------------------------------- bool
@pytest.mark.parametrize("answer,verdict", [(True, "pass"), ("yes", "pass"), ("是", "pass"), (False, "fail"),
                                            ("否", "fail"), ("n/a", "not_applicable"), ("不适用", "not_applicable"),
                                            ("maybe", "not_evaluable"), (1.0, "not_evaluable")])
def test_bool_answers(answer, verdict):
    assert crit(kind="bool", label_zh="核查结论", label_en="Checklist").evaluate(answer).verdict == verdict


def test_bool_expecting_no_and_its_reason():
    c = crit(kind="bool", expect=False, label_zh="漏信号", label_en="RF leak")
    assert c.evaluate(False).verdict == "pass"
    j = c.evaluate(True)
    assert j.verdict == "fail" and j.reason_zh == "漏信号 为“是”，要求“否”" and j.reason_en == "RF leak is yes, required no"


# ------------------------------------------------------------ all_present
KIT = dict(kind="all_present", required=("defibrillator", "adrenaline_1_1000"), required_zh=("心脏除颤器", "1:1000 肾上腺素"),
           label_zh="急救药品及器械", label_en="Emergency kit")


def test_all_present_passes_with_every_name_and_in_date_expiries():
    c = crit(**KIT)
    assert c.evaluate(["defibrillator", "adrenaline_1_1000", "extra"], on=ON).verdict == "pass"
    j = c.evaluate({"defibrillator": None, "adrenaline_1_1000": "2026-11-29"}, on=ON)   # expires today: still in date
    assert j.verdict == "pass" and "有效期内" in j.reason_zh


def test_all_present_names_what_is_missing_and_what_expired():
    c = crit(**KIT)
    j = c.evaluate({"adrenaline_1_1000": dt.date(2026, 11, 28)}, on=ON)
    assert j.verdict == "fail"
    assert "缺少：心脏除颤器" in j.reason_zh and "已过期：1:1000 肾上腺素" in j.reason_zh
    assert "missing: defibrillator" in j.reason_en and "expired: adrenaline_1_1000" in j.reason_en
    assert c.evaluate([], on=ON).verdict == "fail"
    assert c.evaluate({"defibrillator": None, "adrenaline_1_1000": "soon"}, on=ON).verdict == "not_evaluable"
    assert c.evaluate(42, on=ON).verdict == "not_evaluable"


# ---------------------------------------------------------------- log_gap
def days(start, n, skip=()):
    return [start + dt.timedelta(days=i) for i in range(n) if i not in skip]


def test_log_gap_tolerates_exactly_the_allowed_gap():
    c = crit(kind="log_gap", max_gap_days=1, label_zh="日常记录", label_en="Daily log")
    d0 = dt.date(2026, 11, 1)
    assert c.evaluate(days(d0, 28), on=ON).verdict == "pass"                 # last entry yesterday
    assert c.evaluate(days(d0, 27), on=ON).verdict == "pass"                 # one day without entry
    assert c.evaluate(days(d0, 28, skip={10}), on=ON).verdict == "pass"       # a 1-day hole
    j = c.evaluate(days(d0, 28, skip={10, 11}), on=ON)                        # a 2-day hole
    assert j.verdict == "fail" and "2026-11-10 至 2026-11-13 间断 2 天" in j.reason_zh
    assert "gap of 2 days" in j.reason_en


def test_a_log_that_stopped_is_overdue_and_an_empty_one_missing():
    c = crit(kind="log_gap", max_gap_days=1)
    assert c.evaluate(days(dt.date(2026, 11, 1), 26), on=ON).verdict == "overdue"   # last entry 11-26
    assert c.evaluate([], on=ON).verdict == "missing"
    assert c.evaluate([dt.date(2026, 12, 1)], on=ON).verdict == "missing"          # only future entries


def test_log_gap_accepts_iso_strings_and_datetimes_and_refuses_garbage():
    c = crit(kind="log_gap", max_gap_days=1)
    assert c.evaluate(["2026-11-27", dt.datetime(2026, 11, 28, 8, 30)], on=ON).verdict == "pass"
    assert c.evaluate(["2026-11-27", "yesterday"], on=ON).verdict == "not_evaluable"


# ---------------------------------------------------------- within_period
def test_within_period_boundary_day_passes_the_next_day_is_overdue():
    c = crit(kind="within_period", period_days=365, label_zh="最近一次质控检测", label_en="Last QC test")
    assert c.evaluate("2025-11-29", on=ON).verdict == "pass"
    j = c.evaluate("2025-11-28", on=ON)
    assert j.verdict == "overdue" and "2026-11-28" in j.reason_zh and "365" in j.reason_en
    assert c.evaluate(dt.datetime(2026, 1, 1, 9), on=ON).verdict == "pass"
    assert c.evaluate("2027-01-01", on=ON).verdict == "not_evaluable"
    assert c.evaluate("last spring", on=ON).verdict == "not_evaluable"


# -------------------------------------------------------------- malformed
@pytest.mark.parametrize("kw,msg", [
    (dict(kind="between"), "unknown criterion kind"),
    (dict(kind="range"), "needs min or max"),
    (dict(kind="range", min=5, max=1), "above max"),
    (dict(kind="range", min="5"), "must be a number"),
    (dict(kind="deviation", reference="nominal"), "needs a tolerance"),
    (dict(kind="deviation", reference="elsewhere", tolerance_abs=1), "reference"),
    (dict(kind="deviation", reference="nominal", tolerance_abs=-1), "negative"),
    (dict(kind="ratio", reference="baseline"), "needs min or max"),
    (dict(kind="all_present"), "required list"),
    (dict(kind="all_present", required=("a", "b"), required_zh=("甲",)), "required_zh"),
    (dict(kind="log_gap"), "max_gap_days"),
    (dict(kind="within_period"), "period_days"),
    (dict(kind="within_period", period_days=1.5), "whole number"),
    (dict(kind="range", max=1, test_type="yearly"), "test type"),
])
def test_malformed_criteria_are_refused_with_a_clear_message(kw, msg):
    with pytest.raises(CriterionError, match=msg):
        crit(**kw)


def test_criterion_from_dict_refuses_unknown_fields_and_bad_tiers():
    with pytest.raises(CriterionError, match="unknown criterion fields"):
        criterion_from_dict({"metric": "x", "kind": "range", "max": 1, "maximum": 2})
    with pytest.raises(CriterionError, match="tier"):
        criterion_from_dict({"metric": "x", "kind": "deviation", "reference": "nominal", "tiers": [{"ref_min": 1}]})
    with pytest.raises(CriterionError, match="needs a kind"):
        criterion_from_dict({"metric": "x"})


def test_a_criterion_applies_only_in_its_window_and_says_so():
    c = crit(metric="piu", kind="range", min=87.5, unit="%", when_key="field_strength_t", when_max=2.5)
    assert c.applies(None, {"field_strength_t": 1.5}) and not c.applies(None, {"field_strength_t": 2.5})
    assert not c.applies(None, {}) and not c.applies(None, {"field_strength_t": "strong"})
    assert c.text("zh") == "≥ 87.5%（场强 < 2.5 T）" and c.text("en") == "≥ 87.5% (field strength < 2.5 T)"
    by_method = crit(kind="range", max=2.5, method="acr-psg")
    assert by_method.applies("acr-psg") and by_method.applies(None) and not by_method.applies("ipem")
    needs_maker = crit(kind="ratio", reference="detail:maker", min=0.9, when_key="maker")
    assert needs_maker.applies(None, {"maker": 3.5}) and not needs_maker.applies(None, {"nyquist_lp_mm": 3.5})

"""Control limits and run rules on synthetic series with known violations; the SVG chart."""

from __future__ import annotations

import datetime as dt
import random

import pytest

from huren.reports.spc import Limits, analyse, control_limits, load_rules
from huren.reports.svgchart import ChartData, render_svg

L = Limits(mean=0.0, sigma=1.0, n=20)


def _fired(values, limits=L):
    a = analyse(values, limits)
    return {(v.rule.id, v.points[-1]) for v in a.violations}


def _ids(values, limits=L):
    return {rid for rid, _ in _fired(values, limits)}


def test_rules_and_their_names_come_from_the_data_file():
    r = load_rules()
    ids = [x.id for x in r.rules]
    assert ids == ["beyond_3sigma", "two_of_three_2sigma", "four_of_five_1sigma", "run_one_side", "trend", "alternating"]
    assert all(x.name_zh and x.name_en for x in r.rules) and r.baseline_points == 20


def test_in_control_noise_fires_no_rule():
    # alternating small values that never line up
    assert _ids([0.3, -0.2, 0.1, -0.4, 0.5, 0.2, -0.3, 0.4, -0.1, 0.0, 0.2, -0.5]) == set()


@pytest.mark.parametrize("value,index", [(3.5, 4), (-3.2, 2)])
def test_one_point_beyond_3_sigma(value, index):
    xs = [0.1, -0.2, 0.0, 0.3, -0.1]
    xs[index] = value
    assert ("beyond_3sigma", index) in _fired(xs)
    assert _ids([0.1, 2.9, -0.2]) & {"beyond_3sigma"} == set()  # 2.9σ is inside


def test_two_of_three_beyond_2_sigma_on_one_side_only():
    assert ("two_of_three_2sigma", 2) in _fired([2.5, 0.0, 2.2])
    assert "two_of_three_2sigma" not in _ids([2.5, 0.0, -2.2])  # opposite sides
    assert "two_of_three_2sigma" not in _ids([2.5, 0.0, 0.5, 2.2])  # 2 of 4, not of 3


def test_four_of_five_beyond_1_sigma():
    assert ("four_of_five_1sigma", 4) in _fired([1.5, 1.2, 0.2, 1.1, 1.3])
    assert "four_of_five_1sigma" not in _ids([1.5, 1.2, 0.2, 0.9, 1.3])


def test_seven_in_a_row_on_one_side_of_the_mean():
    xs = [-0.5, 0.2, 0.4, 0.1, 0.3, 0.6, 0.2, 0.5]
    fired = _fired(xs)
    assert ("run_one_side", 7) in fired and ("run_one_side", 6) not in fired  # 7 points from index 1
    assert "run_one_side" not in _ids([0.2, 0.4, 0.1, 0.3, 0.6, 0.2, -0.1, 0.5])


def test_six_steadily_rising_or_falling():
    assert ("trend", 5) in _fired([0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    assert ("trend", 6) in _fired([0.9, 0.5, 0.4, 0.3, 0.2, 0.1, 0.0])
    assert "trend" not in _ids([0.0, 0.1, 0.2, 0.2, 0.4, 0.5])  # a tie breaks it


def test_fourteen_alternating():
    xs = [0.5 if i % 2 else -0.5 for i in range(14)]
    assert ("alternating", 13) in _fired(xs)
    assert "alternating" not in _ids(xs[:13])


def test_a_drift_is_flagged_before_it_fails_the_criterion():
    rnd = random.Random(7)
    base = [rnd.gauss(0.0, 1.0) for _ in range(20)]  # CT number of water around 0 HU, σ 1 HU
    drift = [0.8 + 0.1 * k for k in range(10)]  # creeping up, still well inside ±4 HU
    a = analyse(base + drift)
    assert a.limits is not None and a.limits.n == 20
    first = min(v.points[-1] for v in a.violations)
    assert first >= 20 and max(base + drift) < 4.0  # flagged in the drift, never in the baseline


def test_no_limits_from_too_little_or_constant_history():
    assert control_limits([1.0, 2.0, 3.0]) is None
    assert control_limits([5.0] * 30) is None
    assert analyse([1.0, 2.0]).violations == []
    lim = control_limits([float(x) for x in range(1, 21)] + [100.0])
    assert lim.n == 20 and lim.mean == pytest.approx(10.5)  # only the baseline period counts


def test_an_outlier_inside_the_baseline_does_not_widen_the_limits():
    base = [0.3, -0.2, 0.1, -0.4, 0.2, 0.0, -0.1, 0.3, -0.3, 0.1, 0.2, -0.2]
    lim = control_limits(base + [3.5])
    assert lim.n == 12 and lim.sigma < 0.3
    assert ("beyond_3sigma", 12) in _fired(base + [3.5], lim)


def test_svg_holds_every_point_the_limits_and_the_flags():
    days = [dt.date(2025, 1, 1) + dt.timedelta(days=i) for i in range(30)]
    vals = [0.1 * ((-1) ** i) for i in range(25)] + [5.0, 0.1, 0.0, 0.2, 0.1]
    c = ChartData("m:CT-QC-HU-WATER:ct_number_water:", "CT值（水）", "CT number of water", "HU",
                  list(zip(days, vals)), -4.0, 4.0, 0.0, analyse(vals))
    svg = render_svg(c)
    assert svg.startswith("<svg") and 'data-points="30"' in svg
    assert svg.count('class="pt"') + svg.count('class="flag"') == 30
    assert 'class="crit-lo" data-value="-4"' in svg and 'class="crit-hi" data-value="4"' in svg
    assert 'class="ucl"' in svg and 'class="lcl"' in svg and 'class="baseline"' in svg
    assert "1 点超出 ±3σ 控制限" in svg and "1 point beyond 3σ" in svg
    assert "2025-01-01" in svg and "CT值（水）" in svg


def test_five_years_of_daily_values_draw_the_line_and_only_flagged_dots():
    days = [dt.date(2020, 1, 1) + dt.timedelta(days=i) for i in range(1826)]
    rnd = random.Random(1)
    vals = [rnd.gauss(60, 1) for _ in days]
    svg = render_svg(ChartData("log:temperature", "温度", "temperature", "°C", list(zip(days, vals)), 18, 26, None, analyse(vals)))
    pts = svg.split(' points="')[1].split('"')[0].split()
    assert len(pts) == 1826 and 'class="pt"' not in svg
    drift = vals[:1800] + [70.0] * 26  # the last 26 days far off: flagged, drawn as one path of rings
    svg = render_svg(ChartData("log:temperature", "温度", "temperature", "°C", list(zip(days, drift)), 18, 26, None, analyse(drift)))
    flagged = int(svg.split('data-flagged="')[1].split('"')[0])
    assert flagged >= 26 and svg.count("a5,5 0 1,0 10,0") == flagged and 'class="flag"' not in svg

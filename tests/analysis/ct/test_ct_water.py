"""Water phantom (WS 519): CT number, noise and uniformity against synthetic truth, and on real scans."""

from __future__ import annotations

import math

import pytest

from huren.analysis import AnalyzeOptions, analyze_images
from huren.analysis.ct import water_phantom
from huren.synth import ct as sct

SETTINGS = [
    dict(hu_offset=0.0, cupping_hu=0.0, noise_sd=4.0, diameter_mm=200, fov_mm=250, seed=1),
    dict(hu_offset=3.5, cupping_hu=5.0, noise_sd=6.0, diameter_mm=200, fov_mm=250, seed=2),
    dict(hu_offset=-5.0, cupping_hu=-4.0, noise_sd=3.0, diameter_mm=300, fov_mm=400, seed=3),
    dict(hu_offset=8.0, cupping_hu=2.0, noise_sd=6.0, diameter_mm=180, fov_mm=220, seed=4, thickness_mm=10.0),
]


@pytest.mark.parametrize("kw", SETTINGS, ids=lambda kw: f"off{kw['hu_offset']}-cup{kw['cupping_hu']}-sd{kw['noise_sd']}")
def test_water_number_noise_and_uniformity_match_truth(kw, synth_images):
    s = sct.water_phantom(matrix=256, n_slices=1, **kw)
    res = water_phantom(synth_images(s))
    assert not res.errors, res.errors
    t = s.truth
    assert abs(res.get("ct_number_water").value - t["ct_number_water"]) < 0.5
    assert abs(res.get("noise_sd").value / t["noise_sd"] - 1) < 0.03
    u = res.get("uniformity_max_diff")
    assert abs(u.value - t["uniformity_max_diff"]) < 0.5
    signed = u.details["signed_diff_hu"]
    assert set(signed) == {"12", "3", "6", "9"}
    assert all(math.copysign(1, v) == math.copysign(1, t["uniformity_signed"]) for v in signed.values()) or t["uniformity_max_diff"] < 0.5


def test_noise_percent_uses_measured_air_and_the_10mm_normalisation(synth_images):
    s = sct.water_phantom(matrix=256, n_slices=1, noise_sd=5.0, thickness_mm=2.5, seed=7)
    res = water_phantom(synth_images(s))
    sd = res.get("noise_sd").value
    n = res.get("noise_percent")
    air = n.details["ct_air"]
    water = n.details["ct_water"]
    assert n.details["ct_air_source"] == "measured" and abs(air + 1000) < 3
    assert n.value == pytest.approx(sd / (water - air) * 100, rel=1e-3)
    assert res.get("noise_percent_10mm").value == pytest.approx(sd * math.sqrt(2.5 / 10) / (water - air) * 100, rel=1e-3)


def test_water_rois_are_sized_from_the_water_not_the_shell(synth_images):
    s = sct.water_phantom(matrix=256, n_slices=1, diameter_mm=200, shell_mm=6.0, noise_sd=2.0)
    res = water_phantom(synth_images(s))
    m = res.get("ct_number_water")
    assert m.details["shell"] is True
    assert abs(m.details["phantom_diameter_mm"] - 200) < 2.0
    assert m.rois[0].radius_mm == pytest.approx(0.05 * m.details["phantom_diameter_mm"], rel=1e-3)


def test_water_phantom_larger_than_the_fov_uses_nominal_air_and_reports_missing_rois(synth_images):
    s = sct.water_phantom(matrix=200, n_slices=1, diameter_mm=300, fov_mm=240, noise_sd=3.0)
    res = analyze_images(synth_images(s), AnalyzeOptions(phantom="water"))
    assert abs(res.get("ct_number_water").value) < 0.5
    assert res.get("noise_percent").details["ct_air_source"].startswith("nominal")
    assert any("outside the image" in e.reason_en for e in res.errors)


def test_statistical_low_contrast_figure_grows_with_noise(synth_images):
    lo = water_phantom(synth_images(sct.water_phantom(matrix=256, n_slices=1, noise_sd=2.0, seed=5)))
    hi = water_phantom(synth_images(sct.water_phantom(matrix=256, n_slices=1, noise_sd=12.0, seed=5)))
    a = lo.get("low_contrast_diameter", method="statistical")
    b = hi.get("low_contrast_diameter", method="statistical")
    assert a.value < b.value
    sizes = a.details["by_size"]
    cs = [r["detectable_contrast_percent"] for r in sizes]
    assert cs[0] > cs[-1]  # a larger object needs less contrast


# ----------------------------------------------------------------------------- real scans
@pytest.fixture(scope="module")
def constancy(phantoms, tmp_path_factory):
    from huren.analysis import analyze_paths

    out = tmp_path_factory.mktemp("report")
    res = analyze_paths([phantoms / "ct" / "Constancy13img"], AnalyzeOptions(report_dir=out))
    return res, out


def test_real_constancy_set_finds_both_water_phantoms_and_ignores_the_topogram(constancy):
    res, _ = constancy
    assert any("localiser" in n["en"] and "Topogram" in n["en"] for n in res.notes)
    waters = res.all("ct_number_water")
    assert len(waters) == 2
    # every slice of both series is seen as uniform water (none mistaken for a wire or BB)
    assert sorted(len(m.details["other_slices"]) for m in waters) == [2, 5]
    for m in waters:
        assert abs(m.value) < 4.0  # a calibrated Siemens scanner: water within a few HU of 0
        assert 180 < m.details["phantom_diameter_mm"] < 200 and m.details["shell"]
        assert m.verdict == "pass"
    for m in res.all("noise_sd"):
        assert 2.0 < m.value < 8.0
    for m in res.all("uniformity_max_diff"):
        assert m.value < 3.0 and len(m.rois) == 5
    assert not res.errors


def test_real_constancy_report_draws_water_rois_and_wire_mtf(constancy):
    _, out = constancy
    names = sorted(p.name for p in out.glob("*.png"))
    assert "wire.png" in names and any(n.startswith("water") for n in names)
    assert all((out / n).stat().st_size > 10_000 for n in names)


@pytest.mark.parametrize("sd", [1.5, 12.0, 25.0])
def test_noise_sd_within_three_percent_from_low_to_high_noise(sd, synth_images):
    s = sct.water_phantom(matrix=256, n_slices=1, noise_sd=sd, seed=11)
    assert abs(water_phantom(synth_images(s)).get("noise_sd").value / sd - 1) < 0.03

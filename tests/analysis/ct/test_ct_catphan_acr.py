"""Catphan 504-like and ACR 464-like series: CT numbers, slice thickness, distances, MTF, low contrast."""

from __future__ import annotations

import pytest

from huren.analysis.ct import acr_ct, analyze, catphan
from huren.synth import ct as sct

MATERIALS = ["air", "pmp", "ldpe", "polystyrene", "acrylic", "delrin", "teflon"]


@pytest.fixture(scope="module")
def catphan_default(tmp_path_factory):
    return _analysed(sct.catphan504(psf_sigma_mm=0.7, noise_sd=4.0, seed=3), catphan, tmp_path_factory.mktemp("cp"))


def _analysed(series, analysis, folder):
    """(series, result of ``analysis`` on it): shared by the module-scoped fixtures."""
    from huren.dicomio import load_images

    series.write(folder)
    return series, analysis(load_images([folder])[0])


def test_catphan_ct_numbers_within_one_hu_of_truth(catphan_default):
    # within 1 HU, plus 0.4 % of the insert's contrast to the body: the 10 mm ROI (pylinac's and the
    # headline's convention) reaches within 1.1–1.4 mm of the 12.2 mm insert's edge, where a 0.7 mm PSF
    # leaves a little of the body (Teflon reads ≈ 3 HU low; with the former 7 mm ROI it read within 1 HU)
    s, res = catphan_default
    for name in MATERIALS:
        m = res.get(f"ct_number_{name}")
        t = s.truth[f"ct_number_{name}"]
        assert abs(m.value - t) < 1.0 + 0.004 * abs(t - 90.0), (name, m.value, t)
        assert m.provenance["sop_instance_uids"] and m.rois
    lin = res.get("ct_number_linearity")
    assert lin.value < 4.0 and lin.details["fit"]["r2"] > 0.9999
    assert lin.value == pytest.approx(max(abs(v) for v in lin.details["deviation_hu"].values()), abs=1e-3)


def test_catphan_rod_distance_and_named_modules(catphan_default):
    s, res = catphan_default
    g = res.get("geometric_distance")
    assert abs(g.value - 50.0) < 0.2 and len(g.details["sides_mm"]) == 4
    assert {m.details.get("module") for m in res.measurements} >= {"CTP404", "CTP528", "CTP515"}
    assert any("ctp486" in (m.method or "") for m in res.measurements)


def test_catphan_bar_mtf_within_five_percent_of_the_analytic_curve(catphan_default):
    s, res = catphan_default
    for metric in ("mtf50", "mtf10"):
        m = res.get(metric, method="bars")
        assert abs(m.value / s.truth[metric] - 1) < 0.05, (metric, m.value, s.truth[metric])
    assert res.get("resolved_lp_cm").value >= 4


def test_catphan_low_contrast_targets_give_the_ws519_figure(catphan_default):
    _, res = catphan_default
    m = res.get("low_contrast_diameter", method="targets")
    sm = m.details["smallest_mm"]
    expect = sum(d * float(c) for c, d in sm.items() if d is not None) / sum(1 for d in sm.values() if d is not None)
    assert m.value == pytest.approx(expect)
    assert sm["1"] is not None and (sm["0.3"] is None or sm["0.3"] >= sm["1"])


@pytest.mark.parametrize("thickness", [2.5, 5.0, 10.0])
def test_catphan_slice_thickness_within_0_2_mm(thickness, synth_images):
    s = sct.catphan504(modules=("ctp404",), thickness_mm=thickness, psf_sigma_mm=0.6, noise_sd=4.0, seed=int(thickness * 10))
    res = catphan(synth_images(s))
    m = res.get("slice_thickness")
    assert abs(m.value - thickness) < 0.2, m.details["ramps"]
    assert len(m.details["ramps"]) == 4 and m.details["nominal"] == thickness
    assert any("CTP528" in e.reason_en for e in res.errors)  # the single slice has no resolution module


@pytest.mark.parametrize("sigma", [0.5, 0.8])
def test_bead_mtf_within_five_percent_on_a_finely_sampled_low_noise_slice(sigma, synth_images):
    s = sct.catphan504(modules=("ctp528",), psf_sigma_mm=sigma, noise_sd=0.5, matrix=448, seed=2)
    res = catphan(synth_images(s))
    for metric in ("mtf50", "mtf10"):
        assert abs(res.get(metric, method="bead").value / s.truth[metric] - 1) < 0.05


def test_low_contrast_detection_falls_with_noise(synth_images):
    clean = catphan(synth_images(sct.catphan504(modules=("ctp515", "ctp486"), noise_sd=0.5, seed=4)))
    noisy = catphan(synth_images(sct.catphan504(modules=("ctp515", "ctp486"), noise_sd=6.0, seed=4)))
    a = clean.get("low_contrast_diameter", method="targets")
    b = noisy.get("low_contrast_diameter", method="targets")
    assert a.details["smallest_mm"] == {"1": 2.0, "0.5": 2.0, "0.3": 2.0}
    assert a.value == pytest.approx((2.0 + 1.0 + 0.6) / 3)
    assert b.value > a.value


# ----------------------------------------------------------------------------- ACR
@pytest.fixture(scope="module")
def acr_default(tmp_path_factory):
    return _analysed(sct.acr464(psf_sigma_mm=0.45, noise_sd=4.0, seed=5, rotation_deg=4.0), acr_ct,
                     tmp_path_factory.mktemp("acr"))


def test_acr_module1_numbers_and_slice_thickness(acr_default):
    s, res = acr_default
    for name in ("air", "ldpe", "acrylic", "bone"):
        assert abs(res.get(f"ct_number_{name}").value - s.truth[f"ct_number_{name}"]) < 1.0
    st = res.get("slice_thickness")
    assert abs(st.value - s.truth["slice_thickness"]) < 0.2 and st.details["ramp_factor"] == 0.5


def test_acr_module3_water_noise_and_bb_distance(acr_default):
    s, res = acr_default
    assert abs(res.get("ct_number_water").value - s.truth["ct_number_water"]) < 0.5
    assert abs(res.get("noise_sd").value / s.truth["noise_sd"] - 1) < 0.05
    assert abs(res.get("geometric_distance").value - 100.0) < 0.3


def test_acr_module4_bar_mtf_and_module2_low_contrast(acr_default):
    s, res = acr_default
    m50 = res.get("mtf50", method="bars")
    assert abs(m50.value / sct.mtf_level_gaussian(0.5, 0.45) - 1) < 0.05
    assert res.get("resolved_lp_cm").value >= 4
    lcd = res.get("low_contrast_diameter", method="targets")
    assert lcd.details["module"] == "ACR module 2" and lcd.details["acr_cnr_25mm"] > 1


def test_analyze_names_phantom_and_the_slices_used(acr_default, tmp_path):
    from huren.dicomio import load_images

    s = sct.acr464(matrix=256, seed=9)
    s.write(tmp_path)
    images, _ = load_images([tmp_path])
    res = analyze(images)
    assert res.phantom == "acr-ct"
    text = " ".join(n["en"] for n in res.notes)
    for mod in ("acr.m1", "acr.m4"):
        assert mod in text


def test_acr_mtf50_below_the_lowest_bar_group_is_not_guessed(synth_images):
    res = acr_ct(synth_images(sct.acr464(modules=("m1", "m4"), psf_sigma_mm=0.9, seed=6)))
    assert not res.all("mtf50", method="bars")
    assert any("MTF50" in e.reason_en and "lowest line-pair group" in e.reason_en for e in res.errors)


@pytest.mark.parametrize("sigma", [0.4, 0.8])
def test_teflon_edge_mtf_within_five_percent_of_analytic(sigma, synth_images):
    s = sct.catphan504(modules=("ctp404",), psf_sigma_mm=sigma, matrix=448, noise_sd=2.0, seed=12)
    res = catphan(synth_images(s))
    for metric in ("mtf50", "mtf10"):
        m = res.get(metric, method="edge")
        assert abs(m.value / s.truth[metric] - 1) < 0.05, (metric, m.value, s.truth[metric])


@pytest.mark.parametrize("gen,thickness,matrix,sigma", [
    (sct.catphan504, 0.5, 512, 0.25), (sct.catphan504, 1.0, 512, 0.3),
    (sct.acr464, 1.0, 512, 0.3), (sct.acr464, 10.0, 320, 0.5),
], ids=["catphan-0.5mm", "catphan-1mm", "acr-1mm", "acr-10mm"])
def test_thin_and_thick_slices_within_0_2_mm(gen, thickness, matrix, sigma, synth_images):
    mod = ("ctp404",) if gen is sct.catphan504 else ("m1",)
    s = gen(modules=mod, thickness_mm=thickness, matrix=matrix, psf_sigma_mm=sigma, noise_sd=3.0, seed=21)
    res = (catphan if gen is sct.catphan504 else acr_ct)(synth_images(s))
    assert abs(res.get("slice_thickness").value - thickness) < 0.2


@pytest.mark.parametrize("rotation", [-10.0, 7.0, 180.0])
def test_bar_layout_roll_is_measured_on_the_ctp528_slice_alone(rotation, synth_images):
    s = sct.catphan504(modules=("ctp528",), rotation_deg=rotation, psf_sigma_mm=0.6, noise_sd=4.0, seed=5)
    m = catphan(synth_images(s)).get("mtf50", method="bars")
    assert abs((m.details["roll_deg"] - rotation + 180) % 360 - 180) < 0.5
    assert abs(m.value / s.truth["mtf50"] - 1) < 0.05


@pytest.mark.parametrize("modules", [("ctp515", "ctp486"), ("ctp528", "ctp515")], ids=["lcd-only", "with-bars"])
def test_low_contrast_discs_found_on_a_rotated_phantom_without_ctp404(modules, synth_images):
    s = sct.catphan504(modules=modules, rotation_deg=8.0, noise_sd=0.5, seed=6)
    m = catphan(synth_images(s)).get("low_contrast_diameter", method="targets")
    assert m.details["smallest_mm"] == {"1": 2.0, "0.5": 2.0, "0.3": 2.0}


def test_acr_bar_patterns_and_low_contrast_read_on_a_rotated_phantom_without_module1(synth_images):
    s = sct.acr464(modules=("m2", "m4"), rotation_deg=-9.0, psf_sigma_mm=0.45, noise_sd=1.0, seed=8)
    res = acr_ct(synth_images(s))
    m50 = res.get("mtf50", method="bars")
    assert abs(m50.details["roll_deg"] + 9.0) < 0.5
    assert abs(m50.value / s.truth["mtf50"] - 1) < 0.05
    assert res.get("low_contrast_diameter", method="targets").details["smallest_mm"]["0.6"] <= 4.0

"""Catphan 503/504/600/604 told apart by module spacing; CTP591 bead ramps and bead; a tilted phantom."""

from __future__ import annotations

import pytest

from huren.analysis import AnalyzeOptions
from huren.analysis.ct import catphan
from huren.analysis.ct.models import CATPHAN_MODELS, MODULE_HALF_LENGTH_MM
from huren.synth import ct as sct

# 5 mm slices every 10 mm (as a quick survey scan would be): every module is still cut at least once
RANGES = {"catphan503": (-120, 40), "catphan504": (-90, 40), "catphan600": (-180, 20), "catphan604": (-110, 50)}


@pytest.mark.parametrize("model, tilt", [(m, 0.0) for m in sorted(CATPHAN_MODELS)] + [("catphan600", 3.0), ("catphan604", -3.0)])
def test_each_catphan_model_is_recognised_and_every_module_found_by_content(model, tilt, synth_images):
    s = sct.catphan(model, matrix=192, thickness_mm=5, z_range_mm=RANGES[model], slice_spacing_mm=10, seed=2, tilt_deg=tilt)
    res = catphan(synth_images(s))
    assert res.phantom == model
    notes = [n["en"] for n in res.notes]
    for mod, z in CATPHAN_MODELS[model]["modules"].items():
        # CTP486 has no signature of its own (body only, like a gap between modules): once the
        # model is known, its table position picks among the uniform slices
        hit = [n for n in notes if n.startswith(f"catphan.{mod}:")]
        assert hit, (mod, notes)
        zf = float(hit[0].split("position ")[1].split(" mm")[0])
        assert abs(zf - z) <= MODULE_HALF_LENGTH_MM[mod], (mod, zf, z)
    assert not [e for e in res.errors if "CTP515" in e.reason_en]
    assert abs(res.get("slice_thickness").value - 5.0) < 0.3  # 1.15 mm pixels


def test_a_given_model_overrides_detection_and_is_named(synth_images):
    s = sct.catphan("catphan504", matrix=192, modules=("ctp404", "ctp528"))
    res = catphan(synth_images(s), AnalyzeOptions(phantom="catphan600"))
    assert res.phantom == "catphan600"
    # 503 and 504 both put CTP528 30 mm from CTP404: either may be named as the better fit
    assert any("given with --phantom; the module spacings found fit catphan50" in n["en"] for n in res.notes)


@pytest.mark.parametrize("thickness, tilt, sigma, roll", [(2.0, 0.0, 0.5, 0.0), (3.0, 0.0, 1.0, 0.0), (5.0, 2.5, 0.5, 0.0),
                                                          (8.0, -3.0, 0.7, 0.0), (10.0, 0.0, 0.5, 0.0), (5.0, 2.0, 0.5, 8.0)])
def test_ctp591_bead_ramps_give_slice_thickness_and_tilt(thickness, tilt, sigma, roll, synth_images):
    s = sct.catphan("catphan600", matrix=256, modules=("ctp404", "ctp591"), thickness_mm=thickness, tilt_deg=tilt,
                    psf_sigma_mm=sigma, rotation_deg=roll, offset_mm=(6.0, -9.0) if roll else (0.0, 0.0), seed=5)
    res = catphan(synth_images(s))
    m = res.get("slice_thickness", method="ctp591-bead-ramps")
    # beads step 1 mm in z: the FWHM is read between samples 1 mm apart
    assert abs(m.value - thickness) < 0.2, m.details
    assert m.details["module"] == "CTP591" and len(m.rois) == 2
    # the tilt follows from the two ramps' lengths, each read to about ±0.1 mm of z: a rough figure
    assert abs(m.details["pairs"][0]["tilt_deg"] - tilt) < 1.2


@pytest.mark.parametrize("sigma", [0.5, 0.7])
def test_ctp591_single_bead_gives_the_psf_mtf(sigma, synth_images):
    # finely sampled and low noise: a single small bead carries little signal
    s = sct.catphan("catphan600", matrix=384, modules=("ctp591",), psf_sigma_mm=sigma, noise_sd=1.0, seed=1)
    res = catphan(synth_images(s))
    for metric in ("mtf50", "mtf10"):
        b = [x for x in res.all(metric, method="bead") if x.details.get("module") == "CTP591"][0]
        assert abs(b.value / s.truth[metric] - 1) < 0.06, (metric, b.value, s.truth[metric])


@pytest.mark.parametrize("tilt, gantry", [(3.0, 0.0), (-2.0, 0.0), (0.0, 2.5)])
def test_tilted_phantom_still_found_and_ramp_thickness_corrected_for_the_tilt(tilt, gantry, synth_images):
    s = sct.catphan("catphan504", matrix=256, modules=("ctp404", "ctp528", "ctp515"), thickness_mm=5.0, tilt_deg=tilt,
                    gantry_tilt_deg=gantry, seed=7)
    res = catphan(synth_images(s))
    m = res.get("slice_thickness", method="catphan-wire-ramps")
    assert abs(m.value - 5.0) < 0.15, m.details
    lr = [p for p in m.details["pairs"] if p["ramps"] == ["left", "right"]][0]
    assert abs(lr["tilt_deg"] + (tilt + gantry)) < 0.5  # sign: the solved tilt is the left ramp's, opposite to the image-x rotation
    single = [r["thickness_mm"] for r in m.details["ramps"] if r["name"] in ("left", "right")]
    if abs(tilt + gantry) >= 2.0:  # uncorrected, single ramps are off by >10 %
        assert max(abs(v / 5.0 - 1) for v in single) > 0.1
    assert m.details["gantry_tilt_deg"] == pytest.approx(gantry)
    assert abs(res.get("geometric_distance").value - 50.0) < 0.2
    for name in ("air", "teflon", "acrylic"):
        assert abs(res.get(f"ct_number_{name}").value - s.truth[f"ct_number_{name}"]) < 1.5
    assert {x.details.get("module") for x in res.measurements} >= {"CTP404", "CTP528", "CTP515"}

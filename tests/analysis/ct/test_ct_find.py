"""The phantom and its modules are found by content under off-centre, rotation, FOV and thickness changes."""

from __future__ import annotations

import math

import pytest

from huren.analysis.ct import analyze
from huren.analysis.ct.common import ct_disc
from huren.analysis.ct.find import classify
from huren.synth import ct as sct

POSES = [
    ((0.0, 0.0), 0.0, 220.0),
    ((40.0, 0.0), 10.0, 320.0),
    ((-28.0, 28.0), -10.0, 360.0),
    ((0.0, -40.0), 6.0, 500.0),
    ((25.0, 30.0), -7.0, 280.0),
    ((-15.0, -10.0), 3.0, 200.0),
]


def _centre_error_mm(image, disc, offset):
    x, y = image.px_to_mm(*disc.centre_px)
    return math.hypot(x - offset[0], y - offset[1])


@pytest.mark.parametrize("offset,rotation,fov", POSES, ids=[f"off{p[0]}-rot{p[1]}-fov{p[2]}" for p in POSES])
def test_catphan_modules_found_under_offset_rotation_and_fov(offset, rotation, fov, synth_images):
    s = sct.catphan504(matrix=256, fov_mm=fov, offset_mm=offset, rotation_deg=rotation, psf_sigma_mm=0.8,
                       modules=("ctp404", "ctp528"), seed=1)
    images = synth_images(s)
    kinds = [classify(im) for im in images]
    assert [k.kind for k in kinds] == ["catphan.ctp404", "catphan.ctp528"]
    for k in kinds:
        assert _centre_error_mm(k.image, k.disc, offset) < 1.0
        assert abs(k.disc.radius_mm - 100.0) < 1.0
    res = analyze(images)
    assert res.phantom == "catphan"
    # (+ 0.4 % of the contrast: see test_ctp404_inserts_cut_off_by_the_fov_leave_the_others_measured)
    assert abs(res.get("ct_number_teflon").value - 1000) < 6.6 and abs(res.get("ct_number_air").value + 1000) < 7.4
    assert abs(res.get("geometric_distance").value - 50) < 0.5
    assert res.get("slice_thickness").details["ramps"]


@pytest.mark.parametrize("offset,rotation,fov", POSES[1:4], ids=[f"off{p[0]}-rot{p[1]}-fov{p[2]}" for p in POSES[1:4]])
def test_acr_modules_found_under_offset_rotation_and_fov(offset, rotation, fov, synth_images):
    s = sct.acr464(matrix=256, fov_mm=fov, offset_mm=offset, rotation_deg=rotation, psf_sigma_mm=0.8, seed=2)
    kinds = [classify(im) for im in synth_images(s)]
    assert kinds[0].kind == "acr.m1" and kinds[3].kind == "acr.m4"
    for k in kinds:
        assert _centre_error_mm(k.image, k.disc, offset) < 1.0


@pytest.mark.parametrize("offset,fov,diameter", [((0, 0), 250, 200), ((40, -20), 450, 320), ((-30, 35), 300, 180),
                                                  ((38, 0), 200, 180)])
def test_water_phantom_found_and_measured_off_centre(offset, fov, diameter, synth_images):
    s = sct.water_phantom(matrix=256, fov_mm=fov, offset_mm=offset, diameter_mm=diameter, n_slices=1, noise_sd=3.0)
    images = synth_images(s)
    disc = ct_disc(images[0])
    assert _centre_error_mm(images[0], disc, offset) < 1.0
    res = analyze(images)
    assert res.phantom == "water"
    assert abs(res.get("ct_number_water").value) < 0.5
    assert abs(res.get("ct_number_water").details["phantom_diameter_mm"] - diameter) < 2.0


def test_roll_of_the_catphan_is_measured(synth_images):
    s = sct.catphan504(modules=("ctp404",), rotation_deg=-8.0, matrix=256, seed=3)
    from huren.analysis.ct import catphan

    images = synth_images(s)
    k = classify(images[0])
    from huren.analysis.ct.catphan import ctp404

    out = ctp404(images[0], k.disc)
    assert abs(out["roll_deg"] - (-8.0)) < 0.5
    assert catphan(images).phantom == "catphan"


def test_ctp404_inserts_cut_off_by_the_fov_leave_the_others_measured(synth_images):
    from huren.analysis.ct import catphan

    s = sct.catphan504(modules=("ctp404",), fov_mm=200.0, matrix=256, offset_mm=(40.0, 0.0), psf_sigma_mm=0.8, seed=4)
    res = catphan(synth_images(s))
    got = {m.metric for m in res.measurements}
    assert {"ct_number_ldpe", "ct_number_air", "ct_number_teflon"} <= got
    assert any("delrin" in e.reason_en for e in res.errors)  # the insert beyond the FOV is named
    for metric in got & {f"ct_number_{n}" for n in ("air", "pmp", "ldpe", "polystyrene", "acrylic", "delrin", "teflon")}:
        # (+ 0.4 % of the insert's contrast: the 10 mm ROI comes within 1.1–1.4 mm of the insert's edge,
        # where a 0.8 mm PSF leaves a little of the body; air reads ≈ 4 HU high)
        t = s.truth[metric]
        assert abs(res.get(metric).value - t) < 2.0 + 0.004 * abs(t - 100.0), metric

"""Floods of any shape in any plane (issue 11 item 3): SNR and fractional uniformity against known truth.

Cylinders (a disc axially, a rectangle coronally and sagittally), spheres and bottles
(shoulders and a neck), off-centre, at SNR 10, 40 and 150, with a linear shading of
known fractional uniformity, an N/2 ghost along the phase-encoding direction, and a
Philips-style pair whose two images are scaled differently.
"""

from __future__ import annotations

import numpy as np
import pytest

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.analysis.mr import flood
from huren.synth.mr import FloodTruth, flood_signal, flood_uniformity_truth, write_flood

SHAPES = {
    # (shape, diameter, length): a 1 l bottle-sized cylinder is narrower than the ±50 mm the diagonal ROIs reach
    "cylinder": dict(shape="cylinder", diameter_mm=110.0, length_mm=220.0),
    "sphere": dict(shape="sphere", diameter_mm=160.0),
    "bottle": dict(shape="bottle", diameter_mm=120.0, length_mm=180.0, neck_mm=25.0),
}
PLANES = ("axial", "coronal", "sagittal")
SHADING = 0.1 / 40  # 10 % per 40 mm along x


def _pair(tmp_path, t: FloodTruth, t2: FloodTruth | None = None):
    a = write_flood(tmp_path / "a.dcm", t, seed=11)
    write_flood(tmp_path / "b.dcm", t2 or t, seed=12)
    return analyze_paths([tmp_path], AnalyzeOptions(phantom="flood")), a


@pytest.mark.parametrize("plane", PLANES)
@pytest.mark.parametrize("name", sorted(SHAPES))
@pytest.mark.parametrize("snr", [10.0, 40.0, 150.0])
def test_snr_of_every_method_within_6_percent_of_truth(tmp_path, name, plane, snr):
    t = FloodTruth(signal=800.0, sigma=800.0 / snr, plane=plane, offset_mm=(12.0, -9.0), shading_per_mm=SHADING,
                   pe="COL", **SHAPES[name])
    res, _ = _pair(tmp_path, t)
    assert not res.errors, [e.reason_en for e in res.errors]
    for method in ("subtraction", "smoothing", "background"):
        m = res.get("snr", method=method)
        assert m.value == pytest.approx(snr, rel=0.06), (method, m.value)
    sub = res.get("snr", method="subtraction")
    assert sub.details["object_shape"] == ("round" if name == "sphere" or plane == "axial" else "other")
    assert len(sub.details["signal"]) == 5


@pytest.mark.parametrize("plane", PLANES)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_signal_rois_lie_inside_the_object_and_air_rois_outside_it_and_its_ghost_band(name, plane):
    t = FloodTruth(signal=800.0, sigma=10.0, plane=plane, offset_mm=(12.0, -9.0), ghost=0.05, pe="COL", **SHAPES[name])
    truth_obj = flood_signal(FloodTruth(**{**t.__dict__, "ghost": 0.0})) > 0.5 * t.signal
    sp = (t.fov_mm / t.matrix,) * 2
    from scipy import ndimage

    dist = ndimage.distance_transform_edt(truth_obj, sampling=sp)
    obj = flood.find_flood(flood_signal(t), sp)
    centres, _ = flood.signal_roi_centres(obj)
    half = 10.0 / sp[0]
    for cx, cy in centres:
        box = dist[int(round(cy - half)): int(round(cy + half)), int(round(cx - half)): int(round(cx + half))]
        assert box.min() >= 4.0  # 5 mm from the found wall, the found wall within a pixel of the true one
    air, in_band = flood.background_roi_centres(obj, "col")
    assert air and not in_band
    cols = np.nonzero(truth_obj.any(axis=0))[0]
    hb = 7.5 / sp[1]
    for cx, _cy in air:
        # ghosts run down the columns the object spans: the air ROIs keep out of them
        assert cx + hb < cols.min() or cx - hb > cols.max()


@pytest.mark.parametrize("plane", PLANES)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_background_snr_is_not_lowered_by_a_phase_encoding_ghost(tmp_path, name, plane):
    t = FloodTruth(signal=800.0, sigma=20.0, plane=plane, ghost=0.05, pe="COL", **SHAPES[name])
    res, _ = _pair(tmp_path, t)
    m = res.get("snr", method="background")
    # the ghost (5 % of 800 = 40, twice σ) in an air ROI would drag the SNR far down
    assert m.value == pytest.approx(40.0, rel=0.08)


@pytest.mark.parametrize("plane", PLANES)
@pytest.mark.parametrize("name", sorted(SHAPES))
def test_fractional_uniformity_matches_the_shading_truth_over_the_profile_used(tmp_path, name, plane):
    t = FloodTruth(signal=800.0, sigma=4.0, plane=plane, shading_per_mm=SHADING, **SHAPES[name])
    res, _ = _pair(tmp_path, t)
    h, v = res.get("fractional_uniformity_h"), res.get("fractional_uniformity_v")
    obj = flood.find_flood(flood_signal(t), (t.fov_mm / t.matrix,) * 2)
    # the profile stays inside the object (85 % of its chord) and is at most IPEM's 160 mm
    assert h.details["length_mm"] <= min(160.0, 0.86 * obj.chord_mm(1) + 1.0)
    truth = flood_uniformity_truth(t, h.details["length_mm"])
    assert h.value == pytest.approx(truth["h"], abs=0.03)
    assert truth["h"] < 0.95  # the shading is steep enough to matter
    assert v.value == pytest.approx(1.0, abs=0.01)


def test_a_pair_scaled_differently_is_compared_on_philips_floating_point_values(tmp_path):
    """Philips scales each image: SV = FP·SS, DV = SV·RS. Only FP is comparable between the two."""
    base = dict(signal=800.0, sigma=20.0, plane="coronal", **SHAPES["cylinder"])
    t1 = FloodTruth(rescale_slope=1.5, philips_scale_slope=2.0, **base)
    t2 = FloodTruth(rescale_slope=1.2, philips_scale_slope=3.0, **base)
    res, _ = _pair(tmp_path, t1, t2)
    m = res.get("snr", method="subtraction")
    assert m.value == pytest.approx(40.0, rel=0.06)
    assert m.details["pixel_values"] == "Philips scale slope (2005,100E)"
    # the stored values (what hazen subtracts) are 2·FP and 3·FP: the difference's SD is √13·σ, the
    # signal 2·S, so SNR = 2·√2/√13 · S/σ ≈ 31.4, a fifth low
    assert m.details["hazen_method"]["value"] == pytest.approx(40.0 * 2 * np.sqrt(2) / np.sqrt(13), rel=0.06)


def test_a_pair_with_the_same_scaling_gives_the_same_snr_as_unscaled(tmp_path):
    base = dict(signal=800.0, sigma=20.0, plane="sagittal", **SHAPES["bottle"])
    plain, _ = _pair(tmp_path / "plain", FloodTruth(**base))
    scaled, _ = _pair(tmp_path / "scaled", FloodTruth(rescale_slope=2.5, philips_scale_slope=1.5, **base))
    a, b = plain.get("snr", method="subtraction").value, scaled.get("snr", method="subtraction").value
    assert a == pytest.approx(b, rel=0.02)


@pytest.mark.parametrize("plane", ["coronal", "sagittal"])
@pytest.mark.parametrize("name", ["cylinder", "bottle"])
def test_a_side_on_flood_is_screened_as_a_phantom_by_content(tmp_path, name, plane):
    from huren.analysis.mr import looks_like_phantom
    from huren.dicomio import load_images

    p = write_flood(tmp_path / "f.dcm", FloodTruth(signal=800.0, sigma=20.0, plane=plane, **SHAPES[name]))
    ok, _zh, en = looks_like_phantom(load_images([p])[0])
    assert ok and "not round" in en


@pytest.mark.parametrize("width_mm", [150.0, 120.0])
def test_a_head_of_any_width_is_still_not_a_flood(tmp_path, width_mm):
    from huren.analysis.mr import looks_like_phantom
    from huren.dicomio import as_image, load_images
    from huren.synth.patient import head_mr, with_pixels

    p = write_flood(tmp_path / "f.dcm", FloodTruth())
    hdr = load_images([p])[0][0].ds
    ims = [as_image(with_pixels(hdr, head_mr(seed=s, width_mm=width_mm), pixel_mm=0.94)) for s in (1, 2)]
    ok, _zh, en = looks_like_phantom(ims)
    assert not ok, en

"""Dark noise, response uniformity and the artifact screen against synthetic truth."""

import numpy as np
import pytest

from huren.analysis import dr as dra
from huren.dicomio import images_from
from huren.synth import dr


def img(s):
    return images_from(s.ds)[0]


@pytest.mark.parametrize("level,noise,photo,rescale", [
    (100.0, 2.0, "MONOCHROME2", None),
    (1500.0, 12.0, "MONOCHROME1", None),
    (40.0, 1.0, "MONOCHROME2", (0.5, 10.0)),
])
def test_dark_mean_within_one_percent_and_sd_of_electronic_noise(level, noise, photo, rescale):
    det = dr.Detector(dark_level=level, electronic_noise=noise, photometric=photo, rescale=rescale)
    res = dra.dark_noise(img(dr.dark_image(det)))
    assert not res.errors
    assert res.get("dark_mean").value == pytest.approx(level, rel=0.01)
    # rescale quantises the stored value: its step adds (step²/12) of variance
    step = rescale[0] if rescale else 1.0
    assert res.get("dark_sd").value == pytest.approx(np.hypot(noise, step / np.sqrt(12)), rel=0.05)
    assert res.get("artifact_count", item="DR-QC-DARK").value == 0
    roi = res.get("dark_mean").rois[0]
    assert roi.size_mm == (100.0, 100.0) and roi.centre_mm == (0.0, 0.0)


@pytest.mark.parametrize("level,noise,seed", [(100.0, 2.0, 0), (1.0, 0.5, 1), (0.0, 2.0, 2), (0.0, 0.0, 3), (100.0, 0.3, 4)])
def test_dark_screen_finds_a_hot_pixel_and_nothing_else(level, noise, seed):
    # quantised (noise under one step) and offset-corrected (clipped at 0) darks included
    det = dr.Detector(dark_level=level, electronic_noise=noise, seed=seed)
    s = dr.dark_image(det, artifacts=[{"kind": "hot_pixel", "row": 40, "col": 300}])
    m = dra.dark_noise(img(s)).get("artifact_count", item="DR-QC-DARK")
    assert m.value == 1 and m.details["artifacts"][0]["kind"] == "hot_pixel"
    assert m.details["artifacts"][0]["centre_px"] == [300.0, 40.0]


@pytest.mark.parametrize("response,gain,offset,cv,kerma", [
    ("linear", 400.0, 100.0, 1.0, 10.0),
    ("linear", 80.0, 2000.0, 4.0, 10.0),
    ("log", 1000.0, 3000.0, 3.0, 10.0),
    ("power", 800.0, 0.0, 6.0, 12.0),
])
def test_uniformity_cv_within_0p2_points_raw_and_linearised(response, gain, offset, cv, kerma):
    det = dr.Detector(response=response, gain=gain, offset=offset, gain_cv_percent=cv, gain_angle_deg=40)
    truth = dr.uniformity_truth(det, kerma)
    raw = dra.response_uniformity(img(dr.flat_field(det, kerma))).get("uniformity_cv")
    assert raw.method == "raw"
    assert raw.value == pytest.approx(truth["cv_raw"], abs=0.2)
    # with the STP fit of the same detector the headline CV is in kerma units
    series = [img(s) for s in dr.stp_series(det)]
    _, fit = dra.signal_transfer(series, [1, 5, 10, 20, 30])
    lin = dra.response_uniformity(img(dr.flat_field(det, kerma)), fit).get("uniformity_cv")
    assert lin.method == "linearised"
    assert lin.value == pytest.approx(truth["cv_linearised"], abs=0.2)
    assert lin.details["cv_raw"] == pytest.approx(truth["cv_raw"], abs=0.2)
    assert [r.label for r in lin.rois] == ["centre", "upper left", "upper right", "lower left", "lower right"]
    assert all(r.size_mm == (40.0, 40.0) for r in lin.rois)


def test_uniformity_rois_shrink_on_a_small_detector():
    det = dr.Detector(shape=(256, 256), pixel_mm=0.2, gain_cv_percent=2)  # 51 mm: a quadrant is 25.6 mm
    m = dra.response_uniformity(img(dr.flat_field(det, 10))).get("uniformity_cv")
    assert m.rois[0].size_mm[0] == pytest.approx(0.9 * 25.6)
    assert m.value == pytest.approx(dr.uniformity_truth(det, 10)["cv_raw"], abs=0.2)


PLANTED = [
    {"kind": "dead_pixel", "row": 100, "col": 100},
    {"kind": "hot_pixel", "row": 300, "col": 60, "size": 2},
    {"kind": "dead_column", "index": 210},
    {"kind": "dead_row", "index": 450, "start": 50, "stop": 250},
    {"kind": "stripe", "axis": "col", "start": 400, "width": 3, "amplitude": 0.01},
    {"kind": "stripe", "axis": "row", "start": 160, "width": 2, "amplitude": -0.008},
    {"kind": "blotch", "row": 350, "col": 300, "radius_mm": 10, "amplitude": -0.03},
]
EXPECTED_KIND = {"dead_pixel": "dead_pixel", "hot_pixel": "pixel_cluster", "dead_column": "dead_column",
                 "dead_row": "dead_row", "stripe": ("stripe_column", "stripe_row"), "blotch": "local_nonuniformity"}


def _where(a):
    """(col, row) where a planted artifact is, or the index it lies on."""
    k = a["kind"]
    if k in ("dead_pixel", "hot_pixel"):
        s = a.get("size", 1)
        return ("pt", a["col"] + (s - 1) / 2, a["row"] + (s - 1) / 2)
    if k == "dead_column":
        return ("col", a["index"])
    if k == "dead_row":
        return ("row", a["index"])
    if k == "stripe":
        return ("col" if a["axis"] == "col" else "row", a["start"] + (a["width"] - 1) / 2)
    return ("pt", a["col"], a["row"])


def _matches(found, planted):
    w = _where(planted)
    c, r = found["centre_px"]
    if w[0] == "pt":
        return abs(c - w[1]) <= 4 and abs(r - w[2]) <= 4
    return abs((c if w[0] == "col" else r) - w[1]) <= 1


@pytest.mark.parametrize("seed,cv,qnoise", [(1, 0.0, 0.01), (2, 3.0, 0.02), (3, 5.0, 0.005)])
def test_every_planted_artifact_is_found_once_at_its_place(seed, cv, qnoise):
    det = dr.Detector(seed=seed, gain_cv_percent=cv, quantum_noise=qnoise)
    m = dra.artifacts(img(dr.flat_field(det, 10, artifacts=PLANTED))).get("artifact_count")
    found = m.details["artifacts"]
    assert m.value == len(PLANTED), found
    for p in PLANTED:
        hits = [f for f in found if _matches(f, p)]
        assert len(hits) == 1, (p, found)
        kinds = EXPECTED_KIND[p["kind"]]
        assert hits[0]["kind"] in (kinds if isinstance(kinds, tuple) else (kinds,))


@pytest.mark.parametrize("seed,cv,qnoise,enoise,kerma,response", [
    (11, 0.0, 0.01, 2.0, 10, "linear"), (12, 5.0, 0.03, 5.0, 2, "linear"), (13, 2.0, 0.002, 0.5, 30, "linear"),
    (14, 3.0, 0.01, 2.0, 10, "log"), (15, 1.0, 0.0, 0.0, 10, "linear"),
])
def test_clean_flat_fields_have_no_artifacts(seed, cv, qnoise, enoise, kerma, response):
    det = dr.Detector(seed=seed, gain_cv_percent=cv, quantum_noise=qnoise, electronic_noise=enoise, response=response,
                      gain=1000.0 if response == "log" else 400.0, offset=3000.0 if response == "log" else 100.0)
    m = dra.artifacts(img(dr.flat_field(det, kerma))).get("artifact_count")
    assert m.value == 0, m.details["artifacts"]


def test_collimation_edges_are_not_artifacts():
    det = dr.Detector(gain_cv_percent=2.0)
    s = dr.flat_field(det, 10)
    a = s.ds.pixel_array.copy()
    a[:40, :] = 100  # collimator blade shadows
    a[:, -30:] = 100
    s.ds.PixelData = a.tobytes()
    m = dra.artifacts(img(s)).get("artifact_count")
    assert m.value == 0, m.details["artifacts"]


def test_twelve_bit_monochrome1_with_rescale_inverts_about_the_stored_range():
    kw = dict(bits_stored=12, gain=100.0, offset=50.0, gain_cv_percent=3.0, electronic_noise=1.0, quantum_noise=0.005)
    m2 = dra.response_uniformity(img(dr.flat_field(dr.Detector(**kw), 10))).get("uniformity_cv")
    m1 = dra.response_uniformity(img(dr.flat_field(dr.Detector(photometric="MONOCHROME1", rescale=(2.0, -20.0), **kw), 10)))
    m1 = m1.get("uniformity_cv")
    assert m2.details["roi_means"][0] == pytest.approx(1050, rel=0.002)
    assert m1.details["roi_means"] == pytest.approx(m2.details["roi_means"], abs=1.0)
    truth = dr.uniformity_truth(dr.Detector(**kw), 10)["cv_raw"]
    assert m1.value == pytest.approx(truth, abs=0.2) and m2.value == pytest.approx(truth, abs=0.2)


def test_cr_plate_in_monochrome1_is_measured_and_flagged_as_of_unknown_intent():
    det = dr.Detector(kind="cr", photometric="MONOCHROME1", gain_cv_percent=2.0, bits_stored=12, gain=150.0, offset=200.0)
    res = dra.response_uniformity(img(dr.flat_field(det, 10)))
    m = res.get("uniformity_cv")
    assert m.value == pytest.approx(dr.uniformity_truth(det, 10)["cv_raw"], abs=0.2)
    assert m.details["pixel_data"] == "unknown"
    assert any("whether it is raw" in n["en"] for n in res.notes)


def test_a_saturated_flat_field_is_measured_with_a_note():
    det = dr.Detector(bits_stored=12, gain=500.0, offset=100.0)  # 10 µGy → 5100 > 4095
    res = dra.response_uniformity(img(dr.flat_field(det, 10)))
    assert res.get("uniformity_cv")
    assert any("saturated" in n["en"] for n in res.notes)
    clean = dra.response_uniformity(img(dr.flat_field(dr.Detector(bits_stored=12, gain=300.0), 10)))
    assert not any("saturated" in n["en"] for n in clean.notes)


def test_library_functions_take_a_dataset_or_a_path_as_well_as_an_image(tmp_path):
    det = dr.Detector(shape=(256, 256), pixel_mm=0.8, gain_cv_percent=3.0, seed=9)
    s = dr.flat_field(det, 10.0)
    path = s.write(tmp_path / "flat.dcm")
    by_image = dra.response_uniformity(img(s)).get("uniformity_cv").value
    assert dra.response_uniformity(s.ds).get("uniformity_cv").value == by_image
    assert dra.response_uniformity(str(path)).get("uniformity_cv").value == by_image
    with pytest.raises(TypeError):
        dra.response_uniformity(42)

"""The MR analyses on synthetic phantoms with known truth, at several settings."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.dicomio import load_images
from huren.synth.mr import AcrTruth, FloodTruth, write_acr_series, write_flood

R_LARGE = math.sqrt(20000 / math.pi)
R_SMALL = math.sqrt(100 / math.pi)

SETTINGS = {
    # name: (truth, stored in reverse order)
    "plain_ghosted": (AcrTruth(ghost=0.05), False),
    "turned_offset_reversed": (AcrTruth(diameter_mm=191.0, angle_deg=4.0, offset_mm=(7.0, -5.0), shading_per_mm=0.0015,
                                        slice_thickness_mm=4.0, wedge_difference_mm=3.0), True),
    "steep_shading_thin_slice": (AcrTruth(diameter_mm=190.5, angle_deg=-5.0, offset_mm=(-6.0, 8.0), shading_per_mm=0.0025,
                                          sigma=3.0, slice_thickness_mm=3.0, wedge_difference_mm=-4.0), False),
    "fine_matrix_thick_slice": (AcrTruth(matrix=512, diameter_mm=189.0, angle_deg=-3.0, shading_per_mm=0.0008,
                                         slice_thickness_mm=6.5, wedge_difference_mm=-2.0, sigma=8.0,
                                         phase_encoding="ROW", ghost=0.03, field_strength_t=3.0), False),
}


@pytest.fixture(scope="module")
def acr_results(tmp_path_factory):
    out = {}
    for name, (truth, reverse) in SETTINGS.items():
        d = tmp_path_factory.mktemp(name)
        write_acr_series(d, truth, reverse=reverse)
        out[name] = (truth, analyze_paths([d], AnalyzeOptions()))
    return out


# an N/2 ghost overlaps the phantom (changing its uniformity) and the air (its noise)
UNGHOSTED = [n for n, (t, _) in SETTINGS.items() if not t.ghost]


@pytest.mark.parametrize("name", UNGHOSTED)
def test_piu_equals_the_shading_truth(acr_results, name):
    truth, res = acr_results[name]
    expected = 100 * (1 - truth.shading_per_mm * (R_LARGE - R_SMALL))
    assert res.get("piu", method="acr").value == pytest.approx(expected, abs=0.3)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_diameters_equal_the_drawn_diameter(acr_results, name):
    truth, res = acr_results[name]
    for m in res.all("geometric_length"):
        assert m.value == pytest.approx(truth.diameter_mm, abs=0.5), m.details["direction"]


@pytest.mark.parametrize("name", list(SETTINGS))
def test_slice_thickness_equals_the_ramp_truth(acr_results, name):
    truth, res = acr_results[name]
    assert res.get("slice_thickness").value == pytest.approx(truth.slice_thickness_mm, abs=0.1)


@pytest.mark.parametrize("name", list(SETTINGS))
def test_wedge_difference_equals_the_drawn_difference(acr_results, name):
    truth, res = acr_results[name]
    for m in res.all("slice_position_difference"):
        assert m.value == pytest.approx(truth.wedge_difference_mm, abs=0.35), m.slice


@pytest.mark.parametrize("name", list(SETTINGS))
def test_ghosting_equals_the_rician_ghost_level(acr_results, name):
    # magnitude images: a ghost of amplitude g·S over noise σ reads as the Rice mean,
    # plain air as the Rayleigh mean; PSG is their difference over the signal
    truth, res = acr_results[name]
    s, g, sd = truth.signal, truth.ghost, truth.sigma
    rice = stats.rice(g * s / sd, scale=sd).mean() if g else stats.rayleigh(scale=sd).mean()
    expected = 100 * (rice - stats.rayleigh(scale=sd).mean()) / s
    assert res.get("ghosting_percent", method="acr-psg").value == pytest.approx(expected, abs=0.1)


@pytest.mark.parametrize("name", UNGHOSTED)
def test_background_snr_recovers_signal_over_sigma_with_the_rayleigh_factor(acr_results, name):
    truth, res = acr_results[name]
    assert res.get("snr", method="background").value == pytest.approx(truth.signal / truth.sigma, rel=0.05)


def test_slice_one_is_found_in_a_reversed_stack(acr_results):
    _, res = acr_results["turned_offset_reversed"]
    assert res.get("slice_thickness").value == pytest.approx(4.0, abs=0.1)
    thick = res.get("slice_thickness")
    assert thick.slice == 1 and res.get("phantom_centre_px").slice == 7


def test_rotation_is_measured(acr_results):
    truth, res = acr_results["turned_offset_reversed"]
    assert res.get("phantom_centre_px").details["rotation_deg"] == pytest.approx(truth.angle_deg, abs=0.3)


def test_field_strength_picks_the_3t_piu_criterion(acr_results):
    _, res = acr_results["fine_matrix_thick_slice"]
    m = res.get("piu", method="acr")
    assert m.details["field_strength_t"] == 3.0 and m.criterion["min"] == 82.0


@pytest.fixture(scope="module")
def flood_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("flood")
    truth = FloodTruth(signal=600.0, sigma=6.0, shading_per_mm=0.0005)
    a = write_flood(d / "a" / "f.dcm", truth, seed=1)
    b = write_flood(d / "b" / "f.dcm", truth, seed=2)
    return truth, a, b


@pytest.mark.parametrize("method", ["subtraction", "background", "smoothing"])
def test_flood_snr_by_each_method_recovers_the_truth(flood_pair, method):
    truth, a, b = flood_pair
    opts = AnalyzeOptions(phantom="flood")
    opts.second = load_images([b])[0]
    res = analyze_paths([a], opts)
    tol = 0.06 if method != "smoothing" else 0.12  # a box-filter residual keeps (1 − 1/n) of the noise
    assert res.get("snr", method=method).value == pytest.approx(truth.signal / truth.sigma, rel=tol)
    assert res.get("snr", method=method).details["normalised"] > 0


def test_flood_fractional_uniformity_sees_a_steep_shading(tmp_path):
    # ±12 % over ±80 mm: the outer profile points leave the ±10 % band
    truth = FloodTruth(diameter_mm=200.0, shading_per_mm=0.0015, sigma=2.0)
    p = write_flood(tmp_path / "f.dcm", truth)
    res = analyze_paths([p], AnalyzeOptions(phantom="flood"))
    h, v = res.get("fractional_uniformity_h").value, res.get("fractional_uniformity_v").value
    assert v == pytest.approx(1.0) and 0.75 < h < 0.95
    assert h == pytest.approx(0.1 / 0.0015 * 2 / 160, abs=0.03)


def test_one_enhanced_multiframe_file_is_numbered_and_measured_like_eleven_files(tmp_path):
    from huren.synth.mr import write_acr_enhanced

    truth = AcrTruth(shading_per_mm=0.001, slice_thickness_mm=4.5, wedge_difference_mm=2.0)
    p = write_acr_enhanced(tmp_path / "acr.dcm", truth, reverse=True)
    res = analyze_paths([p], AnalyzeOptions(phantom="acr"))
    assert not [e for e in res.errors if e.test == "acr"]
    assert res.get("slice_thickness").value == pytest.approx(4.5, abs=0.1)
    assert res.get("piu", method="acr").value == pytest.approx(100 * (1 - 0.001 * (R_LARGE - R_SMALL)), abs=0.3)
    assert {m.details["slice"] for m in res.all("slice_position_difference")} == {1, 11}
    assert all(m.value == pytest.approx(2.0, abs=0.35) for m in res.all("slice_position_difference"))
    assert res.get("piu", method="acr").provenance["sop_instance_uids"][0].endswith("#6")  # frame 7 of 11


@pytest.mark.parametrize("pe", ["ROW", "COL"])
def test_enhanced_mr_phase_encoding_is_read_from_the_functional_groups(tmp_path, pe):
    import pydicom

    from huren.analysis.mr.common import phase_encoding_axis
    from huren.dicomio import load_images
    from huren.synth.mr import write_acr_enhanced

    p = write_acr_enhanced(tmp_path / "acr.dcm", AcrTruth(phase_encoding=pe))
    assert "InPlanePhaseEncodingDirection" not in pydicom.dcmread(p, stop_before_pixels=True)
    images, errors = load_images([p])
    assert not errors and len(images) == 11
    assert {phase_encoding_axis(im) for im in images} == {pe.lower()}


def test_artifact_screen_is_quiet_on_a_clean_flood_and_finds_a_line_in_the_air(tmp_path):
    import numpy as np
    import pydicom

    truth = FloodTruth(diameter_mm=170.0, sigma=6.0)
    clean = write_flood(tmp_path / "clean" / "f.dcm", truth, seed=3)
    dirty = write_flood(tmp_path / "dirty" / "f.dcm", truth, seed=3)
    ds = pydicom.dcmread(dirty)
    a = ds.pixel_array.astype(np.int32)
    a[10:13, 20:236] += 120  # a bright line across the top of the field, 15 % of the signal
    ds.PixelData = np.clip(a, 0, 65535).astype(np.uint16).tobytes()
    ds.save_as(dirty)
    q = analyze_paths([clean], AnalyzeOptions(phantom="flood")).get("artifact_count")
    d = analyze_paths([dirty], AnalyzeOptions(phantom="flood")).get("artifact_count")
    assert q.value == 0 and q.verdict == "pass"
    assert d.value >= 1 and d.verdict == "fail" and d.details["regions"][0]["kind"] in ("line", "ghost")


@pytest.mark.parametrize("name", ["turned_offset_reversed", "steep_shading_thin_slice"])
def test_edge_mtf50_equals_the_pixel_box_mtf_of_a_sharp_edge(acr_results, name):
    # the synthetic edge is sharp and each pixel averages its area, so the MTF is the
    # pixel's sinc: MTF50 = 0.603 / pixel pitch
    truth, res = acr_results[name]
    pitch = truth.fov_mm / truth.matrix
    m = res.get("mtf50")
    assert m.unit == "lp/cm" and m.value == pytest.approx(10 * 0.603 / pitch, rel=0.06)
    assert m.details["edge_angle_deg"] == pytest.approx(truth.angle_deg, abs=0.2)


@pytest.mark.parametrize("name", UNGHOSTED)
def test_ws263_nine_roi_uniformity_equals_the_shading_truth(acr_results, name):
    # ROIs of 200 mm² with their edges 10 mm inside the wall: the outer ones sit at
    # ring = R − 10 − r from the centre, so U = 100·(1 − g·ring) for a shading slope g
    truth, res = acr_results[name]
    ring = truth.diameter_mm / 2 - 10.0 - math.sqrt(200.0 / math.pi)
    m = res.get("piu", method="ws263-nine-roi")
    assert m.value == pytest.approx(100 * (1 - truth.shading_per_mm * ring), abs=0.3)
    assert len(m.rois) == 9


def test_our_readings_are_nearer_the_truth_than_hazens_way_on_the_same_images(acr_results):
    # why the headline figures are ours: over every synthetic setting, the half-level lengths, the
    # half-mean ramp lengths and each wedge bar's own end are nearer the drawn truth than hazen's
    # ways (pixel count, smoothed logistic fit, shift search) re-implemented on the same images
    err = {"ours": {"len": [], "thk": [], "pos": []}, "hazen": {"len": [], "thk": [], "pos": []}}
    for truth, res in acr_results.values():
        for m in res.all("geometric_length"):
            err["ours"]["len"].append(abs(m.value - truth.diameter_mm))
            err["hazen"]["len"].append(abs(m.details["hazen_method"]["value"] - truth.diameter_mm))
        st = res.get("slice_thickness")
        err["ours"]["thk"].append(abs(st.value - truth.slice_thickness_mm))
        err["hazen"]["thk"].append(abs(st.details["hazen_method"]["value"] - truth.slice_thickness_mm))
        for m in res.all("slice_position_difference"):
            err["ours"]["pos"].append(abs(m.value - truth.wedge_difference_mm))
            err["hazen"]["pos"].append(abs(m.details["hazen_method"]["value"] - truth.wedge_difference_mm))
    for k in ("len", "thk", "pos"):
        ours, hz = err["ours"][k], err["hazen"][k]
        assert sum(ours) / len(ours) < sum(hz) / len(hz), k
    assert max(err["ours"]["len"]) <= 0.5 and max(err["ours"]["thk"]) <= 0.1


@pytest.mark.parametrize("name", list(SETTINGS))
def test_phantom_centre_is_the_drawn_centre_and_hazens_hough_is_within_a_pixel(acr_results, name):
    truth, res = acr_results[name]
    d = res.get("phantom_centre_px").details
    px = truth.fov_mm / truth.matrix
    x = (truth.matrix - 1) / 2 + truth.offset_mm[0] / px
    y = (truth.matrix - 1) / 2 + truth.offset_mm[1] / px
    assert d["x"] == pytest.approx(x, abs=0.3) and d["y"] == pytest.approx(y, abs=0.3)
    assert abs(d["hazen_method"]["x"] - x) <= 1.0 and abs(d["hazen_method"]["y"] - y) <= 1.0


def test_slice_width_object_carries_its_truth():
    """The noise-free MagNET object: rods signal-free at their places, each band's FWHM = profile FWHM / tan(angle ± tilt)."""
    import numpy as np

    from huren.synth.mr import SliceWidthTruth, slice_width_rods_mm, slice_width_signal, slice_width_truth

    t = SliceWidthTruth(matrix=512, fov_mm=256.0, shading=0.0, tilt_deg=2.0, plate_mm=0.5)
    truth = slice_width_truth(t)
    assert abs(truth["slice_width_mm"] - 5.0) < 0.01 and abs(truth["plate_dip_fwhm_mm"] - 5.0) < 0.01
    assert truth["horizontal_mm"] == pytest.approx([120.0] * 3) and truth["distortion_h_percent"] < 1e-9
    s = slice_width_signal(t)
    px = 256.0 / 512
    for x, y in slice_width_rods_mm(t).reshape(9, 2):
        c, r = int(round(x / px + 255.5)), int(round(y / px + 255.5))
        assert s[r, c] < 0.01 * t.signal
    for y_mm, ang in ((-30.0, 11.3 + 2.0), (30.0, 11.3 - 2.0)):
        row = s[int(round(y_mm / px + 255.5))]
        dip = 1.0 - row / t.signal
        xs = (np.arange(512) - 255.5) * px
        inner = np.abs(xs) < 50
        half = 0.5 * dip[inner].max()
        above = xs[inner][dip[inner] >= half]
        assert abs((above.max() - above.min()) - 5.0 / math.tan(math.radians(ang))) < 2 * px

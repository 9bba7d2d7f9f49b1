"""The ACR tests on real Siemens, GE and Philips images against hazen's asserted figures.

hazen's figures are from data/phantoms/README.md. Where our method differs from
hazen's on purpose, the test says so and asserts our own, reasoned figure.
"""

from __future__ import annotations

import pytest

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.dicomio import load_images


@pytest.fixture(scope="module")
def acr(phantoms):
    base = phantoms / "mr" / "acr"
    out = {}
    for name in ("Siemens", "GE", "PhilipsAchieva", "SiemensLargeSliceLocationDelta",
                 "PhilipsSliceThicknessLineProfileLocalMinimaIssue"):
        opts = AnalyzeOptions()
        if name == "Siemens":
            opts.second = load_images([base / "Siemens2"])[0]
        out[name] = analyze_paths([base / name], opts)
    return out


def _geom(res, slice_no, direction):
    return next(m.value for m in res.all("geometric_length") if m.details["slice"] == slice_no and m.details["direction"] == direction)


@pytest.mark.parametrize("name,x,y", [("Siemens", 129, 129), ("GE", 254, 255), ("PhilipsAchieva", 129, 128),
                                      ("SiemensLargeSliceLocationDelta", 125, 128),
                                      ("PhilipsSliceThicknessLineProfileLocalMinimaIssue", 128, 128)])
def test_phantom_centre_hough_estimator_matches_hazen_within_one_pixel(acr, name, x, y):
    # hazen's figures for the last two sets are from hazen's own run (bench/mr.py)
    h = acr[name].get("phantom_centre_px").details["hazen_method"]
    assert abs(h["x"] - x) <= 1 and abs(h["y"] - y) <= 1


@pytest.mark.parametrize("name,x,y", [("Siemens", 129, 129), ("GE", 254, 255), ("PhilipsAchieva", 129, 128)])
def test_phantom_centre_wall_fit_is_within_a_pixel_of_hazen_except_ges_fill_port_row(acr, name, x, y):
    m = acr[name].get("phantom_centre_px")
    assert abs(m.details["x"] - x) <= 1.0
    # GE: the wall's least-squares circle is 1.3 px below hazen's whole-pixel Hough centre; circles
    # through the wall's half-level crossings (without the fill-port quarter too) agree with ours
    assert abs(m.details["y"] - y) <= (1.3 if name == "GE" else 1.0)


@pytest.mark.parametrize("name,piu", [("Siemens", 67.49), ("GE", 83.78), ("PhilipsAchieva", 80.66)])
def test_piu_matches_hazen_within_one_point(acr, name, piu):
    assert acr[name].get("piu", method="acr").value == pytest.approx(piu, abs=1.0)


@pytest.mark.parametrize("name,piu", [("Siemens", 67.49), ("GE", 83.78), ("PhilipsAchieva", 80.66),
                                      ("SiemensLargeSliceLocationDelta", 95.76),
                                      ("PhilipsSliceThicknessLineProfileLocalMinimaIssue", 86.87)])
def test_hazen_method_piu_matches_hazen_within_one_point(acr, name, piu):
    # hazen's way (whole-pixel radii rounded up, its Hough centre); the last two figures are from
    # hazen's own run (bench/mr.py). On the last set the guidance's exact 200 / 1 cm² ROIs read
    # 88.8: the minimum lies at the top of the search area, where hazen's ROIs, a pixel wider, reach further
    m = acr[name].get("piu", method="acr")
    assert m.details["hazen_method"]["value"] == pytest.approx(piu, abs=1.0)


@pytest.mark.parametrize("name,psg", [("Siemens", 0.035), ("GE", 0.485)])
def test_percent_signal_ghosting_matches_hazen_within_0_1_point(acr, name, psg):
    assert acr[name].get("ghosting_percent", method="acr-psg").value == pytest.approx(psg, abs=0.1)


def test_subtraction_snr_matches_hazen_within_5_percent_on_siemens_pair(acr):
    m = acr["Siemens"].get("snr", method="subtraction")
    assert m.value == pytest.approx(76.52, rel=0.05)
    assert len(m.provenance["sop_instance_uids"]) == 2


@pytest.mark.parametrize("name,snr", [("GE", 39.98), ("Siemens", 339.1)])
def test_smoothing_snr_with_hazen_pixel_rois_matches_hazen(acr, name, snr):
    assert acr[name].get("snr", method="smoothing").details["hazen_pixel_rois_snr"] == pytest.approx(snr, rel=0.05)


HAZEN_LENGTHS = {  # (slice, direction): hazen's value, mm
    "Siemens": {(1, "horizontal"): 191.41, (1, "vertical"): 187.5, (5, "horizontal"): 191.41, (5, "vertical"): 187.5,
                (5, "diagonal_1"): 191.41, (5, "diagonal_2"): 191.41},
    "GE": {(1, "horizontal"): 190.93, (1, "vertical"): 188.9, (5, "horizontal"): 190.42, (5, "vertical"): 189.41,
           (5, "diagonal_2"): 190.43, (5, "diagonal_1"): 189.41},
    "PhilipsAchieva": {(1, "horizontal"): 190.43, (1, "vertical"): 189.45, (5, "horizontal"): 190.43, (5, "vertical"): 189.45,
                       (5, "diagonal_1"): 189.45, (5, "diagonal_2"): 189.45},
}


@pytest.mark.parametrize("name", list(HAZEN_LENGTHS))
def test_hazen_method_lengths_match_hazen_within_half_mm(acr, name):
    # the same lines measured hazen's way (7 % threshold, hull, pixel count); the Philips diagonals
    # are checked in the next test, from hazen's own slice-5 centre
    for (s, d), v in HAZEN_LENGTHS[name].items():
        if name == "PhilipsAchieva" and d.startswith("diagonal"):
            continue
        m = next(m for m in acr[name].all("geometric_length") if m.details["slice"] == s and m.details["direction"] == d)
        assert m.details["hazen_method"]["value"] == pytest.approx(v, abs=0.5), (s, d)


def test_philips_diagonal_pixel_counts_need_hazens_centre_to_agree(phantoms):
    # a staircase diagonal counts 2 px more or fewer when the centre moves one pixel: from our
    # centre (129.0, 127.7) the counts are 187.5 / 191.4 mm, from hazen's Hough centre (128, 128)
    # they are hazen's 189.45 / 189.45 mm
    from huren.analysis.mr import acr as acr_mod

    ims, _ = load_images([phantoms / "mr" / "acr" / "PhilipsAchieva"])
    im = acr_mod.identify_slices(ims).image(5)
    f = acr_mod.Frame((128.0, 128.0), 0.0, im.spacing)
    for deg in (45.0, 135.0):
        assert acr_mod.threshold_extent_mm(im, f, deg) == pytest.approx(189.45, abs=0.01)


@pytest.mark.parametrize("name", list(HAZEN_LENGTHS))
def test_half_level_lengths_stay_within_one_mm_of_hazen(acr, name):
    # our reported value is the sub-pixel half-level length (within 0.5 mm of the drawn diameter on
    # synthetic phantoms, tests/synth/test_mr_synth.py); hazen counts whole pixels of a 7 % mask,
    # so the two differ by up to a pixel (1 px = 0.98 mm; GE 0.51 mm)
    for (s, d), v in HAZEN_LENGTHS[name].items():
        assert _geom(acr[name], s, d) == pytest.approx(v, abs=1.0), (s, d)


def test_every_geometric_length_names_slice_direction_and_nominal(acr):
    ms = acr["GE"].all("geometric_length")
    assert {(m.details["slice"], m.details["direction"]) for m in ms} == {
        (1, "horizontal"), (1, "vertical"), (5, "horizontal"), (5, "vertical"), (5, "diagonal_1"), (5, "diagonal_2")}
    assert all(m.details["nominal_mm"] == 190.0 and 185 < m.value < 195 for m in ms)


@pytest.mark.parametrize("name,pos", [("Siemens", (-0.59, -1.56)), ("PhilipsAchieva", (1.37, -3.12)),
                                       ("SiemensLargeSliceLocationDelta", (-6.64, -6.84)), ("GE", (0.51, None))])
def test_slice_position_difference_matches_hazen_within_half_mm(acr, name, pos):
    ms = {m.details["slice"]: m.value for m in acr[name].all("slice_position_difference")}
    for s, v in zip((1, 11), pos):
        if v is not None:  # GE slice 11: see the next test
            assert ms[s] == pytest.approx(v, abs=0.5), s


def test_ge_slice_11_wedges_end_together_though_hazens_shift_search_reads_millimetres(acr):
    # hazen reads 4.47 mm (a shift of 44 fifth-pixels): both bars' profiles cross half level within
    # 0.5 mm of each other, and the mean-difference shift search, re-implemented, jumps to 2 mm on
    # the same two nearly identical profiles, where it finds no clear least positive difference
    m = next(m for m in acr["GE"].all("slice_position_difference") if m.details["slice"] == 11)
    bars = m.details["bars"]
    assert abs(bars["left"]["end_y_mm"] - bars["right"]["end_y_mm"]) < 0.6 and abs(m.value) < 0.6
    assert abs(m.details["hazen_method"]["value"]) > 1.5


@pytest.mark.parametrize("name,pos", [("Siemens", (-0.59, -1.56)), ("SiemensLargeSliceLocationDelta", (-6.64, -6.84)),
                                       ("GE", (0.51, None)), ("PhilipsAchieva", (None, -3.12))])
def test_hazen_method_slice_position_matches_hazen_within_half_mm(acr, name, pos):
    # PhilipsAchieva slice 1: the shift search reads 0.78 against hazen's 1.37 (our headline 1.20)
    ms = {m.details["slice"]: m.details["hazen_method"]["value"] for m in acr[name].all("slice_position_difference")}
    for s, v in zip((1, 11), pos):
        if v is not None:
            assert ms[s] == pytest.approx(v, abs=0.5), s


def test_slice_identification_finds_slice_one_whatever_the_stack_order(acr):
    # GE is stored head-first, the others feet-first; slice 1 always holds the ramps
    for res in acr.values():
        assert res.get("slice_thickness").slice == 1


def test_field_strength_in_every_measurement_for_the_catalog(acr):
    ge, ph = acr["GE"], acr["PhilipsAchieva"]
    assert all(m.details.get("field_strength_t") == 1.5 for m in ge.measurements)
    assert all(m.details.get("field_strength_t") == 3.0 for m in ph.measurements)
    assert ge.get("resonance_frequency").value == pytest.approx(63.863039)


def test_zero_filled_philips_air_gives_a_bilingual_reason_not_a_background_snr(acr):
    res = acr["PhilipsAchieva"]
    assert not res.all("snr", method="background")
    err = next(e for e in res.errors if e.test == "snr_background")
    assert "zero-filled" in err.reason_en and "置零" in err.reason_zh and err.path.endswith(".dcm")
    assert "100 % of the background ROI pixels are 0" in err.reason_en and "100% 的像素值为 0" in err.reason_zh
    # the other SNR methods are still measured on the same slice
    assert res.get("snr", method="smoothing").value > 0


def test_zero_filled_philips_air_still_gives_subtraction_snr_with_a_repeat(phantoms):
    base = phantoms / "mr" / "acr" / "PhilipsAchieva"
    ims, _ = load_images([base])
    # a stand-in repeat: the same slices with independent noise (SD 5) added inside the phantom
    import copy

    import numpy as np

    rng = np.random.default_rng(1)
    second = []
    for im in ims:
        c = copy.copy(im)
        c.array = (im.array + rng.normal(0, 5.0, im.array.shape) * (im.array > 0)).astype(np.float32)
        second.append(c)
    res = analyze_paths([base], AnalyzeOptions(phantom="acr", second=second))
    assert not res.all("snr", method="background")
    assert res.get("snr", method="subtraction").value > 0 and res.get("snr", method="smoothing").value > 0


@pytest.mark.parametrize("name,thickness,tol", [
    ("PhilipsAchieva", 5.36, 0.3), ("SiemensLargeSliceLocationDelta", 4.75, 0.3),
    ("PhilipsSliceThicknessLineProfileLocalMinimaIssue", 5.48, 0.3),
    # Siemens 3 T: the ramps' profiles are rounded humps; the ACR half-mean level reads 5.5 mm
    ("Siemens", 5.89, 0.45),
])
def test_slice_thickness_matches_hazen(acr, name, thickness, tol):
    m = acr[name].get("slice_thickness")
    assert m.value == pytest.approx(thickness, abs=tol)
    assert set(m.details["ramps"]) == {"upper", "lower"} and len(m.rois) == 2


@pytest.mark.parametrize("name,thickness", [
    ("PhilipsAchieva", 5.36), ("SiemensLargeSliceLocationDelta", 4.75),
    ("PhilipsSliceThicknessLineProfileLocalMinimaIssue", 5.48), ("GE", 9.99)])
def test_hazen_method_slice_thickness_in_hazens_pixel_units_matches_hazen(acr, name, thickness):
    # hazen puts ramp lengths in pixels into 0.2·a·b/(a + b): its GE figure (9.99) is twice the
    # thickness at 0.51 mm pixels; our re-implementation in those units agrees within 0.3
    h = acr[name].get("slice_thickness").details["hazen_method"]
    assert h["value_in_pixel_units"] == pytest.approx(thickness, abs=0.3)
    assert h["value"] == pytest.approx(h["value_in_pixel_units"] * acr[name].get("slice_thickness").details["pixel_mm"], rel=1e-6)


@pytest.mark.parametrize("name,size", [("Siemens", 0.9), ("GE", 0.9), ("PhilipsAchieva", 1.0)])
def test_resolved_hole_size_is_hazens(acr, name, size):
    m = acr[name].get("resolved_hole_size")
    assert m.value == size
    arrays = m.details["arrays"]
    assert set(arrays) == {"1.1", "1.0", "0.9"} and all(set(a) == {"horizontal", "vertical"} for a in arrays.values())


def test_blurring_slice_one_loses_the_finest_hole_arrays(phantoms):
    import numpy as np
    from scipy import ndimage

    from huren.analysis.mr import acr as acr_mod

    ims, _ = load_images([phantoms / "mr" / "acr" / "GE"])
    s = acr_mod.identify_slices(ims)
    im = s.image(1)
    f = acr_mod.phantom_frame(im)
    f = acr_mod.Frame(f.centre_px, acr_mod.rotation_deg(im, f), f.spacing)
    sharp = acr_mod.hole_arrays(im, f)["resolved_mm"]
    im.array = ndimage.gaussian_filter(im.array, 1.2 / im.spacing[0]).astype(np.float32)  # ~2.8 mm FWHM blur
    blurred = acr_mod.hole_arrays(im, f)["resolved_mm"]
    assert sharp == 0.9 and (blurred is None or blurred > 1.0)


@pytest.mark.parametrize("name,total", [("Siemens", 40), ("PhilipsAchieva", 40)])
def test_low_contrast_spokes_near_hazens_on_good_3t_scans(acr, name, total):
    m = acr[name].get("low_contrast_spokes")
    assert abs(m.value - total) <= 2
    assert set(m.details["per_slice"]) == {"8", "9", "10", "11"}


def test_low_contrast_spokes_rise_with_disc_contrast_on_the_noisier_ge_scan(acr):
    per = acr["GE"].get("low_contrast_spokes").details["per_slice"]
    assert per["8"] < per["9"] <= per["10"] <= per["11"]


def test_a_real_series_turned_and_shifted_in_plane_gives_the_same_results(acr, phantoms, tmp_path):
    # the Philips series turned 4.5° anticlockwise and moved (6, −5) px, then analysed again
    import numpy as np
    import pydicom
    from scipy import ndimage

    src = phantoms / "mr" / "acr" / "PhilipsAchieva"
    for p in src.iterdir():
        ds = pydicom.dcmread(p)
        a = ndimage.shift(ndimage.rotate(ds.pixel_array.astype(float), -4.5, reshape=False, order=3), (-5, 6), order=3)
        ds.PixelData = np.clip(np.round(a), 0, 65535).astype(ds.pixel_array.dtype).tobytes()
        ds.save_as(tmp_path / p.name)
    turned = analyze_paths([tmp_path], AnalyzeOptions(phantom="acr"))
    base = acr["PhilipsAchieva"]
    assert turned.get("phantom_centre_px").details["rotation_deg"] == pytest.approx(
        base.get("phantom_centre_px").details["rotation_deg"] + 4.5, abs=0.3)
    assert turned.get("piu", method="acr").value == pytest.approx(base.get("piu", method="acr").value, abs=0.5)
    assert turned.get("slice_thickness").value == pytest.approx(base.get("slice_thickness").value, abs=0.15)
    for a, b in zip(turned.all("slice_position_difference"), base.all("slice_position_difference")):
        assert a.value == pytest.approx(b.value, abs=0.3)
    for a, b in zip(turned.all("geometric_length"), base.all("geometric_length")):
        assert a.value == pytest.approx(b.value, abs=0.5)
    assert turned.get("resolved_hole_size").value == base.get("resolved_hole_size").value
    assert turned.get("low_contrast_spokes").value == pytest.approx(base.get("low_contrast_spokes").value, abs=2)


def test_hazen_way_ramp_length_on_hazens_own_siemens_line_is_hazens_and_unstable_by_half_a_pixel(phantoms):
    # hazen's upper-ramp line on Siemens slice 1 runs from pixel (40, 127) to (216, 125) and reads
    # 60.59 px; our re-implementation on that line reads the same, and 11–15 px less a pixel away:
    # the ramp is about a pixel tall, so hazen's 5.89 depends on where its whole-pixel line falls
    import numpy as np
    from scipy import ndimage

    from huren.analysis.mr import acr as acr_mod

    ims, _ = load_images([phantoms / "mr" / "acr" / "Siemens"])
    im = acr_mod.identify_slices(ims).image(1)
    t = np.linspace(0.0, 1.0, 178)  # hazen samples 178 points along that line
    x = np.arange(178, dtype=float)

    def length(dy):
        v = ndimage.map_coordinates(im.array, [127 + dy - 2 * t, 40 + 176 * t], order=1)
        return acr_mod.ramp_fwhm_sigmoid(x, v)

    assert length(0.0) == pytest.approx(60.59, abs=0.3)
    assert length(-0.5) < 53.0 and max(length(-1.0), length(1.0)) < 50.0


@pytest.mark.parametrize("name,method,snr", [("GE", "smoothing", 39.98), ("Siemens", "smoothing", 339.1),
                                             ("Siemens", "subtraction", 76.52)])
def test_hazen_method_snr_matches_hazen_within_5_percent(acr, name, method, snr):
    h = acr[name].get("snr", method=method).details["hazen_method"]
    assert h["value"] == pytest.approx(snr, rel=0.05) and "hazen ACRSNR" in h["method"]

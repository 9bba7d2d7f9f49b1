"""Edge MTF, bar-pattern limiting resolution and distance error against synthetic truth."""

import pytest

from huren.analysis import dr as dra
from huren.dicomio import images_from
from huren.synth import dr


def img(s):
    return images_from(s.ds)[0]


@pytest.mark.parametrize("pixel,sigma,angle,vertical,photo", [
    (0.15, 0.10, 3.0, True, "MONOCHROME2"),
    (0.15, 0.08, 2.0, False, "MONOCHROME2"),
    (0.15, 0.20, 5.0, True, "MONOCHROME1"),
    (0.14, 0.12, -7.0, False, "MONOCHROME2"),
    (0.10, 0.05, 2.5, True, "MONOCHROME2"),
])
def test_edge_mtf50_within_5_percent_of_the_analytic_value(pixel, sigma, angle, vertical, photo):
    det = dr.Detector(pixel_mm=pixel, photometric=photo)
    s = dr.edge_image(det, sigma_mm=sigma, angle_deg=angle, vertical=vertical)
    res = dra.edge_mtf(img(s))
    m50 = res.get("mtf50")
    assert m50.value == pytest.approx(s.truth["mtf50"], rel=0.05)
    truth10 = dr.MTF50_PER_SIGMA / sigma * (dr.np.log(10) / dr.np.log(2)) ** 0.5
    assert res.get("mtf10").value == pytest.approx(truth10, rel=0.08)
    assert m50.details["edge_angle_deg"] == pytest.approx(-angle if not vertical else angle, abs=0.3)
    assert m50.details["orientation"] == ("vertical" if vertical else "horizontal")
    assert m50.details["nyquist_lp_mm"] == pytest.approx(1 / (2 * pixel), abs=1e-3)
    assert m50.details["spacing_source"] == "ImagerPixelSpacing"
    assert m50.unit == "lp/mm" and m50.method == "slanted-edge"


def test_edge_mtf_of_a_log_detector_is_right_once_linearised():
    det = dr.Detector(pixel_mm=0.15, response="log", gain=1000.0, offset=3000.0)
    s = dr.edge_image(det, sigma_mm=0.1, transmission=0.2)
    series = [img(x) for x in dr.stp_series(det)]
    _, fit = dra.signal_transfer(series, [1, 5, 10, 20, 30])
    m = dra.edge_mtf(img(s), stp=fit).get("mtf50")
    assert m.details["linearised"] is True
    assert m.value == pytest.approx(s.truth["mtf50"], rel=0.05)


def test_maker_value_and_nyquist_are_in_details():
    det = dr.Detector(pixel_mm=0.15)
    opts = dra_opts(maker_lp_mm=5.0, maker_at_45="yes")
    m = dra.edge_mtf(img(dr.edge_image(det)), opts).get("mtf50")
    assert m.details["maker_lp_mm"] == pytest.approx(5 / 1.414, abs=1e-3)
    assert m.details["maker_lp_mm_as_quoted_45deg"] == 5.0
    m = dra.edge_mtf(img(dr.edge_image(det)), dra_opts(maker_lp_mm=3.6)).get("mtf50")
    assert m.details["maker_lp_mm"] == 3.6 and "maker_lp_mm_as_quoted_45deg" not in m.details


def dra_opts(**extra):
    from huren.analysis import AnalyzeOptions

    return AnalyzeOptions(extra=extra)


FREQS = (0.6, 0.8, 1.0, 1.2, 1.4, 1.6, 1.8, 2.0, 2.5, 3.0, 4.0)


@pytest.mark.parametrize("sigma", [0.08, 0.25, 0.4])
def test_bar_limiting_resolution_is_within_one_group_of_truth(sigma):
    det = dr.Detector(pixel_mm=0.15, shape=(400, 1100))
    s = dr.bar_pattern_image(det, FREQS, sigma_mm=sigma, gap_mm=4)
    m = dra.bar_resolution(img(s), ",".join(map(str, FREQS))).get("limiting_resolution")
    nyq = 1 / (2 * 0.15)
    # truth: the finest group below Nyquist whose presampled MTF is ≥ 5 %
    truth = max(f for f in FREQS if f <= nyq and dr.gaussian_mtf(f, sigma) >= 0.05)
    i, j = FREQS.index(m.value), FREQS.index(truth)
    assert abs(i - j) <= 1, (m.value, truth, m.details["groups"])
    assert m.value <= nyq
    assert all(g["above_nyquist"] == (g["freq_lp_mm"] > nyq) for g in m.details["groups"])


def test_bar_resolution_needs_the_pattern_stated():
    res = dra.bar_resolution(img(dr.flat_field(dr.Detector(shape=(128, 128)), 5)), None)
    assert not res.measurements and "bar_frequencies" in res.errors[0].reason_en


@pytest.mark.parametrize("error,horizontal,pixel", [(0.0, True, 0.4), (1.5, False, 0.4), (-2.5, True, 0.3), (3.0, True, 0.25)])
def test_distance_error_from_ruler_graduations(error, horizontal, pixel):
    det = dr.Detector(pixel_mm=pixel, shape=(600, 600))
    m = dra.distance(img(dr.ruler_image(det, scale_error_percent=error, horizontal=horizontal))).get("distance_error")
    assert m.value == pytest.approx(error, abs=0.1)
    assert m.details["true_mm"] >= 100 and m.details["axis"] == ("x" if horizontal else "y")


def test_distance_error_typed_and_table_correction():
    m = dra.distance_typed(102.0, 100.0).get("distance_error")
    assert m.value == pytest.approx(2.0) and m.method == "typed"
    m = dra.distance_typed(110.0, 100.0, focus_ruler_mm=1650, sid_mm=1800).get("distance_error")
    assert m.value == pytest.approx((110 * 1650 / 1800 - 100) / 100 * 100, abs=1e-3)
    assert dra.distance_typed(0, 100).errors


@pytest.mark.parametrize("plate,pixel,vertical,side", [(100, 0.15, True, 1024), (120, 0.14, False, 1300)])
def test_edge_of_a_square_test_plate_ignores_its_corners(plate, pixel, vertical, side):
    det = dr.Detector(pixel_mm=pixel, shape=(side, side))
    s = dr.edge_image(det, sigma_mm=0.1, angle_deg=3, plate_mm=plate, vertical=vertical)
    im = img(s)
    assert dra.image_kind(im) == "edge"
    m = dra.edge_mtf(im).get("mtf50")
    assert m.value == pytest.approx(s.truth["mtf50"], rel=0.05)
    # the ROI sits on one side of the plate, half the plate's width from the centre
    assert max(abs(c) for c in m.rois[0].centre_mm) == pytest.approx(plate / 2, abs=5)


def test_a_ruler_with_another_graduation_than_assumed_is_refused_then_measured_when_stated():
    det = dr.Detector(pixel_mm=0.2, shape=(800, 800))
    s = dr.ruler_image(det, graduation_mm=5.0, scale_error_percent=0.8, tick_mm=0.6)
    res = dra.distance(img(s))
    assert not res.measurements and "5.04 mm apart" in res.errors[0].reason_en
    m = dra.distance(img(s), graduation_mm=5.0).get("distance_error")
    assert m.value == pytest.approx(0.8, abs=0.1)

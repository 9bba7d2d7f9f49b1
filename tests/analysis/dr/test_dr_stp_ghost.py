"""Signal transfer property and ghost against synthetic truth."""

import numpy as np
import pytest

from huren.analysis import dr as dra
from huren.analysis.dr.stp import fit_stp
from huren.dicomio import images_from
from huren.synth import dr

KERMA = [1, 5, 10, 20, 30]


def series(det, kermas=KERMA):
    return [images_from(s.ds)[0] for s in dr.stp_series(det, kermas)]


@pytest.mark.parametrize("response,gain,offset,exponent,photo", [
    ("linear", 400.0, 100.0, 0.6, "MONOCHROME2"),
    ("linear", 50.0, 800.0, 0.6, "MONOCHROME1"),
    ("log", 1000.0, 3000.0, 0.6, "MONOCHROME2"),
    ("log", 400.0, 2000.0, 0.6, "MONOCHROME1"),
    ("power", 800.0, 0.0, 0.6, "MONOCHROME2"),
    ("power", 300.0, 0.0, 0.45, "MONOCHROME2"),
])
def test_stp_picks_the_true_model_and_r2_is_near_one(response, gain, offset, exponent, photo):
    det = dr.Detector(response=response, gain=gain, offset=offset, exponent=exponent, photometric=photo, gain_cv_percent=2)
    ims = series(det)
    kerma = {f"{im.sop_instance_uid}": k for im, k in zip(ims, KERMA)}
    res, fit = dra.signal_transfer(ims, kerma)
    m = res.get("stp_r2")
    assert m.method == response and fit.model == response
    assert m.value > 0.9999
    others = {k: v for k, v in m.details["r2_by_model"].items() if k != response}
    assert all(v < m.value for v in others.values())
    # the inverse gives back the kerma of each point
    pts = m.details["points"]
    np.testing.assert_allclose(fit.to_kerma([p["mean"] for p in pts]), KERMA, rtol=0.01)


def test_user_named_model_is_used_and_r2_reports_its_misfit():
    det = dr.Detector(response="log", gain=1000.0, offset=3000.0)
    res, fit = dra.signal_transfer(series(det), KERMA, model="linear")
    m = res.get("stp_r2")
    assert m.method == "linear" and m.details["chosen"] == "user"
    assert m.value == pytest.approx(m.details["r2_by_model"]["linear"]) and m.value < 0.95


def test_r2_matches_a_direct_regression():
    k = np.array([1.0, 5, 10, 20, 30])
    p = np.array([510.0, 2090, 4120, 8080, 12300])
    fit, _ = fit_stp(k, p, "linear")
    r = np.corrcoef(k, p)[0, 1]
    assert fit.r2 == pytest.approx(r * r, rel=1e-12)


def test_stp_needs_three_kerma_values_and_says_which_image_lacks_one():
    det = dr.Detector()
    ims = series(det, [1, 5])
    res, fit = dra.signal_transfer(ims + series(det, [10]), {ims[0].sop_instance_uid: 1.0, ims[1].sop_instance_uid: 5.0})
    assert fit is None and not res.measurements
    assert any("kerma" in e.reason_en and e.reason_zh for e in res.errors)
    assert any("3 or more" in e.reason_en for e in res.errors)


def ghost_images(det, **kw):
    return [images_from(s.ds)[0] for s in dr.ghost_triple(det, **kw)]


@pytest.mark.parametrize("ghost,centre,pixel,order", [
    (-2.0, (0, 0), 0.8, [0, 1, 2]),
    (-0.6, (0, 0), 0.8, [2, 0, 1]),
    (3.5, (30, -40), 0.8, [1, 2, 0]),
    (-7.0, (-50, 20), 0.5, [0, 1, 2]),
    (0.0, (0, 0), 0.8, [0, 1, 2]),
])
def test_ghost_within_half_a_point_whatever_the_file_order(ghost, centre, pixel, order):
    det = dr.Detector(pixel_mm=pixel, seed=int(abs(ghost) * 10))
    ims = ghost_images(det, ghost_percent=ghost, block_centre_mm=centre)
    res = dra.ghost([ims[i] for i in order])
    m = res.get("ghost_percent")
    assert m.value == pytest.approx(abs(ghost), abs=0.5)
    assert m.details["signed_percent"] == pytest.approx(ghost, abs=0.5)
    assert m.details["block_mm"] == pytest.approx([40, 40], abs=2 * pixel)
    assert m.rois[0].centre_mm == pytest.approx(centre, abs=pixel)
    # equal areas: every comparison ROI has the ghost ROI's size
    assert len({r.size_mm for r in m.rois}) == 1 and len(m.rois) >= 3
    assert m.provenance["sop_instance_uids"] == [im.sop_instance_uid for im in ims]


def test_ghost_needs_exactly_three_images():
    det = dr.Detector()
    res = dra.ghost(ghost_images(det)[:2])
    assert not res.measurements and "3 images" in res.errors[0].reason_en and "3 幅" in res.errors[0].reason_zh


def test_ghost_refuses_presentation_only_images():
    det = dr.Detector(kind="presentation")
    res = dra.ghost(ghost_images(det))
    assert not res.measurements and "for presentation" in res.errors[0].reason_en


def test_ghost_reports_the_interval_and_notes_a_late_third_image():
    import datetime as dt

    det = dr.Detector()
    ims = ghost_images(det)
    m = dra.ghost(ims).get("ghost_percent")
    assert m.details["interval_s"] == pytest.approx(45.0)
    late = dr.ghost_triple(det, start=dt.datetime(2026, 1, 5, 10, 0, 0))
    late[2].ds.AcquisitionDateTime = "20260105100300.000000"
    res = dra.ghost([images_from(s.ds)[0] for s in late])
    assert res.get("ghost_percent").details["interval_s"] == pytest.approx(150.0)
    assert any("1.5 min" in n["en"] for n in res.notes)

"""DR checks on clean and planted-defect radiographs."""

import pytest
from pydicom.uid import RLELossless

from huren.iq import evaluate_paths
from huren.synth import clinical as c
from iq_helpers import assert_bilingual, failing, results, run

DR_CHECKS = ("exposure_index", "deviation_index", "collimation", "marker", "burned_in_text", "view_orientation", "labels",
             "header_attributes", "readable")


@pytest.mark.parametrize("vendor", list(c.VENDORS))
def test_clean_radiograph_passes(vendor):
    ev = run(c.dr_image(vendor=vendor, seed=3))
    assert ev.modality == "DR" and ev.body_part == "CHEST"
    assert failing(ev) == [], [(x.check, x.reason_en) for x in ev.checks if x.result == "fail"]
    for check in DR_CHECKS:
        assert results(ev, check) == ["pass"], check
    assert all(x.item.startswith("DR-IQ-") for x in ev.checks)
    assert ev.get("view_orientation")[0].details["judged_by"] == ["header", "pixels"]


@pytest.mark.parametrize("kw, check", [
    ({"exposure_index": 1200.0, "target_exposure_index": 300.0}, "exposure_index"),
    ({"exposure_index": 500.0, "target_exposure_index": 250.0}, "deviation_index"),
    ({"shift_mm": 120.0}, "collimation"),
    ({"shift_mm": -110.0}, "collimation"),
    ({"marker": False}, "marker"),
    ({"text_over_body": True}, "burned_in_text"),
    ({"rotate": 1}, "view_orientation"),
    ({"rotate": 2}, "view_orientation"),
    ({"header_orientation": ("R", "F")}, "view_orientation"),
    ({"header_orientation": ("F", "L")}, "view_orientation"),
])
def test_planted_defect_is_found(kw, check):
    ev = run(c.dr_image(seed=5, **kw))
    assert check in failing(ev), [(x.check, x.result, x.reason_en) for x in ev.checks]
    assert_bilingual(ev.get(check)[0])
    extra = set(failing(ev)) - {check}
    # consequences that are true too: EI 1200 against target 300 is DI +6; a body shifted left lies under
    # the marker in the upper-left corner; a chest turned 90° runs along the side edges
    allowed = {"exposure_index": {"deviation_index"}, "collimation": {"burned_in_text"},
               "view_orientation": {"collimation"}}.get(check, set())
    assert extra <= allowed, extra


def test_deviation_index_from_ei_and_target_when_di_absent():
    ev = run(c.dr_image(exposure_index=600.0, target_exposure_index=300.0, with_di=False))
    di = ev.get("deviation_index")[0]
    assert di.result == "fail" and abs(di.value - 3.01) < 0.01 and "TargetExposureIndex" in di.details["source"]


def test_no_exposure_index_in_header_is_not_evaluable():
    st = c.dr_image()
    ds = st.datasets[0]
    for kw in ("ExposureIndex", "TargetExposureIndex", "DeviationIndex"):
        delattr(ds, kw)
    ev = run(st)
    assert results(ev, "exposure_index") == ["not_evaluable"] and results(ev, "deviation_index") == ["not_evaluable"]
    assert_bilingual(ev.get("exposure_index")[0])


def test_non_chest_without_orientation_headers_is_not_judged():
    st = c.dr_image()
    ds = st.datasets[0]
    ds.BodyPartExamined = "KNEE"
    ds.StudyDescription = ds.SeriesDescription = "Knee AP"
    del ds.PatientOrientation
    del ds.ViewPosition
    ev = run(st)
    assert results(ev, "view_orientation") == ["not_evaluable"]
    assert results(ev, "labels") == ["fail"]  # no View Position / Patient Orientation


def test_compressed_radiograph(tmp_path):
    c.dr_image(seed=2).write(tmp_path, transfer_syntax=RLELossless)
    [ev] = evaluate_paths([tmp_path])
    assert failing(ev) == []


@pytest.mark.parametrize("encoding", ["raw sign +1", "MONOCHROME1", "processed MONOCHROME2"])
@pytest.mark.parametrize("defect", [None, "text_over_body", "rotate"])
def test_pixel_encodings_are_read_the_right_way_round(encoding, defect):
    import numpy as np

    kw = {"text_over_body": True} if defect == "text_over_body" else {"rotate": 2} if defect == "rotate" else {}
    st = c.dr_image(seed=8, **kw)
    ds = st.datasets[0]
    if encoding != "raw sign +1":
        del ds.PixelIntensityRelationshipSign
    if encoding == "MONOCHROME1":
        ds.PhotometricInterpretation = "MONOCHROME1"  # high stored values display black: the direct beam
    elif encoding == "processed MONOCHROME2":
        a = ds.pixel_array.astype(np.int64)
        ds.PixelData = (65535 - a).astype(np.uint16).tobytes()  # bone white, annotations at the top
    ev = run(st)
    expect = {None: set(), "text_over_body": {"burned_in_text"}, "rotate": {"view_orientation"}}[defect]
    assert set(failing(ev)) == expect, [(x.check, x.reason_en) for x in ev.checks if x.result == "fail"]

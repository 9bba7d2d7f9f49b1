"""CT checks on clean and planted-defect synthetic studies."""

import pytest

from huren.synth import clinical as c
from iq_helpers import assert_bilingual, failing, results, run

GEOMETRY = ("slice_order", "missing_slices", "duplicate_slices", "misplaced_slices", "slice_interval")


@pytest.mark.parametrize("vendor", list(c.VENDORS))
def test_clean_ct_of_every_vendor_passes(vendor):
    ev = run(c.ct_study(vendor=vendor, n_slices=12))
    assert ev.modality == "CT" and ev.body_part == "ABDOMEN"
    assert failing(ev) == [], [(x.check, x.reason_en) for x in ev.checks if x.result == "fail"]
    for check in ("matrix", "fov", "slice_thickness", "centring", "body_in_fov", "labels", "header_attributes") + GEOMETRY:
        assert results(ev, check) == ["pass"], check
    assert results(ev, "motion_artifact") == ["not_evaluable"]
    assert ev.get("contrast_phases") == []  # a plain study: the check does not apply
    assert all(c.item and c.item.startswith("CT-IQ-") for c in ev.checks)


@pytest.mark.parametrize("kw, check, value", [
    ({"missing": (5,)}, "missing_slices", 1),
    ({"missing": (5, 6)}, "missing_slices", 2),
    ({"duplicate": (4,)}, "duplicate_slices", 1),
    ({"misplaced_z": (6,)}, "misplaced_slices", 1),
    ({"misplaced_xy": (6,)}, "misplaced_slices", 1),
    ({"swap": ((3, 7),)}, "slice_order", 2),
    ({"matrix": 256}, "matrix", 256),
])
def test_planted_geometry_defect_is_found_and_only_it(kw, check, value):
    ev = run(c.ct_study(n_slices=14, base_images=1, **kw))
    assert results(ev, check) == ["fail"]
    got = ev.get(check)[0]
    assert got.value == value
    assert_bilingual(got)
    assert got.sop_instance_uids
    # a 256 matrix over the same field has 1.4 mm pixels: pixel spacing fails with it
    assert set(failing(ev)) == ({check, "pixel_spacing"} if check == "matrix" else {check}), failing(ev)


def test_misplaced_slice_is_named():
    st = c.ct_study(n_slices=10, misplaced_xy=(4,), base_images=1)
    uid = str(st.datasets[4].SOPInstanceUID)
    ev = run(st)
    assert [m["sop_instance_uid"] for m in ev.get("misplaced_slices")[0].details["misplaced"]] == [uid]


@pytest.mark.parametrize("tilt", [-25.0, 15.0])
def test_gantry_tilt_is_not_a_defect_but_a_gap_still_is(tilt):
    clean = run(c.ct_study(body_part="HEAD", tilt_deg=tilt, n_slices=12, spacing_mm=2.5, base_images=1))
    assert failing(clean) == []
    assert abs(clean.get("misplaced_slices")[0].details["gantry_tilt_deg"] - abs(tilt)) < 0.5
    gap = run(c.ct_study(body_part="HEAD", tilt_deg=tilt, n_slices=12, spacing_mm=2.5, missing=(6,), base_images=1))
    assert failing(gap) == ["missing_slices"]


def test_variable_spacing_is_not_a_defect_but_a_gap_within_a_zone_is():
    zones = [(8, 5.0), (10, 2.5), (6, 5.0)]
    clean = run(c.ct_study(zones=zones, thickness_mm=2.5, base_images=1))
    assert failing(clean) == []
    assert clean.get("slice_interval")[0].details["spacings_mm"] == [2.5, 5.0]
    ev = run(c.ct_study(zones=zones, thickness_mm=2.5, missing=(12,), base_images=1))
    assert failing(ev) == ["missing_slices"]


@pytest.mark.parametrize("offset, check", [((70.0, 40.0), "centring"), ((130.0, 0.0), "body_in_fov")])
def test_off_centre_and_cut_body(offset, check):
    ev = run(c.ct_study(n_slices=6, offset_mm=offset, base_images=1))
    assert check in failing(ev)
    clean = run(c.ct_study(n_slices=6, offset_mm=(10.0, -8.0), base_images=1))
    assert results(clean, "centring") == ["pass"] and results(clean, "body_in_fov") == ["pass"]
    assert 1.0 < clean.get("centring")[0].value < 5.0


def test_fov_outside_the_body_parts_range_fails():
    # a head reconstructed with a 600 mm field (pixel 1.17 mm) — also coarser than 1 mm
    ev = run(c.ct_study(body_part="HEAD", n_slices=5, pixel_mm=1.17, base_images=1))
    assert results(ev, "fov") == ["fail"] and results(ev, "pixel_spacing") == ["fail"]


def test_metal_is_flagged_as_a_screen():
    ev = run(c.ct_study(n_slices=6, metal=True, base_images=1))
    m = ev.get("metal_artifact")[0]
    assert m.result == "fail" and m.value > 20 and m.details["screen"] is True


@pytest.mark.parametrize("vendor", ["Siemens", "UIH"])  # English and Chinese series names
def test_liver_three_phase_protocol_needs_each_phase(vendor):
    ok = run(c.ct_study(n_slices=5, phases=("plain", "arterial", "portal"), study_words="肝脏三期增强", base_images=1,
                        vendor=vendor))
    assert results(ok, "contrast_phases") == ["pass"]
    assert ok.get("contrast_phases")[0].details["protocol"] == "liver three-phase"
    assert {s.phase_decided_by for s in ok.series} == {"words", "timing+words"}
    assert [s.phase for s in ok.series] == ["plain", "arterial", "portal"]
    bad = run(c.ct_study(n_slices=5, phases=("plain", "portal"), study_words="肝脏三期增强", base_images=1, vendor=vendor))
    r = bad.get("contrast_phases")[0]
    assert r.result == "fail" and "arterial" in r.reason_en and "动脉" not in r.reason_en
    assert r.details["found"] == ["plain", "portal"]


def test_phase_timing_wins_over_words():
    # the series says "Arterial" but was acquired 70 s after the bolus: the timing decides portal
    st = c.ct_study(n_slices=4, phases=("portal",), phase_words={"portal": "Arterial"}, base_images=1)
    ev = run(st)
    s = [x for x in ev.series if x.role == "images"][0]
    assert s.phase == "portal" and s.phase_decided_by == "timing"


def test_enhanced_study_without_contrast_series_fails():
    ev = run(c.ct_study(n_slices=4, study_words="CT Abdomen enhanced", base_images=1))
    assert results(ev, "contrast_phases") == ["fail"]


def test_localiser_series_and_localiser_among_axials_are_left_out():
    ev = run(c.ct_study(n_slices=10, localiser=True, localiser_in_series=True, base_images=1))
    roles = sorted(s.role for s in ev.series)
    assert roles == ["images", "localiser"]
    assert failing(ev) == []
    img = [s for s in ev.series if s.role == "images"][0]
    assert len(img.details["localisers_removed"]) == 1


def test_enhanced_multiframe_ct_is_evaluated_like_single_frames():
    st = c.ct_study(n_slices=10, missing=(4,), enhanced=True, base_images=1)
    assert len(st.datasets) == 1 and int(st.datasets[0].NumberOfFrames) == 9
    ev = run(st)
    assert failing(ev) == ["missing_slices"]
    assert ev.pixel_images_read == 3


def test_compressed_ct_files(tmp_path):
    from pydicom.uid import RLELossless

    from huren.iq import evaluate_paths

    c.ct_study(n_slices=6, base_images=1).write(tmp_path, transfer_syntax=RLELossless)
    [ev] = evaluate_paths([tmp_path])
    assert failing(ev) == [] and results(ev, "readable") == ["pass"]


def test_only_a_few_images_pixel_data_are_read():
    st = c.ct_study(n_slices=60, base_images=1, phases=("plain", "portal"))
    ev = run(st)
    assert ev.images == 120
    assert ev.pixel_images_read <= 6
    assert all(s.pixel_images_read <= 3 for s in ev.series)


def test_contrast_agent_in_the_header_beats_a_plain_name():
    st = c.ct_study(n_slices=4, phases=("arterial",), phase_words={"arterial": "Non-contrast"}, base_images=1)
    for ds in st.datasets:
        del ds.ContrastBolusStartTime
    ev = run(st)
    s = [x for x in ev.series if x.role == "images"][0]
    assert s.phase == "contrast" and s.phase_decided_by == "header"

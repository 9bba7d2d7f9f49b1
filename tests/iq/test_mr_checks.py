"""MR checks: sequences per protocol, recognition from header and words, orientation, fat suppression."""

import pytest

from huren.synth import clinical as c
from iq_helpers import assert_bilingual, failing, results, run


@pytest.mark.parametrize("vendor", list(c.VENDORS))
@pytest.mark.parametrize("part", ["HEAD", "ABDOMEN", "KNEE", "SPINE"])
def test_clean_protocols_pass(vendor, part):
    ev = run(c.mr_study(body_part=part, vendor=vendor, n_slices=2, ge_t1_flair=vendor == "GE"))
    assert ev.body_part == part
    assert failing(ev) == [], [(x.check, x.reason_en, x.details.get("series_recognised")) for x in ev.checks
                               if x.result == "fail"]
    assert results(ev, "required_sequences") == ["pass"]
    assert results(ev, "orientation_consistency") == ["pass"]
    assert ev.get("required_sequences")[0].details["protocol"] == part


@pytest.mark.parametrize("drop", [0, 2, 4])
def test_missing_brain_sequence(drop):
    ev = run(c.mr_study(drop=(drop,), n_slices=2))
    r = ev.get("required_sequences")[0]
    name = ["axial T1", "axial T2", "axial FLAIR", "DWI", "sagittal T1"][drop]
    assert r.result == "fail" and r.details["missing"] == [name]
    assert_bilingual(r)


def test_ge_t1_flair_is_t1_by_the_header_not_flair_by_its_name():
    ev = run(c.mr_study(vendor="GE", ge_t1_flair=True, n_slices=2))
    t1 = [s for s in ev.series if "T1 FLAIR" in s.description]
    assert t1 and all(s.weighting == "T1" and s.weighting_decided_by == "header" for s in t1)
    assert results(ev, "required_sequences") == ["pass"]


def test_a_flair_described_as_t1_counts_as_flair():
    # series 0 (axial T1) described "t1_se_tra" but series 2 (FLAIR) mislabelled "t1_se_tra" too:
    # its TR/TE/TI say FLAIR, so the brain protocol still has its FLAIR
    ev = run(c.mr_study(mislabel={2: "t1_se_tra"}, n_slices=2))
    s = [x for x in ev.series if x.description == "t1_se_tra" and x.details["recognition"]["by_words"] == "T1"]
    assert {x.weighting for x in s} == {"T1", "FLAIR"}
    flair = [x for x in s if x.weighting == "FLAIR"][0]
    assert flair.weighting_decided_by == "header" and "header decided" in flair.details["recognition"]["note"]
    assert results(ev, "required_sequences") == ["pass"]


def test_words_decide_when_the_header_cannot():
    st = c.mr_study(n_slices=1)
    for ds in st.datasets:
        del ds.RepetitionTime
        del ds.EchoTime
    ev = run(st)
    # DWI is still recognised by its b-value; the others by their words
    assert {s.weighting_decided_by for s in ev.series if s.weighting != "DWI"} == {"words"}
    assert results(ev, "required_sequences") == ["pass"]


@pytest.mark.parametrize("flip", ["T2:axial", "T1:sagittal"])
def test_flipped_series_breaks_orientation_consistency(flip):
    ev = run(c.mr_study(flip=flip, n_slices=2))
    r = ev.get("orientation_consistency")[0]
    assert r.result == "fail" and r.value == 1
    assert failing(ev) == ["orientation_consistency"]


def test_uneven_fat_suppression():
    ok = run(c.mr_study(body_part="ABDOMEN", n_slices=2))
    assert results(ok, "fat_suppression") == ["pass"]
    bad = run(c.mr_study(body_part="ABDOMEN", fat_sat_uneven=True, n_slices=2))
    r = bad.get("fat_suppression")[0]
    assert r.result == "fail" and r.value > 2.0
    assert failing(bad) == ["fat_suppression"]


def test_off_centre_head():
    ev = run(c.mr_study(offset_mm=(45.0, 0.0), n_slices=1))
    assert set(results(ev, "centring")) == {"fail"}


def test_low_matrix_and_thick_slices():
    ev = run(c.mr_study(matrix=128, thickness_mm=8.0, n_slices=1))
    assert "matrix" in failing(ev) and "slice_thickness" in failing(ev)


def test_enhanced_study_needs_post_contrast_t1():
    ok = run(c.mr_study(contrast=True, n_slices=1))
    assert results(ok, "contrast_phases") == ["pass"]
    st = c.mr_study(n_slices=1)
    st.datasets[0].StudyDescription = "MR Head +C"
    for ds in st.datasets:
        ds.StudyDescription = "MR Head +C"
    ev = run(st)
    # the study's words say enhanced but no series carries contrast or says post-contrast
    assert results(ev, "contrast_phases") == ["fail"]
    assert run(c.mr_study(n_slices=1)).get("contrast_phases") == []  # plain: does not apply


def test_enhanced_multiframe_mr():
    st = c.mr_study(enhanced=True, n_slices=4, flip="T2:axial")
    assert all(int(ds.NumberOfFrames) == 4 for ds in st.datasets)
    ev = run(st)
    assert results(ev, "required_sequences") == ["pass"]
    assert failing(ev) == ["orientation_consistency"]
    assert {s.weighting_decided_by for s in ev.series} <= {"header", "header+words"}

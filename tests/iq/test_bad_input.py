"""Bad and unusual input: a clear not_evaluable (or an error) with a bilingual reason, never a traceback."""

import zipfile
from pathlib import Path

import pydicom
import pytest

from huren.iq import evaluate_paths, evaluate_study
from huren.synth import clinical as c
from iq_helpers import assert_bilingual, failing, results, run

TEST_FILES = Path(pydicom.__file__).parent / "data" / "test_files"


def test_no_pixel_data(tmp_path):
    st = c.ct_study(n_slices=5, base_images=1)
    for ds in st.datasets:
        del ds.PixelData
    st.write(tmp_path)
    [ev] = evaluate_paths([tmp_path])
    assert results(ev, "readable") == ["fail"]
    for check in ("centring", "body_in_fov", "metal_artifact"):
        r = ev.get(check)[0]
        assert r.result == "not_evaluable" and "no pixel data" in r.reason_en and "像素" in r.reason_zh
    assert results(ev, "missing_slices") == ["pass"]  # header checks still run
    assert ev.evaluated


def test_single_image():
    st = c.ct_study(n_slices=1, base_images=1)
    ev = run(st)
    for check in ("slice_order", "missing_slices", "duplicate_slices", "misplaced_slices", "slice_interval"):
        r = ev.get(check)[0]
        assert r.result == "not_evaluable"
        assert_bilingual(r)
    assert results(ev, "matrix") == ["pass"]


def test_missing_orientation_and_position():
    ev = run(c.ct_study(n_slices=6, drop_orientation=True, base_images=1))
    assert results(ev, "missing_slices") == ["not_evaluable"]
    assert results(ev, "labels") == ["fail"]
    assert "Image Orientation" in ev.get("labels")[0].reason_en


def test_mixed_modalities_evaluates_the_main_one_and_names_the_other():
    ct = c.ct_study(n_slices=6, base_images=1)
    mr = c.mr_study(n_slices=1)
    for ds in mr.datasets[:2]:
        ds.StudyInstanceUID = ct.study_instance_uid
    ev = run(ct.datasets + mr.datasets[:2])
    assert ev.modality == "CT"
    assert sorted(s.role for s in ev.series) == ["images", "other-modality", "other-modality"]
    assert any("MR" in e["reason_en"] for e in ev.errors)
    assert failing(ev) == []


def test_two_studies_are_two_evaluations(tmp_path):
    c.ct_study(n_slices=4, base_images=1).write(tmp_path / "a")
    c.dr_image().write(tmp_path / "b")
    evs = evaluate_paths([tmp_path])
    assert sorted(e.modality for e in evs) == ["CT", "DR"]


def test_zip_input(tmp_path):
    files = c.ct_study(n_slices=6, missing=(3,), base_images=1).write(tmp_path / "s")
    z = tmp_path / "study.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in files:
            zf.write(f, f.name)
    [ev] = evaluate_paths([z])
    assert failing(ev) == ["missing_slices"]
    assert ev.pixel_images_read == 3


def test_not_dicom_and_empty_inputs(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty").mkdir()
    [ev] = evaluate_paths([tmp_path / "notes.txt", tmp_path / "empty", tmp_path / "missing.dcm"])
    assert ev.study_instance_uid == "" and not ev.evaluated
    assert len(ev.errors) == 2
    assert all(e["reason_zh"] and e["reason_en"] for e in ev.errors)


def test_truncated_pixel_data_is_unreadable_not_a_traceback(tmp_path):
    files = c.ct_study(n_slices=5, base_images=1).write(tmp_path)
    for f in files:
        data = f.read_bytes()
        f.write_bytes(data[: len(data) - 200_000])
    [ev] = evaluate_paths([tmp_path])
    assert results(ev, "readable") == ["fail"]
    assert_bilingual(ev.get("readable")[0])


def test_only_a_localiser_is_not_evaluable():
    st = c.ct_study(n_slices=3, localiser=True, base_images=1)
    ev = run(st.datasets[:1])
    assert [s.role for s in ev.series] == ["localiser"]
    r = ev.get("readable")[0]
    assert r.result == "not_evaluable" and "localiser" in r.reason_en


def test_mr_spectroscopy_is_not_judged_as_images():
    ev = run(c.mr_spectroscopy())
    assert [s.role for s in ev.series] == ["non-image"]
    r = ev.get("readable")[0]
    assert r.result == "not_evaluable" and "no image series" in r.reason_en
    assert_bilingual(r)
    assert not ev.get("matrix") and not ev.get("required_sequences")


def test_unsupported_modality():
    st = c.ct_study(n_slices=2, base_images=1)
    for ds in st.datasets:
        ds.Modality = "NM"
    ev = run(st)
    assert results(ev, "readable") == ["not_evaluable"] and "NM" in ev.get("readable")[0].reason_en


@pytest.mark.parametrize("name", sorted(p.name for p in TEST_FILES.glob("*.dcm")))
def test_every_pydicom_test_file_gives_a_result_not_a_traceback(name):
    evs = evaluate_paths([TEST_FILES / name])
    assert evs
    for ev in evs:
        for chk in ev.checks:
            assert chk.result in ("pass", "fail", "not_evaluable")
            assert chk.reason_en and chk.reason_zh
        ev.to_dict()


def test_real_patient_like_images_of_pydicom():
    ct = evaluate_study(TEST_FILES / "CT_small.dcm")
    assert ct.modality == "CT" and results(ct, "matrix") == ["fail"] and ct.get("matrix")[0].value == 128
    assert results(ct, "missing_slices") == ["not_evaluable"]  # one image
    # CT_small is a 128 × 128 crop around a thoracic vertebra: the body runs across the edges
    assert results(ct, "body_in_fov") == ["fail"]
    # its header names the contrast agent (ISOVUE): an enhanced series
    assert [s.phase for s in ct.series] == ["contrast"] and results(ct, "contrast_phases") == ["pass"]
    mr = evaluate_study(TEST_FILES / "MR_small.dcm")
    assert mr.modality == "MR" and mr.get("matrix")[0].value == 64
    s = mr.series[0]
    assert s.weighting is not None or s.weighting_decided_by == "none"


def test_headers_parsed_by_intake_are_used_and_pixels_read_from_their_files(tmp_path):
    files = c.ct_study(n_slices=8, missing=(4,), base_images=1).write(tmp_path)
    headers = [pydicom.dcmread(f, stop_before_pixels=True) for f in files]
    ev = evaluate_study(headers)
    assert failing(ev) == ["missing_slices"]
    assert results(ev, "centring") == ["pass"] and ev.pixel_images_read == 3
    # headers without a file behind them: the pixel checks say why they cannot judge
    for h in headers:
        h.filename = None
    ev = evaluate_study(headers)
    assert results(ev, "centring") == ["not_evaluable"] and results(ev, "missing_slices") == ["fail"]


def test_real_scanner_headers_of_the_phantom_scans(phantoms):
    """Real CT and MR scanners' files (GE, Siemens, Philips …; phantoms, not patients): every check
    gives a valid result, and the contiguous CT series have no gap, duplicate or misplaced slice."""
    evs = evaluate_paths([phantoms / "ct", phantoms / "mr"])
    assert {e.modality for e in evs} >= {"CT", "MR"}
    for ev in evs:
        assert ev.checks and ev.evaluated
        for chk in ev.checks:
            assert chk.result in ("pass", "fail", "not_evaluable") and chk.reason_zh and chk.reason_en
        assert ev.pixel_images_read <= 3 * len(ev.series) + 1
    ct = [e for e in evs if e.modality == "CT"]
    for ev in ct:
        for check in ("missing_slices", "duplicate_slices", "misplaced_slices"):
            assert "fail" not in results(ev, check), (check, [x.reason_en for x in ev.get(check)])

"""Bad input to the MR analysis: each gets a Chinese and English reason naming the file; the rest is measured."""

from __future__ import annotations

import shutil

import pydicom
import pytest

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.dicomio import load_images
from huren.synth.mr import AcrTruth, FloodTruth, write_acr_series, write_flood


@pytest.fixture(scope="module")
def acr_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp("acr")
    write_acr_series(d, AcrTruth(shading_per_mm=0.001))
    return d


def _has_chinese(s: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in s)


def test_ct_image_in_an_mr_run_is_named_and_refused_the_rest_measured(tmp_path):
    p = write_flood(tmp_path / "flood.dcm", FloodTruth())
    ct = tmp_path / "ct.dcm"
    shutil.copy(p, ct)
    ds = pydicom.dcmread(ct)
    ds.Modality = "CT"
    ds.SOPInstanceUID = pydicom.uid.generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.save_as(ct)
    res = analyze_paths([tmp_path], AnalyzeOptions(modality="MR", phantom="flood"))
    err = next(e for e in res.errors if e.path.endswith("ct.dcm"))
    assert "MR" in err.reason_en and _has_chinese(err.reason_zh)
    assert res.all("snr", method="smoothing")  # the MR flood was still measured


def test_missing_slices_are_named_and_the_other_tests_still_run(acr_dir, tmp_path):
    d = tmp_path / "partial"
    shutil.copytree(acr_dir, d)
    (d / "slice03.dcm").unlink()
    (d / "slice09.dcm").unlink()
    res = analyze_paths([d], AnalyzeOptions(phantom="acr"))
    err = next(e for e in res.errors if e.test == "acr")
    assert "3" in err.reason_en and "9" in err.reason_en and "缺少" in err.reason_zh
    assert res.get("piu", method="acr").slice == 7
    assert res.get("slice_thickness").slice == 1
    lcd = res.get("low_contrast_spokes")
    assert lcd.details["slices"] == [8, 10, 11] and lcd.details["complete_set"] is False


def test_a_patient_sized_object_is_not_taken_for_the_acr_phantom(tmp_path):
    write_acr_series(tmp_path, AcrTruth(diameter_mm=60.0))
    res = analyze_paths([tmp_path], AnalyzeOptions(phantom="acr"))
    assert not res.all("piu")
    err = next(e for e in res.errors if e.test == "acr")
    assert "not the ACR large phantom" in err.reason_en and "不是 ACR" in err.reason_zh


def test_a_localiser_passed_as_the_axial_series_is_named_and_its_length_measured(phantoms):
    p = phantoms / "mr" / "acr" / "PhilipsAchievaLocalizer"
    res = analyze_paths([p], AnalyzeOptions(phantom="acr"))
    assert any("localiser" in e.reason_en and "定位像" in e.reason_zh for e in res.errors)
    m = res.get("geometric_length")
    assert m.details["direction"] == "localiser_si" and m.details["nominal_mm"] == 148.0
    # hazen 146.48 mm counts pixels ((last − first) × spacing, one pixel short); ours is the half-level length
    assert m.value == pytest.approx(146.48, abs=1.0)


def test_a_second_series_that_does_not_match_gives_a_reason_not_a_subtraction_snr(acr_dir, tmp_path):
    other = write_flood(tmp_path / "other.dcm", FloodTruth(matrix=128))
    opts = AnalyzeOptions(phantom="acr")
    opts.second = load_images([other])[0]
    res = analyze_paths([acr_dir], opts)
    assert not res.all("snr", method="subtraction")
    err = next(e for e in res.errors if e.test == "snr_subtraction")
    assert "second series" in err.reason_en and "第二组" in err.reason_zh and err.path.endswith(".dcm")


def test_a_single_flood_gives_single_image_snrs_only(tmp_path):
    p = write_flood(tmp_path / "one.dcm", FloodTruth())
    res = analyze_paths([p], AnalyzeOptions(phantom="flood"))
    assert {m.method for m in res.all("snr")} == {"smoothing", "background"}


def test_corrupt_and_non_dicom_files_are_named_and_the_series_still_measured(acr_dir, tmp_path):
    d = tmp_path / "mixed"
    shutil.copytree(acr_dir, d)
    (d / "notes.txt").write_text("not an image")
    raw = (d / "slice04.dcm").read_bytes()
    (d / "slice04.dcm").write_bytes(raw[: len(raw) // 3])  # truncated
    res = analyze_paths([d], AnalyzeOptions(phantom="acr"))
    paths = {e.path.rsplit("/", 1)[-1] for e in res.errors}
    assert "notes.txt" in paths and "slice04.dcm" in paths
    assert all(_has_chinese(e.reason_zh) and e.reason_en for e in res.errors)
    assert res.get("piu", method="acr").value > 80


def test_a_non_uniform_object_is_refused_as_a_flood(phantoms):
    res = analyze_paths([phantoms / "mr" / "magnet" / "slicewidth"], AnalyzeOptions(phantom="flood"))
    assert not res.all("fractional_uniformity_h")
    assert any("not uniform" in e.reason_en for e in res.errors)


def test_results_are_json_and_judged_with_the_field_strength(acr_dir):
    import json

    res = analyze_paths([acr_dir], AnalyzeOptions(phantom="acr"))
    doc = json.loads(res.to_json())
    assert doc["schema"] == "huren.result/1" and doc["phantom"] == "acr-mr-large"
    piu = next(m for m in doc["measurements"] if m["metric"] == "piu" and m["method"] == "acr")
    assert piu["criterion"]["min"] == 87.5 and piu["verdict"] in ("pass", "fail")
    assert piu["provenance"]["algorithm"].startswith("huren.analysis.mr.piu_acr/")


def test_resonance_frequency_is_judged_against_a_recorded_baseline(acr_dir):
    ok = analyze_paths([acr_dir], AnalyzeOptions(phantom="acr", test_type="stability",
                                                 baselines={"MR-EQ-PERF:resonance_frequency": 63.8662}))
    off = analyze_paths([acr_dir], AnalyzeOptions(phantom="acr", test_type="stability",
                                                  baselines={"MR-EQ-PERF:resonance_frequency": 63.8600}))
    assert ok.get("resonance_frequency").verdict == "pass"
    assert off.get("resonance_frequency").verdict == "fail"


def test_a_multislice_flood_is_not_taken_for_the_acr_phantom_unless_asked(tmp_path):
    from pydicom.uid import generate_uid

    uid = generate_uid()
    for k in range(5):
        p = write_flood(tmp_path / f"f{k}.dcm", FloodTruth(diameter_mm=185.0), seed=k, series_uid=uid)
        ds = pydicom.dcmread(p)
        ds.ImagePositionPatient = [ds.ImagePositionPatient[0], ds.ImagePositionPatient[1], 10.0 * k]
        ds.InstanceNumber = k + 1
        ds.save_as(p)
    res = analyze_paths([tmp_path], AnalyzeOptions())
    assert res.phantom == "flood" and len(res.all("snr", method="smoothing")) == 5


@pytest.mark.parametrize("phantom", ["acr", "flood", None])
def test_blank_images_get_a_reason_not_a_traceback(acr_dir, tmp_path, phantom):
    import numpy as np

    d = tmp_path / "blank"
    shutil.copytree(acr_dir, d)
    for p in d.iterdir():
        ds = pydicom.dcmread(p)
        ds.PixelData = np.zeros((ds.Rows, ds.Columns), np.uint16).tobytes()
        ds.save_as(p)
    res = analyze_paths([d], AnalyzeOptions(phantom=phantom))
    assert res.errors and all(_has_chinese(e.reason_zh) and e.reason_en for e in res.errors)
    assert not [m for m in res.measurements if m.metric not in ("resonance_frequency",)]


def test_unknown_phantom_name_is_refused_naming_the_choices_not_run_as_flood(tmp_path):
    write_flood(tmp_path / "flood.dcm", FloodTruth())
    res = analyze_paths([tmp_path], AnalyzeOptions(phantom="catphan504"))
    assert not res.all("snr")
    err = res.errors[0]
    assert "catphan504" in err.reason_en and "acr or flood" in err.reason_en and "未知的 MR 体模" in err.reason_zh


def test_structured_image_refused_as_flood_suggests_the_acr_phantom_option(phantoms):
    res = analyze_paths([phantoms / "mr" / "acr" / "PhilipsAchievaLocalizer"])
    assert any("not uniform" in e.reason_en for e in res.errors)
    assert any("--phantom acr" in n["en"] and "--phantom acr" in n["zh"] for n in res.notes)
    # a real flood image gets no such hint
    flood = analyze_paths([phantoms / "mr" / "magnet" / "uniformity"])
    assert not any("--phantom acr" in n["en"] for n in flood.notes)

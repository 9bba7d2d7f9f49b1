"""Bad and awkward input: other modalities, patients, missing modules and slices, broken files,
compressed and multi-frame DICOM, gantry tilt, and the command line."""

from __future__ import annotations

import json

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless, RLELossless, generate_uid

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.analysis.ct import analyze, table_positioning
from huren.dicomio import load_images
from huren.synth import ct as sct


def _bilingual(errors, path_part: str):
    hits = [e for e in errors if path_part in e.path]
    assert hits, errors
    for e in hits:
        assert e.reason_zh and e.reason_en and any("\u4e00" <= ch <= "\u9fff" for ch in e.reason_zh)
    return hits


@pytest.mark.parametrize("modality", ["MR", "DX"])
def test_other_modality_images_are_refused_by_name_and_ct_still_measured(modality, tmp_path):
    s = sct.water_phantom(matrix=128, n_slices=2, noise_sd=2.0)
    s.datasets[1].Modality = modality
    s.write(tmp_path)
    images, _ = load_images([tmp_path])
    res = analyze(images)
    hit = _bilingual(res.errors, "IM0002")[0]
    assert modality in hit.reason_en and "not a CT image" in hit.reason_en
    assert abs(res.get("ct_number_water").value) < 1.0


def test_patient_series_is_not_taken_for_a_phantom(tmp_path):
    info = sct._series_info("CHEST")
    yy, xx = np.mgrid[-128:128, -128:128] * 1.4
    img = np.full((256, 256), -1000.0)
    body = (xx / 160) ** 2 + (yy / 105) ** 2 <= 1
    img[body] = 40.0
    for sx in (-1, 1):
        img[((xx - sx * 70) / 45) ** 2 + ((yy + 5) / 60) ** 2 <= 1] = -820.0
    img[(xx**2 + (yy - 70) ** 2) <= 15**2] = 700.0
    img += np.random.default_rng(0).normal(0, 8, img.shape)
    ds = sct.ct_dataset(img, 1.4, 0.0, 5.0, info, 1, phantom_name="DOE^JOHN")
    ds.save_as(tmp_path / "chest.dcm", enforce_file_format=True)
    res = analyze(load_images([tmp_path])[0])
    assert not res.measurements
    assert "patient" in _bilingual(res.errors, "chest.dcm")[0].reason_en


def test_missing_and_duplicated_slices_are_reported_and_the_rest_measured(tmp_path):
    s = sct.water_phantom(matrix=128, n_slices=5, noise_sd=2.0)
    paths = s.write(tmp_path)
    paths[2].unlink()  # a gap in the series
    dup = pydicom.dcmread(paths[1])
    dup.SOPInstanceUID = generate_uid()
    dup.file_meta.MediaStorageSOPInstanceUID = dup.SOPInstanceUID
    dup.save_as(tmp_path / "copy_of_2.dcm", enforce_file_format=True)
    res = analyze(load_images([tmp_path])[0])
    assert any("missing slices" in n["en"] for n in res.notes)
    assert "duplicate" in _bilingual(res.errors, "copy_of_2")[0].reason_en
    assert abs(res.get("ct_number_water").value) < 1.0


def test_truncated_and_non_dicom_files_are_named_and_the_good_ones_measured(tmp_path):
    s = sct.water_phantom(matrix=128, n_slices=3, noise_sd=2.0)
    paths = s.write(tmp_path)
    data = paths[0].read_bytes()
    (tmp_path / "cut.dcm").write_bytes(data[: len(data) // 2])
    (tmp_path / "readme.txt").write_text("phantom notes")
    res = analyze_paths([tmp_path])
    _bilingual(res.errors, "readme.txt")
    _bilingual(res.errors, "cut.dcm")
    assert abs(res.get("ct_number_water").value) < 1.0


@pytest.mark.parametrize("syntax", [RLELossless, JPEG2000Lossless], ids=["rle", "jpeg2000-lossless"])
def test_compressed_series_give_the_same_figures(syntax, tmp_path):
    s = sct.catphan504(modules=("ctp404",), matrix=192, seed=8)
    plain = analyze(load_images(s.write(tmp_path / "plain"))[0])
    comp = analyze(load_images(s.write(tmp_path / "comp", transfer_syntax=syntax))[0])
    assert pydicom.dcmread(tmp_path / "comp" / "IM0001.dcm").file_meta.TransferSyntaxUID == syntax
    for metric in ("ct_number_teflon", "ct_number_air", "slice_thickness", "geometric_distance"):
        assert comp.get(metric).value == pytest.approx(plain.get(metric).value, abs=1e-6)


def test_enhanced_multiframe_ct_is_analysed_like_single_files(tmp_path):
    s = sct.water_phantom(matrix=128, n_slices=3, noise_sd=3.0, seed=4)
    single = analyze(load_images(s.write(tmp_path / "single"))[0])
    p = tmp_path / "enhanced.dcm"
    sct.enhanced_ct(s).save_as(p, enforce_file_format=True)
    multi = analyze(load_images([p])[0])
    for metric in ("ct_number_water", "noise_sd", "uniformity_max_diff"):
        assert multi.get(metric).value == pytest.approx(single.get(metric).value, abs=1e-6)


def test_gantry_tilt_is_noted(tmp_path):
    s = sct.water_phantom(matrix=128, n_slices=2, noise_sd=2.0)
    for ds in s.datasets:
        ds.GantryDetectorTilt = "12"
    res = analyze(load_images(s.write(tmp_path))[0])
    assert any("gantry tilt 12" in n["en"] for n in res.notes)
    assert abs(res.get("ct_number_water").value) < 1.0


def test_unknown_phantom_name_is_refused(tmp_path):
    s = sct.water_phantom(matrix=64, n_slices=1)
    res = analyze(load_images(s.write(tmp_path))[0], AnalyzeOptions(phantom="cheese"))
    assert not res.measurements and "unknown phantom" in res.errors[0].reason_en


def test_table_positioning_is_judged_by_the_catalog():
    from huren.result import Result
    from huren.standard import judge

    res = Result(modality="CT")
    res.add(table_positioning(1.4, direction="in"))
    res.add(table_positioning(-2.6, direction="out"))
    judge(res, test_type="status")
    assert [m.verdict for m in res.measurements] == ["pass", "fail"]
    assert res.measurements[0].unit == "mm" and res.measurements[0].item == "CT-QC-TABLE"


def test_cli_prints_the_result_json_with_provenance(tmp_path, capsys):
    from huren.cli import main

    s = sct.water_phantom(matrix=128, n_slices=1, noise_sd=3.0)
    s.write(tmp_path / "w")
    rc = main(["analyze", str(tmp_path / "w"), "--json", "--report", str(tmp_path / "rep")])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0 and out["schema"] == "huren.result/1" and out["phantom"] == "water"
    m = next(m for m in out["measurements"] if m["metric"] == "ct_number_water")
    assert m["verdict"] == "pass" and m["criterion"] and m["test_type"] == "status"
    assert m["provenance"]["algorithm"].startswith("huren.analysis.ct.") and m["provenance"]["sop_instance_uids"]
    assert m["rois"][0]["radius_mm"] > 0 and m["slice"] == 1
    assert (tmp_path / "rep" / "water.png").exists()


def test_padding_outside_the_reconstruction_circle_and_a_non_unit_slope(tmp_path):
    s = sct.water_phantom(matrix=128, n_slices=1, noise_sd=8.0, hu_offset=20.0, diameter_mm=160, fov_mm=250)
    ds = s.datasets[0]
    hu = ds.pixel_array.astype(float) - 1024
    yy, xx = np.mgrid[:128, :128]
    hu[np.hypot(xx - 63.5, yy - 63.5) > 62] = -3024  # scanner padding beyond the reconstructed circle
    stored = np.round((hu + 10240) / 10).astype(np.uint16)  # as Siemens stores sharp-kernel images
    ds.RescaleSlope, ds.RescaleIntercept = "10", "-10240"
    ds.PixelPaddingValue = int(stored.min())
    ds.PixelData = stored.tobytes()
    sct.save(ds, tmp_path / "pad.dcm")
    res = analyze(load_images([tmp_path])[0])
    assert abs(res.get("ct_number_water").value - 20.0) < 2.0  # stored in 10 HU steps, dithered by the noise
    air = res.get("noise_percent").details["ct_air"]
    assert air is None or abs(air + 1000) < 15  # the padding is not taken for air


@pytest.mark.parametrize("name", ["blank", "air", "noise", "tiny", "ring"])
def test_degenerate_images_get_reasons_not_exceptions(name, tmp_path):
    from huren.analysis.ct import acr_ct, catphan, water_phantom, wire

    rng = np.random.default_rng(0)
    yy, xx = np.mgrid[:192, :192]
    img = {
        "blank": np.zeros((64, 64)), "air": np.full((96, 96), -1000.0), "noise": rng.normal(0, 300, (96, 96)),
        "tiny": np.zeros((8, 8)),
        "ring": np.where(np.abs(np.hypot(xx - 96, yy - 96) - 80) < 5, 100.0, -1000.0),
    }[name]
    ds = sct.ct_dataset(img, 1.0, 0.0, 5.0, sct._series_info(name), 1)
    sct.save(ds, tmp_path / "x.dcm")
    images = load_images([tmp_path])[0]
    for f in (analyze, catphan, acr_ct, water_phantom, wire):
        res = f(images)
        if not res.measurements:
            assert res.errors and all(e.reason_zh and e.reason_en for e in res.errors)

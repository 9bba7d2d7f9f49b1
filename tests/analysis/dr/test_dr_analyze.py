"""The whole DR set through ``huren analyze``: recognition, judging, reports, bad input, compression."""

import json

import numpy as np
import pydicom
import pytest
from pydicom.uid import JPEG2000Lossless, RLELossless

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.cli import main
from huren.synth import dr

DET = dr.Detector(pixel_mm=0.8, gain_cv_percent=2.5, seed=5)
EDGE_SIGMA = 0.5


@pytest.fixture(scope="module")
def full_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("drset")
    sets = dr.full_set(DET, ghost_percent=-3.0, edge_sigma_mm=EDGE_SIGMA)
    files = {}
    n = 0
    for key, items in sets.items():
        for s in items:
            n += 1
            files.setdefault(key, []).append(s.write(root / f"{n:02d}_{key}.dcm"))
    kerma = root / "kerma.csv"
    kerma.write_text("file,kerma_ugy\n" + "".join(f"{p.name},{k}\n" for p, k in zip(files["stp"], [1, 5, 10, 20, 30])))
    return root, files, kerma, sets


def opts(kerma_file=None, **kw):
    from huren.analysis import read_kerma

    o = AnalyzeOptions(**kw)
    if kerma_file:
        o.kerma_ugy = read_kerma(kerma_file)
    return o


def test_whole_set_is_recognised_and_every_test_measured(full_set):
    root, files, kerma, sets = full_set
    paths = [p for ps in files.values() for p in ps]
    res = analyze_paths(paths, opts(kerma))
    assert not res.errors, res.errors
    got = {(m.item, m.metric) for m in res.measurements}
    assert {("DR-QC-DARK", "dark_mean"), ("DR-QC-DARK", "dark_sd"), ("DR-QC-DARK", "artifact_count"),
            ("DR-QC-STP", "stp_r2"), ("DR-QC-UNIF", "uniformity_cv"), ("DR-QC-GHOST", "ghost_percent"),
            ("DR-QC-ARTIFACT", "artifact_count"), ("DR-EQ-PERF", "exposure_index"), ("DR-EQ-PERF", "ddi_deviation"),
            ("DR-EQ-PERF", "mtf50"), ("DR-EQ-PERF", "mtf10")} <= got
    assert res.get("stp_r2").method == "linear"
    u = res.get("uniformity_cv")
    assert u.method == "linearised" and u.value == pytest.approx(2.5, abs=0.2)
    assert res.get("ghost_percent").value == pytest.approx(3.0, abs=0.5)
    assert res.get("mtf50").value == pytest.approx(dr.MTF50_PER_SIGMA / EDGE_SIGMA, rel=0.05)
    assert res.get("dark_mean").value == pytest.approx(DET.dark_level, rel=0.01)
    # the catalog judged what it has criteria for
    assert res.get("stp_r2").verdict == "pass" and res.get("uniformity_cv").verdict == "pass"
    assert res.get("ghost_percent").criterion["max"] == 5.0
    for m in res.measurements:
        assert m.provenance["algorithm"].startswith("huren.analysis.dr.")
        assert m.provenance["sop_instance_uids"]
    # the uniformity image is the 10 µGy one
    assert u.provenance["sop_instance_uids"] == [sets["stp"][2].ds.SOPInstanceUID]


def test_dark_baseline_from_a_file_is_judged(full_set, tmp_path):
    root, files, kerma, _ = full_set
    base = tmp_path / "base.csv"
    base.write_text("metric,value\nDR-QC-DARK:dark_mean,60\n")
    from huren.analysis import read_baselines

    res = analyze_paths(files["dark"], opts(baselines=read_baselines(base)))
    m = res.get("dark_mean")
    assert m.verdict == "fail" and m.details["baseline"] == 60  # 100 is 67 % above 60
    res = analyze_paths(files["dark"], opts(baselines={"dark_mean": 90.0}))
    assert res.get("dark_mean").verdict == "pass"


def test_cli_prints_json_and_writes_a_png_per_test(full_set, tmp_path, capsys):
    root, files, kerma, _ = full_set
    rep = tmp_path / "rep"
    paths = [str(p) for ps in files.values() for p in ps]
    rc = main(["analyze", *paths, "--kerma", str(kerma), "--json", "--report", str(rep)])
    assert rc == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "huren.result/1" and doc["modality"] == "DR"
    m = next(x for x in doc["measurements"] if x["metric"] == "uniformity_cv")
    assert m["rois"][0]["centre_px"] and m["rois"][0]["size_mm"] == [40.0, 40.0]
    pngs = sorted(p.name.split("-")[1] for p in rep.glob("*.png"))
    assert pngs == sorted(["stp", "dark", "uniformity", "ghost", "artifact", "mtf"])
    rc = main(["analyze", *[str(p) for p in files["ghost"]], "--test", "ghost"])
    out = capsys.readouterr().out
    assert rc == 0 and "DR-QC-GHOST" in out and "ghost_percent" in out and "equal-area-roi" in out


def _colour(path):
    s = dr.flat_field(dr.Detector(shape=(64, 64)), 5)
    ds = s.ds
    ds.SamplesPerPixel, ds.PhotometricInterpretation, ds.PlanarConfiguration = 3, "RGB", 0
    ds.BitsAllocated = ds.BitsStored = 8
    ds.HighBit = 7
    ds.PixelData = np.zeros((64, 64, 3), np.uint8).tobytes()
    return s.write(path)


def test_bad_inputs_get_bilingual_reasons_and_the_rest_is_analysed(full_set, tmp_path):
    root, files, kerma, _ = full_set
    ct = dr.ct_like(dr.Detector(shape=(64, 64))).write(tmp_path / "ct.dcm")
    colour = _colour(tmp_path / "colour.dcm")
    raw = files["stp"][2].read_bytes()
    cut = tmp_path / "cut.dcm"
    cut.write_bytes(raw[: len(raw) // 2])
    junk = tmp_path / "notes.txt"
    junk.write_text("kV 70, mAs 10")
    nospacing = dr.flat_field(dr.Detector(spacing_tags="none", shape=(128, 128)), 10).write(tmp_path / "nospacing.dcm")
    bad = [ct, colour, cut, junk, nospacing]
    res = analyze_paths([*files["dark"], *files["ghost"], *bad], opts())
    by = {e.path: e for e in res.errors}
    assert set(by) == {str(p) for p in bad}, res.errors
    assert "not a DR/CR image" in by[str(ct)].reason_en and "不是 DR/CR" in by[str(ct)].reason_zh
    assert "colour" in by[str(colour)].reason_en and "彩色" in by[str(colour)].reason_zh
    assert "truncated" in by[str(cut)].reason_en or "cannot be decoded" in by[str(cut)].reason_en
    assert "not a DICOM" in by[str(junk)].reason_en
    assert "pixel spacing" in by[str(nospacing)].reason_en and "像素间距" in by[str(nospacing)].reason_zh
    assert res.get("dark_mean") and res.get("ghost_percent")


def test_presentation_only_image_refused_for_uniformity_but_noted_for_artifacts(tmp_path):
    good = dr.flat_field(dr.Detector(), 10).write(tmp_path / "raw.dcm")
    pres = dr.flat_field(dr.Detector(kind="presentation", seed=3), 10).write(tmp_path / "pres.dcm")
    res = analyze_paths([good, pres], opts(test="uniformity"))
    assert len(res.all("uniformity_cv")) == 1
    assert [e.path for e in res.errors] == [str(pres)]
    assert "for processing" in res.errors[0].reason_en and "用于处理" in res.errors[0].reason_zh
    res = analyze_paths([pres], opts(test="artifact"))
    assert res.get("artifact_count").value == 0
    assert any("for presentation" in n["en"] for n in res.notes)


@pytest.mark.parametrize("ts", [RLELossless, JPEG2000Lossless])
def test_compressed_copies_give_identical_results(full_set, tmp_path, ts):
    root, files, kerma, _ = full_set
    src = files["stp"][2]
    comp = tmp_path / "c.dcm"
    ds = pydicom.dcmread(src)
    ds.compress(ts)
    ds.save_as(comp)
    a = analyze_paths([src], opts(test="uniformity")).get("uniformity_cv").value
    b = analyze_paths([comp], opts(test="uniformity")).get("uniformity_cv").value
    assert a == b


def test_unknown_test_name_is_refused_in_both_languages(full_set):
    root, files, kerma, _ = full_set
    res = analyze_paths(files["dark"], opts(test="sharpness"))
    assert not res.measurements and "unknown DR test" in res.errors[0].reason_en and "未知" in res.errors[0].reason_zh


def test_named_tests_run_on_ruler_and_bar_images(tmp_path):
    det = dr.Detector(pixel_mm=0.3, shape=(600, 600))
    ruler = dr.ruler_image(det, scale_error_percent=1.0).write(tmp_path / "ruler.dcm")
    res = analyze_paths([ruler], opts(test="distance"))
    assert res.get("distance_error").value == pytest.approx(1.0, abs=0.1)
    res = analyze_paths([ruler], opts(test="distance", extra={"measured_mm": 101.0, "true_mm": 100.0}))
    assert res.get("distance_error", method="typed").value == pytest.approx(1.0)
    freqs = (0.5, 0.6, 0.8, 1.0, 1.2)
    bars = dr.bar_pattern_image(det, freqs, sigma_mm=0.1, gap_mm=5).write(tmp_path / "bars.dcm")
    res = analyze_paths([bars], opts(test="bars", extra={"bar_frequencies": "0.5,0.6,0.8,1.0,1.2"}))
    assert res.get("limiting_resolution").value == 1.2
    assert res.get("limiting_resolution").details["nyquist_lp_mm"] == pytest.approx(1 / 0.6, abs=1e-3)


def test_real_ct_and_mr_phantom_images_are_refused_by_the_dr_test(phantoms):
    from huren.analysis import dr as dra
    from huren.dicomio import load_images

    ct = sorted((phantoms / "ct" / "CTP404_FOV150").glob("*"))[:1]
    mr = sorted((phantoms / "mr" / "acr" / "GE").glob("*"))[:1]
    images, errors = load_images([*ct, *mr])
    assert len(images) == 2 and not errors
    res = dra.analyze(images, AnalyzeOptions(test="uniformity"))
    assert not res.measurements
    assert [e.path for e in res.errors] == [im.path for im in images]
    assert "modality CT" in res.errors[0].reason_en and "modality MR" in res.errors[1].reason_en


def test_set_without_dose_indicators_in_monochrome1_is_recognised_from_kerma_and_signal(tmp_path):
    det = dr.Detector(pixel_mm=0.8, gain_cv_percent=1.5, photometric="MONOCHROME1", seed=9)
    sets = dr.full_set(det, ghost_percent=2.5, edge_sigma_mm=0.5)
    paths = []
    for key, items in sets.items():
        for i, s in enumerate(items):
            for tag in ("ExposureIndex", "TargetExposureIndex", "DeviationIndex"):
                if tag in s.ds:
                    delattr(s.ds, tag)
            paths.append(s.write(tmp_path / f"{key}{i}.dcm"))
    kerma = {f"stp{i}.dcm": k for i, k in enumerate([1, 5, 10, 20, 30])}
    res = analyze_paths(paths, AnalyzeOptions(kerma_ugy=kerma))
    assert not res.errors, res.errors
    assert res.get("ghost_percent").value == pytest.approx(2.5, abs=0.5)
    assert res.get("dark_mean").value == pytest.approx(DET.dark_level, rel=0.01)
    assert res.get("uniformity_cv").value == pytest.approx(1.5, abs=0.2)
    assert res.get("exposure_index").method == "pixel_mean"
    assert res.get("mtf50").value == pytest.approx(dr.MTF50_PER_SIGMA / 0.5, rel=0.05)


def test_a_lead_block_without_blank_neighbours_is_not_taken_for_a_ghost_test(tmp_path):
    one, two, three = dr.ghost_triple(dr.Detector(pixel_mm=0.8))
    p = two.write(tmp_path / "block.dcm")
    res = analyze_paths([p], AnalyzeOptions())
    assert not res.measurements and any("ghost" in n["en"] for n in res.notes)


@pytest.mark.parametrize("test", ["mtf", "ghost", "resolution", "distance", "dark", "uniformity", "artifact", "stp", "ddi"])
def test_a_wrong_image_for_a_named_test_gives_a_reason_not_a_traceback(tmp_path, test):
    det = dr.Detector(pixel_mm=0.8, shape=(256, 256))
    flats = [dr.flat_field(det, 5.0, salt=i, instance=i + 1).write(tmp_path / f"f{i}.dcm") for i in range(3)]
    res = analyze_paths(flats, AnalyzeOptions(test=test, extra={"bar_frequencies": "0.5,0.6"}))
    if test in ("dark", "uniformity", "artifact", "ddi"):
        assert res.measurements and not res.errors  # a flat field is a fair input for these
    else:
        assert not res.measurements
        assert res.errors and all(e.reason_zh and e.reason_en for e in res.errors)


def test_tiny_and_degenerate_images_do_not_crash_the_batch(tmp_path):
    tiny = dr.flat_field(dr.Detector(shape=(6, 6), pixel_mm=0.5), 10).write(tmp_path / "tiny.dcm")
    zero = dr.Detector(shape=(64, 64), quantum_noise=0, electronic_noise=0, gain=0.0, offset=0.0)
    flat0 = dr.flat_field(zero, 10).write(tmp_path / "zero.dcm")
    good = dr.flat_field(dr.Detector(shape=(256, 256)), 10).write(tmp_path / "good.dcm")
    for test in ("uniformity", "artifact", "dark"):
        res = analyze_paths([tiny, flat0, good], AnalyzeOptions(test=test))
        paths = {e.path for e in res.errors}
        assert str(good) not in paths
        assert all(e.reason_zh and e.reason_en for e in res.errors)


def test_processed_copies_are_set_aside_when_raw_images_are_present(tmp_path):
    det = dr.Detector(pixel_mm=0.8)
    raw = dr.flat_field(det, 10).write(tmp_path / "raw.dcm")
    pres = dr.flat_field(dr.Detector(pixel_mm=0.8, kind="presentation"), 10).write(tmp_path / "pres.dcm")
    res = analyze_paths([raw, pres], AnalyzeOptions())
    uids = {u for m in res.measurements for u in m.provenance["sop_instance_uids"]}
    assert uids == {pydicom.dcmread(raw).SOPInstanceUID}
    assert any("pres.dcm" in n["en"] and "not used" in n["en"] for n in res.notes)


def test_defective_pixels_do_not_hide_a_dark_or_flat_image_from_recognition(tmp_path):
    det = dr.Detector(pixel_mm=0.8)
    dark = dr.dark_image(det, artifacts=[{"kind": "hot_pixel", "row": 30, "col": 40}]).write(tmp_path / "dark.dcm")
    flat = dr.flat_field(det, 10, artifacts=[{"kind": "dead_column", "index": 100}]).write(tmp_path / "flat.dcm")
    res = analyze_paths([dark, flat], AnalyzeOptions())
    assert res.get("artifact_count", item="DR-QC-DARK").value == 1
    assert res.get("artifact_count", item="DR-QC-ARTIFACT").value == 1
    assert res.get("uniformity_cv")


def _collimate(synth, rows=60, cols=-80):
    a = synth.ds.pixel_array.copy()
    a[:rows, :] = 100
    if cols < 0:
        a[:, cols:] = 100
    else:
        a[:, :cols] = 100
    synth.ds.PixelData = a.tobytes()
    return synth


def test_collimator_shadows_do_not_change_what_an_image_is_taken_for(tmp_path):
    from huren.analysis import dr as dra
    from huren.dicomio import images_from

    det = dr.Detector(pixel_mm=0.8)
    flat = images_from(_collimate(dr.flat_field(det, 10)).ds)[0]
    assert dra.image_kind(flat) == "flat"
    triple = dr.ghost_triple(det, ghost_percent=-3.0)
    _collimate(triple[1], 60, 50)
    ims = [images_from(s.ds)[0] for s in triple]
    assert [dra.image_kind(im) for im in ims] == ["dark", "block", "dark"]
    paths = [s.write(tmp_path / f"g{i}.dcm") for i, s in enumerate(triple)]
    assert analyze_paths(paths, AnalyzeOptions()).get("ghost_percent").value == pytest.approx(3.0, abs=0.5)


def test_a_stated_stp_linearises_the_uniformity_of_a_lone_10_ugy_image(tmp_path):
    det = dr.Detector(pixel_mm=0.8, response="log", gain=1000.0, offset=3000.0, gain_cv_percent=3.0)
    p = dr.flat_field(det, 10).write(tmp_path / "u.dcm")
    res = analyze_paths([p], AnalyzeOptions(test="uniformity", extra={"stp_model": "log", "stp_params": "3000,1000"}))
    m = res.get("uniformity_cv")
    assert m.method == "linearised" and m.value == pytest.approx(3.0, abs=0.2)
    assert m.details["cv_raw"] < 1.0  # a log detector's raw values hide most of the non-uniformity
    bad = analyze_paths([p], AnalyzeOptions(test="uniformity", extra={"stp_model": "cubic", "stp_params": "1,2"}))
    assert bad.get("uniformity_cv").method == "raw" and any("stp_params" in e.path for e in bad.errors)

"""Each picture the analysis draws is put beside the figures it shows
(:func:`huren.dicomnode.pictures.assign`), by the names the CT, MR and DR analyses give their
PNGs: real ACR MR and Catphan CT images, synthetic ACR CT, Catphan 504 and a DR set, and
malformed input."""

from __future__ import annotations

from pathlib import Path

import pytest

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.dicomnode.pictures import assign


def _run(paths, tmp_path, **kw):
    out = tmp_path / "pictures"
    r = analyze_paths([str(p) for p in paths], AnalyzeOptions(report_dir=out, **kw)).to_dict()
    names = sorted(p.name for p in out.glob("*.png"))
    groups, gallery = assign(r["measurements"], names)
    shown = {id(m): g.picture for g in groups for m in g.rows}
    assert sorted(id(m) for m in r["measurements"]) == sorted(shown)  # every figure in exactly one row
    return r["measurements"], names, groups, gallery, shown


@pytest.mark.realdata
def test_acr_mr_every_roi_figure_is_beside_the_picture_of_its_test_and_slice(phantoms, tmp_path):
    ms, names, groups, gallery, shown = _run(sorted((phantoms / "mr" / "acr" / "GE").glob("*.dcm")), tmp_path)
    assert gallery == [] and len(names) >= 12
    for m in ms:
        pic = shown[id(m)]
        if m["metric"] == "resonance_frequency":  # read from the header: no ROI, no picture
            assert pic is None
            continue
        test = m["provenance"]["algorithm"].split(".")[-1].split("/")[0]
        assert pic == (f"{test}_s{m['slice']}.png" if m.get("slice") else f"{test}.png"), m["metric"]
    lengths = [g for g in groups if g.picture == "geometry_s5.png"]
    assert len(lengths) == 1 and [m["metric"] for m in lengths[0].rows] == ["geometric_length"] * 4
    assert len([g for g in groups if g.picture]) == len(names)  # each picture shown once


@pytest.mark.realdata
def test_ct_water_series_each_slice_its_own_picture_and_low_contrast_beside_it(phantoms, tmp_path):
    ms, names, groups, gallery, shown = _run(sorted((phantoms / "ct" / "Constancy13img").glob("*.dcm")), tmp_path)
    assert names == ["water_1.png", "water_2.png", "wire.png"] and gallery == []
    head, body = (g for g in groups if g.picture in ("water_1.png", "water_2.png"))
    assert head.picture == "water_1.png" and {m["slice"] for m in head.rows} == {2}
    assert body.picture == "water_2.png" and {m["slice"] for m in body.rows} == {3}
    for g in (head, body):  # the statistical low contrast was measured on the same slice: same picture
        assert {"ct_number_water", "noise_sd", "uniformity_max_diff", "low_contrast_diameter"} <= {m["metric"] for m in g.rows}
    assert {m["metric"] for m in ms if shown[id(m)] == "wire.png"} == {"mtf50", "mtf10"}


@pytest.mark.parametrize("phantom", ["acr464", "catphan504"])
def test_synthetic_ct_phantoms_every_module_figure_beside_its_module(phantom, tmp_path):
    from huren.synth import ct as sct

    getattr(sct, phantom)().write(tmp_path / "in")
    ms, names, groups, gallery, shown = _run(sorted((tmp_path / "in").rglob("*.dcm")), tmp_path)
    assert gallery == [] and all(shown[id(m)] for m in ms)  # the uniformity module too (CTP486, ACR module 3)
    for m in ms:
        module = (m.get("details") or {}).get("module")
        assert module and shown[id(m)].startswith(module.replace(" ", "_")), (m["metric"], shown[id(m)])


def test_dr_set_pictures_per_test_and_an_unmeasured_test_in_the_gallery(tmp_path):
    from huren.synth import dr

    det = dr.Detector(shape=(256, 256))
    paths, n = [], 0
    for key, items in dr.full_set(det).items():
        for s in items:
            n += 1
            paths.append(s.write(tmp_path / f"{n:02d}_{key}.dcm"))
    stp = [p for p in paths if "stp" in p.name]
    ms, names, groups, gallery, shown = _run(paths, tmp_path, kerma_ugy={p.name: k for p, k in zip(stp, [1, 5, 10, 20, 30])})
    by_metric = {m["metric"]: shown[id(m)] for m in ms if m["metric"] != "artifact_count"}
    assert by_metric["dark_mean"].startswith("dr-dark-") and by_metric["ghost_percent"].startswith("dr-ghost-")
    assert by_metric["uniformity_cv"].startswith("dr-uniformity-") and by_metric["stp_r2"].startswith("dr-stp-")
    assert by_metric["exposure_index"] is None  # no picture of its own, no ROI drawn for it
    measured = {m["provenance"]["algorithm"].split(".")[-1].split("/")[0] for m in ms}
    # a test that drew a picture but measured nothing (here the edge's MTF) shows it in the gallery
    assert all(Path(p).name.split("-")[1] not in measured for p in gallery)


def test_rank_names_the_figure_of_each_image_and_malformed_rows_do_not_break_it():
    def m(metric, uid, module=None, alg="huren.analysis.ct.water.noise/1", **kw):
        return {"metric": metric, "provenance": {"algorithm": alg, "sop_instance_uids": [uid]},
                "details": {"module": module} if module else {}, "rois": [{"shape": "circle"}], **kw}

    rows = [m("noise_sd", "a"), m("noise_sd", "b"), m("noise_sd", "c", alg="huren.analysis.ct.lcd.statistical/1")]
    groups, gallery = assign(rows, ["water_2.png", "water_1.png", "stray.png"])
    assert [(g.picture, len(g.rows)) for g in groups] == [("water_1.png", 1), ("water_2.png", 1), (None, 1)]
    assert gallery == ["stray.png"]
    dr_rows = [m("dark_mean", "x", alg="huren.analysis.dr.dark/1"), m("dark_mean", "y", alg="huren.analysis.dr.dark/1")]
    groups, _ = assign(dr_rows, ["dr-dark-2-02_dark.png", "dr-dark-01_dark.png"])
    assert [g.picture for g in groups] == ["dr-dark-01_dark.png", "dr-dark-2-02_dark.png"]
    odd = [{}, {"provenance": None, "details": "text"}, {"provenance": {"algorithm": 5}}, {"slice": "x"}]
    groups, gallery = assign(odd, ["a b.png"])
    assert [g.picture for g in groups] == [None] and len(groups[0].rows) == 4 and gallery == ["a b.png"]
    assert assign([], []) == ([], [])

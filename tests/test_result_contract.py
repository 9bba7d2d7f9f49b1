"""The contract between the analyses and the catalog: every measurement an analysis
returns names a catalog item and a registered metric, in the metric's unit for that
item, and survives the huren.result/1 JSON round trip."""

from __future__ import annotations

import json

import pytest

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.result import SCHEMA, Result
from huren.standard import load_catalog, metrics, unit_for


def _check(res: Result) -> None:
    cat, reg = load_catalog(), metrics()
    assert res.measurements, [e.reason_en for e in res.errors]
    for m in res.measurements:
        assert m.item in cat, m.item
        assert m.metric in reg, m.metric
        # an analysis emits only metrics its item holds (criteria or the catalog's `metrics` list),
        # or the API and the forms would refuse what the analysis records
        assert m.metric in cat[m.item].metrics, (m.item, m.metric, cat[m.item].metrics)
        assert m.unit == unit_for(m.metric, m.item), (m.item, m.metric, m.unit)
        assert m.verdict in ("pass", "fail", "info", "not_evaluable")
        assert m.provenance.get("algorithm"), (m.item, m.metric)
    back = Result.from_dict(json.loads(res.to_json()))
    assert back.to_dict() == res.to_dict()
    assert json.loads(res.to_json())["schema"] == SCHEMA


def test_unit_for_gives_item_specific_units():
    assert unit_for("mtf50", "CT-QC-HCR") == "lp/cm"
    assert unit_for("mtf50", "DR-EQ-PERF") == "lp/mm"
    assert unit_for("ct_number_water") == "HU"
    with pytest.raises(KeyError):
        unit_for("no_such_metric")


def test_dr_full_set_keeps_the_contract(tmp_path):
    from huren.synth import dr

    det = dr.Detector(shape=(384, 384), pixel_mm=0.5, gain_cv_percent=2.0, seed=3)
    files, kerma = [], {}
    for key, items in dr.full_set(det).items():
        for i, s in enumerate(items):
            p = s.write(tmp_path / f"{key}_{i}.dcm")
            files.append(p)
    for p, k in zip(sorted(p for p in files if p.name.startswith("stp")), (1, 5, 10, 20, 30)):
        kerma[p.name] = k
    _check(analyze_paths(files, AnalyzeOptions(kerma_ugy=kerma)))


def test_mr_real_acr_set_keeps_the_contract(phantoms):
    res = analyze_paths([phantoms / "mr" / "acr" / "Siemens"])
    _check(res)
    # the catalog picks the <3 T or 3 T criteria from the field strength each measurement carries
    piu = res.get("piu", method="acr")
    assert piu.details.get("field_strength_t") is not None and piu.criterion is not None


def test_ct_real_water_set_keeps_the_contract(phantoms):
    _check(analyze_paths([phantoms / "ct" / "Constancy13img"]))


@pytest.mark.parametrize("folder", ["ct/CTP404_FOV150", "mr/magnet/snr", "mr/magnet/uniformity", "mr/magnet/ghosting"])
def test_other_real_sets_keep_the_contract(phantoms, folder):
    _check(analyze_paths([phantoms / folder]))


@pytest.mark.parametrize("make", ["catphan504", "acr464", "wire"])
def test_synthetic_ct_phantoms_keep_the_contract(tmp_path, make):
    from huren.synth import ct

    series = {"catphan504": lambda: ct.catphan504(matrix=256), "acr464": lambda: ct.acr464(matrix=256),
              "wire": ct.wire_phantom}[make]()
    _check(analyze_paths(series.write(tmp_path)))


def test_synthetic_mr_sets_keep_the_contract(tmp_path):
    from huren.synth import mr

    _check(analyze_paths(mr.write_acr_series(tmp_path / "acr")))
    _check(analyze_paths([mr.write_flood(tmp_path / "flood.dcm")]))

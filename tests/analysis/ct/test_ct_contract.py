"""Every CT measurement names a catalog item and a registered metric in that item's unit,
and survives the huren.result/1 JSON round trip (the result contract, for CT)."""

from __future__ import annotations

import json

import pytest

from huren.analysis import AnalyzeOptions, analyze_images, analyze_paths
from huren.result import Result
from huren.standard import load_catalog, metrics, unit_for
from huren.synth import ct as sct


def _check(res: Result) -> None:
    cat, reg = load_catalog(), metrics()
    assert res.measurements, [e.reason_en for e in res.errors]
    for m in res.measurements:
        assert m.item in cat and m.metric in reg, (m.item, m.metric)
        assert m.unit == unit_for(m.metric, m.item), (m.item, m.metric, m.unit)
        assert m.provenance["algorithm"].startswith("huren.analysis.ct.")
    back = Result.from_dict(json.loads(res.to_json()))
    assert back.to_dict() == res.to_dict()


def _catphan600_tilted(seed):
    return sct.catphan("catphan600", matrix=256, modules=("ctp404", "ctp591", "ctp528"), gantry_tilt_deg=2.0, seed=seed)


@pytest.mark.parametrize("gen", [sct.catphan504, _catphan600_tilted, sct.acr464, sct.water_phantom, sct.wire_phantom])
def test_synthetic_ct_results_keep_the_contract(gen, synth_images):
    _check(analyze_images(synth_images(gen(seed=2)), AnalyzeOptions()))


def test_real_ct_results_keep_the_contract(phantoms):
    _check(analyze_paths([phantoms / "ct" / "Constancy13img", phantoms / "ct" / "CTP404_FOV150"]))

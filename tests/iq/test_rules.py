"""The rule file: loaded, validated with bilingual errors, editable, and actually used."""

import copy

import pytest

from huren.iq import CHECKS, RulesError, load_rules, rules_from_dict
from huren.synth import clinical as c
from iq_helpers import results, run


def test_default_rules_load_and_every_table_says_its_source():
    r = load_rules()
    assert r.name == "taiyuan-trial"
    for dotted in ("ct.matrix", "ct.centring", "ct.fov", "ct.thickness", "ct.geometry", "ct.phases", "dr.exposure_index",
                   "dr.deviation_index", "dr.collimation", "dr.annotation", "dr.view", "mr.weightings", "mr.protocols",
                   "mr.limits", "mr.fat_saturation", "mr.orientation", "common", "body_parts"):
        assert r.source(dotted), dotted
    assert "seed" in r.source("ct.matrix")
    assert "ASSUMPTION" in r.source("ct.fov")
    # every check names its catalog item, and every item exists in the catalog
    from huren.standard import load_catalog

    ids = set(load_catalog().items)
    for check in CHECKS:
        items = r.data["items"][check]
        assert items and set(items.values()) <= ids, check


@pytest.mark.parametrize("text, en", [
    ("schema = 'x'", "schema must be"),
    ("this is [not toml", "not valid TOML"),
])
def test_broken_rule_files_are_refused_in_both_languages(tmp_path, text, en):
    p = tmp_path / "r.toml"
    p.write_text(text)
    with pytest.raises(RulesError) as e:
        load_rules(p)
    assert en in e.value.reason_en and e.value.reason_zh


def test_missing_table_and_bad_range_are_named():
    data = copy.deepcopy(load_rules().data)
    del data["ct"]["matrix"]
    with pytest.raises(RulesError, match="ct.matrix.min_px"):
        rules_from_dict(data)
    data = copy.deepcopy(load_rules().data)
    data["ct"]["fov"]["HEAD"] = [300, 100]
    with pytest.raises(RulesError, match="ct.fov.HEAD"):
        rules_from_dict(data)
    data = copy.deepcopy(load_rules().data)
    data["mr"]["protocols"]["HEAD"].append({"name": "x", "weighting": "NOPE"})
    with pytest.raises(RulesError, match="undefined weighting"):
        rules_from_dict(data)


def test_a_missing_file_is_a_rules_error(tmp_path):
    with pytest.raises(RulesError) as e:
        load_rules(tmp_path / "nope.toml")
    assert "cannot read" in e.value.reason_en


def test_edited_rules_change_the_verdict():
    st = c.ct_study(n_slices=5, matrix=384, base_images=1)
    assert results(run(st), "matrix") == ["fail"]
    data = copy.deepcopy(load_rules().data)
    data["ct"]["matrix"]["min_px"] = 256
    data["ct"]["pixel_spacing"]["max_mm"] = 1.5
    ev = run(st, rules=rules_from_dict(data, "edited"))
    assert results(ev, "matrix") == ["pass"] and ev.rules_name == "edited"
    assert "256" in ev.get("matrix")[0].rule


def test_protocol_table_is_data():
    st = c.mr_study(body_part="HEAD", drop=(4,), n_slices=1)  # no sagittal T1
    data = copy.deepcopy(load_rules().data)
    data["mr"]["protocols"]["HEAD"] = [p for p in data["mr"]["protocols"]["HEAD"] if p["name"] != "sagittal T1"]
    assert results(run(st), "required_sequences") == ["fail"]
    assert results(run(st, rules=rules_from_dict(data)), "required_sequences") == ["pass"]

"""Catalog files: a second standard version is a file; malformed files are refused clearly."""

import json
import textwrap

import pytest

from huren.cli import main
from huren.standard import CatalogError, available, judge_value, load_catalog

HEAD = """
[standard]
id = "taiyuan-test"
version = "2099.1"
title_zh = "测试标准"
title_en = "Test standard"
"""

ITEM = """
[[item]]
id = "CT-QC-HU-WATER"
modality = "CT"
section = "qc_test"
kinds = ["measure"]
text_zh = "CT 值(水)"
text_en = "CT number of water"
test_types = ["status"]
default_test_type = "status"
[[item.criteria]]
metric = "ct_number_water"
test_type = "status"
kind = "deviation"
reference = "nominal"
nominal = 0.0
tolerance_abs = 5.0
"""


def write(tmp_path, text, name="cat.toml"):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), "utf-8")
    return p


def test_a_second_standard_version_is_just_a_file(tmp_path):
    p = write(tmp_path, HEAD + ITEM, "taiyuan-2099.toml")
    cat = load_catalog(p)
    assert cat.key == "taiyuan-test@2099.1" and list(cat.items) == ["CT-QC-HU-WATER"]
    # the same value is judged differently by the two versions
    assert judge_value("CT-QC-HU-WATER", "ct_number_water", 5.5, catalog=cat).verdict == "fail"
    assert judge_value("CT-QC-HU-WATER", "ct_number_water", 5.5).verdict == "pass"
    assert load_catalog().key == "taiyuan-trial@2024.1"
    assert "taiyuan-trial" in available()


def test_cli_prints_a_catalog_file_as_json(tmp_path, capsys):
    p = write(tmp_path, HEAD + ITEM)
    assert main(["catalog", "--json", "--standard", str(p)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["version"] == "2099.1"
    assert data["items"][0]["criteria"][0]["tolerance_abs"] == 5.0


def test_shipped_catalog_json_has_every_item_with_its_criteria(capsys):
    assert main(["catalog", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["items"]) == len(load_catalog().items)
    assert all(i["criteria"] and i["text_zh"] and i["text_en"] for i in data["items"])


BAD = {
    "unknown kind": (ITEM.replace('kind = "deviation"', 'kind = "between"'), "CT-QC-HU-WATER.*unknown criterion kind 'between'"),
    "missing tolerance": (ITEM.replace("tolerance_abs = 5.0\n", ""), "CT-QC-HU-WATER.*needs a tolerance"),
    "unknown metric": (ITEM.replace('metric = "ct_number_water"', 'metric = "ct_numbr_water"'), "metric 'ct_numbr_water' is not in metrics.toml"),
    "duplicate id": (ITEM + ITEM.split("[[item.criteria]]")[0], "CT-QC-HU-WATER: item id appears twice"),
    "unknown item field": (ITEM.replace('kinds = ["measure"]', 'kinds = ["measure"]\nperiod = 365'), r"unknown fields \['period'\]"),
    "unknown criterion field": (ITEM.replace("tolerance_abs = 5.0", "tolerance_abs = 5.0\ntolerance = 5"), "unknown criterion fields"),
    "bad evidence kind": (ITEM.replace('kinds = ["measure"]', 'kinds = ["photo"]'), "evidence kinds"),
    "bad section": (ITEM.replace('section = "qc_test"', 'section = "qc"'), "section 'qc'"),
    "bad modality": (ITEM.replace('modality = "CT"', 'modality = "US"'), "modality 'US'"),
    "no text_en": (ITEM.replace('text_en = "CT number of water"\n', ""), "text_en is missing"),
    "undeclared test type": (ITEM.replace('test_type = "status"\nkind', 'test_type = "acceptance"\nkind'), "test type 'acceptance'.*not one of the item's test_types"),
    "bad default test type": (ITEM.replace('default_test_type = "status"', 'default_test_type = "stability"'), "default_test_type 'stability'"),
    "ambiguous criteria": (ITEM + ITEM.split("[[item.criteria]]")[1].join(["[[item.criteria]]", ""]), "two criteria for metric 'ct_number_water'"),
    "text tolerance": (ITEM.replace("tolerance_abs = 5.0", 'tolerance_abs = "5"'), "tolerance_abs must be a number"),
    "unknown informational metric": (ITEM.replace('kinds = ["measure"]', 'kinds = ["measure"]\nmetrics = ["noise_sd", "noise_sdd"]'), r"metrics \['noise_sdd'\] are not in metrics.toml"),
    "metrics not a list": (ITEM.replace('kinds = ["measure"]', 'kinds = ["measure"]\nmetrics = "noise_sd"'), "metrics must be a list of metric names"),
    "checklist lengths": (ITEM.replace('kinds = ["measure"]', 'kinds = ["measure"]\nchecklist = ["a", "b"]\nchecklist_zh = ["甲"]'), "checklist and checklist_zh differ"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_malformed_catalog_is_refused_with_a_clear_message(tmp_path, case):
    body, msg = BAD[case]
    p = write(tmp_path, HEAD + body)
    with pytest.raises(CatalogError, match=msg) as e:
        load_catalog(p)
    assert str(p) in str(e.value)          # the message names the file


@pytest.mark.parametrize("text,msg", [
    ("[standard\nid=1", "not valid TOML"),
    (ITEM, r"no \[standard\] table"),
    (HEAD.replace('version = "2099.1"', ""), r"\[standard\] has no version"),
    (HEAD, "no \\[\\[item\\]\\]"),
    (HEAD + "[[items]]\nid = 'x'\n", "unknown top-level tables"),
])
def test_a_catalog_without_its_frame_is_refused(tmp_path, text, msg):
    with pytest.raises(CatalogError, match=msg):
        load_catalog(write(tmp_path, text))


def test_missing_files_and_unknown_names_are_catalog_errors(tmp_path):
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog(tmp_path / "absent.toml")
    with pytest.raises(CatalogError, match="no catalog named 'nonesuch'.*taiyuan-trial"):
        load_catalog("nonesuch")


def test_an_item_holds_its_criteria_metrics_and_its_listed_informational_ones(tmp_path):
    item = load_catalog(write(tmp_path, HEAD + ITEM.replace('kinds = ["measure"]', 'kinds = ["measure"]\nmetrics = ["noise_sd"]')))["CT-QC-HU-WATER"]
    assert item.metrics == ("ct_number_water", "noise_sd")
    shipped = load_catalog()
    assert shipped["CT-QC-HU-WATER"].metrics == ("ct_number_water",)
    assert {"noise_sd", "noise_percent", "noise_percent_10mm"} <= set(shipped["CT-QC-NOISE"].metrics)
    assert "noise_sd" not in shipped["CT-QC-HU-WATER"].metrics
    assert shipped.to_dict()["items"][0]["metrics"] == list(shipped[shipped.to_dict()["items"][0]["id"]].metrics)

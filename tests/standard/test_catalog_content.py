"""What every catalog item carries: texts, kinds, section, modality, criteria, sources."""

import re
import tomllib
from importlib import resources

import pytest

from huren.standard import load_catalog, metrics
from huren.standard.catalog import EVIDENCE_KINDS, MODALITIES, SECTIONS
from huren.standard.criteria import KINDS

CAT = load_catalog()
SECTION_OF = {"EQ": "equipment", "QC": "qc_test", "EX": "exam_preparation", "IQ": "image_quality"}


def test_every_item_has_zh_and_en_text_titles_kinds_section_and_modality():
    for item in CAT.items.values():
        for key in ("text_zh", "text_en", "title_zh", "title_en", "criterion_zh", "criterion_en", "reference"):
            assert getattr(item, key).strip(), (item.id, key)
        assert re.search(r"[\u4e00-\u9fff]", item.text_zh), item.id
        assert not re.search(r"[\u4e00-\u9fff]", item.text_en), item.id
        assert item.kinds and set(item.kinds) <= set(EVIDENCE_KINDS), item.id
        assert item.modality in MODALITIES and item.id.startswith(item.modality + "-"), item.id
        assert item.section in SECTIONS and item.section == SECTION_OF[item.id.split("-")[1]], item.id
        assert item.criteria, f"{item.id} has no machine-checkable criterion"


def test_text_zh_is_the_seed_passage_verbatim(shared):
    seed = re.sub(r"\s+", "", (shared / "seed" / "taiyuan-mutual-recognition-standard.zh.txt").read_text("utf-8"))
    for item in CAT.items.values():
        assert re.sub(r"\s+", "", item.text_zh) in seed, f"{item.id}: text_zh is not the seed's wording"


def test_every_metric_named_in_the_catalog_file_exists_in_metrics_toml():
    raw = tomllib.loads(resources.files("huren.standard").joinpath("catalogs", "taiyuan-trial.toml").read_text("utf-8"))
    names = {c["metric"] for it in raw["item"] for c in it.get("criteria", [])}
    assert names and names <= set(metrics())
    for name, m in metrics().items():
        assert m.label_zh and m.label_en, name


def test_every_criterion_kind_is_used_by_the_real_catalog():
    used = {c.kind for item in CAT.items.values() for c in item.criteria}
    assert used == set(KINDS)


def test_checks_list_their_questions_in_both_languages():
    for item in CAT.items.values():
        if any(c.metric == "checklist_ok" for c in item.criteria):
            assert item.checklist_zh and len(item.checklist) == len(item.checklist_zh), item.id
    pat = CAT["DR-EX-PATIENT"]
    assert {"核对患者信息", "核对检查部位", "核对检查目的", "非检查部位做好辐射防护"} <= set(pat.checklist_zh)


def test_logs_and_periodic_items_have_a_period():
    for item in CAT.items.values():
        kinds = {c.kind for c in item.criteria}
        if "log_gap" in kinds:
            assert item.period_days == 1, item.id
        if item.section == "qc_test" or item.id.endswith(("-PERF", "-CAL")):
            assert item.period_days == 365, item.id
        for c in item.criteria:
            if c.kind == "within_period":
                assert c.period_days and c.period_days > 0


def test_test_types_of_the_national_standards_are_distinguished():
    water = CAT["CT-QC-HU-WATER"]
    assert set(water.test_types) == {"acceptance", "status", "stability"} and water.default_test_type == "status"
    assert [water.criterion("ct_number_water", t).tolerance_for(0) for t in ("acceptance", "status")] == [4.0, 6.0]
    assert water.criterion("ct_number_water", "stability").reference == "baseline"
    stp = CAT["DR-QC-STP"]
    assert stp.criterion("stp_r2", "acceptance").min == 0.98 and stp.criterion("stp_r2", "status").min == 0.95


@pytest.mark.parametrize("item_id", ["DR-EQ-ENV-T", "DR-EQ-ENV-H", "CT-EQ-ENV-T", "MR-EQ-ENV-T",
                                     "MR-EQ-HE-LEVEL", "CT-QC-HCR", "CT-EQ-PPE", "DR-EQ-SHIELD"])
def test_notes_mark_figures_that_come_only_from_the_seed(item_id):
    notes = CAT[item_id].notes
    assert "seed-only" in notes or "seed's" in notes, notes


def test_notes_name_the_assumptions_and_gap_fillers():
    assert "ACR" in CAT["MR-EQ-PERF"].notes and "TG-284" in CAT["MR-EQ-PERF"].notes
    assert "ASSUMPTION" in CAT["MR-EQ-HE-LEVEL"].notes
    assert "NF" in CAT["CT-EQ-PERF"].notes and CAT["CT-EQ-PERF"].criterion("geometric_distance") is None
    assert "125 kV" in CAT["DR-EQ-SHIELD"].notes


def test_catalog_json_carries_criteria_checklists_and_notes():
    d = CAT.to_dict()
    assert d["id"] == "taiyuan-trial" and len(d["items"]) == len(CAT.items)
    acc = next(i for i in d["items"] if i["id"] == "CT-EQ-ACCESSORY")
    assert acc["criteria"][0]["kind"] == "all_present" and "1:1000 肾上腺素" in acc["criteria"][0]["required_zh"]
    assert acc["notes"]


def test_every_metric_of_docs_measurements_md_has_a_label_and_unit():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "measurements.md").read_text("utf-8")
    names = set()
    for line in doc[doc.index("## Metric names"):].splitlines():
        cells = line.split("|")
        if line.startswith("|") and not line.startswith("|---") and len(cells) > 3:
            names |= set(re.findall(r"`([a-z0-9_]+)`", cells[2]))
    assert len(names) > 30
    assert names <= set(metrics()), sorted(names - set(metrics()))
    for m in ("ct_number_air", "ct_number_teflon", "ct_number_bone"):
        assert m in metrics()

"""huren evaluate: the table, the huren.iq/1 JSON and the exit codes."""

import json

import pytest

from huren.cli import main
from huren.synth import clinical as c


@pytest.fixture(scope="module")
def two_studies(tmp_path_factory):
    d = tmp_path_factory.mktemp("studies")
    c.ct_study(n_slices=6, missing=(3,), base_images=1).write(d / "ct")
    c.dr_image(marker=False).write(d / "dr")
    return d


def test_json_document(two_studies, capsys):
    assert main(["evaluate", str(two_studies), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["schema"] == "huren.iq/1"
    assert sorted(s["modality"] for s in doc["studies"]) == ["CT", "DR"]
    keys = {"check", "item", "result", "value", "unit", "series_instance_uid", "reason_zh", "reason_en"}
    for s in doc["studies"]:
        assert s["study_instance_uid"] and s["checks"]
        for chk in s["checks"]:
            assert keys <= set(chk), chk
    ct = next(s for s in doc["studies"] if s["modality"] == "CT")
    miss = next(x for x in ct["checks"] if x["check"] == "missing_slices")
    assert miss["result"] == "fail" and miss["value"] == 1 and miss["item"] == "CT-IQ-ORDER"
    dr = next(s for s in doc["studies"] if s["modality"] == "DR")
    assert next(x for x in dr["checks"] if x["check"] == "marker")["result"] == "fail"


def test_table(two_studies, capsys):
    assert main(["evaluate", str(two_studies)]) == 0
    out = capsys.readouterr().out
    assert "missing_slices" in out and "CT-IQ-ORDER" in out and "不通过" in out and "遗漏" in out
    assert "marker" in out and "DR-IQ-LABEL" in out


def test_nothing_readable_is_exit_1(tmp_path, capsys):
    (tmp_path / "x.txt").write_text("no")
    assert main(["evaluate", str(tmp_path / "x.txt")]) == 1
    err = capsys.readouterr().err
    assert "not a DICOM file" in err and "不是 DICOM" in err


def test_bad_usage_and_bad_rules_are_exit_2(two_studies, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["evaluate"])
    assert e.value.code == 2
    bad = tmp_path / "r.toml"
    bad.write_text("[broken")
    assert main(["evaluate", str(two_studies), "--rules", str(bad)]) == 2
    assert "TOML" in capsys.readouterr().err


def test_help_lists_evaluate(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "evaluate" in capsys.readouterr().out

"""Result types: JSON-able, the schema's keys, study-level answers."""

import json

import pytest

from huren.iq import SCHEMA, CheckResult, document, evaluate_study
from huren.synth import clinical as c


def test_document_is_json_and_has_the_schema_keys():
    ev = evaluate_study(c.ct_study(n_slices=5, missing=(2,), base_images=1).datasets)
    doc = json.loads(json.dumps(document([ev]), ensure_ascii=False))
    assert doc["schema"] == SCHEMA == "huren.iq/1"
    st = doc["studies"][0]
    assert st["study_instance_uid"] == ev.study_instance_uid and st["modality"] == "CT"
    chk = next(x for x in st["checks"] if x["check"] == "motion_artifact")
    assert chk["value"] is None and "unit" in chk  # schema keys present even when empty
    assert ev.result_of("missing_slices") == "fail" and ev.result_of("matrix") == "pass"
    assert ev.result_of("motion_artifact") == "not_evaluable" and ev.result_of("exposure_index") is None


def test_a_result_outside_the_three_is_refused():
    with pytest.raises(ValueError):
        CheckResult(check="x", item=None, result="info")


def test_several_studies_given_to_evaluate_study_name_the_others():
    a = c.ct_study(n_slices=6, base_images=1)
    b = c.ct_study(n_slices=3, base_images=1)
    ev = evaluate_study(a.datasets + b.datasets)
    assert ev.study_instance_uid == a.study_instance_uid and ev.images == 6
    assert any(b.study_instance_uid in e["reason_en"] for e in ev.errors)

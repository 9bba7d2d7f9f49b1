"""Bad input through the node: a clear stored result (not evaluable, bilingual), never a
traceback, and the study is kept."""

from __future__ import annotations

import pytest

from huren.dicomnode.models import DicomObject
from huren.studies.models import Study
from huren.synth import clinical


def _study_result(uid):
    s = Study.objects.get(study_instance_uid=uid)
    assert DicomObject.objects.filter(study_instance_uid=uid).exists()  # kept
    return s, s.iq_evaluations.order_by("-id").first()


@pytest.mark.parametrize("case", ["single", "no_orientation", "localiser", "enhanced"])
def test_bad_studies_get_a_stored_bilingual_result(site, immediate, case):
    kw = {"single": dict(n_slices=1), "no_orientation": dict(n_slices=6, drop_orientation=True),
          "localiser": dict(n_slices=6, localiser_in_series=True), "enhanced": dict(n_slices=6, enhanced=True)}[case]
    study = clinical.ct_study(seed=11, **kw)
    immediate(study, site.a.CT)
    s, ev = _study_result(study.study_instance_uid)
    assert ev is not None and ev.status == "done", (ev and (ev.status, ev.error_en))
    for c in ev.checks.filter(result="not_evaluable"):
        assert c.reason_zh and c.reason_en and any("\u4e00" <= ch <= "\u9fff" for ch in c.reason_zh)
    assert ev.checks.exists()


def test_a_study_without_pixel_data_is_kept_with_a_reason(site, immediate):
    study = clinical.ct_study(n_slices=3, seed=12)
    for ds in study.datasets:
        del ds.PixelData
    immediate(study, site.a.CT)
    uid = study.study_instance_uid
    assert DicomObject.objects.filter(study_instance_uid=uid).exists()
    # the node takes an object without pixel data as unusable: kept, recorded with its reason, not filed
    kept = DicomObject.objects.filter(study_instance_uid=uid)
    assert kept.count() == 3 and set(kept.values_list("status", flat=True)) == {"invalid"}
    assert all(o.error_zh and o.error_en for o in kept)

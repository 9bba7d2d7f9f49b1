"""Anonymised exports whose files all carry one SOP Instance UID (issue 11, item 1).

A file is a duplicate only when it repeats an earlier one's UID *and* content (pixel data,
position); files that share a UID but differ in content are distinct images, noted as such,
and the whole series is analysed.
"""

from __future__ import annotations

import copy

import pytest

from huren.analysis import analyze_paths
from huren.dicomio import load, load_images
from huren.synth import ct as sct
from huren.synth.ct import save

MODULES = ("CTP404", "CTP528", "CTP515")


@pytest.fixture(scope="module")
def catphan64():
    # 64 slices of 2.5 mm through the whole Catphan 504, as the export in the issue held
    return sct.catphan504(matrix=192, thickness_mm=2.5, slice_spacing_mm=2.5, z_range_mm=(-90, 67.5), seed=3)


@pytest.mark.parametrize("numbers, dups", [("keep", ()), ("same", ()), ("none", ()), ("keep", (3, 20, 41))])
def test_one_uid_for_every_file_still_gives_the_whole_catphan(catphan64, numbers, dups, tmp_path):
    s = sct.same_sop_uid(catphan64, instance_numbers=numbers, duplicates=dups)
    assert len(s.datasets) == 64 + len(dups)
    s.write(tmp_path)
    res = analyze_paths([tmp_path])
    assert res.phantom == "catphan504"
    en = [n["en"] for n in res.notes]
    assert any(f"64 images with different content share the SOP Instance UID {s.truth['sop_instance_uid']}" in n
               for n in en), en
    assert any("UID 与" not in n["zh"] and "共用同一 SOP Instance UID" in n["zh"] for n in res.notes)
    # only the byte-identical copies are set aside, each named against its original
    dup = [e for e in res.errors if "duplicate image" in e.reason_en]
    assert len(dup) == len(dups)
    assert all("same SOP Instance UID, pixel data and position" in e.reason_en for e in dup)
    # every module found and measured
    for mod in ("ctp404", "ctp528", "ctp515", "ctp486"):
        assert any(n.startswith(f"catphan.{mod}:") for n in en), (mod, en)
    assert {m.details.get("module") for m in res.measurements} >= set(MODULES)
    for metric in ("ct_number_teflon", "ct_number_air", "ct_number_acrylic", "ct_number_ldpe"):
        assert abs(res.get(metric).value - s.truth[metric]) < 2.0, metric
    assert abs(res.get("slice_thickness").value - 2.5) < 0.3
    assert abs(res.get("geometric_distance").value - 50.0) < 0.5  # 1.15 mm pixels
    assert res.get("mtf50", method="bars") is not None and res.get("uniformity_max_diff") is not None
    assert res.get("low_contrast_diameter", method="targets") is not None
    # provenance names the images apart: one UID, different files
    uid = s.truth["sop_instance_uid"]
    assert {i.sop_instance_uid for i in res.inputs} == {uid}
    assert len({i.path for i in res.inputs}) == len(res.inputs) >= 4
    files = {m.details.get("module"): tuple(m.provenance["files"]) for m in res.measurements if m.details.get("module")}
    assert len(set(files.values())) == len(files)
    assert all(m.provenance["sop_instance_uids"] == [uid] * len(m.provenance["files"]) for m in res.measurements
               if "files" in m.provenance)


def _one(tmp_path, name, ds):
    save(ds, tmp_path / name)


def test_reader_keeps_same_uid_with_other_content_and_drops_true_copies(catphan64, tmp_path):
    a, b = catphan64.datasets[30], catphan64.datasets[31]
    uid = a.SOPInstanceUID
    same_pos = copy.deepcopy(b)  # other pixels at a's position
    same_pos.SOPInstanceUID = uid
    same_pos.ImagePositionPatient = a.ImagePositionPatient
    other_pos = copy.deepcopy(a)  # a's pixels at another position
    other_pos.ImagePositionPatient = b.ImagePositionPatient
    relabelled = copy.deepcopy(a)  # a's pixels and position, another Instance Number: a copy
    relabelled.InstanceNumber = 99
    for name, ds in (("1.dcm", a), ("2.dcm", same_pos), ("3.dcm", other_pos), ("4.dcm", relabelled), ("5.dcm", a)):
        _one(tmp_path, name, ds)
    rep = load([tmp_path])
    assert [d.filename.rsplit("/", 1)[1] for d in rep.datasets] == ["1.dcm", "2.dcm", "3.dcm"]
    assert [e.path.rsplit("/", 1)[1] for e in rep.errors] == ["4.dcm", "5.dcm"]
    assert all(e.reason_en.endswith("1.dcm); ignored") for e in rep.errors)
    assert len(rep.notes) == 1 and "3 images with different content" in rep.notes[0][1]
    images, _errors = load_images([tmp_path])
    assert len({im.key for im in images}) == 3 and len({im.sop_instance_uid for im in images}) == 1


def test_ordinary_duplicate_file_is_still_set_aside(catphan64, tmp_path):
    _one(tmp_path, "a.dcm", catphan64.datasets[5])
    _one(tmp_path, "b.dcm", catphan64.datasets[5])
    rep = load([tmp_path])
    assert len(rep.datasets) == 1 and len(rep.errors) == 1 and not rep.notes


def test_a_decision_on_fewer_images_than_the_series_holds_says_so(catphan64, tmp_path):
    s = sct.same_sop_uid(catphan64)
    for i in (0, 63):  # the export kept the first and the last of 64 numbered slices
        _one(tmp_path, f"{i}.dcm", s.datasets[i])
    res = analyze_paths([tmp_path], None)
    assert any("the headers say the series holds 64 images but only 2 were received" in n["en"] for n in res.notes), res.notes
    tmp2 = tmp_path / "full"
    catphan64.write(tmp2)
    res = analyze_paths([tmp2])
    en = [n["en"] for n in res.notes]
    assert not any("the headers say" in n for n in en)
    # a long series is screened, not read slice by slice: the decision says on how many
    assert any("rests on" in n and "of the 64 images read" in n for n in en), en

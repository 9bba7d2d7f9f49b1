"""Evaluate clinical studies: group by study and series, read headers of all images and pixel data
of a few, run the modality's checks."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Iterable

from pydicom.dataset import Dataset

from huren.iq import ct, dr, mr
from huren.iq.common import Context, check_header, check_identity_labels, check_readable
from huren.iq.model import SeriesSummary, StudyEvaluation
from huren.iq.reading import PixelCache, Slice, group, plane_of, read_headers
from huren.iq.ruleset import Rules, load_rules

FAMILY = {"CT": "CT", "MR": "MR", "DX": "DR", "CR": "DR", "DR": "DR", "RG": "DR", "PX": None}
NON_IMAGE = {"SR", "PR", "KO", "REG", "SEG", "RTSTRUCT", "RTDOSE", "RTPLAN", "DOC"}
MR_SPECTROSCOPY = "1.2.840.10008.5.1.4.1.1.4.2"  # MR Spectroscopy Storage (PS3.4 B.5)

_default_rules: Rules | None = None


def _rules(rules) -> Rules:
    global _default_rules
    if isinstance(rules, Rules):
        return rules
    if rules is None:
        if _default_rules is None:
            _default_rules = load_rules()
        return _default_rules
    return load_rules(rules)


def body_part_of(rules: Rules, slices: list[Slice]) -> tuple[str | None, str | None]:
    """The study's body part (a key of [body_parts]) and what decided it."""
    table = {k: v for k, v in rules.section("body_parts").items() if k != "source"}
    words = sorted(((w.lower(), part) for part, ws in table.items() for w in ws), key=lambda x: -len(x[0]))
    bpe = Counter(s.text("BodyPartExamined").strip().upper() for s in slices if s.text("BodyPartExamined").strip())
    if bpe:
        v = bpe.most_common(1)[0][0]
        if v in table:
            return v, "BodyPartExamined"
        for w, part in words:
            if w in v.lower():
                return part, "BodyPartExamined"
    first = {}
    for s in slices:
        first.setdefault(s.series_instance_uid, s)
    text = " ".join(s.text(k) for s in first.values() for k in
                    ("StudyDescription", "RequestedProcedureDescription", "ProtocolName", "SeriesDescription")).lower()
    for w, part in words:
        if w in text:
            return part, "words"
    return None, None


def _role(slices: list[Slice]) -> str:
    s = slices[0]
    if s.modality in NON_IMAGE or "PixelData" not in s.ds and s.ds.get("Rows") is None:
        return "non-image"
    if all(x.is_localiser for x in slices):
        return "localiser"
    it = s.image_type()
    if s.modality == "CT" and ("SECONDARY" in it or "DERIVED" in it) and ("MPR" in it or "MIP" in it or
                                                                          "REFORMATTED" in it or "VOLUME" in it):
        return "derived"
    if s.text("SOPClassUID").startswith("1.2.840.10008.5.1.4.1.1.7"):  # secondary capture (dose screens, …)
        return "non-image"
    if s.text("SOPClassUID") == MR_SPECTROSCOPY:  # spectra, not images (no Pixel Data by design)
        return "non-image"
    return "images"


def evaluate_study(datasets_or_paths: Iterable, *, rules: Rules | str | Path | None = None) -> StudyEvaluation:
    """Evaluate one study from its datasets (pydicom, with or without pixel data) or paths. When the
    input holds several studies, the one with the most images is evaluated and the others are named
    in ``errors`` (use :func:`evaluate_paths` for many studies)."""
    rules = _rules(rules)
    if isinstance(datasets_or_paths, (str, Path, Dataset)):
        datasets_or_paths = [datasets_or_paths]
    slices, errors = read_headers(datasets_or_paths)
    studies = group(slices)
    if not studies:
        ev = StudyEvaluation(study_instance_uid="", modality="", errors=errors, rules_name=rules.name)
        return ev
    uid = max(studies, key=lambda u: sum(len(v) for v in studies[u].values()))
    for other in studies:
        if other != uid:
            errors.append({"path": other, "reason_zh": f"输入含另一检查 {other}，未在此评价",
                           "reason_en": f"the input holds another study {other}, not evaluated here"})
    return _evaluate(uid, studies[uid], errors, rules)


def evaluate_paths(paths: Iterable, *, rules: Rules | str | Path | None = None) -> list[StudyEvaluation]:
    """Evaluate every study under ``paths`` (files, folders, zips), grouped by Study Instance UID.
    Unreadable inputs are reported in the first study's errors, or in an empty evaluation when
    nothing could be read."""
    rules = _rules(rules)
    if isinstance(paths, (str, Path)):
        paths = [paths]
    slices, errors = read_headers(paths)
    studies = group(slices)
    out = [_evaluate(uid, series, [], rules) for uid, series in studies.items()]
    if errors:
        if out:
            out[0].errors.extend(errors)
        else:
            out.append(StudyEvaluation(study_instance_uid="", modality="", errors=errors, rules_name=rules.name))
    return out


def _summary(uid: str, sl: list[Slice], role: str) -> SeriesSummary:
    s = sl[0]
    try:
        num = int(s.ds.get("SeriesNumber")) if s.ds.get("SeriesNumber") not in (None, "") else None
    except (TypeError, ValueError):
        num = None
    return SeriesSummary(series_instance_uid=uid, series_number=num, description=s.text("SeriesDescription"),
                         modality=s.modality, images=len(sl), role=role, plane=plane_of(s.orientation))


def _evaluate(study_uid: str, series: dict[str, list[Slice]], errors: list[dict], rules: Rules) -> StudyEvaluation:
    all_slices = [s for sl in series.values() for s in sl]
    fam_count = Counter(FAMILY.get(s.modality) for s in all_slices if FAMILY.get(s.modality))
    modality = fam_count.most_common(1)[0][0] if fam_count else (all_slices[0].modality or "")
    first = all_slices[0]
    body_part, bp_by = body_part_of(rules, all_slices)
    ev = StudyEvaluation(study_instance_uid=study_uid, modality=modality,
                         accession_number=first.text("AccessionNumber") or None,
                         study_date=first.text("StudyDate") or None, body_part=body_part, body_part_decided_by=bp_by,
                         errors=list(errors), images=len(all_slices), rules_name=rules.name)
    ctx = Context(rules=rules, modality=modality, body_part=body_part, series=series, cache=PixelCache())
    image_series: dict[str, list[Slice]] = {}
    for uid, sl in series.items():
        fam = FAMILY.get(sl[0].modality)
        role = _role(sl)
        if role == "images" and fam != modality:
            role = "other-modality"
            ev.errors.append({"path": uid, "reason_zh": f"序列 {uid} 的设备类型为 {sl[0].modality}，与本检查（{modality}）不同，未评价",
                              "reason_en": f"series {uid} is {sl[0].modality}, not {modality} like the study: not evaluated"})
        summ = _summary(uid, sl, role)
        ctx.summaries[uid] = summ
        ev.series.append(summ)
        if role == "images":
            image_series[uid] = sl
        # localisers mixed into an image series are dropped from it (named in the summary)
        if role == "images" and any(x.is_localiser for x in sl):
            keep = [x for x in sl if not x.is_localiser]
            summ.details["localisers_removed"] = [x.sop_instance_uid for x in sl if x.is_localiser]
            image_series[uid] = keep
    check_header(ctx, all_slices)
    if modality not in ("CT", "MR", "DR"):
        ctx.not_evaluable("readable", f"设备类型 {modality or '未知'} 不在 CT、MR、DR 之列，不做图像质量检查",
                          f"modality {modality or 'unknown'} is not CT, MR or DR: no image-quality checks")
        return _finish(ev, ctx)
    if not image_series:
        ctx.not_evaluable("readable", "检查中没有可评价的图像序列（只有定位像、二次截图或非图像对象）",
                          "the study holds no image series to evaluate (only localisers, screen captures or non-image objects)")
        return _finish(ev, ctx)
    pix_by_series: dict[str, tuple] = {}

    def pixels_of(uid: str):
        if uid not in pix_by_series:
            sl = image_series[uid]
            n = rules.section("sampling")["dr_images_per_series"] if modality == "DR" else None
            sampled = ctx.sample(sl, n)
            ok, bad = ctx.arrays(sampled)
            pix_by_series[uid] = (ok, bad, sampled)
            ctx.summaries[uid].pixel_images_read = len(ok)
            check_readable(ctx, uid, sl, sampled, bad)
        ok, bad, _ = pix_by_series[uid]
        return ok, bad

    if modality == "CT":
        for uid, sl in image_series.items():
            ok, bad = pixels_of(uid)
            ct.series_checks(ctx, uid, sl, ok, bad)
        ct.contrast_phases(ctx, image_series, first.text("StudyDescription") + " " + first.text("RequestedProcedureDescription"))
        _orientation_labels(ctx, all_slices, "CT")
    elif modality == "MR":
        for uid in image_series:
            pixels_of(uid)
        mr.study_checks(ctx, image_series, pixels_of)
        _orientation_labels(ctx, all_slices, "MR")
    else:
        for uid, sl in image_series.items():
            ok, bad = pixels_of(uid)
            for s in sl[: rules.section("sampling")["dr_images_per_series"]]:
                dr.header_checks(ctx, uid, s)
            for s, a in ok:
                dr.pixel_checks(ctx, uid, s, a)
            if bad and not ok:
                for check in ("collimation", "marker", "burned_in_text", "view_orientation"):
                    ctx.not_evaluable(check, "像素数据无法读取：" + bad[0]["reason_zh"],
                                      "the pixel data cannot be read: " + bad[0]["reason_en"], series=uid)
        missing = []
        for s in all_slices:
            if not (s.text("ViewPosition") or s.text("PatientOrientation")):
                missing.append("缺少投照体位（View Position / Patient Orientation）|no View Position / Patient Orientation")
                break
        check_identity_labels(ctx, all_slices, missing, "View Position or Patient Orientation present")
    ctx.cache.clear()
    return _finish(ev, ctx)


def _orientation_labels(ctx: Context, all_slices: list[Slice], modality: str) -> None:
    extra = []
    n = sum(1 for s in all_slices if s.orientation is None and not s.is_localiser)
    if n:
        extra.append(f"{n} 幅图像缺少方向信息（Image Orientation），无法标示左右前后|"
                     f"{n} images have no Image Orientation (Patient): the L/R/A/P labels cannot be shown")
    check_identity_labels(ctx, all_slices, extra, "Image Orientation (Patient) present (the viewer's L/R/A/P labels)")


def _finish(ev: StudyEvaluation, ctx: Context) -> StudyEvaluation:
    ev.checks = ctx.checks
    ev.pixel_images_read = len(ctx.cache.read)
    return ev

"""MR checks: sequence recognition, required sequences, orientation consistency, centring, matrix,
thickness, voxel size, fat-suppression uniformity, contrast."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from huren.iq.common import Context, body_mask, descriptions, rule_text, words_in
from huren.iq.reading import Slice, plane_of


def _num(s: Slice, kw: str):
    v = s.header(kw)
    if v in (None, ""):
        return None
    try:
        if isinstance(v, (list, tuple)) or hasattr(v, "__len__") and not isinstance(v, str):
            v = list(v)[0]
        return float(v)
    except (TypeError, ValueError, IndexError):
        return None


def header_facts(s: Slice) -> dict:
    scanning = s.text("ScanningSequence").upper() or s.text("EchoPulseSequence").upper()
    ti = _num(s, "InversionTime")
    if ti is None:
        its = s.header("InversionTimes")
        try:
            ti = float(its if isinstance(its, (int, float)) else list(its)[0]) if its not in (None, "") else None
        except (TypeError, ValueError, IndexError):
            ti = None
    inversion = "IR" in scanning or (s.text("InversionRecovery").upper() == "YES") or (ti is not None and ti > 0)
    return {"tr_ms": _num(s, "RepetitionTime"), "te_ms": _num(s, "EchoTime") or _num(s, "EffectiveEchoTime"),
            "ti_ms": ti if inversion else None, "scanning": scanning, "b_value": _num(s, "DiffusionBValue"),
            "image_type": s.image_type(), "ir": inversion}


def _matches(cond: dict, f: dict) -> bool:
    for key, want in cond.items():
        if key in ("tr_ms", "te_ms", "ti_ms"):
            v = f[key]
            if v is None or not (want[0] <= v <= want[1]):
                return False
        elif key == "no_ir":
            if want and f["ir"]:
                return False
        elif key == "scanning":
            if want.upper() not in f["scanning"]:
                return False
        elif key == "b_min":
            if f["b_value"] is None or f["b_value"] < want:
                return False
        elif key == "image_type":
            if not any(w in f["image_type"] for w in want):
                return False
    return True


def recognise(ctx: Context, slices: list[Slice]) -> dict:
    """A series' weighting, plane and fat saturation, and which evidence decided."""
    w = ctx.rules.section("mr.weightings")
    s = slices[len(slices) // 2]
    f = header_facts(s)
    text = descriptions(slices)
    by_header = None
    for name in w["order"]:
        if any(_matches(c, f) for c in w[name].get("header", [])):
            by_header = name
            break
    by_words = None
    for name in w["order"]:
        if _word_hit(text, w[name]["words"]):
            by_words = name
            break
    if by_header and by_words and by_header != by_words:
        weighting, decided = by_header, "header"
        note = f"words say {by_words}, the header (TR/TE/TI/b) says {by_header}: the header decided"
    elif by_header:
        weighting, decided, note = by_header, "header+words" if by_words else "header", ""
    elif by_words:
        weighting, decided, note = by_words, "words", "the header did not decide (TR/TE/TI missing or in between)"
    else:
        weighting, decided, note = None, "none", "neither the header nor the words recognise a weighting"
    fs = ctx.rules.section("mr.fat_saturation")
    opts = s.text("ScanOptions").upper().replace("\\", " ").split()
    fat_sat = bool(_word_hit(text, fs["words"])) or any(o in fs["scan_options"] for o in opts) or weighting == "STIR"
    if s.text("SpectrallySelectedSuppression").upper() in ("FAT", "FAT_AND_WATER"):
        fat_sat = True
    cw = ctx.rules.section("mr.contrast")["words"]
    series_text = " ".join(s.text(k) for k in ("SeriesDescription", "ProtocolName"))
    contrast = bool(s.text("ContrastBolusAgent").strip()) or bool(words_in(series_text, cw))
    return {"weighting": weighting, "decided_by": decided, "note": note, "by_header": by_header, "by_words": by_words,
            "plane": plane_of(s.orientation), "fat_sat": fat_sat, "contrast": contrast,
            "tr_ms": f["tr_ms"], "te_ms": f["te_ms"], "ti_ms": f["ti_ms"], "b_value": f["b_value"]}


_SUFFIXES = ("", "w", "wi", "fs", "c", "+c")


def _word_hit(text: str, words) -> list[str]:
    """Words that occur in ``text``: short Latin words (t1, pd, fs …) as whole tokens (optionally with
    a w / wi / fs / c suffix: t1w, t2wi, pdfs), longer ones and Chinese as substrings."""
    import re

    t = text.lower()
    tokens = set(re.split(r"[^a-z0-9*+\u4e00-\u9fff]+", t))
    hits = []
    for wd in words:
        wl = wd.lower().strip()
        if len(wl) <= 3 and wl.isascii():
            if any(wl + suf in tokens for suf in _SUFFIXES):
                hits.append(wd)
        elif wl in t:
            hits.append(wd)
    return hits


def study_checks(ctx: Context, image_series: dict[str, list[Slice]], pixels_of) -> None:
    r = ctx.rules
    rec = {}
    for uid, sl in image_series.items():
        info = recognise(ctx, sl)
        rec[uid] = info
        summ = ctx.summaries[uid]
        summ.weighting, summ.weighting_decided_by = info["weighting"], info["decided_by"]
        summ.plane, summ.fat_sat = info["plane"], info["fat_sat"]
        summ.details["recognition"] = {k: v for k, v in info.items() if v not in (None, "")}
    _required_sequences(ctx, image_series, rec)
    _orientation(ctx, image_series, rec)
    for uid, sl in image_series.items():
        _series_limits(ctx, uid, sl, rec[uid])
        pix, bad = pixels_of(uid)
        _centring(ctx, uid, pix, bad)
        if rec[uid]["fat_sat"]:
            _fat_sat(ctx, uid, pix, bad)
    _contrast(ctx, image_series, rec)


def _required_sequences(ctx: Context, image_series, rec) -> None:
    table, used = ctx.rules.by_body_part("mr.protocols", ctx.body_part)
    found, missing = [], []
    for req in table:
        hit = [u for u, i in rec.items() if i["weighting"] == req["weighting"]
               and (req.get("plane", "any") == "any" or i["plane"] == req["plane"])
               and (not req.get("fat_sat") or i["fat_sat"])]
        (found if hit else missing).append({"name": req["name"], "series": hit})
    rule = rule_text(f"protocol {used}: " + ", ".join(q["name"] for q in table)
                     + " (weighting from TR/TE/TI/b-value/ImageType, words where the header does not decide; plane from "
                     "Image Orientation)", ctx.rules.source("mr.protocols"))
    uids = [sl[len(sl) // 2].sop_instance_uid for sl in image_series.values()]
    series = {u: {"weighting": i["weighting"], "plane": i["plane"], "fat_sat": i["fat_sat"],
                  "decided_by": i["decided_by"], **({"note": i["note"]} if i["note"] else {})} for u, i in rec.items()}
    note_zh = "" if used == ctx.body_part else "（检查部位未知或无方案，按默认方案）"
    note_en = "" if used == ctx.body_part else " (body part unknown or without a protocol: default protocol)"
    if missing:
        names = ", ".join(m["name"] for m in missing)
        ctx.add("required_sequences", "fail", value=len(missing), unit="sequences missing", rule=rule, uids=uids,
                protocol=used, missing=[m["name"] for m in missing], found=found, series_recognised=series,
                zh=f"缺少必备序列：{names}{note_zh}", en=f"required sequences missing: {names}{note_en}")
    else:
        ctx.add("required_sequences", "pass", value=0, unit="sequences missing", rule=rule, uids=uids, protocol=used,
                found=found, series_recognised=series, zh=f"必备序列齐全（{used}）{note_zh}",
                en=f"the required sequences are present ({used}){note_en}")


def _signs(o) -> tuple:
    r, c = np.array(o[:3]), np.array(o[3:])
    return (int(np.argmax(np.abs(r))), int(np.sign(r[np.argmax(np.abs(r))])),
            int(np.argmax(np.abs(c))), int(np.sign(c[np.argmax(np.abs(c))])))


def _convention(spec) -> tuple:
    axes = {"x": 0, "y": 1, "z": 2}
    (r, c) = spec
    return (axes[r[1]], 1 if r[0] == "+" else -1, axes[c[1]], 1 if c[0] == "+" else -1)


def _orientation(ctx: Context, image_series, rec) -> None:
    conv = ctx.rules.section("mr.orientation")
    rule = rule_text("every series' row and column directions (Image Orientation Patient) as the plane's display "
                     "convention: " + "; ".join(f"{p} row {conv[p][0]}, column {conv[p][1]}"
                                               for p in ("axial", "sagittal", "coronal")),
                     ctx.rules.source("mr.orientation"))
    judged, odd = [], []
    for uid, sl in image_series.items():
        s = sl[len(sl) // 2]
        plane = rec[uid]["plane"]
        if s.orientation is None or plane not in conv:
            continue
        judged.append(uid)
        got = _signs(s.orientation)
        if got != _convention(conv[plane]):
            odd.append({"series_instance_uid": uid, "plane": plane, "description": s.text("SeriesDescription")})
    if not judged:
        ctx.not_evaluable("orientation_consistency", "没有带方向信息（Image Orientation）的横断、矢状或冠状序列",
                          "no axial, sagittal or coronal series with Image Orientation (Patient)", rule=rule)
        return
    ok = not odd
    ctx.add("orientation_consistency", "pass" if ok else "fail", value=len(odd), unit="series", rule=rule,
            uids=[image_series[u][len(image_series[u]) // 2].sop_instance_uid for u in judged], inconsistent=odd,
            series_judged=len(judged),
            zh="各序列显示方向一致" if ok else f"{len(odd)} 个序列的显示方向与约定（从左至右、从前至后、从上至下）不一致",
            en="every series has the same display orientation" if ok else
            f"{len(odd)} series are displayed against the convention (left→right, anterior→posterior, superior→inferior)")


def _series_limits(ctx: Context, uid: str, sl: list[Slice], info: dict) -> None:
    lim_all = ctx.rules.section("mr.limits")
    lim = lim_all.get(info["weighting"] or "", lim_all["DEFAULT"])
    which = info["weighting"] if info["weighting"] in lim_all else "DEFAULT"
    src = ctx.rules.source("mr.limits")
    s = sl[len(sl) // 2]
    rows, cols = int(s.ds.get("Rows") or 0), int(s.ds.get("Columns") or 0)
    mat = min(rows, cols)
    rule = rule_text(f"matrix ≥ {lim['matrix_min_px']} ({which})", src)
    if mat <= 0:
        ctx.not_evaluable("matrix", "缺少行数/列数", "no Rows/Columns", series=uid, rule=rule)
    else:
        ok = mat >= lim["matrix_min_px"]
        ctx.add("matrix", "pass" if ok else "fail", value=mat, unit="px", series=uid, rule=rule, uids=[s.sop_instance_uid],
                zh=f"矩阵 {rows}×{cols}（要求 ≥{lim['matrix_min_px']}）", en=f"matrix {rows}×{cols} (≥ {lim['matrix_min_px']} required)")
    t = s.thickness
    rule = rule_text(f"slice thickness ≤ {lim['thickness_max_mm']:g} mm ({which})", src)
    if t is None:
        ctx.not_evaluable("slice_thickness", "缺少层厚", "no Slice Thickness", series=uid, rule=rule)
    else:
        ok = t <= lim["thickness_max_mm"]
        ctx.add("slice_thickness", "pass" if ok else "fail", value=round(t, 3), unit="mm", series=uid, rule=rule,
                uids=[s.sop_instance_uid], zh=f"层厚 {t:g} mm（要求 ≤{lim['thickness_max_mm']:g}）",
                en=f"slice thickness {t:g} mm (≤ {lim['thickness_max_mm']:g} required)")
    rule = rule_text(f"voxel ≤ {lim['voxel_max_mm3']:g} mm³ ({which})", src)
    if t is None or not s.spacing:
        ctx.not_evaluable("voxel_size", "缺少像素间距或层厚", "no pixel spacing or slice thickness", series=uid, rule=rule)
    else:
        v = s.spacing[0] * s.spacing[1] * t
        ok = v <= lim["voxel_max_mm3"]
        ctx.add("voxel_size", "pass" if ok else "fail", value=round(v, 3), unit="mm³", series=uid, rule=rule,
                uids=[s.sop_instance_uid], voxel_mm=[s.spacing[0], s.spacing[1], t],
                zh=f"体素 {v:.2f} mm³（要求 ≤{lim['voxel_max_mm3']:g}）", en=f"voxel {v:.2f} mm³ (≤ {lim['voxel_max_mm3']:g} required)")


def _signal_mask(a: np.ndarray) -> np.ndarray:
    from skimage.filters import threshold_otsu

    if float(a.max()) <= float(a.min()):
        return np.zeros(a.shape, bool)
    return body_mask(a, 0.5 * threshold_otsu(a), open_px=1)


def _centring(ctx: Context, uid: str, pix, bad) -> None:
    c = ctx.rules.section("mr.centring")
    rule = rule_text(f"the imaged tissue's centroid within {c['max_offset_percent']:g} % of the FOV of the image centre "
                     "(tissue: above half the Otsu threshold, middle image)", ctx.rules.source("mr.centring"))
    use = [(s, a) for s, a in pix if s.spacing][:1]
    if not use:
        why = (bad[0]["reason_zh"], bad[0]["reason_en"]) if bad else ("缺少像素间距", "no pixel spacing")
        ctx.not_evaluable("centring", *why, series=uid, rule=rule)
        return
    s, a = use[0]
    m = _signal_mask(a)
    if m.sum() < 0.01 * m.size:
        ctx.not_evaluable("centring", "图像中未找到组织", "no tissue found in the image", series=uid, rule=rule,
                          uids=[s.sop_instance_uid])
        return
    rows, cols = a.shape
    cy, cx = ndimage.center_of_mass(m)
    dx, dy = (cx - (cols - 1) / 2) * s.spacing[1], (cy - (rows - 1) / 2) * s.spacing[0]
    fov = max(cols * s.spacing[1], rows * s.spacing[0])
    pct = 100 * float(np.hypot(dx, dy)) / fov
    ok = pct <= c["max_offset_percent"]
    ctx.add("centring", "pass" if ok else "fail", value=round(pct, 2), unit="%", series=uid, rule=rule,
            uids=[s.sop_instance_uid], offset_mm=[round(float(dx), 1), round(float(dy), 1)],
            zh=f"目标偏离图像中心 {np.hypot(dx, dy):.0f} mm（视野的 {pct:.1f}%）",
            en=f"target {np.hypot(dx, dy):.0f} mm from the image centre ({pct:.1f} % of the FOV)")


def fat_sat_ratio(a: np.ndarray, sectors: int = 8) -> tuple[float, list[float]] | None:
    """The subcutaneous band (outer 12 % of the body's depth) in angular sectors: the brightest
    sector's median over the median of the sectors (1 = uniform suppression)."""
    m = _signal_mask(a)
    if m.sum() < 500:
        return None
    dist = ndimage.distance_transform_edt(m)
    depth = float(dist.max())
    band = m & (dist <= max(2.0, 0.12 * depth))
    cy, cx = ndimage.center_of_mass(m)
    yy, xx = np.nonzero(band)
    ang = np.arctan2(yy - cy, xx - cx)
    k = ((ang + np.pi) / (2 * np.pi) * sectors).astype(int) % sectors
    vals = a[yy, xx]
    med = [float(np.median(vals[k == i])) for i in range(sectors) if np.any(k == i)]
    if len(med) < sectors // 2:
        return None
    ref = float(np.median(med))
    if ref <= 0:
        return None
    return max(med) / ref, [round(x, 1) for x in med]


def _fat_sat(ctx: Context, uid: str, pix, bad) -> None:
    fs = ctx.rules.section("mr.fat_saturation")
    rule = rule_text(f"fat-suppressed series: the brightest of 8 sectors of the subcutaneous band ≤ "
                     f"{fs['max_sector_ratio']:g} × the median sector (middle image)", ctx.rules.source("mr.fat_saturation"))
    if not pix:
        why = (bad[0]["reason_zh"], bad[0]["reason_en"]) if bad else ("无像素数据", "no pixel data")
        ctx.not_evaluable("fat_suppression", *why, series=uid, rule=rule)
        return
    s, a = pix[0]
    res = fat_sat_ratio(a)
    if res is None:
        ctx.not_evaluable("fat_suppression", "未找到足够的皮下组织环带，无法判断脂肪抑制均匀性",
                          "no subcutaneous band large enough to judge fat-suppression uniformity", series=uid, rule=rule,
                          uids=[s.sop_instance_uid])
        return
    ratio, med = res
    ok = ratio <= fs["max_sector_ratio"]
    ctx.add("fat_suppression", "pass" if ok else "fail", value=round(ratio, 3), unit="ratio", series=uid, rule=rule,
            uids=[s.sop_instance_uid], sector_medians=med,
            zh="脂肪抑制均匀" if ok else f"脂肪抑制不均匀（最亮扇区为中位数的 {ratio:.1f} 倍）",
            en="fat suppression is uniform" if ok else f"fat suppression is not uniform (brightest sector {ratio:.1f} × the median)")


def _contrast(ctx: Context, image_series, rec) -> None:
    first = next(iter(image_series.values()))[0]
    study_text = " ".join(first.text(k) for k in ("StudyDescription", "RequestedProcedureDescription"))
    if not any(i["contrast"] for i in rec.values()) and not words_in(study_text, ctx.rules.section("mr.contrast")["words"]):
        return  # plain study: does not apply
    post_t1 = [u for u, i in rec.items() if i["contrast"] and i["weighting"] == "T1"]
    rule = rule_text("an enhanced study has a post-contrast T1-weighted series", ctx.rules.source("mr.contrast"))
    uids = [sl[len(sl) // 2].sop_instance_uid for sl in image_series.values()]
    if post_t1:
        ctx.add("contrast_phases", "pass", value=len(post_t1), unit="series", rule=rule, uids=uids, post_contrast_series=post_t1,
                zh="有增强后 T1 序列", en="a post-contrast T1 series is present")
    else:
        ctx.add("contrast_phases", "fail", value=0, unit="series", rule=rule, uids=uids,
                zh="增强检查缺少增强后 T1 序列", en="the enhanced study has no post-contrast T1 series")

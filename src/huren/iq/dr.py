"""DR checks: exposure index, deviation index, anatomy inside the collimated field, marker, burned-in
text over anatomy, orientation against View Position."""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from huren.iq.common import Context, fmt_range, rule_text
from huren.iq.reading import Slice


def _num(s: Slice, kw: str):
    v = s.header(kw)
    try:
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def header_checks(ctx: Context, uid: str, s: Slice) -> None:
    r = ctx.rules
    rng, used = r.by_body_part("dr.exposure_index", ctx.body_part)
    ei, tei, di = _num(s, "ExposureIndex"), _num(s, "TargetExposureIndex"), _num(s, "DeviationIndex")
    rule = rule_text(f"exposure index {fmt_range(rng)} for {used}", r.source("dr.exposure_index"))
    if ei is None:
        ctx.not_evaluable("exposure_index", "头信息中没有曝光指数（Exposure Index, IEC 62494-1）",
                          "no Exposure Index (IEC 62494-1) in the header", series=uid, rule=rule, uids=[s.sop_instance_uid])
    else:
        ok = rng[0] <= ei <= rng[1]
        ctx.add("exposure_index", "pass" if ok else "fail", value=round(ei, 2), unit="EI", series=uid, rule=rule,
                uids=[s.sop_instance_uid], zh=f"曝光指数 EI {ei:g}（{used} 要求 {fmt_range(rng)}）",
                en=f"exposure index {ei:g} ({used}: {fmt_range(rng)} required)")
    d = r.section("dr.deviation_index")
    rule = rule_text(f"deviation index {d['min']:g} to {d['max']:g}", r.source("dr.deviation_index"))
    src = "DeviationIndex"
    if di is None and ei and tei:
        di, src = 10 * math.log10(ei / tei), "10·log10(EI/TargetExposureIndex)"
    if di is None:
        ctx.not_evaluable("deviation_index", "头信息中没有偏差指数，也没有目标曝光指数",
                          "no Deviation Index and no Target Exposure Index in the header", series=uid, rule=rule,
                          uids=[s.sop_instance_uid])
    else:
        ok = d["min"] <= di <= d["max"]
        ctx.add("deviation_index", "pass" if ok else "fail", value=round(di, 3), unit="DI", series=uid, rule=rule,
                uids=[s.sop_instance_uid], source=src,
                zh=f"偏差指数 DI {di:+.2f}（要求 {d['min']:g}~{d['max']:+g}）",
                en=f"deviation index {di:+.2f} ({d['min']:g} to {d['max']:+g} required)")


def attenuation(s: Slice, a: np.ndarray) -> np.ndarray:
    """Pixels turned so that higher = more attenuation (displayed whiter): Pixel Intensity Relationship
    Sign +1 (or MONOCHROME1 without it) means high values are more X-ray intensity."""
    sign = s.header("PixelIntensityRelationshipSign")
    try:
        sign = int(sign) if sign not in (None, "") else None
    except (TypeError, ValueError):
        sign = None
    if sign is None:
        sign = 1 if s.text("PhotometricInterpretation").upper() == "MONOCHROME1" else -1
    return -a if sign == 1 else a


def _field(att: np.ndarray) -> tuple[int, int, int, int]:
    """The exposed field inside collimator shutters: rows/columns from each edge that are flat at the
    no-exposure end are shutter."""
    lo, hi = np.percentile(att, [1, 99.9])
    span = max(hi - lo, 1e-6)
    shut = att > hi - 0.08 * span

    def run(frac_lines):
        n = 0
        for f in frac_lines:
            if f > 0.9:
                n += 1
            else:
                break
        return n

    rows_f, cols_f = shut.mean(axis=1), shut.mean(axis=0)
    top, bottom = run(rows_f), run(rows_f[::-1])
    left, right = run(cols_f), run(cols_f[::-1])
    R, C = att.shape
    if top + bottom >= R - 10 or left + right >= C - 10:
        return 0, R, 0, C
    return top, R - bottom, left, C - right


def analyse_image(s: Slice, a: np.ndarray, rules) -> dict:
    """Field, body, annotations (burned-in text and markers) of one radiograph."""
    from skimage.filters import threshold_otsu

    att = attenuation(s, a).astype(np.float64)
    r0, r1, c0, c1 = _field(att)
    f = att[r0:r1, c0:c1]
    ann = rules.section("dr.annotation")
    lo, hi = float(f.min()), float(f.max())
    span = max(hi - lo, 1e-6)
    annot = f >= hi - ann["extreme_fraction"] * span
    # annotation pixels are at the white end; leave them out of the body threshold
    rest = f[~annot]
    thr = threshold_otsu(rest) if rest.size and rest.max() > rest.min() else lo
    body = (f > thr) & ~annot
    body = ndimage.binary_opening(body, iterations=2)
    lab, n = ndimage.label(body)
    if n:
        sizes = ndimage.sum_labels(body, lab, index=np.arange(1, n + 1))
        body = lab == (1 + int(np.argmax(sizes)))
        body = ndimage.binary_fill_holes(body | (ndimage.binary_dilation(body, iterations=3) & annot))
        body &= ~annot | ndimage.binary_erosion(body, iterations=6)
    direct_fraction = float((~body & ~annot).mean())
    # annotation regions: components of the extreme pixels, grouped by a 3 mm dilation
    px = float(np.mean(s.spacing)) if s.spacing else 0.2
    grouped, ng = ndimage.label(ndimage.binary_dilation(annot, iterations=max(1, int(round(3.0 / px)))))
    regions = []
    lo_mm, hi_mm = ann["marker_size_mm"]
    for i, sl in enumerate(ndimage.find_objects(grouped), start=1):
        if sl is None:
            continue
        sub = annot[sl] & (grouped[sl] == i)
        if sub.sum() < 6:
            continue
        h_mm, w_mm = (sl[0].stop - sl[0].start) * px, (sl[1].stop - sl[1].start) * px
        ncomp = ndimage.label(sub)[1]
        kind = "text" if (ncomp >= 3 and w_mm > 2 * h_mm) else "marker" if (lo_mm <= max(h_mm, w_mm) <= hi_mm) else "other"
        # over the anatomy: the ring around the region is mostly body
        ring = ndimage.binary_dilation(grouped == i, iterations=max(1, int(round(2.0 / px)))) & ~(grouped == i)
        over = float(body[ring].mean()) if ring.any() else 0.0
        regions.append({"kind": kind, "bbox_px": [int(sl[0].start + r0), int(sl[1].start + c0), int(sl[0].stop + r0),
                                                   int(sl[1].stop + c0)], "size_mm": [round(h_mm, 1), round(w_mm, 1)],
                        "components": int(ncomp), "over_body": round(over, 3)})
    return {"field": (r0, r1, c0, c1), "body": body, "att": f, "regions": regions, "direct_fraction": direct_fraction,
            "collimated": (r0, a.shape[0] - r1, c0, a.shape[1] - c1) != (0, 0, 0, 0)}


def pixel_checks(ctx: Context, uid: str, s: Slice, a: np.ndarray) -> None:
    r = ctx.rules
    info = analyse_image(s, a, r)
    body = info["body"]
    u = [s.sop_instance_uid]
    col = r.section("dr.collimation")
    edges, used = (col["free_edges"].get(ctx.body_part or "", None), ctx.body_part) if ctx.body_part in col["free_edges"] \
        else (col["free_edges"]["DEFAULT"], "DEFAULT")
    rule = rule_text(f"the body outline runs along ≤ {col['max_touch_fraction']:.0%} of each of the exposed field's "
                     f"{'/'.join(edges)} edges ({used})", r.source("dr.collimation"))
    if body.sum() < 0.02 * body.size:
        ctx.not_evaluable("collimation", "图像中未找到人体", "no body found in the image", series=uid, rule=rule, uids=u)
    else:
        touch = {"top": body[0, :].mean(), "bottom": body[-1, :].mean(), "left": body[:, 0].mean(),
                 "right": body[:, -1].mean()}
        worst = max(float(touch[e]) for e in edges)
        ok = worst <= col["max_touch_fraction"]
        cut = [e for e in edges if touch[e] > col["max_touch_fraction"]]
        ctx.add("collimation", "pass" if ok else "fail", value=round(worst, 3), unit="fraction", series=uid, rule=rule,
                uids=u, touch={k: round(float(v), 3) for k, v in touch.items()}, field_px=list(info["field"]),
                collimated=info["collimated"],
                zh="解剖结构完整位于照射野内" if ok else f"解剖结构在照射野边缘被截断（{'、'.join(cut)}）",
                en="the anatomy lies inside the exposed field" if ok else f"the anatomy is cut off at the field's {', '.join(cut)} edge")
    ann = r.section("dr.annotation")
    regions = info["regions"]
    rule = rule_text("a laterality/position marker burned into the image (a compact region "
                     f"{ann['marker_size_mm'][0]:g}–{ann['marker_size_mm'][1]:g} mm at the white end)", r.source("dr.annotation"))
    markers = [g for g in regions if g["kind"] == "marker"]
    lat = s.text("ImageLaterality") or s.text("Laterality")
    ctx.add("marker", "pass" if markers else "fail", value=len(markers), unit="markers", series=uid, rule=rule, uids=u,
            regions=regions[:10], header_laterality=lat or None,
            zh=f"图像中有 {len(markers)} 个方位标识" if markers else "图像中未找到方位（左右）标识",
            en=f"{len(markers)} position markers found in the image" if markers else "no laterality/position marker found in the image")
    rule = rule_text(f"no burned-in annotation (text or marker) with > {ann['max_over_body_fraction']:.0%} of its "
                     "surroundings on the body", r.source("dr.annotation"))
    over = [g for g in regions if g["over_body"] > ann["max_over_body_fraction"]]
    ctx.add("burned_in_text", "pass" if not over else "fail", value=len(over), unit="regions", series=uid, rule=rule,
            uids=u, regions=regions[:10],
            zh="文字标注未遮挡解剖结构" if not over else f"{len(over)} 处烧录标注遮挡解剖结构",
            en="no burned-in annotation covers the anatomy" if not over else f"{len(over)} burned-in annotations cover the anatomy")
    _view(ctx, uid, s, info)


def _view(ctx: Context, uid: str, s: Slice, info: dict) -> None:
    v = ctx.rules.section("dr.view")
    vp = s.text("ViewPosition").upper().strip()
    po = [x.strip().upper() for x in s.text("PatientOrientation").split("\\") if x.strip()]
    rule = rule_text("Patient Orientation as View Position requires (PA/AP: L\\F, lateral: A or P\\F); chest: the "
                     "lungs side by side above the denser diaphragm (not rotated or upside down). Left–right flips "
                     "are judged from the header only", ctx.rules.source("dr.view"))
    u = [s.sop_instance_uid]
    problems_en, problems_zh, judged = [], [], []
    if vp in v and len(po) == 2:
        judged.append("header")
        want = v[vp]
        if po[0][:1] in ("H", "F") or po[1][:1] in ("L", "R", "A", "P"):
            problems_en.append(f"rotated 90° (Patient Orientation {po[0]}\\{po[1]} for {vp})")
            problems_zh.append(f"图像旋转 90°（{vp} 的患者方位为 {po[0]}\\{po[1]}）")
        else:
            if po[0][:1] != want[0]:
                problems_en.append(f"flipped left–right (Patient Orientation row {po[0]}, {vp} wants {want[0]})")
                problems_zh.append(f"图像左右翻转（行方向 {po[0]}，{vp} 应为 {want[0]}）")
            if po[1][:1] != want[1]:
                problems_en.append(f"upside down (Patient Orientation column {po[1]}, {vp} wants {want[1]})")
                problems_zh.append(f"图像上下颠倒（列方向 {po[1]}，{vp} 应为 {want[1]}）")
    if ctx.body_part == "CHEST" and vp in ("PA", "AP", ""):
        verdict = chest_orientation(info)
        if verdict is not None:
            judged.append("pixels")
            if verdict != "upright":
                problems_en.append(f"the chest image looks {verdict}")
                problems_zh.append({"rotated": "胸片看似旋转 90°", "upside down": "胸片看似上下颠倒"}[verdict])
    if not judged:
        ctx.not_evaluable("view_orientation", "缺少 View Position/Patient Orientation，且不是可从图像判断的胸片",
                          "no View Position / Patient Orientation, and not a chest image that the pixels can judge",
                          series=uid, rule=rule, uids=u)
        return
    ok = not problems_en
    ctx.add("view_orientation", "pass" if ok else "fail", value=len(problems_en), unit="problems", series=uid, rule=rule,
            uids=u, judged_by=judged, view_position=vp or None, patient_orientation=po or None,
            zh="图像方向与投照体位一致" if ok else "；".join(problems_zh),
            en="the image orientation agrees with the view position" if ok else "; ".join(problems_en))


def chest_orientation(info: dict) -> str | None:
    """upright / rotated / upside down from the lungs (the two largest low-attenuation regions inside
    the body) and the denser band below them; None when no two lungs are found."""
    body, att = info["body"], info["att"]
    inside = att[body]
    if inside.size < 1000:
        return None
    thr = np.percentile(inside, 35)
    lungs = body & (att < thr)
    lungs = ndimage.binary_opening(lungs, iterations=3)
    lab, n = ndimage.label(lungs)
    if n < 2:
        return None
    sizes = ndimage.sum_labels(lungs, lab, index=np.arange(1, n + 1))
    big = np.argsort(sizes)[::-1][:2] + 1
    if sizes[big[1] - 1] < 0.2 * sizes[big[0] - 1]:
        return None
    (y1, x1), (y2, x2) = [ndimage.center_of_mass(lab == k) for k in big]
    if abs(y1 - y2) > abs(x1 - x2):
        return "rotated"
    both = np.isin(lab, big)
    rows = np.nonzero(both.any(axis=1))[0]
    top, bottom = rows.min(), rows.max()
    h = max(5, (bottom - top) // 5)
    above = att[max(0, top - h):top][body[max(0, top - h):top]]
    below = att[bottom + 1:bottom + 1 + h][body[bottom + 1:bottom + 1 + h]]
    if above.size < 50 or below.size < 50:
        return "upright" if below.size >= 50 or above.size < 50 else "upside down"
    return "upright" if np.median(below) >= np.median(above) else "upside down"

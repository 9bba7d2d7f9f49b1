"""CT checks: matrix, pixel spacing, FOV, thickness and interval, slice order/gaps/duplicates/misplaced,
centring, body inside the FOV, metal screen, contrast phases."""

from __future__ import annotations

import numpy as np
from scipy import ndimage

from huren.iq.common import Context, body_mask, descriptions, fmt_range, rule_text, words_in
from huren.iq.geometry import analyse_stack
from huren.iq.reading import Slice


def _median(vals):
    vals = [v for v in vals if v is not None]
    return float(np.median(vals)) if vals else None


def series_checks(ctx: Context, uid: str, slices: list[Slice], pix: list[tuple[Slice, np.ndarray]], pix_bad) -> None:
    r = ctx.rules
    bp = ctx.body_part
    uids_all = [s.sop_instance_uid for s in slices]
    # matrix
    m = r.section("ct.matrix")
    mins = [min(int(s.ds.get("Rows") or 0), int(s.ds.get("Columns") or 0)) for s in slices]
    mat = min(mins) if mins else 0
    rule = rule_text(f"Rows and Columns ≥ {m['min_px']}", r.source("ct.matrix"))
    if mat <= 0:
        ctx.not_evaluable("matrix", "缺少行数/列数", "no Rows/Columns in the header", series=uid, rule=rule)
    else:
        ok = mat >= m["min_px"]
        ctx.add("matrix", "pass" if ok else "fail", value=mat, unit="px", series=uid, rule=rule, uids=uids_all[:1],
                zh=f"矩阵 {mat}（要求 ≥{m['min_px']}）", en=f"matrix {mat} (≥ {m['min_px']} required)")
    # pixel spacing
    sp = [max(s.spacing) for s in slices if s.spacing]
    ps = r.section("ct.pixel_spacing")
    rule = rule_text(f"pixel spacing ≤ {ps['max_mm']:g} mm", r.source("ct.pixel_spacing"))
    if not sp:
        ctx.not_evaluable("pixel_spacing", "缺少像素间距", "no Pixel Spacing in the header", series=uid, rule=rule)
    else:
        v = max(sp)
        ctx.add("pixel_spacing", "pass" if v <= ps["max_mm"] else "fail", value=round(v, 4), unit="mm", series=uid,
                rule=rule, uids=uids_all[:1], zh=f"像素间距 {v:.3f} mm（要求 ≤{ps['max_mm']:g}）",
                en=f"pixel spacing {v:.3f} mm (≤ {ps['max_mm']:g} required)")
    # FOV
    fov_rng, used = r.by_body_part("ct.fov", bp)
    s0 = slices[len(slices) // 2]
    fov = None
    rd = s0.header("ReconstructionDiameter")
    try:
        fov = float(rd) if rd not in (None, "") else None
    except (TypeError, ValueError):
        fov = None
    fov_from = "ReconstructionDiameter"
    if fov is None and s0.spacing and s0.ds.get("Columns"):
        fov, fov_from = float(s0.spacing[1]) * int(s0.ds.Columns), "Columns × PixelSpacing"
    rule = rule_text(f"FOV {fmt_range(fov_rng)} mm for body part {used}", r.source("ct.fov"))
    if fov is None:
        ctx.not_evaluable("fov", "无法得到视野（缺少重建直径与像素间距）", "no FOV (no Reconstruction Diameter, no Pixel Spacing)",
                          series=uid, rule=rule)
    else:
        ok = fov_rng[0] <= fov <= fov_rng[1]
        note_zh = "" if used == bp else "（检查部位未知，按默认范围）"
        note_en = "" if used == bp else " (body part unknown: default range)"
        ctx.add("fov", "pass" if ok else "fail", value=round(fov, 1), unit="mm", series=uid, rule=rule,
                uids=[s0.sop_instance_uid], source=fov_from, body_part_rule=used,
                zh=f"视野 {fov:.0f} mm（{used} 要求 {fmt_range(fov_rng)}）{note_zh}",
                en=f"FOV {fov:.0f} mm ({used}: {fmt_range(fov_rng)} required){note_en}")
    # geometry
    geo = r.section("ct.geometry")
    g = analyse_stack(slices, missing_ratio=geo["missing_ratio"], duplicate_mm=geo["duplicate_mm"],
                      misplaced_ratio=geo["misplaced_ratio"], misplaced_mm=geo["misplaced_mm"])
    th_rule, used = r.by_body_part("ct.thickness", bp)
    # slice thickness
    thick = _median([s.thickness for s in g.usable or slices])
    rng = th_rule["thickness_mm"]
    rule = rule_text(f"reconstructed slice thickness {fmt_range(rng)} mm for {used}", r.source("ct.thickness"))
    if thick is None:
        ctx.not_evaluable("slice_thickness", "缺少层厚（Slice Thickness）", "no Slice Thickness in the header",
                          series=uid, rule=rule)
    else:
        ok = rng[0] <= thick <= rng[1]
        ctx.add("slice_thickness", "pass" if ok else "fail", value=round(thick, 3), unit="mm", series=uid, rule=rule,
                uids=uids_all[:1], zh=f"层厚 {thick:g} mm（{used} 要求 {fmt_range(rng)}）",
                en=f"slice thickness {thick:g} mm ({used}: {fmt_range(rng)} required)")
    excl = {"excluded": g.excluded} if g.excluded else {}
    if len(g.usable) < 3:
        why_zh, why_en = ("图像少于 3 幅（或缺少位置/方向），无法判断层面顺序与间隔",
                          "fewer than 3 images with position and orientation: slice order and spacing cannot be judged")
        for check in ("slice_interval", "slice_order", "missing_slices", "duplicate_slices", "misplaced_slices"):
            ctx.not_evaluable(check, why_zh, why_en, series=uid, rule=rule_text(
                "from Image Position/Orientation (Patient) along the slice normal", r.source("ct.geometry")),
                images_usable=len(g.usable), **excl)
    else:
        guids = [s.sop_instance_uid for s in g.usable]
        irng = th_rule["interval_mm"]
        worst = max(g.spacings) if g.spacings else g.spacing_mm
        rule = rule_text(f"slice interval {fmt_range(irng)} mm for {used}", r.source("ct.thickness"))
        ok = irng[0] <= g.spacing_mm <= irng[1] and irng[0] <= worst <= irng[1] + 1e-6 if len(g.spacings) <= 3 else \
            irng[0] <= g.spacing_mm <= irng[1]
        var_zh = f"；间隔分区 {g.spacings}" if len(g.spacings) > 1 else ""
        var_en = f"; spacing zones {g.spacings}" if len(g.spacings) > 1 else ""
        ctx.add("slice_interval", "pass" if ok else "fail", value=round(g.spacing_mm, 3), unit="mm", series=uid,
                rule=rule, uids=guids, spacings_mm=g.spacings, gantry_tilt_deg=round(g.tilt_deg, 2), **excl,
                zh=f"层间距 {g.spacing_mm:g} mm（{used} 要求 {fmt_range(irng)}）{var_zh}",
                en=f"slice interval {g.spacing_mm:g} mm ({used}: {fmt_range(irng)} required){var_en}")
        grule = r.source("ct.geometry")
        # order
        rule = rule_text("Instance Number monotonic along the slice normal", grule)
        if not g.order_evaluable:
            ctx.not_evaluable("slice_order", "实例号缺失或重复，无法判断排列顺序",
                              "Instance Numbers missing or repeated: the order cannot be judged", series=uid, rule=rule)
        else:
            n = g.misordered_count
            ctx.add("slice_order", "pass" if n == 0 else "fail", value=n, unit="images", series=uid, rule=rule,
                    uids=guids, misordered=g.misordered[:20],
                    zh="图像按解剖顺序排列" if n == 0 else f"{n} 幅图像的实例号不符合解剖顺序",
                    en="images are in anatomical order" if n == 0 else f"{n} images out of anatomical order")
        nm = sum(x["count"] for x in g.missing)
        rule = rule_text(f"no gap > {geo['missing_ratio']:g} × the spacing on both sides", grule)
        ctx.add("missing_slices", "pass" if nm == 0 else "fail", value=nm, unit="slices", series=uid, rule=rule,
                uids=guids, gaps=g.missing[:20], spacings_mm=g.spacings,
                zh="无遗漏层面" if nm == 0 else f"遗漏约 {nm} 个层面（{len(g.missing)} 处间隙）",
                en="no missing slice" if nm == 0 else f"about {nm} missing slices ({len(g.missing)} gaps)")
        nd = len(g.duplicates)
        rule = rule_text(f"no two images within {geo['duplicate_mm']:g} mm along the normal", grule)
        ctx.add("duplicate_slices", "pass" if nd == 0 else "fail", value=nd, unit="slices", series=uid, rule=rule,
                uids=guids, duplicates=g.duplicates[:20],
                zh="无重复层面" if nd == 0 else f"{nd} 个重复层面", en="no duplicated slice" if nd == 0 else f"{nd} duplicated slices")
        nmp = len(g.misplaced)
        rule = rule_text(f"each slice on the regular grid (± {geo['misplaced_ratio']:g} × spacing) and on the stack's "
                         f"line (± {geo['misplaced_mm']:g} mm in plane); gantry tilt and variable spacing allowed", grule)
        ctx.add("misplaced_slices", "pass" if nmp == 0 else "fail", value=nmp, unit="slices", series=uid, rule=rule,
                uids=guids, misplaced=g.misplaced[:20], gantry_tilt_deg=round(g.tilt_deg, 2),
                zh="无错位层面" if nmp == 0 else f"{nmp} 个错位层面", en="no misplaced slice" if nmp == 0 else f"{nmp} misplaced slices")
    _pixel_checks(ctx, uid, pix, pix_bad)


def _pixel_checks(ctx: Context, uid: str, pix, pix_bad) -> None:
    r = ctx.rules
    c, b, metal = r.section("ct.centring"), r.section("ct.body_in_fov"), r.section("ct.metal")
    rules = {
        "centring": rule_text(f"body centroid within {c['max_offset_percent']:g} % of the FOV of the image centre "
                              f"(body: > {c['body_hu']:g} HU, largest region)", r.source("ct.centring")),
        "body_in_fov": rule_text(f"body outline on the image/FOV edge ≤ {b['max_cut_mm']:g} mm", r.source("ct.body_in_fov")),
        "metal_artifact": rule_text(f"no region ≥ {metal['min_area_mm2']:g} mm² at ≥ {metal['hu']:g} HU in the sampled "
                                    f"slices", r.source("ct.metal")),
    }
    axial = [(s, a) for s, a in pix if s.spacing and _is_axial(s)]
    if not axial:
        why = (("没有可读取像素的图像：" + pix_bad[0]["reason_zh"], "no image with readable pixel data: " + pix_bad[0]["reason_en"])
               if pix_bad else ("不是横断面图像（或缺少像素间距），不做体位与视野判断",
                                "not axial images (or no pixel spacing): centring and FOV not judged"))
        for check in ("centring", "body_in_fov", "metal_artifact"):
            ctx.not_evaluable(check, *why, series=uid, rule=rules[check])
    else:
        offs, cuts, metals, used = [], [], [], []
        for s, a in axial:
            sp = s.spacing
            body = body_mask(a, c["body_hu"])
            if body.sum() * sp[0] * sp[1] < 500:  # < 5 cm²: nothing to judge on this slice
                continue
            used.append(s.sop_instance_uid)
            rows, cols = a.shape
            cy, cx = ndimage.center_of_mass(body)
            dx, dy = (cx - (cols - 1) / 2) * sp[1], (cy - (rows - 1) / 2) * sp[0]
            fov = cols * sp[1]
            offs.append((100.0 * float(np.hypot(dx, dy)) / fov, float(dx), float(dy)))
            # edge: the image border, and the reconstruction circle where the corners are padding
            edge = np.zeros_like(body)
            edge[[0, -1], :] = True
            edge[:, [0, -1]] = True
            yy, xx = np.mgrid[0:rows, 0:cols]
            rr = np.hypot((xx - (cols - 1) / 2) * sp[1], (yy - (rows - 1) / 2) * sp[0])
            padded = a[0, 0] < -1500 or a[-1, -1] < -1500
            if padded:
                edge |= rr >= fov / 2 - 1.5 * sp[1]
            cuts.append(float((body & edge).sum()) * float(np.mean(sp)))
            hot = (a >= metal["hu"]) & ndimage.binary_dilation(body, iterations=2)
            metals.append(float(hot.sum()) * sp[0] * sp[1])
        if not used:
            for check in ("centring", "body_in_fov", "metal_artifact"):
                ctx.not_evaluable(check, "抽样层面中未找到人体轮廓", "no body outline found in the sampled slices",
                                  series=uid, rule=rules[check], uids=[s.sop_instance_uid for s, _ in axial])
        else:
            pct = float(np.mean([o[0] for o in offs]))
            dx, dy = float(np.mean([o[1] for o in offs])), float(np.mean([o[2] for o in offs]))
            ok = pct <= c["max_offset_percent"]
            ctx.add("centring", "pass" if ok else "fail", value=round(pct, 2), unit="%", series=uid, rule=rules["centring"],
                    uids=used, offset_mm=[round(dx, 1), round(dy, 1)],
                    zh=f"人体中心偏离图像中心 {np.hypot(dx, dy):.0f} mm（视野的 {pct:.1f}%，要求 ≤{c['max_offset_percent']:g}%）",
                    en=f"body centre {np.hypot(dx, dy):.0f} mm from the image centre ({pct:.1f} % of the FOV, "
                       f"≤ {c['max_offset_percent']:g} % required)")
            cut = max(cuts)
            ok = cut <= b["max_cut_mm"]
            ctx.add("body_in_fov", "pass" if ok else "fail", value=round(cut, 1), unit="mm", series=uid,
                    rule=rules["body_in_fov"], uids=used,
                    zh="人体完整位于视野内" if ok else f"人体轮廓被视野截断（边缘上 {cut:.0f} mm）",
                    en="the body lies inside the FOV" if ok else f"the body is cut by the FOV ({cut:.0f} mm on the edge)")
            area = max(metals)
            ok = area < metal["min_area_mm2"]
            ctx.add("metal_artifact", "pass" if ok else "fail", value=round(area, 1), unit="mm²", series=uid,
                    rule=rules["metal_artifact"], uids=used, screen=True,
                    zh="抽样层面未见金属" if ok else f"抽样层面见金属 {area:.0f} mm²，可能有金属伪影，请专家评估",
                    en="no metal in the sampled slices" if ok else
                    f"metal of {area:.0f} mm² in the sampled slices: metal artifacts likely, for the expert to judge")
    ctx.not_evaluable("motion_artifact", "运动伪影无法从少数抽样层面可靠判断，由专家评分",
                      "motion artifacts cannot be judged reliably from a few sampled slices: the expert's score decides",
                      series=uid, rule="none automatic (expert score, CT-IQ-ARTIFACT)")


def _is_axial(s: Slice) -> bool:
    n = s.normal
    return n is None or abs(float(n[2])) >= np.cos(np.radians(35))


# ------------------------------------------------------------------------------------- phases
def _time_s(text: str) -> float | None:
    t = (text or "").strip()
    if not t:
        return None
    if ":" in t:
        t = t.replace(":", "")
    try:
        hh, mm, ss = int(t[0:2]), int(t[2:4] or 0), float(t[4:] or 0)
    except ValueError:
        return None
    return hh * 3600 + mm * 60 + ss


def series_phase(ctx: Context, slices: list[Slice]) -> tuple[str, str, dict]:
    """(phase, decided_by, evidence): plain / arterial / portal / delayed / contrast, from timing, the
    Contrast/Bolus module and words; the header wins over words where they disagree."""
    p = ctx.rules.section("ct.phases")
    s = slices[len(slices) // 2]
    text = " ".join(s.text(k) for k in ("SeriesDescription", "ProtocolName", "ImageComments", "ContrastBolusRoute"))
    word_phase = None
    for ph in ("plain", "arterial", "portal", "delayed"):
        if words_in(text, p[f"{ph}_words"]):
            word_phase = ph
            break
    agent = s.text("ContrastBolusAgent").strip()
    start = _time_s(s.text("ContrastBolusStartTime"))
    acq = _time_s(s.text("AcquisitionTime") or s.text("SeriesTime") or s.text("ContentTime"))
    ev = {"words": word_phase, "contrast_agent": agent or None}
    if agent and start is not None and acq is not None:
        delay = (acq - start) % 86400
        ev["delay_s"] = round(delay, 1)
        for ph in ("arterial", "portal", "delayed"):
            lo, hi = p[f"{ph}_delay_s"]
            if lo <= delay < hi:
                return ph, "timing" + ("+words" if word_phase == ph else ""), ev
        return "contrast", "timing", ev
    if agent:
        if word_phase in (None, "plain"):
            return "contrast", "header" if word_phase == "plain" else "header", ev
        return word_phase, "words+header", ev
    if word_phase:
        return word_phase, "words", ev
    return "plain", "header", ev


def contrast_phases(ctx: Context, image_series: dict[str, list[Slice]], study_text: str) -> None:
    p = ctx.rules.section("ct.phases")
    phases = {}
    for uid, sl in image_series.items():
        ph, by, ev = series_phase(ctx, sl)
        phases[uid] = (ph, by, ev)
        summ = ctx.summaries.get(uid)
        if summ is not None:
            summ.phase, summ.phase_decided_by = ph, by
            summ.details["phase_evidence"] = ev
    all_text = study_text + " " + " ".join(descriptions(sl) for sl in image_series.values())
    stripped = all_text.lower()
    for w in p["plain_words"]:  # "non-contrast" is not "contrast"
        stripped = stripped.replace(w.lower(), " ")
    enhanced_words = words_in(stripped, p["enhanced_words"])
    contrast_present = any(ph != "plain" for ph, _, _ in phases.values())
    if not enhanced_words and not contrast_present:
        return  # a plain study: the check does not apply (nothing recorded)
    protocol, required = None, ["contrast"]
    for prot in ctx.rules.section("ct").get("phase_protocols", []):
        if words_in(all_text, prot["words"]):
            protocol, required = prot["name"], list(prot["required"])
            break
    found = sorted({ph for ph, _, _ in phases.values()})
    missing = []
    for req in required:
        if req == "contrast":
            if not any(ph != "plain" for ph in found):
                missing.append(req)
        elif req not in found:
            missing.append(req)
    rule = rule_text(f"{protocol or 'enhanced study'}: phases {', '.join(required)} present "
                     "(phase per series from ContrastBolusStartTime and acquisition time, else the Contrast/Bolus module, "
                     "else words; the header wins over words)", ctx.rules.source("ct.phases"))
    per = {u: {"phase": ph, "decided_by": by} for u, (ph, by, _) in phases.items()}
    uids = [sl[len(sl) // 2].sop_instance_uid for sl in image_series.values()]
    if missing:
        ctx.add("contrast_phases", "fail", value=len(missing), unit="phases missing", rule=rule, uids=uids,
                required=required, found=found, series_phases=per, protocol=protocol,
                zh=f"增强检查缺少期相：{', '.join(missing)}（已有 {', '.join(found)}）",
                en=f"enhanced study lacks phases: {', '.join(missing)} (found {', '.join(found)})")
    else:
        ctx.add("contrast_phases", "pass", value=0, unit="phases missing", rule=rule, uids=uids,
                required=required, found=found, series_phases=per, protocol=protocol,
                zh=f"增强期相齐全：{', '.join(found)}", en=f"the enhancement phases are present: {', '.join(found)}")

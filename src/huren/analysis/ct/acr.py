"""ACR CT phantom (Gammex 464) modules 1–4.

* Module 1 — CT numbers of the five 25 mm inserts (polyethylene/polystyrene, bone,
  acrylic, air, water) on a 63 mm circle, assigned by CT number; roll from the air
  and bone inserts (nominally at 45° and −45°); slice thickness from the wire ramps,
  found by content (bright elongated segments), FWHM × ``ramp_factor``. The ACR
  ramps are rows of wires stepping 0.5 mm in z per wire; with the wires 1 mm apart
  in-plane the factor is 0.5 (override with ``acr_ramp_factor`` when a phantom's
  pitch differs).
* Module 2 — low contrast: rods of 25, 6, 5, 4, 3, 2 mm at 0.6 % (6 HU) found on a
  60 mm circle; detection by CNR against same-size background ROI means
  (:mod:`huren.analysis.ct.lcd`); the ACR CNR of the 25 mm rod is in details.
* Module 3 — uniform water-equivalent section: WS 519 CT number, noise and
  uniformity ROIs; the two BBs 100 mm apart give a geometric distance.
* Module 4 — bar patterns 4–12 lp/cm on a 70 mm circle: bar MTF (absolute, each
  pattern's contrast from the own mean, see :func:`resolution.bar_mtf`) and the highest resolved pattern.
"""

from __future__ import annotations

import math

import numpy as np
from scipy.optimize import linear_sum_assignment

from huren.analysis.core.phantom import Disc, polar_to_px
from huren.analysis.core.profile import circular_profile, line_profile
from huren.dicomio import Image
from huren.result import Roi

from . import lcd, ramps, resolution
from .catphan import body_level, insert_blobs, measure_targets, refine_centre, ring_roll
from .common import RoiOutside, circle, linearity, measurement, mtf_measurements, nominal_thickness

INSERT_RADIUS_MM = 63.0
NOMINAL_HU = {"polyethylene": -95.0, "bone": 955.0, "acrylic": 120.0, "air": -1000.0, "water": 0.0}
NOMINAL_ANGLE = {"air": 45.0, "polyethylene": 225.0, "acrylic": 135.0, "bone": -45.0, "water": 180.0}
RAMP_FACTOR = 0.5
BARS_LP_CM = {4: -135.0, 5: 180.0, 6: 135.0, 7: 90.0, 8: 45.0, 9: 0.0, 10: -45.0, 12: -90.0}
BARS_RADIUS_MM = 70.0
LCD_RODS_MM = (25.0, 6.0, 5.0, 4.0, 3.0, 2.0)
LCD_CONTRAST_PERCENT = 0.6


def _angdiff(a: float, b: float) -> float:
    return (a - b + 180.0) % 360.0 - 180.0


def module1(image: Image, disc: Disc, *, ramp_factor: float = RAMP_FACTOR) -> dict:
    px = image.spacing[1]
    ms, problems = [], []
    airs, brights = insert_blobs(image, disc, INSERT_RADIUS_MM, dmin=15.0, dmax=35.0)
    rolls = [_angdiff(b["angle_deg"], NOMINAL_ANGLE["air"]) for b in airs[:1]]
    rolls += [_angdiff(b["angle_deg"], NOMINAL_ANGLE["bone"]) for b in brights[:1]]
    roll = float(np.mean(rolls)) if rolls else 0.0
    body = body_level(image, disc, 30.0, 45.0)
    cands = []
    for k in range(8):  # inserts sit at multiples of 45° on the 63 mm circle
        ang = roll + 45.0 * k
        guess = polar_to_px(disc.centre_px, INSERT_RADIUS_MM, ang, px)
        try:
            c = circle(image, refine_centre(image, guess, body, 16.0) if abs(circle(image, guess, 5.0, "").median - body) > 60 else guess, 8.0, f"{ang:.0f}°")
        except RoiOutside:
            continue
        cands.append((ang, c))
    names = list(NOMINAL_HU)
    table = {}
    if len(cands) >= len(names):
        # each material at the position whose CT number and nominal angle fit best
        cost = np.array([[abs(c.mean - NOMINAL_HU[n]) + 2.0 * abs(_angdiff(a - roll, NOMINAL_ANGLE[n]))
                          for a, c in cands] for n in names])
        ri, cj = linear_sum_assignment(cost)
        for i, j in zip(ri, cj):
            a, c = cands[j]
            c.label = names[i]
            table[names[i]] = (a, c)
    else:
        problems.append(("ACR 模块 1 插件超出图像", "ACR module 1 inserts lie outside the image"))
    # the ACR insert is polyethylene: reported as ct_number_ldpe (low-density polyethylene)
    metric = {"air": "ct_number_air", "polyethylene": "ct_number_ldpe", "acrylic": "ct_number_acrylic",
              "bone": "ct_number_bone"}
    for name, (a, c) in table.items():
        if name in metric:
            ms.append(measurement("CT-EQ-PERF", metric[name], c.mean, "HU", test="acr.module1.ct_number", images=[image],
                                  method="acr-module1", rois=[c.record(image)],
                                  details={"material": name, "nominal_hu": NOMINAL_HU[name], "angle_deg": round(a, 1),
                                           "sd_hu": round(c.sd, 2)}))
    lin = linearity(image, {n: c.mean for n, (_a, c) in table.items()}, NOMINAL_HU, test="acr.module1.linearity",
                    details={"water_insert_hu": round(table["water"][1].mean, 2) if "water" in table else None})
    if lin is not None:
        ms.append(lin)
    found = ramps.find_ramps(image.array, disc.centre_px, px, body, r_max_mm=INSERT_RADIUS_MM - 15.0)
    rows = []
    for f in found:
        r = ramps.ramp_thickness(image.array, disc.centre_px, px, f["angle_deg"], f["distance_mm"], ramp_factor,
                                 half_length_mm=max(15.0, f["length_mm"] + 8.0))
        r["name"] = f"ramp at {f['angle_deg']:.0f}°"
        rows.append(r)
    if rows:
        ms.append(measurement("CT-QC-SLICE", "slice_thickness", float(np.mean([r["thickness_mm"] for r in rows])), "mm",
                              test="acr.module1.slice_thickness", images=[image], method="acr-wire-ramps",
                              details={"nominal": nominal_thickness(image), "ramp_factor": ramp_factor,
                                       "ramps": [{k: v for k, v in r.items() if k != "profile"} for r in rows]}))
    else:
        problems.append(("ACR 模块 1 上未找到层厚斜线", "no slice-thickness ramps found on ACR module 1"))
    fig = {"kind": "acr.m1", "image": image, "disc": disc, "roll": roll, "rois": [c for _a, c in table.values()], "ramps": rows}
    return {"measurements": ms, "problems": problems, "figure": fig, "roll_deg": roll}


def module2(image: Image, disc: Disc, roll: float, *, k: float = lcd.K_DEFAULT) -> dict:
    """Low-contrast rods: the 25 mm rod at −90° and groups of smaller rods, all at 60 mm."""
    px = image.spacing[1]
    rows_, cols_ = np.ogrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(cols_ - disc.centre_px[0], rows_ - disc.centre_px[1]) * px
    region = (r < 45.0)
    sds = {d: lcd.roi_means_sd(image.array, region, 0.8 * d / px)[0] for d in LCD_RODS_MM}
    bg = float(np.mean(image.array[region]))
    spots = [(LCD_CONTRAST_PERCENT, 25.0, -90.0 + roll, 60.0)]
    # the first rod of each group of four
    spots += [(LCD_CONTRAST_PERCENT, dmm, -30.0 + gi * 55.0 + roll, 60.0) for gi, dmm in enumerate(LCD_RODS_MM[1:])]
    targets, rois = measure_targets(image, disc, spots, bg)
    res = lcd.detect_targets(targets, sds, k=k)
    ms, problems = [], []
    acr_cnr = None
    try:
        big = circle(image, polar_to_px(disc.centre_px, 60.0, -90.0 + roll, px), 6.0, "25 mm rod")
        bgr = circle(image, polar_to_px(disc.centre_px, 60.0, -115.0 + roll, px), 6.0, "background")
        acr_cnr = abs(big.mean - bgr.mean) / bgr.sd
    except RoiOutside:
        pass
    if res["figure_mm"] is not None:
        ms.append(measurement("CT-QC-LCR", "low_contrast_diameter", res["figure_mm"], "mm", test="acr.module2",
                              images=[image], method="targets", rois=rois,
                              details={"module": "ACR module 2", "cnr_threshold": k, "smallest_mm": lcd.by_contrast(res["smallest_mm"]),
                                       "acr_cnr_25mm": None if acr_cnr is None else round(acr_cnr, 3),
                                       "targets": res["targets"]}))
    else:
        problems.append(("ACR 模块 2 低对比目标均不可辨", "no ACR module 2 low-contrast rod is detectable"))
    return {"measurements": ms, "problems": problems, "figure": {"kind": "acr.m2", "image": image, "disc": disc, "rois": rois}}


def module3_distance(image: Image, disc: Disc, points: list[tuple[float, float]]) -> list:
    """Geometric distance between the module's two BBs (nominally 100 mm apart)."""
    if len(points) < 2:
        return []
    px = image.spacing[1]
    body = body_level(image, disc, 30.0, 45.0)
    pts = [refine_centre(image, p, body, 2.5) for p in points[:2]]
    d = math.hypot(pts[0][0] - pts[1][0], pts[0][1] - pts[1][1]) * px
    return [measurement("CT-EQ-PERF", "geometric_distance", d, "mm", test="acr.module3.distance", images=[image],
                        method="acr-module3-bbs",
                        rois=[Roi("circle", image.px_to_mm(*p), radius_mm=1.0, centre_px=(round(p[0], 2), round(p[1], 2)), label=f"BB {i + 1}") for i, p in enumerate(pts)],
                        details={"nominal_mm": 100.0, "distances_mm": [round(d, 3)]})]


def module4_roll(image: Image, disc: Disc) -> float:
    """Roll (deg, within ±20°) of the eight bar patterns, from a ring profile at 70 mm (used when
    module 1 is not in the series)."""
    px = image.spacing[1]
    ang, prof = circular_profile(image.array, disc.centre_px, BARS_RADIUS_MM / px, n=1440,
                                 width_px=max(int(round(6.0 / px)), 1))
    tmpl = np.zeros_like(prof)
    for f, a0 in BARS_LP_CM.items():
        half = np.rad2deg(3.0 * 10.0 / f / BARS_RADIUS_MM)  # six bars of period 10/f mm
        tmpl[np.abs((ang - a0 + 180) % 360 - 180) <= half] = 1.0
    # the patterns repeat every 45°: search no further than the ±10° a set-up may be off, with margin
    return ring_roll(ang, prof, tmpl, max_deg=20.0)


def module4(image: Image, disc: Disc, roll: float | None) -> dict:
    """Bar-pattern MTF and resolved pattern: a profile across each pattern, sine fit at its frequency.

    ``roll`` None: measured from the patterns themselves (:func:`module4_roll`)."""
    px = image.spacing[1]
    if roll is None:
        roll = module4_roll(image, disc)
    groups = []
    for f, ang in sorted(BARS_LP_CM.items()):
        a = math.radians(ang + roll)
        cx, cy = polar_to_px(disc.centre_px, BARS_RADIUS_MM, ang + roll, px)
        half = (5.0 * 10.0 / f) / 2  # five whole periods: first to last bar centre of the six-bar pattern
        tx, ty = -math.sin(a), math.cos(a)
        p0 = (cx - half / px * tx, cy - half / px * ty)
        p1 = (cx + half / px * tx, cy + half / px * ty)
        step = px / 4
        vals = line_profile(image.array, p0, p1, step_px=step / px, width_px=max(int(round(6.0 / px)), 1), order=3)
        s = np.linspace(-half, half, vals.size)
        groups.append({"lp_cm": float(f), "s_mm": s, "values": vals})
    curve, table, note = resolution.bar_mtf(groups, body_level(image, disc, 25.0, 45.0))
    resolved = resolution.resolved_lp_cm(table)
    ms = []
    common = {"module": "ACR module 4", "groups": table, "normalisation": note, "roll_deg": round(roll, 2)}
    problems: list = []
    ms += mtf_measurements(curve, test="acr.module4.bars", images=[image], method="bars", details=common,
                           min_freq_lp_mm=min(BARS_LP_CM) / 10, problems=problems)
    if resolved is not None:
        ms.append(measurement("CT-QC-HCR", "resolved_lp_cm", resolved, "lp/cm", test="acr.module4.bars", images=[image],
                              method="bars", details={**common, "criterion": "fitted amplitude > 3 standard errors"}))
    return {"measurements": ms, "problems": problems, "roll_deg": roll, "figure": {"kind": "acr.m4", "image": image, "disc": disc,
                                                            "bar_curve": curve, "groups": table}}

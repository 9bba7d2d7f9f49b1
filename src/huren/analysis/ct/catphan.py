"""Catphan 503/504/600/604 modules: CTP404, CTP486, CTP528, CTP515.

Everything is found by image content in the phantom's own frame (centre and roll
measured on the slice), never by slice index:

* CTP404 — an edge MTF from the Teflon insert's circular edge (radial ESF);
  roll from the two air inserts (which sit opposite each other on every
  Catphan of this family); the sensitometry inserts lie on a 58.7 mm circle at
  multiples of 30°; each material is assigned to an insert position by its CT
  number (least total |measured − nominal| over the layouts of the 503/504/600 and
  604, which differ in order and number of inserts), so a mirrored or re-ordered
  layout is still read right. Rod distances: the four 3 mm rods on a 50 mm square,
  each located by the centroid of its contrast. Slice thickness: the four 23° wire
  ramps at 38 mm (× 0.42, WS 519-2019).
* CTP486 — noise and uniformity with the WS 519 ROIs.
* CTP528 — line-pair groups 1–21 lp/cm round a 47 mm circle (bar MTF and
  resolved groups) and the bead (point MTF).
* CTP515 — supra-slice low-contrast discs (1.0, 0.5, 0.3 %) at 50 mm.

The geometry constants are the phantom manufacturer's published layout as used by
the Catphan literature; the 1–21 lp/cm group arcs follow ``huren.synth.ct``.
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import linear_sum_assignment

from huren.analysis.core.phantom import Disc, blobs, polar_to_px
from huren.analysis.core.profile import circular_profile
from huren.dicomio import Image
from huren.result import Roi

from . import lcd, ramps, resolution
from .models import CTP591
from .common import Circle, RoiOutside, circle, flattened, linearity, measurement, mtf_measurements, nominal_thickness

INSERT_RADIUS_MM = 58.7
INSERT_ROI_MM = 5.0  # CT-number ROI radius: 10 mm across in the 12.2 mm insert, as pylinac's CTP404 ROIs (roi_radius_mm = 5)
INSERT_ROI_MIN_MM = 2.5
INSERT_EDGE_MARGIN_MM = 1.5  # where an air/Teflon insert's measured edge is nearer than 5 + this, the ROI stays this far inside it
OWN_EDGE_CONTRAST_HU = 500.0  # air and Teflon: their edge is measured (half level) to fit the ROI inside a smaller hole
SMALLER_HOLE_MM = 0.5  # … an insert whose measured edge lies this much inside the nominal 6.1 mm
EDGE_MIN_CONTRAST_HU = 250.0  # inserts whose edge profiles set the common ROI radius (air, PMP, Delrin, Teflon)
EDGE_DEPARTURE = 0.10  # the common ROI ends where the inserts’ mean radial profile departs from their cores by 10 %
INSERT_DIAMETER_MM = 12.2
RAMP_DISTANCE_MM = 38.0
RAMP_FACTOR = 0.42  # tan 23°, as WS 519-2019 prescribes for the Catphan ramps
ROD_DISTANCE_MM = 25.0 * math.sqrt(2)
ROD_NOMINAL_MM = 50.0
LP_RADIUS_MM = 47.0
LCD_RADIUS_MM = 50.0

NOMINAL_HU = {"air": -1000.0, "pmp": -196.0, "ldpe": -104.0, "polystyrene": -47.0, "acrylic": 115.0,
              "delrin": 365.0, "teflon": 1000.0, "bone20": 237.0, "bone50": 725.0}
LAYOUTS = {
    "catphan503/504/600": ["air", "air", "pmp", "ldpe", "polystyrene", "acrylic", "delrin", "teflon"],
    "catphan604": ["air", "air", "pmp", "ldpe", "polystyrene", "acrylic", "delrin", "teflon", "bone20", "bone50"],
}
METRIC_OF = {"air": "ct_number_air", "pmp": "ct_number_pmp", "ldpe": "ct_number_ldpe",
             "polystyrene": "ct_number_polystyrene", "acrylic": "ct_number_acrylic", "delrin": "ct_number_delrin",
             "teflon": "ct_number_teflon", "bone50": "ct_number_bone"}


def _smooth(image: Image, sigma_mm: float = 1.0) -> np.ndarray:
    return ndi.gaussian_filter(image.array, sigma_mm / image.spacing[1])


def body_level(image: Image, disc: Disc, r0_mm: float, r1_mm: float) -> float:
    """Median HU in the annulus r0–r1 mm about the phantom centre (the module's body material)."""
    px = image.spacing[1]
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) * px
    sel = (r >= r0_mm) & (r <= r1_mm)
    return float(np.median(image.array[sel]))


def insert_blobs(image: Image, disc: Disc, radius_mm: float, *, low: float = -500.0, high: float = 500.0,
                 dmin: float = 7.0, dmax: float = 30.0) -> tuple[list[dict], list[dict]]:
    """Dark (< low) and bright (> high) inserts of equivalent diameter dmin–dmax mm near ``radius_mm``."""
    px = image.spacing[1]
    sm = _smooth(image, 0.7)
    out = []
    for mask in (sm < low, sm > high):
        rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
        inside = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) * px < disc.radius_mm - 3
        found = []
        for b in blobs(image.array, mask & inside, px, min_area_mm2=10.0):
            dist = math.hypot(b["centre_px"][0] - disc.centre_px[0], b["centre_px"][1] - disc.centre_px[1]) * px
            if dmin <= b["diameter_mm"] <= dmax and abs(dist - radius_mm) < 8.0:
                b["distance_mm"] = dist
                b["angle_deg"] = math.degrees(math.atan2(b["centre_px"][1] - disc.centre_px[1], b["centre_px"][0] - disc.centre_px[0]))
                found.append(b)
        out.append(found)
    return out[0], out[1]


def roll_from_air(airs: list[dict], nominal_deg=(-90.0, 90.0)) -> float:
    """Phantom roll (deg) from the air inserts that nominally sit at ``nominal_deg``."""
    if len(airs) >= 2:
        a = sorted(airs, key=lambda b: b["area_mm2"], reverse=True)[:2]
        ang = math.degrees(math.atan2(a[1]["centre_px"][1] - a[0]["centre_px"][1], a[1]["centre_px"][0] - a[0]["centre_px"][0]))
        # the line through two opposite inserts is vertical (90°) on an unrolled phantom
        return float(ang % 180.0 - 90.0)
    if len(airs) == 1:
        ang = airs[0]["angle_deg"]
        return float(min(((ang - n + 180) % 360 - 180 for n in nominal_deg), key=abs))
    return 0.0


def refine_centre(image: Image, guess_px: tuple[float, float], body: float, half_mm: float) -> tuple[float, float]:
    """Centroid of |value − body| in a window round ``guess_px`` (pixels beyond half the maximum contrast)."""
    px = image.spacing[1]
    h = max(int(round(half_mm / px)), 2)
    c, r = int(round(guess_px[0])), int(round(guess_px[1]))
    r0, r1, c0, c1 = max(r - h, 0), min(r + h + 1, image.shape[0]), max(c - h, 0), min(c + h + 1, image.shape[1])
    win = np.abs(ndi.gaussian_filter(image.array[r0:r1, c0:c1], 0.5) - body)
    if win.size == 0 or win.max() <= 0:
        return guess_px
    w = np.where(win > 0.5 * win.max(), win, 0.0)
    cy, cx = ndi.center_of_mass(w)
    return float(c0 + cx), float(r0 + cy)


# ----------------------------------------------------------------------------- CTP404
CLIPPED_FRACTION = 0.01  # an insert ROI with more of its pixels at the image's lowest value is read by its median


def _clipped_fraction(image: Image, c, floor: float) -> float:
    """The fraction of a ROI's pixels at the slice's lowest value (only where that is air, ≤ −1000 HU)."""
    if floor > -1000.0:
        return 0.0
    from huren.analysis.core.roi import circle_mask

    rs, cs, m = circle_mask(image.shape, c.centre_px, c.radius_mm / image.spacing[1])
    v = image.array[rs, cs][m]
    return float(np.mean(v <= floor)) if v.size else 0.0


CALIBRATION_SLOPE = (0.8, 1.2)  # the linear HU miscalibration allowed when assigning materials


def _assign_once(valid: list, body: float, hu_of) -> tuple | None:
    """The best (total cost, layout, [(material, (angle, circle))]) for given expected CT numbers ``hu_of``."""
    best = None
    for layout, mats in LAYOUTS.items():
        # every position may also be plain body (an empty hole of this layout, or the layout's
        # inserts fewer than 12); a material whose insert lies outside the image stays unread
        names = mats + ["body"] * len(valid)
        cost = np.zeros((len(names), len(valid)))
        for i, name in enumerate(names):
            nom = body if name == "body" else hu_of(name)
            for j, (_k, (_ang, c)) in enumerate(valid):
                cost[i, j] = abs(c.mean - nom)
        if not valid:
            continue
        ri, cj = linear_sum_assignment(cost)
        # a layout that leaves materials unmatched pays for them as if they sat on body
        missing = [n for i, n in enumerate(names[: len(mats)]) if i not in set(ri)]
        total = float(cost[ri, cj].sum()) + sum(abs(hu_of(n) - body) for n in missing)
        if best is None or total < best[0]:
            best = (total, layout, [(names[i], valid[j][1]) for i, j in zip(ri, cj)])
    return best


def _assign(valid: list, body: float) -> tuple | None:
    """Materials assigned to the insert positions by CT number (least total |measured − expected|).

    First against the nominal CT numbers; then once more against a straight line fitted to that
    first assignment (slope within :data:`CALIBRATION_SLOPE`), so that a scanner whose CT numbers
    are shifted or scaled as a whole — a cone-beam CT's, shaded by scatter — still has a
    low-contrast insert (acrylic, 115 HU nominal, near the body) told from an empty hole."""
    first = _assign_once(valid, body, NOMINAL_HU.__getitem__)
    if first is None:
        return None
    pairs = [(NOMINAL_HU[n], c.mean) for n, (_a, c) in first[2] if n != "body"]
    if len(pairs) < 4:
        return first
    nom, meas = np.array(pairs).T
    slope, inter = np.polyfit(nom, meas, 1)
    if not CALIBRATION_SLOPE[0] <= slope <= CALIBRATION_SLOPE[1]:
        return first
    second = _assign_once(valid, body, lambda n: slope * NOMINAL_HU[n] + inter)
    return second or first


def _radial_profile(image: Image, centre_px) -> tuple[np.ndarray, np.ndarray, float]:
    """(r, annulus means, core mean, annulus width): a radial profile about an insert's centre, annuli of
    0.5 mm (or one pixel, if larger) every half that width from :data:`INSERT_ROI_MIN_MM` out to 9 mm; the
    core is r < :data:`INSERT_ROI_MIN_MM`."""
    px = image.spacing[1]
    h = int(math.ceil(9.5 / px)) + 1
    c, r = int(round(centre_px[0])), int(round(centre_px[1]))
    r0, r1, c0, c1 = max(r - h, 0), min(r + h + 1, image.shape[0]), max(c - h, 0), min(c + h + 1, image.shape[1])
    rows, cols = np.ogrid[r0:r1, c0:c1]
    rad = np.hypot(cols - centre_px[0], rows - centre_px[1]) * px
    win = image.array[r0:r1, c0:c1]
    core = float(np.mean(win[rad < INSERT_ROI_MIN_MM]))
    width = max(0.5, px)
    steps = np.arange(INSERT_ROI_MIN_MM, 9.0, width / 2)
    means = np.array([float(np.mean(win[sel])) if (sel := (rad >= a) & (rad < a + width)).any() else core for a in steps])
    return steps, means, core, width


def _first_over(steps: np.ndarray, frac: np.ndarray, limit: float, px: float) -> float | None:
    """The inner edge of the first annulus whose departure ``frac`` exceeds ``limit``, less half a pixel
    (a pixel counted in a ROI reaches that far beyond its centre)."""
    over = np.nonzero(frac > limit)[0]
    return float(steps[over[0]] - px / 2) if over.size else None


def ct_number_rois(image: Image, disc: Disc, roll: float) -> list:
    """The 12 insert positions (30° steps from the roll) on ``image``: (angle, Circle) or None outside the image.

    Each ROI is centred on the insert (the centroid of its contrast, where it stands clear of the body).
    Its radius is 5 mm (10 mm across: pylinac's CTP404 ROIs, inside the 12.2 mm insert with 1.1 mm to
    spare), less where the image's blur reaches further in: the radius where the contrast-weighted mean
    radial profile of the clear inserts (≥ :data:`EDGE_MIN_CONTRAST_HU`: air, PMP, Delrin, Teflon) first
    departs from their cores by :data:`EDGE_DEPARTURE` of their contrast — one radius for all inserts,
    so that each ROI lies in its insert's flat core, as the CT number is defined (weighting the inserts
    together keeps 20–30 HU of noise from shrinking it). An air or Teflon insert (≥
    :data:`OWN_EDGE_CONTRAST_HU`, an edge clear of any noise) whose own edge (half level) lies nearer —
    a smaller hole, as the 12 o'clock air hole of the real CTP404 scan — gets a ROI
    :data:`INSERT_EDGE_MARGIN_MM` inside that edge."""
    px = image.spacing[1]
    body = body_level(image, disc, 44.0, 51.0)
    pos, profiles = [], {}
    for k in range(12):
        ang = roll - 90.0 + 30.0 * k
        guess = polar_to_px(disc.centre_px, INSERT_RADIUS_MM, ang, px)
        label = f"{ang:.0f}°"
        try:
            c = circle(image, guess, INSERT_ROI_MIN_MM, label)
        except RoiOutside:
            pos.append(None)
            continue
        centre = guess
        if abs(c.median - body) > 60:  # clear contrast: centre the ROI on the insert itself
            centre = refine_centre(image, guess, body, 8.0)
            contrast = circle(image, centre, INSERT_ROI_MIN_MM, label).mean - body
            if abs(contrast) >= EDGE_MIN_CONTRAST_HU:
                steps, means, core, _width = _radial_profile(image, centre)
                profiles[k] = (contrast, steps, (core - means) / contrast, px)
        pos.append((ang, centre))
    radius = INSERT_ROI_MM
    if profiles:
        w = np.array([p[0] ** 2 for p in profiles.values()])
        joint = np.sum([wi * p[2] for wi, p in zip(w, profiles.values())], axis=0) / w.sum()
        first = next(iter(profiles.values()))
        radius = min(INSERT_ROI_MM, _first_over(first[1], joint, EDGE_DEPARTURE, first[3]) or INSERT_ROI_MM)
    out = []
    for k, p in enumerate(pos):
        if p is None:
            out.append(None)
            continue
        ang, centre = p
        r_k = radius
        if k in profiles and abs(profiles[k][0]) >= OWN_EDGE_CONTRAST_HU:
            edge = _first_over(profiles[k][1], profiles[k][2], 0.5, profiles[k][3])
            if edge is not None and edge < INSERT_DIAMETER_MM / 2 - SMALLER_HOLE_MM:
                r_k = min(radius, edge - INSERT_EDGE_MARGIN_MM)
        try:
            out.append((ang, circle(image, centre, max(INSERT_ROI_MIN_MM, r_k), f"{ang:.0f}°")))
        except RoiOutside:
            out.append(None)
    return out


def _roi_value(im: Image, c, floor: float) -> tuple[float, float]:
    """(CT number, clipped fraction) of one ROI: its mean, or its median where more than
    :data:`CLIPPED_FRACTION` of its pixels sit at the file's lowest value (noise on air cut off at
    −1024 HU biases a mean upwards; the median is not, while fewer than half are cut off)."""
    frac = _clipped_fraction(im, c, floor)
    return (c.median if frac > CLIPPED_FRACTION else c.mean), frac


def ctp404(image: Image, disc: Disc, slab: Sequence[Image] = (), hu_image: Image | None = None) -> dict:
    """Materials, CT-number linearity, rod distances and slice thickness of CTP404.

    Rods, ramps and the Teflon edge are measured on ``image`` (the module's ramp-centred slice); the
    material CT numbers on ``hu_image`` (the HU slice: the middle of the slices that show the inserts;
    default ``image``), each the mean of a ROI inside the insert (:func:`ct_number_rois`). ``slab``:
    further slices round the HU slice over which each ROI is also averaged — a secondary, noise-reduced
    figure in details (``slab_mean_hu``), never the headline. Returns
    {"measurements": [...], "problems": [(zh, en)], "figure": {...}, "roll_deg": float}.
    """
    px = image.spacing[1]
    hu = hu_image if hu_image is not None else image
    airs, brights = insert_blobs(image, disc, INSERT_RADIUS_MM, dmax=16.0)
    roll = roll_from_air(airs)
    body = body_level(image, disc, 44.0, 51.0)
    problems: list[tuple[str, str]] = []
    ms = []
    # --- sensitometry: 12 positions at 30° steps from the roll, on the HU slice
    pos = ct_number_rois(hu, disc, roll)
    floor = float(hu.array.min())
    slab = [im for im in slab if im is not hu]
    slab_floors = [float(im.array.min()) for im in slab]
    clipped_at: dict[int, float] = {}
    slab_of: dict[int, float] = {}
    for i, p in enumerate(pos):
        if p is None:
            continue
        ang, c = p
        value, frac = _roi_value(hu, c, floor)
        if frac > CLIPPED_FRACTION:
            clipped_at[i] = frac
        if slab:
            vals = [value]
            for im, fl in zip(slab, slab_floors):
                try:
                    vals.append(_roi_value(im, circle(im, c.centre_px, c.radius_mm, c.label), fl)[0])
                except RoiOutside:
                    continue
            slab_of[i] = float(np.mean(vals))
        pos[i] = (ang, Circle(c.label, c.centre_px, c.radius_mm, value, c.sd, c.median, c.n))
    valid = [(i, p) for i, p in enumerate(pos) if p is not None]
    best = _assign(valid, body_level(hu, disc, 44.0, 51.0))
    found: dict[str, list] = {}
    if best is None:
        problems.append(("CTP404 插件位置超出图像，无法读取材料 CT 值", "CTP404 insert positions lie outside the image; material CT numbers not read"))
        layout = None
    else:
        _, layout, assignment = best
        index_of = {id(p[1]): i for i, p in valid}
        for name, (ang, c) in assignment:
            if name != "body":
                c.label = name
                found.setdefault(name, []).append((ang, c))
        unread = sorted(set(LAYOUTS[layout]) - set(found))
        if unread:
            problems.append((f"CTP404 插件 {', '.join(unread)} 超出图像或未找到，其 CT 值未测",
                             f"CTP404 insert(s) {', '.join(unread)} outside the image or not found; not measured"))
        table = {}
        clipped: dict[str, list] = {}
        for name, items in found.items():
            for _a, c in items:
                if index_of[id(c)] in clipped_at:
                    clipped.setdefault(name, []).append(round(clipped_at[index_of[id(c)]], 3))
            # two air holes: the headline is the one at 12 o'clock in the phantom's frame (pylinac's "Air",
            # the manual's drawing); the other is in details
            head = [min(items, key=lambda t: abs((t[0] - roll + 90.0 + 180.0) % 360.0 - 180.0))] if name == "air" else items
            table[name] = {"mean_hu": round(float(np.mean([c.mean for _a, c in head])), 2)}
            if slab_of:
                table[name]["slab_mean_hu"] = round(float(np.mean([slab_of[index_of[id(c)]] for _a, c in head])), 2)
            if len(items) > len(head):
                table[name]["all_mean_hu"] = round(float(np.mean([c.mean for _a, c in items])), 2)
                found[name] = items = head + [t for t in items if t is not head[0]]  # the headline's ROI first
        if clipped:
            problems.append((f"插件 {', '.join(clipped)} 的像素值有部分被截断于图像最小值 {floor:g} HU：取 ROI 中位数而非均值",
                             f"insert(s) {', '.join(clipped)} have pixels cut off at the image's lowest value ({floor:g} HU): "
                             f"the ROI median is used instead of the mean"))
        for name, metric in METRIC_OF.items():
            if name in found:
                items = found[name]
                secondary = {}
                if "slab_mean_hu" in table[name]:
                    secondary = {"slab_mean_hu": table[name]["slab_mean_hu"], "slab_slices": len(slab) + 1,
                                 "slab_z_mm": [im.z for im in [hu, *slab]],
                                 "slab_note": "secondary, noise-reduced: the same ROIs averaged over the slab; not the headline"}
                ms.append(measurement("CT-EQ-PERF", metric, table[name]["mean_hu"], "HU", test="catphan.ctp404.ct_number",
                                      images=[hu], method="catphan-ctp404", rois=[c.record(hu) for _a, c in items],
                                      details={"material": name, "nominal_hu": NOMINAL_HU[name], "layout": layout,
                                               "statistic": "median" if name in clipped else "mean",
                                               **({"mean_of_both_air_hu": table[name]["all_mean_hu"],
                                                   "headline_insert": "the air hole at 12 o'clock (phantom frame)"}
                                                  if "all_mean_hu" in table[name] else {}),
                                               "slices_averaged": 1, "hu_slice_z_mm": hu.z,
                                               "roi_radius_mm": [round(c.radius_mm, 3) for _a, c in items],
                                               **({"clipped_fraction": clipped[name]} if name in clipped else {}),
                                               **secondary,
                                               "inserts": [{"angle_deg": round(a, 1), "mean_hu": round(c.mean, 2),
                                                            "median_hu": round(c.median, 2), "sd_hu": round(c.sd, 2),
                                                            "radius_mm": round(c.radius_mm, 3)}
                                                           for a, c in items]}))
        lin = linearity(hu, {n: t["mean_hu"] for n, t in table.items()}, NOMINAL_HU, test="catphan.ctp404.linearity",
                        details={"layout": layout, "hu_slice_z_mm": hu.z})
        if lin is not None:
            ms.append(lin)
    # --- rod distances
    rods = []
    for k in range(4):
        ang = roll - 135.0 + 90.0 * k  # top-left, top-right, bottom-right, bottom-left
        guess = polar_to_px(disc.centre_px, ROD_DISTANCE_MM, ang, px)
        rods.append(refine_centre(image, guess, body, 4.0))
    sides = []
    for k in range(4):
        a, b = rods[k], rods[(k + 1) % 4]
        sides.append(math.hypot(a[0] - b[0], a[1] - b[1]) * px)
    diags = [math.hypot(rods[0][0] - rods[2][0], rods[0][1] - rods[2][1]) * px,
             math.hypot(rods[1][0] - rods[3][0], rods[1][1] - rods[3][1]) * px]
    ms.append(measurement("CT-EQ-PERF", "geometric_distance", float(np.mean(sides)), "mm", test="catphan.ctp404.geometry",
                          images=[image], method="catphan-ctp404-rods",
                          rois=[Roi("circle", image.px_to_mm(*r), radius_mm=1.5, centre_px=(round(r[0], 2), round(r[1], 2)), label=f"rod {i + 1}") for i, r in enumerate(rods)],
                          details={"nominal_mm": ROD_NOMINAL_MM, "sides_mm": [round(s, 3) for s in sides],
                                   "diagonals_mm": [round(d, 3) for d in diags]}))
    # --- slice thickness from the four ramps
    ramp_rows = _ramps(image, disc, roll)
    nominal = nominal_thickness(image)
    pairs = []
    if ramp_rows:
        value, pairs = tilt_corrected([(r["name"], r["fwhm_mm"]) for r in ramp_rows], RAMP_PAIRS, RAMP_FACTOR)
        ms.append(measurement("CT-QC-SLICE", "slice_thickness", value, "mm", test="catphan.ctp404.slice_thickness",
                              images=[image], method="catphan-wire-ramps",
                              rois=[_ramp_roi(image, disc, r) for r in ramp_rows],
                              details={"nominal": nominal, "ramp_factor": RAMP_FACTOR, "pairs": pairs,
                                       "mean_of_ramps_mm": round(float(np.mean([r["thickness_mm"] for r in ramp_rows])), 4),
                                       "gantry_tilt_deg": _header_tilt(image),
                                       "ramps": [{k: v for k, v in r.items() if k != "profile"} for r in ramp_rows]}))
    else:
        problems.append(("CTP404 层面上未找到层厚斜线", "no slice-thickness wire ramps found on the CTP404 slice"))
    edge = None
    if "teflon" in found:
        ang, c = found["teflon"][0]
        edge = resolution.edge_mtf(image.array, refine_centre(image, c.centre_px, body, 8.0), px,
                                   INSERT_DIAMETER_MM / 2)
        if edge is not None:
            curve_e, info = edge
            ms += mtf_measurements(curve_e, test="catphan.ctp404.edge", images=[image], method="edge",
                                   rois=[Roi("circle", image.px_to_mm(*info["centre_px"]), radius_mm=info["r_max_mm"],
                                             centre_px=info["centre_px"], label="Teflon edge")],
                                   details={"module": "CTP404", "insert": "teflon", **info})
    figure = {"kind": "ctp404", "image": image, "disc": disc, "roll": roll, "edge_curve": edge[0] if edge else None,
              "rois": [c for _n, items in found.items() for _a, c in items], "rods": rods, "ramps": ramp_rows, "pairs": pairs}
    return {"measurements": ms, "problems": problems, "figure": figure, "roll_deg": roll, "layout": layout}


NOISY_SD_HU = 10.0  # body noise above this on the CTP404 slice: its CT numbers are averaged over a slab
SLAB_HALF_MM = 5.0  # … of the module's slices within this of the chosen one (the inserts run the module's length)


def body_noise(image: Image, disc: Disc) -> float:
    """Robust noise SD (HU) of the CTP404 body between the ramps and the inserts (44–51 mm)."""
    px = image.spacing[1]
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) * px
    v = image.array[(r >= 44.0) & (r <= 51.0)]
    return 1.4826 * float(np.median(np.abs(v - np.median(v)))) if v.size else 0.0


def ct_number_slab(series: Sequence[Image], image: Image, disc: Disc) -> list[Image]:
    """The other slices over which CTP404's CT numbers are averaged: none on a quiet slice; on a
    noisy one (body noise > :data:`NOISY_SD_HU`, e.g. a cone-beam CT's 20–30 HU) those of the same
    grid within :data:`SLAB_HALF_MM` of it — the inserts are rods along the whole module, so the
    figure stays that of the module, with √n less noise."""
    if image.z is None or body_noise(image, disc) <= NOISY_SD_HU:
        return []
    return [im for im in series if im is not image and im.z is not None and abs(im.z - image.z) <= SLAB_HALF_MM + 1e-6
            and im.shape == image.shape and im.spacing == image.spacing]


RAMP_PAIRS = (("top", "bottom"), ("left", "right"))  # each pair rises in opposite directions


def _header_tilt(image: Image) -> float | None:
    try:
        return float(image.ds.get("GantryDetectorTilt", None))
    except (TypeError, ValueError):
        return None


def tilt_corrected(fwhms: list[tuple[str, float]], pairs, factor: float) -> tuple[float, list[dict]]:
    """Slice thickness (mm) from ramp FWHMs: each complete opposed pair solved for thickness and tilt
    (:func:`ramps.opposed_pair`), a ramp without its partner as FWHM × ``factor``; the mean of those.
    Returns (thickness, per-pair details)."""
    got = dict(fwhms)
    alpha = math.degrees(math.atan(factor))
    vals, out, used = [], [], set()
    for a, b in pairs:
        if a in got and b in got:
            t, tilt = ramps.opposed_pair(got[a], got[b], alpha)
            vals.append(t)
            used |= {a, b}
            out.append({"ramps": [a, b], "thickness_mm": round(t, 4),
                        "tilt_deg": None if math.isnan(tilt) else round(tilt, 2)})
    for name, w in fwhms:
        if name not in used:
            vals.append(w * factor)
            out.append({"ramps": [name], "thickness_mm": round(w * factor, 4), "tilt_deg": None})
    return float(np.mean(vals)), out


def _ramps(image: Image, disc: Disc, roll: float) -> list[dict]:
    """The four 23° wire ramps at 38 mm (top, bottom, left, right in the phantom's frame)."""
    rows = []
    for name, ang in (("top", -90.0), ("bottom", 90.0), ("left", 180.0), ("right", 0.0)):
        try:
            r = ramps.ramp_thickness(image.array, disc.centre_px, image.spacing[1], roll + ang, RAMP_DISTANCE_MM, RAMP_FACTOR)
        except (ValueError, IndexError):
            continue
        r["name"] = name
        # a ramp is only a ramp if it stands out of the background clearly
        if r["peak_hu"] - r["background_hu"] > 30:
            rows.append(r)
    return rows


def ramp_offcentre_mm(image: Image, disc: Disc) -> float:
    """How far (mm) the ramp images sit from the middle of their ramps: 0 on the module's central slice."""
    airs, _ = insert_blobs(image, disc, INSERT_RADIUS_MM, dmax=16.0)
    rows = _ramps(image, disc, roll_from_air(airs))
    return float(abs(np.mean([(r["left_mm"] + r["right_mm"]) / 2 for r in rows]))) if rows else float("inf")


def _ramp_roi(image: Image, disc: Disc, r: dict) -> Roi:
    """The measured ramp segment as a line ROI (mm from the image centre)."""
    px = image.spacing[1]
    a = math.radians(r["angle_deg"])
    d = RAMP_DISTANCE_MM + r["radial_offset_mm"]
    ends = []
    for s in (r["left_mm"], r["right_mm"]):
        x = disc.centre_px[0] + (d * math.cos(a) - s * math.sin(a)) / px
        y = disc.centre_px[1] + (d * math.sin(a) + s * math.cos(a)) / px
        ends.append(image.px_to_mm(x, y))
    return Roi("line", (round(ends[0][0], 3), round(ends[0][1], 3)), end_mm=(round(ends[1][0], 3), round(ends[1][1], 3)), label=r.get("name"))


# ----------------------------------------------------------------------------- CTP528
CTP528_BOUNDS = (0, 0.107, 0.173, 0.236, 0.286, 0.335, 0.387, 0.434, 0.479, 0.52, 0.558, 0.594, 0.628, 0.66,
                 0.69, 0.718, 0.745, 0.771, 0.796, 0.82, 0.843, 0.865)
CTP528_PEAKS = (2, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)


def _bar_groups_on_profile(ang: np.ndarray, prof: np.ndarray, roll: float) -> list[dict]:
    """Cut the circular profile into the 21 group arcs (group k centred at 180° − frac·360° + roll)."""
    groups = []
    for k in range(21):
        f = k + 1
        period = 10.0 / f
        frac = (CTP528_BOUNDS[k] + CTP528_BOUNDS[k + 1]) / 2
        centre = 180.0 - frac * 360.0 + roll
        # from the first bar's centre to the last's: a whole number of periods, so the sine fit does not leak
        half_arc = (CTP528_PEAKS[k] - 1) * period / 2
        half_deg = math.degrees(half_arc / LP_RADIUS_MM)
        d = (ang - centre + 180) % 360 - 180
        sel = np.abs(d) <= half_deg
        s_mm = np.deg2rad(d[sel]) * LP_RADIUS_MM
        order = np.argsort(s_mm)
        groups.append({"lp_cm": float(f), "s_mm": s_mm[order], "values": prof[sel][order]})
    return groups


def ring_roll(ang: np.ndarray, prof: np.ndarray, template: np.ndarray, max_deg: float = 180.0) -> float:
    """The rotation (deg) that best aligns a layout template with a circular profile sampled at
    the same angles: the peak of their circular cross-correlation (by FFT), within ±``max_deg``
    (the whole circle by default; less for a layout with rotational symmetry)."""
    p = prof - prof.mean()
    t = template - template.mean()
    corr = np.fft.irfft(np.fft.rfft(p) * np.conj(np.fft.rfft(t)), n=p.size)
    shifts = (np.arange(p.size) * 360.0 / p.size + 180.0) % 360.0 - 180.0
    corr[np.abs(shifts) > max_deg] = -np.inf
    return float(shifts[int(np.argmax(corr))])


def _template_roll(ang: np.ndarray, prof: np.ndarray) -> float:
    """The roll (deg) of the 1–21 lp/cm bar layout, drawn as 1 on a bar and 0 elsewhere (so a
    layout that starts elsewhere, e.g. the Catphan 503's, is still found)."""
    tmpl = np.zeros_like(prof)
    for k in range(21):
        period = 10.0 / (k + 1)
        centre = 180.0 - (CTP528_BOUNDS[k] + CTP528_BOUNDS[k + 1]) / 2 * 360.0
        for j in range(CTP528_PEAKS[k]):
            bar = centre - np.rad2deg((j - (CTP528_PEAKS[k] - 1) / 2) * period / LP_RADIUS_MM)
            d = (ang - bar + 180) % 360 - 180
            tmpl[np.abs(d) <= np.rad2deg(period / 4 / LP_RADIUS_MM)] = 1.0
    return ring_roll(ang, prof, tmpl)


def ctp515_roll(image: Image, disc: Disc) -> float:
    """The roll (deg) of the low-contrast discs, from their layout's correlation with a smoothed
    ring profile at 50 mm (used when no CTP404 slice gave the phantom's roll)."""
    px = image.spacing[1]
    sm = ndi.gaussian_filter(image.array, 1.0 / px)
    ang, prof = circular_profile(sm, disc.centre_px, LCD_RADIUS_MM / px, n=1440, width_px=max(int(round(3.0 / px)), 1))
    tmpl = np.zeros_like(prof)
    for contrast, a0 in CTP515_GROUPS.items():
        for dmm, step in zip(LCD_DIAMETERS_MM, CTP515_STEPS_DEG):
            d = (ang - (a0 + step) + 180) % 360 - 180
            tmpl[np.abs(d) <= np.rad2deg(dmm / 2 / LCD_RADIUS_MM)] = contrast
    return ring_roll(ang, prof, tmpl)


def ctp528(image: Image, disc: Disc, roll_deg: float | None = None, *, wire_diameter_mm: float = 0.0) -> dict:
    """Bar-group MTF and resolved groups, and the bead's point MTF, on one CTP528 slice.

    The bar layout's roll is measured on the slice itself; ``roll_deg`` (from CTP404)
    is kept in details for comparison."""
    px = image.spacing[1]
    ms, problems = [], []
    ang, prof = circular_profile(image.array, disc.centre_px, LP_RADIUS_MM / px, n=int(2 * math.pi * LP_RADIUS_MM / (px / 3)),
                                 width_px=max(int(round(6.0 / px)), 1), reduce="mean", order=3)
    roll = _template_roll(ang, prof)
    groups = _bar_groups_on_profile(ang, prof, roll)
    bg = body_level(image, disc, 25.0, 35.0)
    curve, table, note = resolution.bar_mtf(groups, bg)
    resolved = resolution.resolved_lp_cm(table)
    common = {"module": "CTP528", "roll_deg": round(roll, 2), "groups": table, "normalisation": note,
              "ctp404_roll_deg": None if roll_deg is None else round(roll_deg, 2)}
    ms += mtf_measurements(curve, test="catphan.ctp528.bars", images=[image], method="bars", details=common,
                           min_freq_lp_mm=0.1, problems=problems)
    if resolved is not None:
        ms.append(measurement("CT-QC-HCR", "resolved_lp_cm", resolved, "lp/cm", test="catphan.ctp528.bars", images=[image],
                              method="bars", details={**common, "criterion": "fitted amplitude > 3 standard errors"}))
    figure = {"kind": "ctp528", "image": image, "disc": disc, "roll": roll, "bar_curve": curve, "groups": table}
    # bead: brightest point inside the bar ring
    _bead_mtf(image, disc.centre_px, (LP_RADIUS_MM - 12) / px, bg, "CTP528", wire_diameter_mm, ms, problems, figure)
    return {"measurements": ms, "problems": problems, "figure": figure}


# A bead's MTF is left out when its expected noise (:func:`resolution.point_mtf_noise`) exceeds this:
# at ±0.05 the MTF10 level (0.1) is read to about ±10 % in frequency on a Gaussian PSF; at 20 HU of
# cone-beam noise a Catphan bead gives ≈ ±0.1 and MTF10 30–50 % too high.
BEAD_MTF_MAX_NOISE = 0.05


def _bead_mtf(image: Image, near_px, search_px: float, background: float, module: str, wire_diameter_mm: float,
              ms: list, problems: list, figure: dict) -> None:
    """Point-source MTF of the brightest point within ``search_px`` of ``near_px`` (a bead), if it stands
    50 HU above ``background``; measurements and the curve are added to ``ms`` and ``figure``."""
    px = image.spacing[1]
    bead = resolution.find_point(image.array, near_px, search_px)
    peak = float(ndi.gaussian_filter(image.array, 1.0)[int(bead[1]), int(bead[0])])
    if peak - background <= 50:
        problems.append((f"{module} 层面上未找到钨珠，未用点扩散函数计算 MTF", f"no bead found on the {module} slice; no point-source MTF"))
        return
    err = resolution.point_mtf_noise(image.array, bead, px, half_mm=5.0)
    if err > BEAD_MTF_MAX_NOISE:
        problems.append((f"{module} 钨珠信号相对噪声过弱（MTF 噪声约 ±{err:.2f}，上限 {BEAD_MTF_MAX_NOISE:g}），未报告点扩散 MTF",
                         f"the {module} bead is too faint for the noise (MTF noise ≈ ±{err:.2f}, limit {BEAD_MTF_MAX_NOISE:g}); "
                         f"no point-source MTF reported"))
        return
    curve_p, per = resolution.point_mtf([image.array], [bead], px, half_mm=5.0, wire_diameter_mm=wire_diameter_mm)
    ms += mtf_measurements(curve_p, test=f"catphan.{module.lower()}.bead", images=[image], method="bead",
                           rois=[Roi("circle", image.px_to_mm(*bead), radius_mm=5.0, centre_px=bead, label="bead")],
                           details={"module": module, "per_slice": per, "mtf_noise": round(err, 4)})
    figure["point_curve"] = curve_p
    figure["bead"] = bead


# ----------------------------------------------------------------------------- CTP515
LCD_DIAMETERS_MM = (15.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0)
CTP515_GROUPS = {1.0: -87.4, 0.5: 32.6, 0.3: 152.6}
CTP515_STEPS_DEG = (0.0, 18.3, 34.7, 48.9, 62.3, 74.5, 85.5, 95.5, 104.5)
LCD_KEEP_OUT_MM = (40.0, 60.0)  # the ring of CTP515 discs (15 mm at 50 mm), left out of the shading fit


def measure_targets(image: Image, disc: Disc, spots, background_hu: float, *, roi_fraction: float = 0.8):
    """Contrast (HU over ``background_hu``) of low-contrast discs at (contrast %, diameter mm, angle °, distance mm).

    Each ROI is ``roi_fraction`` of the disc's diameter (a margin for position error).
    Returns (targets for :func:`lcd.detect_targets`, their ROI records).
    """
    px = image.spacing[1]
    targets, rois = [], []
    for contrast, dmm, ang, dist in spots:
        try:
            c = circle(image, polar_to_px(disc.centre_px, dist, ang, px), dmm / 2 * roi_fraction, f"{contrast}% {dmm:g} mm")
        except RoiOutside:
            continue
        targets.append({"contrast_percent": contrast, "diameter_mm": dmm, "contrast_hu": round(c.mean - background_hu, 3)})
        rois.append(c.record(image))
    return targets, rois


def ctp515(image: Image, disc: Disc, roll_deg: float, *, k: float = lcd.K_DEFAULT) -> dict:
    """Supra-slice low-contrast discs: detected by CNR against same-size background ROI means.

    Measured after the slice's smooth shading is removed (:func:`common.flattened`, the disc ring
    40–60 mm kept out of the fit): a cone-beam CT's cupping and scatter shading differ by more
    between the discs' ring and the background annulus than the 0.3–1 % contrasts."""
    shown = image
    image = flattened(image, disc, LCD_KEEP_OUT_MM)
    px = image.spacing[1]
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) * px
    region = (r > 60.0) & (r < min(85.0, disc.radius_mm - 8))
    # ROIs are 80 % of each disc (margin for position error); the background SD is for that same size
    sds = {d: lcd.roi_means_sd(image.array, region, 0.8 * d / px)[0] for d in LCD_DIAMETERS_MM}
    bg = float(np.mean(image.array[region])) if region.any() else float("nan")
    spots = [(contrast, dmm, a0 + step + roll_deg, LCD_RADIUS_MM) for contrast, a0 in CTP515_GROUPS.items()
             for dmm, step in zip(LCD_DIAMETERS_MM, CTP515_STEPS_DEG)]
    targets, rois = measure_targets(image, disc, spots, bg)
    res = lcd.detect_targets(targets, sds, k=k)
    ms, problems = [], []
    if res["figure_mm"] is not None:
        ms.append(measurement("CT-QC-LCR", "low_contrast_diameter", res["figure_mm"], "mm", test="catphan.ctp515",
                              images=[image], method="targets", rois=rois,
                              details={"module": "CTP515", "cnr_threshold": k, "smallest_mm": lcd.by_contrast(res["smallest_mm"]),
                                       "background_hu": round(bg, 2),
                                       "sd_of_means_hu": {str(d): None if not np.isfinite(s) else round(s, 3) for d, s in sds.items()},
                                       "targets": res["targets"]}))
    else:
        problems.append(("CTP515 低对比目标均不可辨", "no CTP515 low-contrast target is detectable"))
    return {"measurements": ms, "problems": problems, "figure": {"kind": "ctp515", "image": shown, "disc": disc, "rois": rois}}


# ----------------------------------------------------------------------------- CTP591
def bead_ramp(image: Image, disc: Disc, roll_deg: float, ramp: dict, min_height: float = 60.0) -> dict | None:
    """FWHM (mm along the ramp) of the bead-intensity envelope of one bead ramp of :data:`models.CTP591`.

    The ramp's beads are sampled with :func:`ramps.ramp_profile` (maximum across a narrow
    band about the bead line); each bead's height (:func:`bead_amplitudes`, free of its
    neighbours' blur) is one sample of the slice sensitivity profile, and the FWHM is read between those samples (linear
    interpolation; half of the plateau, the mean of the samples above 80 % of the highest). Thickness = FWHM × the ramp's z step per in-plane mm (``slope``)."""
    px = image.spacing[1]
    if ramp["axis"] == "y":
        ang, dist = (180.0 if ramp["x_mm"] < 0 else 0.0), abs(ramp["x_mm"])
    else:
        ang, dist = (90.0 if ramp["y_mm"] > 0 else -90.0), abs(ramp["y_mm"])
    try:
        p = ramps.ramp_profile(image.array, disc.centre_px, px, roll_deg + ang, dist,
                               half_length_mm=ramp["half_span_mm"] + 6.0, half_band_mm=2.5)
    except (ValueError, IndexError):
        return None
    step = float(p["s_mm"][1] - p["s_mm"][0])
    prof = p["profile"]
    env = ndi.uniform_filter1d(prof, max(int(round(ramp["pitch_mm"] / step)), 1), mode="nearest")
    edge = max(int(round(4.0 / step)), 3)  # the profile's ends lie beyond the ramp: background
    bg = float(np.median(np.concatenate([prof[:edge], prof[-edge:]])))
    # one sample per bead: the beads sit on a grid of one pitch, whose phase the clear bead peaks give;
    # the FWHM is read between those samples (linear interpolation), not on a smoothed envelope,
    # which would round the width to whole bead pitches
    if prof.max() - bg < min_height:  # (before the costly bead fit)
        return None
    pitch = ramp["pitch_mm"]
    # the grid's phase: circular mean of the positions where the profile stands above half its height,
    # weighted by that height (the bead peaks dominate)
    w = np.clip(prof - bg - 0.5 * (prof.max() - bg), 0.0, None)
    phase = float(np.angle(np.sum(w * np.exp(2j * np.pi * p["s_mm"] / pitch)))) * pitch / (2 * np.pi)
    grid = phase + pitch * np.arange(np.ceil((p["s_mm"][0] - phase) / pitch), np.floor((p["s_mm"][-1] - phase) / pitch) + 1)
    amp = bead_amplitudes(p["s_mm"], prof, grid)
    top = amp[amp >= 0.8 * amp.max()]
    left, right = ramps.crossings(amp, float(np.mean(top)) / 2)
    s_at = np.interp([left, right], np.arange(grid.size), grid)
    width = float(s_at[1] - s_at[0])
    left, right = (s_at - p["s_mm"][0]) / step
    return {"name": ramp["name"], "fwhm_mm": round(width, 4), "thickness_mm": round(width * abs(ramp["slope"]), 4),
            "peak_hu": round(float(env.max()), 1), "background_hu": round(bg, 1), "slope": ramp["slope"],
            "angle_deg": round(roll_deg + ang, 2), "distance_mm": dist,
            "left_mm": round(float(p["s_mm"][0] + left * step), 3), "right_mm": round(float(p["s_mm"][0] + right * step), 3),
            "radial_offset_mm": p["radial_offset_mm"], "profile": {"s_mm": p["s_mm"], "profile": env}}


def bead_amplitudes(s_mm: np.ndarray, prof: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Each bead's own height in a profile along a bead ramp, the overlap of its neighbours' blur removed:
    the profile is fitted (least squares) by a background plus one Gaussian per bead at the
    ``grid`` positions, all of one width, the width chosen (0.3–2 mm) for the smallest residual."""
    best = None
    for sigma in np.arange(0.3, 2.0001, 0.05):
        design = np.hstack([np.exp(-0.5 * ((s_mm[:, None] - grid[None, :]) / sigma) ** 2), np.ones((s_mm.size, 1))])
        # normal equations: the design is small (beads + 1 columns) and well conditioned at a pitch ≥ 2σ
        coef = np.linalg.solve(design.T @ design + 1e-9 * np.eye(design.shape[1]), design.T @ prof)
        r = float(np.sum((design @ coef - prof) ** 2))
        if best is None or r < best[0]:
            best = (r, coef[:-1])
    return best[1]


def ctp591(image: Image, disc: Disc, roll_deg: float | None, *, wire_diameter_mm: float = 0.0) -> dict:
    """Catphan 600 bead geometry module: slice thickness from the bead ramps, point MTF from the single bead.

    Thickness: the two opposed bead ramps solved together for thickness and tilt
    (:func:`tilt_corrected`). The layout is :data:`models.CTP591` (huren's
    stand-in; see docs/ct.md)."""
    px = image.spacing[1]
    roll = roll_deg or 0.0
    ms, problems = [], []
    rows = [r for r in (bead_ramp(image, disc, roll, rp) for rp in CTP591["ramps"]) if r is not None]
    pairs = []
    if rows:
        value, pairs = tilt_corrected([(r["name"], r["fwhm_mm"]) for r in rows],
                                      (tuple(rp["name"] for rp in CTP591["ramps"]),), abs(CTP591["ramps"][0]["slope"]))
        ms.append(measurement("CT-QC-SLICE", "slice_thickness", value, "mm", test="catphan.ctp591.slice_thickness",
                              images=[image], method="ctp591-bead-ramps", rois=[_ramp_roi(image, disc, r) for r in rows],
                              details={"module": "CTP591", "nominal": nominal_thickness(image), "pairs": pairs,
                                       "roll_deg": round(roll, 2), "gantry_tilt_deg": _header_tilt(image),
                                       "ramps": [{k: v for k, v in r.items() if k != "profile"} for r in rows]}))
    else:
        problems.append(("CTP591 层面上未找到珠链斜线", "no bead ramps found on the CTP591 slice"))
    figure = {"kind": "ctp591", "image": image, "disc": disc, "roll": roll, "ramps": rows, "pairs": pairs}
    bx, by = CTP591["bead_mm"]
    near = polar_to_px(disc.centre_px, math.hypot(bx, by), math.degrees(math.atan2(by, bx)) + roll, px)
    _bead_mtf(image, near, 8.0 / px, body_level(image, disc, 10.0, 20.0), "CTP591", wire_diameter_mm, ms, problems, figure)
    return {"measurements": ms, "problems": problems, "figure": figure}


def ctp591_bead_peak(image: Image, disc: Disc) -> float:
    """Height (HU over the surroundings) of the brightest point within 8 mm of the centre: highest on the
    CTP591 slice through the single bead."""
    px = image.spacing[1]
    p = resolution.find_point(image.array, disc.centre_px, 8.0 / px)
    sm = ndi.gaussian_filter(image.array, 1.0)
    return float(sm[int(p[1]), int(p[0])]) - body_level(image, disc, 10.0, 20.0)


def has_bead_ramps(image: Image, disc: Disc, roll_deg: float) -> bool:
    """Whether both CTP591 bead ramps show at their places: beads ≥ 100 HU over the ramp's background,
    and ≥ 6 noise SDs (robust SD of the body 10–25 mm from the centre), so that the maximum of a
    noisy band on a cone-beam slice is not taken for beads."""
    px = image.spacing[1]
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) * px
    v = image.array[(r >= 10.0) & (r <= 25.0)]
    noise = 1.4826 * float(np.median(np.abs(v - np.median(v)))) if v.size else 0.0
    need = max(100.0, 6.0 * noise)
    for rp in CTP591["ramps"]:
        r = bead_ramp(image, disc, roll_deg, rp, min_height=need)
        if r is None or r["peak_hu"] - r["background_hu"] < need:
            return False
    return True

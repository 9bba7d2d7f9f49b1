"""The MagNET slice-width test object: slice width from two crossed plates, distortion from nine rods.

The object (IPEM Report 80/112's MagNET set) is a water-filled disc, ≈ 185 mm across,
holding nine signal-free rods on a square grid of 60 mm (120 mm between the outer
rods) and, midway between the rod rows, two thin signal-free plates that cross the
imaged slab at ±11.3° (tan = 0.2) to it. Each plate darkens a band: along the plate's
run the darkening follows the slice profile stretched by 1 / tan 11.3° ≈ 5, so the
band's full width at half depth (FWHM) along x, times tan 11.3°, is the slice width.

Everything is found from the image content and measured in mm (``PixelSpacing``),
so that a 512² image of 0.5 mm pixels is measured like a 256² one of 1 mm:

* **rods** — dark spots smaller than 12 mm (a black top-hat: a grey closing with a
  12 mm square minus the image, over the local level) inside the object, 6–80 mm²;
  the nine that fit a 3 × 3 grid of 60 mm (±10 %) at any in-plane angle within 4 mm
  each; each centre then refined as the centroid of the signal deficit over the rod
  (local level from a ring round it, unclipped so that noise does not pull it);
* **distances** — between the outer rods of each row ("horizontal") and column
  ("vertical") of the grid, mm; distortion = 100 · SD / mean of each three
  (hazen's and IPEM's "distortion", %);
* **bands** — the profile along the grid's x axis at y = ∓30 mm, ±60 mm long, each
  point the mean of the lines over ±7 mm across the band, sampled every half pixel;
* **FWHM** — a quadratic baseline (the coil's shading) through the profile's outer
  30 mm each side; the dip 1 − profile/baseline (a plate takes a fraction of the local
  signal) fitted by least squares with a box of Gaussian-smoothed edges (depth, centre,
  width, edge), the FWHM read from the fitted dip; the half-depth crossings of the
  dip itself are kept beside it (``crossing_fwhm_mm``);
* **geometry correction** — each band's FWHM divided by the scale of the grid's x axis
  near it (the mean of the two nearest rows' outer-rod distances over 120 mm), as
  hazen and the MagNET method do, so that a gradient-scale error does not enter;
* **slice width** — the two bands solved together for width and tilt (the plates
  cross, so a phantom turned out of the plane lengthens one band and shortens the
  other: :func:`huren.analysis.ct.ramps.opposed_pair`); FWHM · tan 11.3° of each
  band and their geometric mean (IPEM Report 80) are in the details.

A grid turned by about 90° (the plates' bands between the grid's columns) is found
too: the frame is turned so that the bands lie along its x axis.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.optimize import least_squares
from scipy.special import erf

from huren.analysis.core.phantom import object_mask
from huren.analysis.ct.ramps import opposed_pair

from .common import Frame, MrAnalysisError

PITCH_MM = 60.0  # rod grid pitch; the outer rods stand 120 mm apart
OUTER_MM = 2 * PITCH_MM
PLATE_ANGLE_DEG = 11.3  # the plates' angle to the slice (tan = 0.2)
BAND_OFFSET_MM = PITCH_MM / 2  # each plate's band lies midway between two rod rows
BAND_HALF_MM = 10.0  # lines averaged each side of a band's midline (the plates are ±15 mm wide)
PROFILE_HALF_MM = 60.0  # profile length each side of the grid's centre (to the rod columns)
BASELINE_FROM_MM = 30.0  # the baseline is fitted to the profile beyond this (both sides)
TOPHAT_MM = 12.0  # rods are smaller than this; the plates' bands are wider
GRID_TOLERANCE_MM = 4.0  # a rod within this of its grid place counts
MIN_DEPTH = 0.05  # a band shallower than 5 % of the signal is no plate


@dataclass
class RodGrid:
    """Nine rods on a 3 × 3 grid, centres in image mm (x = column·Δc, y = row·Δr), rows from the grid's top."""

    rods_mm: np.ndarray  # (3, 3, 2): [row, column] -> (x, y)
    angle_deg: float  # the grid's x axis, clockwise on screen from the image's +x
    spacing: tuple[float, float]  # (row, col) mm
    fit_rms_mm: float  # RMS distance of the rods from the fitted square grid
    rod_diameter_mm: float

    @property
    def centre_mm(self) -> tuple[float, float]:
        return float(self.rods_mm[1, 1, 0]), float(self.rods_mm[1, 1, 1])

    def frame(self) -> Frame:
        x, y = self.centre_mm
        return Frame((x / self.spacing[1], y / self.spacing[0]), self.angle_deg, self.spacing)

    def distances(self) -> dict:
        """Outer-rod distances along each row and column (mm) and their distortion (100·SD/mean, %)."""
        r = self.rods_mm
        h = [float(np.hypot(*(r[j, 2] - r[j, 0]))) for j in range(3)]
        v = [float(np.hypot(*(r[2, i] - r[0, i]))) for i in range(3)]
        return {"horizontal_mm": h, "vertical_mm": v,
                "distortion_h_percent": float(100 * np.std(h, ddof=1) / np.mean(h)),
                "distortion_v_percent": float(100 * np.std(v, ddof=1) / np.mean(v))}

    def rotated(self) -> "RodGrid":
        """The same rods in a frame turned by 90° (its rows are the old columns)."""
        return RodGrid(np.rot90(self.rods_mm, k=1).copy(), self.angle_deg + 90.0, self.spacing, self.fit_rms_mm,
                       self.rod_diameter_mm)


def rod_candidates(array: np.ndarray, spacing: tuple[float, float]) -> tuple[list[dict], np.ndarray]:
    """Dark spots smaller than 12 mm inside the object: dicts of centre (x, y) mm, area mm², depth (fraction of the local level)."""
    a = np.asarray(array, dtype=np.float32)
    sr, sc = spacing
    try:
        mask, _ = object_mask(a)
    except ValueError:
        return [], np.zeros(a.shape, bool)
    if mask.sum() * sr * sc < math.pi * 50.0**2:
        return [], mask
    sm = ndi.gaussian_filter(a, (0.6 / sr, 0.6 / sc))
    size = (max(int(round(TOPHAT_MM / sr)) | 1, 3), max(int(round(TOPHAT_MM / sc)) | 1, 3))
    closed = ndi.minimum_filter(ndi.maximum_filter(sm, size=size), size=size)
    inner = ndi.binary_erosion(mask, iterations=max(int(round(4.0 / min(sr, sc))), 1))
    rel = np.where(closed > 0, (closed - sm) / np.maximum(closed, 1e-6), 0.0)
    dark = (rel > 0.4) & inner
    lab, n = ndi.label(dark)
    if n == 0 or n > 400:
        return [], mask
    idx = np.arange(1, n + 1)
    counts = ndi.sum(np.ones_like(rel), lab, idx)
    com = ndi.center_of_mass(rel, lab, idx)
    peak = ndi.maximum(rel, lab, idx)
    out = []
    for k in range(n):
        area = float(counts[k] * sr * sc)
        if not 6.0 <= area <= 80.0:
            continue
        out.append({"x": float(com[k][1] * sc), "y": float(com[k][0] * sr), "area_mm2": area, "depth": float(peak[k])})
    return out, mask


def _fit_grid(pts: np.ndarray) -> tuple[np.ndarray, float, float, np.ndarray]:
    """Least-squares square grid (centre, pitch, angle) through 9 points ordered [row][col]: (centre, pitch, angle rad, residuals)."""
    ij = np.array([(i - 1, j - 1) for j in range(3) for i in range(3)], float)  # (col, row) offsets
    # x = cx + p·(i cos a − j sin a), y = cy + p·(i sin a + j cos a): linear in (cx, cy, p cos a, p sin a)
    A = np.zeros((18, 4))
    b = np.zeros(18)
    for k, (i, j) in enumerate(ij):
        A[2 * k] = (1, 0, i, -j)
        A[2 * k + 1] = (0, 1, j, i)
        b[2 * k], b[2 * k + 1] = pts[k]
    sol, *_ = np.linalg.lstsq(A, b, rcond=None)
    res = (A @ sol - b).reshape(9, 2)
    return sol[:2], float(np.hypot(sol[2], sol[3])), float(math.atan2(sol[3], sol[2])), res


def find_rod_grid(array: np.ndarray, spacing: tuple[float, float]) -> RodGrid | None:
    """The nine rods of the slice-width object, or None when there is no 3 × 3 grid of 60 mm."""
    cands, mask = rod_candidates(array, spacing)
    if len(cands) < 9:
        return None
    P = np.array([(c["x"], c["y"]) for c in cands])
    best = None
    d = np.hypot(P[:, None, 0] - P[None, :, 0], P[:, None, 1] - P[None, :, 1])
    for c in range(len(P)):
        for n in np.nonzero((d[c] > 0.9 * PITCH_MM) & (d[c] < 1.1 * PITCH_MM))[0]:
            ang = math.atan2(P[n, 1] - P[c, 1], P[n, 0] - P[c, 0])
            ang = (ang + math.pi / 4) % (math.pi / 2) - math.pi / 4  # the grid axis nearest the image's x
            p = float(d[c, n])
            ca, sa = math.cos(ang), math.sin(ang)
            chosen = []
            for j, i in ((j, i) for j in range(3) for i in range(3)):
                q = P[c] + p * np.array([(i - 1) * ca - (j - 1) * sa, (i - 1) * sa + (j - 1) * ca])
                e = np.hypot(*(P - q).T)
                k = int(np.argmin(e))
                if e[k] > GRID_TOLERANCE_MM:
                    break
                chosen.append(k)
            if len(chosen) != 9 or len(set(chosen)) != 9:
                continue
            centre, pitch, a, res = _fit_grid(P[chosen])
            rms = float(np.sqrt(np.mean(np.sum(res**2, axis=1))))
            if not 0.9 * PITCH_MM < pitch < 1.1 * PITCH_MM:
                continue
            if best is None or rms < best[0]:
                best = (rms, chosen, a)
    if best is None:
        return None
    rms, chosen, a = best
    areas = [cands[k]["area_mm2"] for k in chosen]
    diam = float(2 * math.sqrt(np.median(areas) / math.pi))
    water = ndi.binary_erosion(mask, iterations=max(int(round(2.0 / min(spacing))), 1))
    rods = np.array([refine_rod(array, spacing, P[k], diam, water) for k in chosen]).reshape(3, 3, 2)
    _, _, a, res = _fit_grid(rods.reshape(9, 2))
    rms = float(np.sqrt(np.mean(np.sum(res**2, axis=1))))
    return RodGrid(rods, math.degrees(a), spacing, rms, diam)


def refine_rod(array: np.ndarray, spacing: tuple[float, float], centre_mm, diameter_mm: float,
               inside_object: np.ndarray | None = None) -> tuple[float, float]:
    """A rod's centre (x, y mm): the centroid of the fractional signal deficit over a disc 1.5 mm wider than the rod.

    The local level is a plane fitted to a ring 3–6 mm outside the rod (the shading slopes
    across it); the deficit 1 − value/level is the rod's cover of each pixel, whatever
    the level, and is not clipped, so that noise (zero-mean) does not pull the centroid
    towards the window's centre, and a symmetric Gibbs ring does not move it either.
    ``inside_object``: the ring's pixels outside it (the wall, the air) are left out.
    """
    sr, sc = spacing
    a = np.asarray(array, dtype=np.float64)
    x, y = float(centre_mm[0]), float(centre_mm[1])
    r_in = diameter_mm / 2 + 1.5
    r_out0, r_out1 = diameter_mm / 2 + 3.0, diameter_mm / 2 + 6.0
    half = int(math.ceil(r_out1 / min(sr, sc))) + 2
    for _ in range(6):
        c0, r0 = int(round(x / sc)), int(round(y / sr))
        rs = slice(max(r0 - half, 0), min(r0 + half + 1, a.shape[0]))
        cs = slice(max(c0 - half, 0), min(c0 + half + 1, a.shape[1]))
        yy, xx = np.mgrid[rs, cs]
        dist = np.hypot(xx * sc - x, yy * sr - y)
        win = a[rs, cs]
        ring = (dist >= r_out0) & (dist <= r_out1)
        if inside_object is not None:  # a corner rod's ring reaches the wall: only water counts
            ring &= inside_object[rs, cs]
        inside = dist <= r_in
        if ring.sum() < 8 or inside.sum() < 4:
            break
        # the local level: a plane through the ring (the coil's shading slopes across a rod)
        A = np.column_stack([np.ones(int(ring.sum())), xx[ring] * sc - x, yy[ring] * sr - y])
        coef, *_ = np.linalg.lstsq(A, win[ring], rcond=None)
        level = coef[0] + coef[1] * (xx[inside] * sc - x) + coef[2] * (yy[inside] * sr - y)
        if float(np.min(level)) <= 0:
            break
        w = 1.0 - win[inside] / level
        if w.sum() <= 0:
            break
        nx, ny = float((w * xx[inside] * sc).sum() / w.sum()), float((w * yy[inside] * sr).sum() / w.sum())
        moved = math.hypot(nx - x, ny - y)
        if moved > diameter_mm:  # noise took it off the rod: keep the spot's own centre
            break
        x, y = nx, ny
        if moved < 0.005:
            break
    return x, y


def band_profile(array: np.ndarray, frame: Frame, y_mm: float, *, half_mm: float = PROFILE_HALF_MM,
                 band_half_mm: float = BAND_HALF_MM) -> tuple[np.ndarray, np.ndarray]:
    """The profile along the frame's x axis at ``y_mm``: (x mm, mean over the lines within ±``band_half_mm``)."""
    px = min(frame.spacing)
    step = px / 2
    xs = np.arange(-half_mm, half_mm + step / 2, step)
    ys = np.arange(-band_half_mm, band_half_mm + 1e-9, px) + y_mm
    X, Y = np.meshgrid(xs, ys)
    c, r = frame.to_px(X, Y)
    v = ndi.map_coordinates(np.asarray(array, dtype=np.float32), [r.ravel(), c.ravel()], order=1, mode="nearest")
    return xs, v.reshape(X.shape).mean(axis=0).astype(np.float64)


def _dip(x, depth, centre, width, edge):
    e = max(edge, 1e-3) * math.sqrt(2.0)
    return depth * 0.5 * (erf((x - centre + width / 2) / e) - erf((x - centre - width / 2) / e))


def _half_width(x: np.ndarray, dip: np.ndarray, *, exact: bool = False) -> tuple[float, float, float] | None:
    """Width at half the dip's depth, crossings interpolated: (width, left, right).

    The depth is the dip's maximum for a noise-free (fitted) curve (``exact``), else the
    mean of the deepest 20 % of the points deeper than half the smoothed maximum (its
    plateau, which noise does not push up as it does a maximum).
    """
    k = int(np.argmax(dip if exact else ndi.uniform_filter1d(dip, max(dip.size // 40, 1))))
    if dip[k] <= 0:
        return None
    if exact:
        level = 0.5 * float(dip[k])
    else:
        srt = np.sort(dip[dip > 0.5 * dip[k]])
        level = 0.5 * float(np.mean(srt[-max(srt.size // 5, 1):]))
    above = dip >= level
    i = k
    while i > 0 and above[i - 1]:
        i -= 1
    j = k
    while j < dip.size - 1 and above[j + 1]:
        j += 1
    if i == 0 or j == dip.size - 1:
        return None

    def cross(a, b):
        f = 0.0 if dip[b] == dip[a] else (level - dip[a]) / (dip[b] - dip[a])
        return float(x[a] + f * (x[b] - x[a]))

    left, right = cross(i - 1, i), cross(j, j + 1)
    return right - left, left, right


def fit_band(x: np.ndarray, v: np.ndarray) -> dict:
    """The dip of one plate's band: FWHM (mm along x), depth, centre, edge (see the module).

    The baseline is a quadratic through the profile's outer parts, 30–60 mm each side of
    the centre (clear of a band up to a 7 mm slice's; beyond the flanks of a wider one:
    the coil's shading steepens towards the wall, so it is read near the band); the dip 1 − profile/baseline is fitted by a box with Gaussian-smoothed edges
    and its FWHM read from the fitted curve, so that noise sets no crossing on its own.
    """
    if not np.all(np.isfinite(v)) or float(np.max(v)) <= 0:
        raise ValueError("empty profile")
    step = float(x[1] - x[0])
    outer = np.abs(x) >= BASELINE_FROM_MM
    base = np.polyval(np.polyfit(x[outer], v[outer], 2), x)
    hw = _half_width(x, 1.0 - ndi.gaussian_filter1d(v, 1.0 / step) / np.maximum(base, 1e-9))
    if hw is None:
        raise ValueError("no dip with two flanks on the profile")
    w0, l0, r0 = hw
    reach = max(-l0, r0) + 0.25 * w0
    if reach > BASELINE_FROM_MM:
        # a wide band (a thick slice, a large tilt): the baseline from beyond its flanks
        clear = np.abs(x) >= reach
        if clear.sum() < 20 or min(-x[clear].min(), x[clear].max()) < reach + 5.0:
            raise ValueError("the band fills the profile: no baseline")
        base = np.polyval(np.polyfit(x[clear], v[clear], 2), x)
    if float(np.min(base)) <= 0:
        raise ValueError("no signal along the profile")
    dip = 1.0 - v / base
    p0 = [float(np.clip(np.percentile(dip, 98), 0.01, 0.99)), 0.5 * (l0 + r0), w0, max(0.1 * w0, 2 * step)]
    lo = [0.0, x.min(), 2 * step, 0.05]
    hi = [1.0, x.max(), x.max() - x.min(), 0.5 * (x.max() - x.min())]
    p0 = list(np.clip(p0, lo, hi))
    fit = least_squares(lambda p: _dip(x, *p) - dip, p0, bounds=(lo, hi), x_scale="jac")
    depth, centre, width, edge = (float(q) for q in fit.x)
    xf = np.linspace(x.min(), x.max(), 8 * x.size)
    fw = _half_width(xf, _dip(xf, depth, centre, width, edge), exact=True)
    resid = _dip(x, *fit.x) - dip
    cross = _half_width(x, ndi.gaussian_filter1d(dip, 0.5 / step))
    return {"fwhm_mm": float(fw[0]) if fw else width, "depth": depth, "centre_mm": centre, "edge_mm": edge,
            "fit_rms": float(np.sqrt(np.mean(resid**2))), "signal": float(np.median(base)),
            "crossing_fwhm_mm": None if cross is None else float(cross[0]), "converged": bool(fit.success)}


def _bands(array: np.ndarray, grid: RodGrid) -> dict | None:
    """Both bands' fits in the grid's frame, or None when either is missing or too shallow."""
    f = grid.frame()
    out = {}
    for name, y in (("top", -BAND_OFFSET_MM), ("bottom", BAND_OFFSET_MM)):
        x, v = band_profile(array, f, y)
        try:
            b = fit_band(x, v)
        except (ValueError, np.linalg.LinAlgError):
            return None
        if b["depth"] < MIN_DEPTH or b["depth"] < 5 * b["fit_rms"] or not 5.0 < b["fwhm_mm"] < 110.0 or abs(b["centre_mm"]) > 30.0:
            return None
        b["y_mm"] = y
        out[name] = b
    return out


@dataclass
class SliceWidthObject:
    grid: RodGrid
    bands: dict


def find_slice_width_object(array: np.ndarray, spacing: tuple[float, float]) -> SliceWidthObject | None:
    """The MagNET slice-width object in an image: the rod grid and the two plates' bands; None when absent.

    The bands lie between the grid's rows; a grid turned by 90° has them between its
    columns, so the turned frame is tried when the first has no bands.
    """
    grid = find_rod_grid(array, spacing)
    if grid is None:
        return None
    for g in (grid, grid.rotated()):
        bands = _bands(array, g)
        if bands is not None:
            return SliceWidthObject(g, bands)
    return None


def slice_width(array: np.ndarray, spacing: tuple[float, float], obj: SliceWidthObject | None = None,
                path: str = "") -> dict:
    """Slice width (mm) with its details, and the rod distances; see the module for the method."""
    obj = obj or find_slice_width_object(array, spacing)
    if obj is None:
        raise MrAnalysisError(path, "未找到 MagNET 层厚体模的九根棒与两块斜板", "the nine rods and two plates of the MagNET slice-width object were not found")
    dist = obj.grid.distances()
    h = dist["horizontal_mm"]
    # the grid's x scale near each band: the two rows it lies between
    scale = {"top": float(np.mean(h[0:2])) / OUTER_MM, "bottom": float(np.mean(h[1:3])) / OUTER_MM}
    tan_a = math.tan(math.radians(PLATE_ANGLE_DEG))
    bands = {}
    for name, b in obj.bands.items():
        bands[name] = {**b, "fwhm_corrected_mm": b["fwhm_mm"] / scale[name], "scale": scale[name],
                       "width_tan_mm": b["fwhm_mm"] / scale[name] * tan_a}
    width, tilt = opposed_pair(bands["top"]["fwhm_corrected_mm"], bands["bottom"]["fwhm_corrected_mm"], PLATE_ANGLE_DEG)
    plain, _ = opposed_pair(bands["top"]["fwhm_mm"], bands["bottom"]["fwhm_mm"], PLATE_ANGLE_DEG)
    return {
        "slice_width_mm": width,
        "tilt_deg": None if math.isnan(tilt) else tilt,
        "uncorrected_mm": plain,
        "geometric_mean_mm": math.sqrt(bands["top"]["width_tan_mm"] * bands["bottom"]["width_tan_mm"]),
        "bands": bands,
        "plate_angle_deg": PLATE_ANGLE_DEG,
        "grid_angle_deg": obj.grid.angle_deg,
        "grid_fit_rms_mm": obj.grid.fit_rms_mm,
        "rod_diameter_mm": obj.grid.rod_diameter_mm,
        "rods_mm": obj.grid.rods_mm.tolist(),
        **dist,
    }

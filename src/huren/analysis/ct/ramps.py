"""Reconstructed slice thickness from inclined wire ramps (WS 519-2019 slice-thickness clause).

A wire inclined at angle θ to the scan plane images as a segment whose length along
the ramp is the slice sensitivity profile stretched by 1/tan θ; thickness = FWHM
along the ramp × tan θ (Catphan 23° ramps: × 0.42). Each ramp is searched for in a
band of the phantom's own frame (so rotation and a z shift of the segment along the
ramp do not matter): the wire's radial position is the peak of the band's maximum
projection, and the profile along the ramp is the maximum over ±1 px about it (a
slightly oblique wire stays in the profile). The plateau and the background are the
medians of the profile on and off the ramp image, so that neither a noisy maximum nor
the max-projection's raised baseline shifts the half-maximum level.
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi

from huren.analysis.core.mtf import fwhm


def ramp_profile(array: np.ndarray, centre_px: tuple[float, float], pixel_mm: float, angle_deg: float,
                 distance_mm: float, *, half_length_mm: float = 22.0, half_band_mm: float = 5.0,
                 step_mm: float | None = None) -> dict:
    """Profile along the ramp that lies ``distance_mm`` from the centre in direction ``angle_deg``.

    The ramp runs perpendicular to that direction. Returns positions along the ramp
    (mm), the profile, the background level and the wire's radial offset (mm).
    """
    step = step_mm or pixel_mm / 4
    a = np.deg2rad(angle_deg)
    ur = np.array([np.cos(a), np.sin(a)])  # radial unit (x, y)
    ut = np.array([-np.sin(a), np.cos(a)])  # along the ramp
    t = np.arange(-half_length_mm, half_length_mm + step / 2, step)
    u = np.arange(-half_band_mm, half_band_mm + step / 2, step)
    tt, uu = np.meshgrid(t, u)  # rows: radial offset; cols: along the ramp
    x = centre_px[0] + ((distance_mm + uu) * ur[0] + tt * ut[0]) / pixel_mm
    y = centre_px[1] + ((distance_mm + uu) * ur[1] + tt * ut[1]) / pixel_mm
    patch = ndi.map_coordinates(np.asarray(array, dtype=np.float32), [y.ravel(), x.ravel()], order=1,
                                mode="nearest").reshape(tt.shape).astype(np.float64)
    bg = float(np.median(patch))
    # radial position of the wire: where the band's smoothed max projection peaks
    proj = ndi.gaussian_filter1d(patch.max(axis=1), max(1.0, 0.5 / step))
    iu = int(np.argmax(proj))
    k = max(int(round(pixel_mm / step)), 1)
    lo, hi = max(iu - k, 0), min(iu + k + 1, patch.shape[0])
    prof = patch[lo:hi].max(axis=0)
    prof = ndi.gaussian_filter1d(prof, max(1.0, 0.25 * pixel_mm / step))
    return {"s_mm": t, "profile": prof, "background": bg, "radial_offset_mm": float(u[iu])}


def crossings(prof: np.ndarray, level: float, around: int | None = None) -> tuple[float, float]:
    """Sub-sample positions where ``prof`` crosses ``level``: the outermost on each side, or, with
    ``around``, the ends of the run above ``level`` that holds that index (a noise spike beyond the
    ramp's image is then not taken for its end)."""
    above = np.flatnonzero(prof > level)
    if above.size == 0:
        return 0.0, 0.0
    i, j = int(above[0]), int(above[-1])
    if around is not None and prof[around] > level:
        i = j = int(around)
        while i > 0 and prof[i - 1] > level:
            i -= 1
        while j < prof.size - 1 and prof[j + 1] > level:
            j += 1
    left = i - (prof[i] - level) / (prof[i] - prof[i - 1]) if i > 0 and prof[i] != prof[i - 1] else float(i)
    right = j + (prof[j] - level) / (prof[j] - prof[j + 1]) if j < prof.size - 1 and prof[j] != prof[j + 1] else float(j)
    return float(left), float(right)


NOISY_RAMP = 0.125  # off-ramp noise above this fraction of the ramp's contrast: the profile is smoothed


def _levels(prof: np.ndarray, background: float) -> tuple[np.ndarray, float, float]:
    """(on-ramp mask, background, plateau) of a ramp profile: medians off and on its first FWHM."""
    _w, left0, right0 = fwhm(prof, baseline=background)
    idx = np.arange(prof.size)
    on = (idx >= left0) & (idx <= right0)
    bg = float(np.median(prof[~on])) if (~on).sum() > 4 else background
    peak = float(np.median(prof[on])) if on.sum() > 2 else float(prof.max())
    return on, bg, peak


def ramp_thickness(array: np.ndarray, centre_px: tuple[float, float], pixel_mm: float, angle_deg: float,
                   distance_mm: float, factor: float, **kw) -> dict:
    """Slice thickness (mm) from one ramp: FWHM along the ramp × ``factor`` (tan of the ramp angle).

    On a noisy slice (off-ramp noise above :data:`NOISY_RAMP` of the contrast, as on a cone-beam
    CT) the profile is smoothed along the ramp by a Gaussian of a tenth of its first FWHM (the
    FWHM of a blurred box does not change under a smoothing much narrower than it), and the
    half-level crossings are the ends of the run that holds the plateau's centre."""
    p = ramp_profile(array, centre_px, pixel_mm, angle_deg, distance_mm, **kw)
    prof = p["profile"]
    step = float(p["s_mm"][1] - p["s_mm"][0])
    # plateau and background from the profile itself: the maximum of a noisy plateau would set the
    # half level too high (too narrow a FWHM), and the band's median would sit below the
    # max-projected background
    on, bg, peak = _levels(prof, p["background"])
    off = prof[~on]
    noise = 1.4826 * float(np.median(np.abs(off - np.median(off)))) if off.size > 4 else 0.0
    smoothed_mm = 0.0
    if peak > bg and noise > NOISY_RAMP * (peak - bg) and on.any():
        width0 = float(np.ptp(np.flatnonzero(on)) + 1) * step
        smoothed_mm = 0.1 * width0
        prof = ndi.gaussian_filter1d(prof, smoothed_mm / step)
        on, bg, peak = _levels(prof, p["background"])
    centre = int(np.round(np.mean(np.flatnonzero(on)))) if on.any() else int(np.argmax(prof))
    left, right = crossings(prof, bg + (peak - bg) / 2, around=centre)
    width = right - left
    return {
        "angle_deg": round(angle_deg, 2), "fwhm_mm": round(width * step, 4), "thickness_mm": round(width * step * factor, 4),
        "peak_hu": round(peak, 1), "background_hu": round(bg, 1), "factor": factor,
        "left_mm": round(float(p["s_mm"][0] + left * step), 3), "right_mm": round(float(p["s_mm"][0] + right * step), 3),
        "radial_offset_mm": round(p["radial_offset_mm"], 3), "noise_hu": round(noise, 1),
        "smoothed_mm": round(smoothed_mm, 3), "profile": p,
    }


def find_ramps(array: np.ndarray, centre_px: tuple[float, float], pixel_mm: float, body: float, *,
               r_max_mm: float, min_contrast: float = 80.0, min_length_mm: float = 1.2) -> list[dict]:
    """Elongated bright segments (wire-ramp images) within ``r_max_mm`` of the centre, found by content.

    Returns, per segment, the direction normal to it (``angle_deg``) and its distance
    from the centre along that normal (``distance_mm``), ready for :func:`ramp_thickness`.
    """
    sm = ndi.gaussian_filter(np.asarray(array, dtype=np.float32), 0.5)
    rows, cols = np.indices(array.shape)
    r = np.hypot(cols - centre_px[0], rows - centre_px[1]) * pixel_mm
    lab, n = ndi.label((sm > body + min_contrast) & (r < r_max_mm), structure=np.ones((3, 3)))
    out = []
    for i in range(1, n + 1):
        yy, xx = np.nonzero(lab == i)
        if yy.size < 3:
            continue
        pts = np.column_stack([xx - xx.mean(), yy - yy.mean()]).astype(float)
        w, v = np.linalg.eigh(pts.T @ pts / len(pts))
        major = v[:, 1]
        length = 4 * np.sqrt(max(w[1], 0)) * pixel_mm
        width = 4 * np.sqrt(max(w[0], 0)) * pixel_mm
        if length < min_length_mm or length < 1.5 * width:
            continue
        normal = np.array([-major[1], major[0]])
        cx, cy = (xx.mean() - centre_px[0]) * pixel_mm, (yy.mean() - centre_px[1]) * pixel_mm
        dist = cx * normal[0] + cy * normal[1]
        if dist < 0:
            normal, dist = -normal, -dist
        out.append({"angle_deg": float(np.degrees(np.arctan2(normal[1], normal[0]))), "distance_mm": float(dist),
                    "along_mm": float(cx * -normal[1] + cy * normal[0]), "length_mm": float(length)})
    return out


def opposed_pair(length1_mm: float, length2_mm: float, ramp_angle_deg: float) -> tuple[float, float]:
    """Slice thickness and tilt from two opposed ramps (rising ±α along the same in-plane axis).

    A slice tilted by θ relative to the phantom images the ramps T / tan(α + θ) and
    T / tan(α − θ) long; from the two lengths (FWHMs, mm) both unknowns follow: θ solves
    L₁·tan(α + θ) = L₂·tan(α − θ), and T = L₁·tan(α + θ). With θ = 0 this is FWHM × tan α
    (WS 519-2019); a single ramp under a 3° tilt is off by about ±15 %, their mean by ≈ 2 %,
    this solution by nothing (to the ramps' own measurement error). Returns (T mm, θ deg).
    """
    from scipy.optimize import brentq

    a = np.deg2rad(ramp_angle_deg)

    def f(th):
        return length1_mm * np.tan(a + th) - length2_mm * np.tan(a - th)

    lim = a * 0.95
    if f(-lim) * f(lim) > 0:  # lengths too unequal for any tilt: no solution, mean of the two
        return float((length1_mm + length2_mm) / 2 * np.tan(a)), float("nan")
    th = brentq(f, -lim, lim, xtol=1e-9)
    return float(length1_mm * np.tan(a + th)), float(np.rad2deg(th))

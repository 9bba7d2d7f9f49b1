"""Image uniformity: ACR percent integral uniformity, the WS/T 263 nine-ROI form, IPEM fractional uniformity."""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from .common import Frame, disk_mask

LARGE_ROI_CM2 = 200.0  # ACR large phantom, slice 7
SMALL_ROI_CM2 = 1.0


def _disk_kernel(radius_px: float) -> np.ndarray:
    r = int(math.ceil(radius_px))
    yy, xx = np.mgrid[-r : r + 1, -r : r + 1]
    k = (xx**2 + yy**2 <= radius_px**2).astype(np.float64)
    return k / k.sum()


def piu_acr(array: np.ndarray, frame: Frame, *, large_cm2: float = LARGE_ROI_CM2, small_cm2: float = SMALL_ROI_CM2) -> dict:
    """ACR percent integral uniformity, %.

    ACR guidance §6: inside a 200 cm² circular ROI centred on the phantom (slice 7),
    the means of every 1 cm² circular ROI lying wholly inside it are computed (a
    convolution); PIU = 100·(1 − (max − min)/(max + min)). Returns value and where
    the extreme ROIs are (px).
    """
    px = frame.pixel_mm
    r_large = math.sqrt(large_cm2 * 100 / math.pi) / px
    r_small = math.sqrt(small_cm2 * 100 / math.pi) / px
    k = _disk_kernel(r_small)
    big = disk_mask(array.shape, frame.centre_px, r_large)
    img = np.where(big, array, 0.0).astype(np.float64)
    means = signal.fftconvolve(img, k, mode="same")
    search = disk_mask(array.shape, frame.centre_px, r_large - r_small)
    vals = np.where(search, means, np.nan)
    i_max = np.unravel_index(np.nanargmax(vals), vals.shape)
    i_min = np.unravel_index(np.nanargmin(vals), vals.shape)
    hi, lo = float(vals[i_max]), float(vals[i_min])
    return {
        "piu": 100.0 * (1.0 - (hi - lo) / (hi + lo)),
        "max": hi,
        "min": lo,
        "max_px": (float(i_max[1]), float(i_max[0])),
        "min_px": (float(i_min[1]), float(i_min[0])),
        "large_radius_mm": r_large * px,
        "small_radius_mm": r_small * px,
    }


def whole_pixel_roi_areas(pixel_mm: float, *, large_cm2: float = LARGE_ROI_CM2, small_cm2: float = SMALL_ROI_CM2) -> dict:
    """The ACR ROI areas (cm²) once their radii are rounded up to whole pixels, as hazen sizes them.

    For comparison only: keyword arguments for :func:`piu_acr`.
    """
    def up(cm2):
        r = math.ceil(math.sqrt(cm2 * 100 / math.pi) / pixel_mm) * pixel_mm
        return math.pi * r * r / 100

    return {"large_cm2": up(large_cm2), "small_cm2": up(small_cm2)}


def nine_roi_uniformity(array: np.ndarray, frame: Frame, phantom_radius_mm: float, *,
                        roi_area_mm2: float = 200.0, inset_mm: float = 10.0, walls_mm: list[float] | None = None) -> dict:
    """WS/T 263-2006 uniformity with nine ROIs: U = [1 − (Smax − Smin)/(Smax + Smin)] × 100 %.

    One ROI at the centre and eight at 0°, 45°, …, 315°, each of about 200 mm² (the
    operating instruction says "about 200 pixels" on a 256² / 250 mm field, ≈ 190 mm²),
    their edges ``inset_mm`` inside the phantom wall: on a disc of ``phantom_radius_mm``, or,
    for any other shape, ``walls_mm`` — the distance to the wall along each of the eight
    directions from the centre.
    """
    px = frame.pixel_mm
    r = math.sqrt(roi_area_mm2 / math.pi)
    walls = walls_mm or [phantom_radius_mm] * 8
    rings = [max(w - inset_mm - r, 0.0) for w in walls]
    ring = min(rings)
    rois = [(0.0, 0.0)] + [(d * math.cos(math.radians(a)), d * math.sin(math.radians(a))) for d, a in zip(rings, range(0, 360, 45))]
    means = []
    centres = []
    for x, y in rois:
        c = frame.px(x, y)
        m = disk_mask(array.shape, c, r / px)
        means.append(float(array[m].mean()))
        centres.append(c)
    hi, lo = max(means), min(means)
    return {"uniformity": 100.0 * (1.0 - (hi - lo) / (hi + lo)), "means": means, "centres_px": centres,
            "roi_radius_mm": r, "ring_mm": ring}


def fractional_uniformity(array: np.ndarray, centre_px: tuple[float, float], spacing: tuple[float, float], *,
                          length_mm: float = 160.0, band_mm: float = 10.0, ref_mm: float = 10.0,
                          tolerance: float = 0.10) -> dict:
    """IPEM Report 112 fractional uniformity along horizontal and vertical profiles.

    The reference is the modal value of a central ``ref_mm`` square; each profile is
    the mean of ``band_mm`` of parallel lines through the centre over ``length_mm``; the
    fraction of profile points within ±``tolerance`` of the reference is returned for
    both directions.
    """
    cx, cy = centre_px
    sr, sc = spacing
    hr, hc = ref_mm / sr / 2, ref_mm / sc / 2
    ref_roi = array[int(round(cy - hr)) : int(round(cy + hr)), int(round(cx - hc)) : int(round(cx + hc))]
    vals = np.round(ref_roi.ravel()).astype(np.int64)
    vals = vals - vals.min()
    mode = float(np.argmax(np.bincount(vals)) + np.round(ref_roi.min()))
    out = {"reference": mode}
    for name, axis in (("h", 1), ("v", 0)):
        sp_along, sp_across = (sc, sr) if axis == 1 else (sr, sc)
        half_len = int(round(length_mm / sp_along / 2))
        half_band = max(int(round(band_mm / sp_across / 2)), 0)
        if axis == 1:
            r0, r1 = int(round(cy)) - half_band, int(round(cy)) + half_band + 1
            c0, c1 = int(round(cx)) - half_len, int(round(cx)) + half_len
            prof = array[max(r0, 0) : r1, max(c0, 0) : c1].mean(axis=0)
        else:
            c0, c1 = int(round(cx)) - half_band, int(round(cx)) + half_band + 1
            r0, r1 = int(round(cy)) - half_len, int(round(cy)) + half_len
            prof = array[max(r0, 0) : r1, max(c0, 0) : c1].mean(axis=1)
        inside = np.abs(prof - mode) <= tolerance * mode
        out[name] = float(inside.mean())
        out[f"profile_{name}"] = prof
    return out

"""Low-contrast detectability (WS 519-2019 low-contrast clause) by two methods.

(a) Targets: each disc of a low-contrast module (Catphan CTP515, ACR module 2) is
    called detected when its measured contrast (disc mean − background mean) is at
    least ``k`` times the SD of the means of background ROIs of the disc's own size
    (the noise an observer meets at that size, correlated noise included).
(b) Statistical: on a uniform image, the SD σ_d of the means of many
    non-overlapping ROIs of diameter d gives the contrast detectable at that size,
    C_d = k·σ_d (Chao et al., Radiology 2000; AAPM TG-233 §4). With k = 3.29 a
    detection is 95 % certain with 5 % false positives.

Both give, per contrast level c (1.0, 0.5, 0.3 %), the smallest detectable
diameter D_c; the WS 519 figure is the mean over the levels of D_c × c / 1 %.
Contrast % is relative to water − air (1000 HU), so 1 % = 10 HU.
"""

from __future__ import annotations

import numpy as np

K_DEFAULT = 3.29
SIZES_MM = (2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 15.0)
CONTRASTS_PERCENT = (1.0, 0.5, 0.3)


def roi_means_sd(array: np.ndarray, region: np.ndarray, diameter_px: float, *, max_rois: int = 400) -> tuple[float, int]:
    """SD of the means of non-overlapping circular ROIs of ``diameter_px`` wholly inside ``region``.

    The ROIs sit on a square grid of pitch ``diameter_px``. Returns (SD in the image's
    units, number of ROIs); (nan, n) when fewer than 8 fit.
    """
    r = diameter_px / 2
    k = int(np.ceil(r))
    yy, xx = np.mgrid[-k : k + 1, -k : k + 1]
    kern = (xx**2 + yy**2) <= r * r
    rows, cols = np.nonzero(region)
    if rows.size == 0:
        return float("nan"), 0
    r0, r1, c0, c1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
    sub = np.asarray(array[r0:r1, c0:c1], dtype=np.float64)
    reg = region[r0:r1, c0:c1]
    step = max(int(np.ceil(diameter_px)), 1)
    gy, gx = np.mgrid[k : sub.shape[0] - k : step, k : sub.shape[1] - k : step]
    gy, gx = gy.ravel(), gx.ravel()
    if gy.size == 0:
        return float("nan"), 0
    # only the grid points are needed: take each ROI's window directly (no full-image convolution)
    win = np.lib.stride_tricks.sliding_window_view(sub, kern.shape)[gy - k, gx - k]
    inside = np.lib.stride_tricks.sliding_window_view(reg, kern.shape)[gy - k, gx - k]
    ok = (inside | ~kern).all(axis=(1, 2))
    vals = win[ok][:, kern].mean(axis=1)
    if vals.size > max_rois:
        vals = vals[np.linspace(0, vals.size - 1, max_rois).astype(int)]
    if vals.size < 8:
        return float("nan"), int(vals.size)
    return float(np.std(vals, ddof=1)), int(vals.size)


def by_contrast(smallest_mm: dict[float, float | None]) -> dict[str, float | None]:
    """The per-contrast table keyed by the contrast in % as text ("1", "0.5", "0.3"), as JSON keys are."""
    return {f"{c:g}": d for c, d in smallest_mm.items()}


def ws519_figure(smallest_mm: dict[float, float | None]) -> float | None:
    """Mean over contrast levels of (smallest detectable diameter × contrast / 1 %); None if none detected."""
    vals = [d * c for c, d in smallest_mm.items() if d is not None]
    return float(np.mean(vals)) if vals else None


def statistical_lcd(array: np.ndarray, region: np.ndarray, pixel_mm: float, *, k: float = K_DEFAULT,
                    sizes_mm=SIZES_MM, contrasts=CONTRASTS_PERCENT, hu_per_percent: float = 10.0) -> dict:
    """Method (b) on a uniform region: detectable contrast (%) per size and the WS 519 figure.

    The smallest detectable diameter at contrast c is found by interpolating C_d
    (log-log, which is close to linear for a power-law NPS) between the sizes measured.
    """
    rows = []
    for d in sizes_mm:
        sd, n = roi_means_sd(array, region, d / pixel_mm)
        rows.append({"diameter_mm": d, "sd_of_means_hu": sd, "n_rois": n,
                     "detectable_contrast_percent": k * sd / hu_per_percent if np.isfinite(sd) else None})
    good = [r for r in rows if r["detectable_contrast_percent"]]
    smallest: dict[float, float | None] = {}
    if len(good) >= 2:
        ld = np.log([r["diameter_mm"] for r in good])
        # a larger ROI never needs more contrast: enforce a non-increasing curve before interpolating
        cs = np.minimum.accumulate([r["detectable_contrast_percent"] for r in good])
        for c in contrasts:
            if c >= cs[0]:
                smallest[c] = float(good[0]["diameter_mm"])
            elif c < cs[-1]:
                smallest[c] = None
            else:
                smallest[c] = float(np.exp(np.interp(-np.log(c), -np.log(cs), ld)))
    return {"k": k, "by_size": rows, "smallest_mm": smallest, "figure_mm": ws519_figure(smallest) if smallest else None}


def detect_targets(targets: list[dict], sd_of_means: dict[float, float], *, k: float = K_DEFAULT) -> dict:
    """Method (a): ``targets`` are dicts with contrast_percent, diameter_mm, contrast_hu (measured).

    ``sd_of_means`` maps each diameter to the background SD of ROI means of that size.
    Returns per-contrast smallest detected diameter and the WS 519 figure. A level's
    smallest diameter is the smallest disc in an unbroken run from the largest
    (an observer stops at the first disc not seen).
    """
    by_c: dict[float, list[dict]] = {}
    for t in targets:
        sd = sd_of_means.get(t["diameter_mm"])
        t["cnr"] = (t["contrast_hu"] / sd) if sd and np.isfinite(sd) else None
        t["detected"] = bool(t["cnr"] is not None and t["cnr"] >= k)
        by_c.setdefault(t["contrast_percent"], []).append(t)
    smallest: dict[float, float | None] = {}
    for c, ts in by_c.items():
        ts.sort(key=lambda t: -t["diameter_mm"])
        seen = None
        for t in ts:
            if not t["detected"]:
                break
            seen = t["diameter_mm"]
        smallest[c] = seen
    return {"k": k, "targets": targets, "smallest_mm": smallest, "figure_mm": ws519_figure(smallest)}

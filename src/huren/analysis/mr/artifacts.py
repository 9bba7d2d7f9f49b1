"""Automatic screen for artifacts in the air around a phantom (ghosts, rings, lines).

ACR guidance §9 asks the reader to look for ghosts, lines and rings; this screen
flags structured signal in the background that noise does not explain. Air noise is
Rayleigh: its robust spread is estimated from the median and MAD outside the
phantom; after a 3 mm mean filter (which shrinks the noise SD about three-fold per
axis but keeps a structured artifact), connected regions above mean + 5 SD of the
filtered air and larger than 30 mm² count as one artifact each.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage


def background_artifacts(array: np.ndarray, phantom_mask: np.ndarray, spacing: tuple[float, float],
                         pe_axis: str | None = None, *, k_sd: float = 5.0, min_area_mm2: float = 30.0) -> dict:
    px = float(np.sqrt(spacing[0] * spacing[1]))
    air = ~ndimage.binary_dilation(phantom_mask, iterations=max(int(round(8.0 / px)), 1))
    border = max(int(round(3.0 / px)), 1)
    air[:border, :] = air[-border:, :] = air[:, :border] = air[:, -border:] = False
    if air.sum() < 100:
        return {"count": 0, "regions": [], "note": "no air around the phantom"}
    sm = ndimage.uniform_filter(array.astype(np.float64), max(int(round(3.0 / px)), 1))
    vals = sm[air]
    med = float(np.median(vals))
    mad = float(np.median(np.abs(vals - med))) * 1.4826
    # floor: 2 % of the phantom signal, below which a ghost is not visible (and a
    # zero-filled background has no noise to scale by)
    signal = float(np.median(array[phantom_mask])) if phantom_mask.any() else 0.0
    thr = med + max(k_sd * mad, 0.02 * signal)
    lab, n = ndimage.label((sm > thr) & air)
    regions = []
    cy, cx = ndimage.center_of_mass(phantom_mask)
    for i, sl in enumerate(ndimage.find_objects(lab), start=1):
        if sl is None:
            continue
        m = lab[sl] == i
        area = float(m.sum()) * spacing[0] * spacing[1]
        if area < min_area_mm2:
            continue
        ys, xs = np.nonzero(m)
        ys = ys + sl[0].start
        xs = xs + sl[1].start
        ry, rx = float(ys.mean()), float(xs.mean())
        cov = np.cov(np.vstack([xs, ys]).astype(np.float64)) if xs.size > 2 else np.eye(2)
        w = np.linalg.eigvalsh(cov)
        elong = math.sqrt(max(w[-1], 1e-9) / max(w[0], 1e-9))
        # a ghost lies in the phantom's band along the phase-encoding direction
        in_pe_band = (pe_axis == "row" and abs(ry - cy) * spacing[0] < 60) or (pe_axis == "col" and abs(rx - cx) * spacing[1] < 60)
        kind = "ghost" if in_pe_band else ("line" if elong > 6 else "ring" if elong < 2.5 and area > 500 else "other")
        regions.append({"centre_px": (rx, ry), "area_mm2": area, "kind": kind,
                        "peak_percent_of_signal": float(100 * (sm[ys, xs].max() - med) / max(signal, 1e-6))})
    return {"count": len(regions), "regions": regions, "air_median": med, "air_sd_robust": mad}

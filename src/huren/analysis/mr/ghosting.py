"""Ghosting: ACR percent signal ghosting and the IPEM small-bottle method."""

from __future__ import annotations

import math

import numpy as np

from .common import Frame, disk_mask, ellipse_mask

GHOST_ROI_MM2 = 1000.0  # ACR: four 10 cm² ellipses, 4:1


def psg_acr(array: np.ndarray, frame: Frame, phantom_radius_mm: float, *, large_cm2: float = 200.0) -> dict:
    """ACR percent signal ghosting, %.

    ACR guidance §7: the mean of the 200 cm² central ROI (slice 7) and of four 10 cm²
    elliptical ROIs (length:width 4:1) in the air above, below, left and right of the
    phantom, each centred in the gap between phantom and field edge (and shrunk, keeping
    the aspect, where the gap is narrow). PSG = 100·|(T + B) − (L + R)| / (2·S).
    The large ROI is moved 5 mm down to keep clear of the fill port at the top, as the
    guidance's figure shows it placed.
    """
    rows, cols = array.shape
    sr, sc = frame.spacing
    cx, cy = frame.centre_px
    r_large = math.sqrt(large_cm2 * 100 / math.pi)
    big = disk_mask(array.shape, (cx, cy + 5.0 / sr), r_large / frame.pixel_mm)
    s = float(array[big].mean())
    b = math.sqrt(GHOST_ROI_MM2 / (4 * math.pi))  # semi-minor, mm
    a = 4 * b
    rad_px_x, rad_px_y = phantom_radius_mm / sc, phantom_radius_mm / sr
    rois = {}
    for name, (dx, dy) in {"top": (0, -1), "bottom": (0, 1), "left": (-1, 0), "right": (1, 0)}.items():
        if dy:
            edge = cy + dy * rad_px_y
            end = 0 if dy < 0 else rows - 1
            gap_mm = abs(end - edge) * sr
            centre = (cx, (edge + end) / 2)
            scale = min(1.0, max(gap_mm - 4.0, 2.0) / (2 * b))
            semi = (a * scale / sc, b * scale / sr)
        else:
            edge = cx + dx * rad_px_x
            end = 0 if dx < 0 else cols - 1
            gap_mm = abs(end - edge) * sc
            centre = ((edge + end) / 2, cy)
            scale = min(1.0, max(gap_mm - 4.0, 2.0) / (2 * b))
            semi = (b * scale / sc, a * scale / sr)
        m = ellipse_mask(array.shape, centre, semi)
        rois[name] = {"mean": float(array[m].mean()), "centre_px": centre, "semi_mm": (semi[0] * sc, semi[1] * sr)}
    t, bt, l, r = (rois[k]["mean"] for k in ("top", "bottom", "left", "right"))
    psg = 100.0 * abs((t + bt) - (l + r)) / (2 * s)
    return {"psg": psg, "signal": s, "rois": rois, "large_centre_px": (cx, cy + 5.0 / sr), "large_radius_mm": r_large}


def ghosting_ipem(array: np.ndarray, pe_axis: str, *, spacing: tuple[float, float]) -> dict:
    """IPEM Report 112 ghosting with a small object: (ghost − noise)/signal × 100 %.

    The object is the bright region (threshold at half its robust maximum); the signal ROI
    its central part; the ghost ROI sits in the phantom's band along the
    phase-encoding direction at least 10 mm clear of it, on the side with more room;
    the noise ROI is in air outside that band.
    """
    a = np.asarray(array, dtype=np.float64)
    hi = np.percentile(a, 99.5)
    obj = a > 0.5 * hi
    ys, xs = np.nonzero(obj)
    r0, r1, c0, c1 = ys.min(), ys.max(), xs.min(), xs.max()
    cy, cx = (r0 + r1) / 2, (c0 + c1) / 2
    h, w = r1 - r0 + 1, c1 - c0 + 1
    sig = a[int(cy - h / 4) : int(cy + h / 4) + 1, int(cx - w / 4) : int(cx + w / 4) + 1]
    s = float(sig.mean())
    margin = int(math.ceil(10.0 / min(spacing)))
    rows, cols = a.shape
    if pe_axis == "row":  # ghosts spread along rows (horizontally): look left/right within the object's rows
        band = slice(int(cy - h / 4), int(cy + h / 4) + 1)
        left, right = c0 - margin, cols - 1 - (c1 + margin)
        if right >= left:
            g = a[band, c1 + margin : cols - 2]
        else:
            g = a[band, 2 : c0 - margin]
        nb_rows = slice(2, max(int(r0) - margin, 3)) if r0 > rows - r1 else slice(min(int(r1) + margin, rows - 3), rows - 2)
        n = a[nb_rows, 2 : cols - 2]
    else:
        band = slice(int(cx - w / 4), int(cx + w / 4) + 1)
        top, bottom = r0 - margin, rows - 1 - (r1 + margin)
        if bottom >= top:
            g = a[r1 + margin : rows - 2, band]
        else:
            g = a[2 : r0 - margin, band]
        nb_cols = slice(2, max(int(c0) - margin, 3)) if c0 > cols - c1 else slice(min(int(c1) + margin, cols - 3), cols - 2)
        n = a[2 : rows - 2, nb_cols]
    ghost, noise = float(g.mean()), float(n.mean())
    return {"ghosting": 100.0 * (ghost - noise) / s, "signal": s, "ghost": ghost, "noise": noise,
            "object_bbox_px": (int(c0), int(r0), int(c1), int(r1))}

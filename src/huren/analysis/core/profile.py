"""Line profiles sampled in millimetres, and level crossings with sub-sample precision."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def line_profile(array: np.ndarray, start_px: tuple[float, float], end_px: tuple[float, float],
                 step_px: float = 0.25, width_px: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """Values along the segment start→end (points as (col, row) px), bilinear.

    Returns (distance from start in px, values). ``width_px`` > 1 averages parallel
    lines spaced one pixel apart, to lower noise on a narrow structure.
    """
    (x0, y0), (x1, y1) = start_px, end_px
    length = float(np.hypot(x1 - x0, y1 - y0))
    n = max(int(np.floor(length / step_px)) + 1, 2)
    t = np.linspace(0.0, 1.0, n)
    xs, ys = x0 + t * (x1 - x0), y0 + t * (y1 - y0)
    if width_px > 1 and length > 0:
        nx, ny = -(y1 - y0) / length, (x1 - x0) / length
        offs = np.arange(width_px) - (width_px - 1) / 2
        vals = np.mean([ndimage.map_coordinates(array, [ys + o * ny, xs + o * nx], order=1, mode="nearest")
                        for o in offs], axis=0)
    else:
        vals = ndimage.map_coordinates(array, [ys, xs], order=1, mode="nearest")
    return t * length, vals.astype(np.float64)


def crossing(x: np.ndarray, v: np.ndarray, level: float, *, from_end: bool = False) -> float | None:
    """The first position where ``v`` crosses ``level`` (from the start or the end), interpolated."""
    above = v >= level
    idx = np.nonzero(above[1:] != above[:-1])[0]
    if idx.size == 0:
        return None
    i = int(idx[-1] if from_end else idx[0])
    v0, v1 = v[i], v[i + 1]
    f = 0.0 if v1 == v0 else (level - v0) / (v1 - v0)
    return float(x[i] + f * (x[i + 1] - x[i]))


def outer_width(x: np.ndarray, v: np.ndarray, level: float) -> tuple[float, float, float] | None:
    """Distance between the first and last crossing of ``level``: (width, left, right)."""
    a = crossing(x, v, level)
    b = crossing(x, v, level, from_end=True)
    if a is None or b is None or b <= a:
        return None
    return b - a, a, b

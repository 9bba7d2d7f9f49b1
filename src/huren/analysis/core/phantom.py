"""Find a round (or any bright) phantom in an image: mask, centre and equivalent radius.

Generic for CT water cylinders, MR floods and the ACR MR phantom: an Otsu threshold on a
lightly smoothed image, the largest connected component with its holes filled, then a
least-squares circle through the component's boundary with outliers (notches, air
bubbles, inserts touching the edge) rejected. Positions are pixel (col, row), sub-pixel.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage
from scipy.spatial import ConvexHull, QhullError
from skimage.filters import threshold_otsu


@dataclass(frozen=True)
class PhantomCircle:
    """A phantom's outline: centre (col, row) in px, radius in px, and its filled mask."""

    centre_px: tuple[float, float]
    radius_px: float
    mask: np.ndarray
    threshold: float

    def radius_mm(self, spacing_mm: float) -> float:
        return self.radius_px * spacing_mm


_MASK_CACHE: list[tuple[np.ndarray, float | None, np.ndarray, float]] = []


def object_mask(array: np.ndarray, threshold: float | None = None) -> tuple[np.ndarray, float]:
    """The largest bright connected object with holes filled, and the threshold used.

    The threshold defaults to Otsu's on a 3×3-median-smoothed copy, which separates
    signal from air for MR, and water from air for CT, without a tuned constant.
    The last few results are kept (by array identity), as several tests ask for the
    same slice's mask; treat the returned mask as read-only.
    """
    for arr, thr_in, mask, thr in _MASK_CACHE:
        if arr is array and thr_in == threshold:
            return mask, thr
    mask, thr = _object_mask(array, threshold)
    _MASK_CACHE.append((array, threshold, mask, thr))
    del _MASK_CACHE[:-16]
    return mask, thr


def _object_mask(array: np.ndarray, threshold: float | None) -> tuple[np.ndarray, float]:
    a = np.asarray(array, dtype=np.float32)
    # a light Gaussian quiets the noise at the edge (a 3×3 median does the same at ten
    # times the cost on a 512² image)
    sm = ndimage.gaussian_filter(a, 0.8)
    if threshold is None:
        # Otsu on the whole image can split a strongly shaded phantom; limit the
        # upper tail so that a few bright pixels do not pull the threshold up.
        hi = np.percentile(sm, 99.5)
        threshold = float(threshold_otsu(np.clip(sm, None, hi)))
    fg = sm > threshold
    lab, n = ndimage.label(fg)
    if n == 0:
        raise ValueError("no object above the background / 图像中未找到高于背景的物体")
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    mask = ndimage.binary_fill_holes(lab == int(np.argmax(sizes)))
    return mask, float(threshold)


def convex_hull_mask(mask: np.ndarray) -> np.ndarray:
    """The filled convex hull of a boolean mask, pixel-exact like ``skimage.morphology.convex_hull_image``.

    The hull is taken over the midpoints of the foreground pixels' sides; a pixel belongs to it
    when its centre lies inside or on the hull. Rows are filled from the hull's left
    and right crossings (a convex polygon meets each row in one run), which is far
    faster than a point-in-polygon test of every pixel.
    """
    ys, xs = np.nonzero(mask)
    if ys.size < 3:
        return mask.copy()
    # only the pixels at the ends of each row and column can be hull corners
    pts = []
    for axis_vals, other in ((ys, xs), (xs, ys)):
        order = np.lexsort((other, axis_vals))
        a, o = axis_vals[order], other[order]
        first = np.r_[True, a[1:] != a[:-1]]
        last = np.r_[a[1:] != a[:-1], True]
        sel = first | last
        pts.append(np.column_stack([a[sel], o[sel]] if axis_vals is ys else [o[sel], a[sel]]))
    p = np.unique(np.vstack(pts), axis=0).astype(np.float64)  # (row, col)
    # the midpoints of each pixel's sides (skimage's "diamond" offsets)
    corners = np.unique(np.vstack([p + d for d in ((-0.5, 0), (0.5, 0), (0, -0.5), (0, 0.5))]), axis=0)
    try:
        hull = ConvexHull(corners)
    except QhullError:
        return mask.copy()
    v = corners[hull.vertices]  # anticlockwise in (row, col)
    r0, r1 = int(np.ceil(v[:, 0].min())), int(np.floor(v[:, 0].max()))
    rows = np.arange(max(r0, 0), min(r1, mask.shape[0] - 1) + 1)
    lo = np.full(rows.size, np.inf)
    hi = np.full(rows.size, -np.inf)
    nxt = np.roll(v, -1, axis=0)
    for (ya, xa), (yb, xb) in zip(v, nxt):
        y_min, y_max = min(ya, yb), max(ya, yb)
        sel = (rows >= y_min - 1e-9) & (rows <= y_max + 1e-9)
        if not sel.any():
            continue
        if yb == ya:
            xs_at = np.array([min(xa, xb), max(xa, xb)])
            lo[sel] = np.minimum(lo[sel], xs_at[0])
            hi[sel] = np.maximum(hi[sel], xs_at[1])
        else:
            x = xa + (rows[sel] - ya) * (xb - xa) / (yb - ya)
            lo[sel] = np.minimum(lo[sel], x)
            hi[sel] = np.maximum(hi[sel], x)
    out = np.zeros_like(mask, dtype=bool)
    cols = np.arange(mask.shape[1])
    out[rows] = (cols[None, :] >= lo[:, None] - 1e-9) & (cols[None, :] <= hi[:, None] + 1e-9)
    return out


def fit_circle(xs: np.ndarray, ys: np.ndarray) -> tuple[float, float, float]:
    """Algebraic (Kåsa) least-squares circle through points; returns (cx, cy, r)."""
    A = np.column_stack([xs, ys, np.ones_like(xs)])
    b = xs**2 + ys**2
    (a0, a1, a2), *_ = np.linalg.lstsq(A, b, rcond=None)
    cx, cy = a0 / 2, a1 / 2
    return float(cx), float(cy), float(np.sqrt(max(a2 + cx**2 + cy**2, 0.0)))


def find_circular_phantom(array: np.ndarray, threshold: float | None = None, *, reject_px: float = 1.5) -> PhantomCircle:
    """Centre and radius of a round phantom from its boundary pixels.

    The boundary of the filled mask is fitted by a circle; points further than
    ``reject_px`` from it (a notch, a fill port, a bubble) are dropped and the fit
    repeated, so that the centre follows the round wall rather than the mask's centroid.
    """
    mask, thr = object_mask(array, threshold)
    edge = mask & ~ndimage.binary_erosion(mask)
    # only the outer wall: edges of inserts inside (a grid, a ring) lie well within the
    # radius of a disc of the hull's area
    hull = convex_hull_mask(mask)
    r_eq = float(np.sqrt(hull.sum() / np.pi))
    hy, hx = ndimage.center_of_mass(hull)
    ys, xs = np.nonzero(edge)
    outer = np.hypot(xs - hx, ys - hy) > 0.85 * r_eq
    ys, xs = ys[outer], xs[outer]
    if xs.size < 10:
        raise ValueError("phantom outline too small / 体模轮廓过小")
    xs = xs.astype(np.float64)
    ys = ys.astype(np.float64)
    cx, cy, r = fit_circle(xs, ys)
    for _ in range(3):
        res = np.abs(np.hypot(xs - cx, ys - cy) - r)
        keep = res < max(reject_px, 2.5 * np.median(res))
        if keep.sum() < 10 or keep.all():
            break
        xs, ys = xs[keep], ys[keep]
        cx, cy, r = fit_circle(xs, ys)
    # boundary pixels sit half a pixel inside the true edge
    return PhantomCircle((cx, cy), r + 0.5, mask, thr)

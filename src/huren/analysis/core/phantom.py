"""Finding round phantoms (water cylinders, Catphan, ACR, MR floods, DR discs) in a 2-D image.

Two finders share one circle fit:

* :func:`find_disc` (CT): the largest connected region above a threshold; its centre
  and radius come from a least-squares circle fitted to the region's outline, leaving
  out outline points on the image border, so the fit stays right when the display
  field of view cuts the phantom off (a 200 mm Catphan at FOV 150 mm), where a
  centroid would be pulled towards the image centre.
* :func:`find_circular_phantom` (MR and floods): an Otsu threshold on a lightly
  smoothed image, the largest component with holes filled, then the circle through
  the outer wall with outliers (notches, fill ports, bubbles) rejected.

Coordinates: pixel (column, row), sub-pixel; radii in pixels and in mm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from scipy.spatial import ConvexHull, QhullError
from skimage import filters
from skimage.filters import threshold_otsu


@dataclass(frozen=True)
class Disc:
    """A round object found in an image: centre (col, row) px, radius in px and mm."""

    centre_px: tuple[float, float]
    radius_px: float
    radius_mm: float
    truncated: bool  # part of the outline lies outside the image
    threshold: float  # the grey level that separated object from background
    fit_rms_px: float  # RMS distance of the outline points from the fitted circle

    @property
    def diameter_mm(self) -> float:
        return 2 * self.radius_mm


def fit_circle(x: np.ndarray, y: np.ndarray) -> tuple[float, float, float]:
    """Least-squares circle through points (Kåsa algebraic fit): returns (xc, yc, r)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    if x.size < 3:
        raise ValueError("a circle needs at least three points / 拟合圆至少需要三个点")
    mx, my = x.mean(), y.mean()
    u, v = x - mx, y - my
    a = np.column_stack([u, v, np.ones_like(u)])
    b = u**2 + v**2
    sol, *_ = np.linalg.lstsq(a, b, rcond=None)
    xc, yc = sol[0] / 2, sol[1] / 2
    r = np.sqrt(sol[2] + xc**2 + yc**2)
    return float(xc + mx), float(yc + my), float(r)


def robust_fit_circle(x: np.ndarray, y: np.ndarray, iterations: int = 3) -> tuple[float, float, float, float]:
    """:func:`fit_circle` with outliers (points > 3 RMS off the circle) dropped; returns (xc, yc, r, rms)."""
    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    keep = np.ones(x.size, bool)
    xc = yc = r = rms = 0.0
    for _ in range(iterations):
        xc, yc, r = fit_circle(x[keep], y[keep])
        res = np.hypot(x - xc, y - yc) - r
        rms = float(np.sqrt(np.mean(res[keep] ** 2)))
        new = np.abs(res) <= max(3 * rms, 1.0)
        if new.sum() < 3 or np.array_equal(new, keep):
            break
        keep = new
    return xc, yc, r, rms


def largest_region(mask: np.ndarray) -> np.ndarray:
    """The largest 8-connected region of a boolean mask, holes filled."""
    lab, n = ndi.label(mask, structure=np.ones((3, 3)))
    if n == 0:
        return np.zeros_like(mask, dtype=bool)
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    region = lab == int(np.argmax(sizes))
    # holes = background not connected to the image border (cheaper than morphological filling)
    bg, nb = ndi.label(~region)
    if nb > 1:
        edge = np.unique(np.concatenate([bg[0], bg[-1], bg[:, 0], bg[:, -1]]))
        region = ~np.isin(bg, edge[edge > 0])
    return region


def find_disc(array: np.ndarray, spacing_mm: float, *, threshold: float | None = None,
              min_radius_mm: float = 5.0, smooth_px: float = 1.0) -> Disc | None:
    """The largest round object in ``array`` (e.g. a phantom in air).

    ``threshold`` defaults to Otsu's level of the lightly smoothed image, which
    separates a phantom from the air around it whatever the window or modality.
    The outline is the region's boundary pixels (those with a background
    4-neighbour), taken half a pixel outwards. Returns None when nothing of at least
    ``min_radius_mm`` is there.
    """
    img = ndi.gaussian_filter(np.asarray(array, dtype=np.float32), smooth_px) if smooth_px else np.asarray(array)
    if threshold is None:
        if float(img.max()) == float(img.min()):
            return None
        threshold = float(filters.threshold_otsu(img))
    region = largest_region(img > threshold)
    area = int(region.sum())
    if area * spacing_mm**2 < np.pi * min_radius_mm**2:
        return None
    edge = region & ~ndi.binary_erosion(region, border_value=1)
    rows, cols = np.nonzero(edge)
    nr, nc = region.shape
    border = (rows == 0) | (rows == nr - 1) | (cols == 0) | (cols == nc - 1)
    truncated = bool(border.any())
    rows, cols = rows[~border], cols[~border]
    if rows.size < 10:
        # the object fills the image: fall back to its centroid and area
        cy, cx = ndi.center_of_mass(region)
        r = np.sqrt(area / np.pi)
        return Disc((float(cx), float(cy)), float(r), float(r * spacing_mm), True, float(threshold), float("nan"))
    xc, yc, r, rms = robust_fit_circle(cols, rows)
    r += 0.5  # boundary pixel centres lie half a pixel inside the edge
    return Disc((xc, yc), r, r * spacing_mm, truncated, float(threshold), rms)


def polar_to_px(centre_px: tuple[float, float], distance_mm: float, angle_deg: float, spacing_mm: float) -> tuple[float, float]:
    """The pixel (col, row) at ``distance_mm`` from ``centre_px`` along ``angle_deg``.

    Angles are in the image's own sense: 0° to the right (+x), 90° downwards (+y, rows).
    """
    a = np.deg2rad(angle_deg)
    return centre_px[0] + distance_mm / spacing_mm * np.cos(a), centre_px[1] + distance_mm / spacing_mm * np.sin(a)


def blobs(array: np.ndarray, mask: np.ndarray, spacing_mm: float, *, min_area_mm2: float = 2.0):
    """Connected regions of ``mask`` as dicts: centre (col, row) px, area mm², equivalent diameter mm
    and the mean of ``array`` inside."""
    lab, n = ndi.label(mask)
    if n == 0:
        return []
    rows, cols = np.nonzero(lab)
    ids = lab[rows, cols]
    counts = np.bincount(ids, minlength=n + 1)
    sr = np.bincount(ids, weights=rows, minlength=n + 1)
    sc = np.bincount(ids, weights=cols, minlength=n + 1)
    sv = np.bincount(ids, weights=np.asarray(array, dtype=np.float64)[rows, cols], minlength=n + 1)
    out = []
    for k in range(1, n + 1):
        area = float(counts[k] * spacing_mm**2)
        if area < min_area_mm2:
            continue
        out.append({"centre_px": (float(sc[k] / counts[k]), float(sr[k] / counts[k])), "area_mm2": area,
                    "diameter_mm": float(2 * np.sqrt(area / np.pi)), "mean": float(sv[k] / counts[k]), "label": k})
    return out


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
    sm = ndi.gaussian_filter(a, 0.8)
    if threshold is None:
        # Otsu on the whole image can split a strongly shaded phantom; limit the
        # upper tail so that a few bright pixels do not pull the threshold up.
        hi = np.percentile(sm, 99.5)
        threshold = float(threshold_otsu(np.clip(sm, None, hi)))
    fg = sm > threshold
    lab, n = ndi.label(fg)
    if n == 0:
        raise ValueError("no object above the background / 图像中未找到高于背景的物体")
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    mask = ndi.binary_fill_holes(lab == int(np.argmax(sizes)))
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


def find_circular_phantom(array: np.ndarray, threshold: float | None = None, *, reject_px: float = 1.5) -> PhantomCircle:
    """Centre and radius of a round phantom from its boundary pixels.

    The boundary of the filled mask is fitted by a circle; points further than
    ``reject_px`` from it (a notch, a fill port, a bubble) are dropped and the fit
    repeated, so that the centre follows the round wall rather than the mask's centroid.
    """
    mask, thr = object_mask(array, threshold)
    edge = mask & ~ndi.binary_erosion(mask)
    # only the outer wall: edges of inserts inside (a grid, a ring) lie well within the
    # radius of a disc of the hull's area
    hull = convex_hull_mask(mask)
    r_eq = float(np.sqrt(hull.sum() / np.pi))
    hy, hx = ndi.center_of_mass(hull)
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

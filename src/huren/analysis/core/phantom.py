"""Finding round phantoms (water cylinders, Catphan, ACR, MR/DR discs) in a 2-D image.

The phantom is the largest connected region above a threshold; its centre and
radius come from a least-squares circle fitted to the region's outline, leaving out
outline points that lie on the image border. That keeps the fit right when the
display field of view cuts the phantom off (e.g. a 200 mm Catphan at FOV 150 mm),
where a centroid would be pulled towards the image centre.

Coordinates: pixel (column, row), sub-pixel; radii in pixels and in mm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi
from skimage import filters


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

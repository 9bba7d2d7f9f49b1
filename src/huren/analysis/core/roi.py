"""Regions of interest defined in millimetres, measured on :class:`~huren.dicomio.Image` arrays.

ROIs are placed by centre in pixel coordinates (col, row, sub-pixel allowed) and
sized in mm, so that results do not depend on the matrix. A pixel belongs to a
circular ROI when its centre lies inside the circle.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from huren.result import Roi


@dataclass(frozen=True)
class RoiStats:
    """Statistics of the pixels inside a ROI (values in the image's units)."""

    mean: float
    sd: float  # sample SD (n − 1)
    median: float
    n: int
    min: float
    max: float


def _stats(values: np.ndarray) -> RoiStats:
    if values.size == 0:
        raise ValueError("ROI holds no pixels / 感兴趣区内没有像素")
    v = values.astype(np.float64, copy=False)
    return RoiStats(
        mean=float(v.mean()),
        sd=float(v.std(ddof=1)) if v.size > 1 else 0.0,
        median=float(np.median(v)),
        n=int(v.size),
        min=float(v.min()),
        max=float(v.max()),
    )


def circle_mask(shape: tuple[int, int], centre_px: tuple[float, float], radius_px: float) -> tuple[slice, slice, np.ndarray]:
    """A boolean mask of a circle, as (row slice, col slice, mask) over its bounding box."""
    cx, cy = centre_px
    r0 = max(int(np.floor(cy - radius_px)), 0)
    r1 = min(int(np.ceil(cy + radius_px)) + 1, shape[0])
    c0 = max(int(np.floor(cx - radius_px)), 0)
    c1 = min(int(np.ceil(cx + radius_px)) + 1, shape[1])
    yy, xx = np.ogrid[r0:r1, c0:c1]
    mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius_px**2
    return slice(r0, r1), slice(c0, c1), mask


def circle_stats(array: np.ndarray, centre_px: tuple[float, float], radius_mm: float, spacing_mm: float) -> RoiStats:
    """Statistics inside a circle of ``radius_mm`` centred at ``centre_px`` (col, row)."""
    rs, cs, mask = circle_mask(array.shape, centre_px, radius_mm / spacing_mm)
    return _stats(array[rs, cs][mask])


def rect_stats(array: np.ndarray, centre_px: tuple[float, float], size_mm: tuple[float, float],
               spacing_mm: tuple[float, float]) -> RoiStats:
    """Statistics inside an axis-aligned rectangle of ``size_mm`` (width, height)."""
    cx, cy = centre_px
    hw = size_mm[0] / spacing_mm[1] / 2
    hh = size_mm[1] / spacing_mm[0] / 2
    r0, r1 = max(int(round(cy - hh)), 0), min(int(round(cy + hh)), array.shape[0])
    c0, c1 = max(int(round(cx - hw)), 0), min(int(round(cx + hw)), array.shape[1])
    return _stats(array[r0:r1, c0:c1].ravel())


def roi_record(image, centre_px: tuple[float, float], *, radius_mm: float | None = None,
               size_mm: tuple[float, float] | None = None, label: str | None = None, shape: str | None = None) -> Roi:
    """The :class:`Roi` of a result, with its centre converted to mm from the image centre."""
    x, y = image.px_to_mm(*centre_px)
    return Roi(
        shape=shape or ("circle" if radius_mm is not None else "rect"),
        centre_mm=(round(x, 3), round(y, 3)),
        radius_mm=radius_mm,
        size_mm=size_mm,
        centre_px=(round(float(centre_px[0]), 2), round(float(centre_px[1]), 2)),
        label=label,
    )

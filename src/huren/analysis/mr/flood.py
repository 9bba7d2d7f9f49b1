"""A flood phantom of any shape in any plane: the object, its inscribed region, ROIs inside and out.

A flood seen end-on is a disc; a cylinder seen from the side (coronal, sagittal) is a
rectangle, a bottle a rectangle with shoulders and a neck, a sphere a disc again. The
ROIs of the flood tests are therefore placed from the object mask, not from a circle:

* **mask** — Otsu on a lightly smoothed copy (the tail above the 99.5th percentile
  clipped), the largest component, holes filled, then an opening of 2 mm that cuts
  thin appendages (a neck, a fill tube, a ghost touching the wall) off the body;
* **centre** — the centre of the inscribed region: the centroid of the pixels whose
  distance to the wall is at least 95 % of the largest (the middle of a disc, the
  midline's middle of a rectangle, the body of a bottle rather than its neck); for a
  round object (outline distance SD under 6 % of its mean) the circle fitted to the
  wall is used, as before;
* **signal ROIs** — each of the five 20 mm squares (centre and four diagonals at
  ±40 mm) must lie wholly ``margin_mm`` inside the wall; a diagonal ROI that does not
  slides towards the centre until it does;
* **background ROIs** — 15 mm squares in the corners (then at the middles of the
  sides), at least 10 mm from the object and outside the band of rows or columns the
  object spans along the phase-encoding direction, where its ghosts fall.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import ndimage as ndi

from huren.analysis.core.phantom import find_circular_phantom, object_mask

from .common import MrAnalysisError

ROUND_LIMIT = 0.06  # outline-distance SD / mean below which an object is round (as looks_like_phantom)


@dataclass
class FloodObject:
    mask: np.ndarray
    centre_px: tuple[float, float]  # (col, row)
    shape: str  # "round" or "other"
    inscribed_mm: float  # radius of the largest circle inside the object
    equivalent_radius_mm: float  # radius of a disc of the object's area
    extent_mm: tuple[float, float]  # width (along rows) and height (along columns) of the object
    dist_mm: np.ndarray  # distance of each object pixel to the wall, mm (0 outside)
    circle_radius_mm: float | None  # the fitted wall circle for a round object
    spacing: tuple[float, float] = (1.0, 1.0)  # (row, col) mm

    def chord_mm(self, axis: int) -> float:
        """Length of the object along the image row (axis 1) or column (axis 0) through the centre, mm."""
        cx, cy = (int(round(v)) for v in self.centre_px)
        line = self.mask[cy, :] if axis == 1 else self.mask[:, cx]
        centre = cx if axis == 1 else cy
        lab, _ = ndi.label(line)
        k = lab[centre]
        if k == 0:
            return 0.0
        return float((lab == k).sum()) * self.spacing[axis]

    def wall_mm(self, angle_deg: float) -> float:
        """Distance (mm) from the centre to the wall along a ray (0° = right, 90° = down)."""
        a = math.radians(angle_deg)
        sr, sc = self.spacing
        step = 0.25 * min(sr, sc)
        cx, cy = self.centre_px
        d = 0.0
        rows, cols = self.mask.shape
        while True:
            x = cx + (d + step) * math.cos(a) / sc
            y = cy + (d + step) * math.sin(a) / sr
            c, r = int(round(x)), int(round(y))
            if not (0 <= r < rows and 0 <= c < cols) or not self.mask[r, c]:
                return d
            d += step


def find_flood(array: np.ndarray, spacing: tuple[float, float]) -> FloodObject:
    """The flood object of an image (any shape); ValueError when there is none."""
    a = np.asarray(array, dtype=np.float32)
    raw, _ = object_mask(a)
    sr, sc = spacing
    px = math.sqrt(sr * sc)
    # an opening cuts thin appendages (a neck, a tube, a touching ghost) off the body
    k = max(int(round(2.0 / px)), 1)
    st = ndi.generate_binary_structure(2, 1)
    mask = ndi.binary_opening(raw, st, iterations=k)
    lab, n = ndi.label(mask)
    if n == 0 or mask.sum() < 50:
        raise ValueError("no object above the background / 图像中未找到高于背景的物体")
    sizes = np.bincount(lab.ravel())
    sizes[0] = 0
    mask = ndi.binary_fill_holes(lab == int(np.argmax(sizes)))
    dist = ndi.distance_transform_edt(mask, sampling=(sr, sc))
    cy, cx = ndi.center_of_mass(mask)
    ys, xs = np.nonzero(mask & ~ndi.binary_erosion(mask))
    rr = np.hypot((ys - cy) * sr, (xs - cx) * sc)
    roundness = float(rr.std() / max(rr.mean(), 1e-6))
    rows = np.nonzero(mask.any(axis=1))[0]
    cols = np.nonzero(mask.any(axis=0))[0]
    extent = ((cols[-1] - cols[0] + 1) * sc, (rows[-1] - rows[0] + 1) * sr)
    circle_r = None
    if roundness < ROUND_LIMIT:
        c = find_circular_phantom(a)
        centre = c.centre_px
        circle_r = c.radius_px * px
        shape = "round"
    else:
        top = dist >= 0.95 * dist.max()
        ty, tx = ndi.center_of_mass(top)
        centre = (float(tx), float(ty))
        if not mask[int(round(ty)), int(round(tx))]:  # a curved ridge: take its pixel nearest the centroid
            yy, xx = np.nonzero(top)
            i = int(np.argmin((yy - ty) ** 2 + (xx - tx) ** 2))
            centre = (float(xx[i]), float(yy[i]))
        shape = "other"
    obj = FloodObject(mask=mask, centre_px=centre, shape=shape, inscribed_mm=float(dist.max()),
                      equivalent_radius_mm=math.sqrt(mask.sum() * sr * sc / math.pi), extent_mm=extent,
                      dist_mm=dist, circle_radius_mm=circle_r, spacing=(sr, sc))
    return obj


def _square_inside(dist: np.ndarray, centre: tuple[float, float], half_px: tuple[float, float], margin_mm: float) -> bool:
    cx, cy = centre
    r0, r1 = int(round(cy - half_px[1])), int(round(cy + half_px[1]))
    c0, c1 = int(round(cx - half_px[0])), int(round(cx + half_px[0]))
    if r0 < 0 or c0 < 0 or r1 > dist.shape[0] or c1 > dist.shape[1]:
        return False
    return bool(dist[r0:r1, c0:c1].min() >= margin_mm)


def signal_roi_centres(obj: FloodObject, *, offset_mm: float = 40.0, size_mm: float = 20.0,
                       margin_mm: float = 5.0) -> tuple[list[tuple[float, float]], list[float]]:
    """The five SNR ROI centres (px) inside the object, and each diagonal ROI's offset (mm) used.

    A diagonal ROI whose square is not wholly ``margin_mm`` inside the wall slides
    towards the centre in 1 mm steps; one that fits nowhere beyond 10 mm is left out.
    """
    sr, sc = obj.spacing
    half = (size_mm / sc / 2, size_mm / sr / 2)
    cx, cy = obj.centre_px
    if not _square_inside(obj.dist_mm, (cx, cy), half, margin_mm):
        raise MrAnalysisError("", f"物体太小（内切圆半径 {obj.inscribed_mm:.0f} mm），放不下 {size_mm:.0f} mm 的信噪比感兴趣区",
                              f"the object is too small (inscribed radius {obj.inscribed_mm:.0f} mm) for a "
                              f"{size_mm:.0f} mm SNR ROI")
    out, used = [(cx, cy)], []
    for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        off = offset_mm
        while off >= 10.0:
            c = (cx + dx * off / sc, cy + dy * off / sr)
            if _square_inside(obj.dist_mm, c, half, margin_mm):
                out.append(c)
                used.append(off)
                break
            off -= 1.0
    return out, used


def signal_region(obj: FloodObject, fraction: float = 0.75) -> np.ndarray:
    """The central ``fraction`` of the object's area (NEMA MS 1 method 4: at least 75 %), by distance to the wall."""
    d = obj.dist_mm[obj.mask]
    return obj.dist_mm > np.quantile(d, 1.0 - fraction)


def background_roi_centres(obj: FloodObject, pe_axis: str | None, *, size_mm: float = 15.0,
                           clearance_mm: float = 10.0) -> tuple[list[tuple[float, float]], bool]:
    """Air ROI centres (px): corners first, then the middles of the sides, clear of the object and of its ghosts.

    Returns the centres and whether the phase-encoding band had to be used (no room outside it).
    """
    rows, cols = obj.mask.shape
    sr, sc = obj.spacing
    half = (size_mm / sc / 2, size_mm / sr / 2)
    far = ndi.distance_transform_edt(~obj.mask, sampling=(sr, sc))
    mx, my = half[0] + 3, half[1] + 3
    cand = [(mx, my), (cols - 1 - mx, my), (mx, rows - 1 - my), (cols - 1 - mx, rows - 1 - my),
            ((cols - 1) / 2, my), ((cols - 1) / 2, rows - 1 - my), (mx, (rows - 1) / 2), (cols - 1 - mx, (rows - 1) / 2)]
    ys, xs = np.nonzero(obj.mask)
    band_c = (xs.min() - 2.0 / sc, xs.max() + 2.0 / sc)
    band_r = (ys.min() - 2.0 / sr, ys.max() + 2.0 / sr)

    def clear(c):
        r0, r1 = int(round(c[1] - half[1])), int(round(c[1] + half[1]))
        c0, c1 = int(round(c[0] - half[0])), int(round(c[0] + half[0]))
        return r0 >= 0 and c0 >= 0 and r1 <= rows and c1 <= cols and far[r0:r1, c0:c1].min() >= clearance_mm

    def in_band(c):
        if pe_axis == "col":  # ghosts run along the columns: the band is the object's column span
            return c[0] + half[0] >= band_c[0] and c[0] - half[0] <= band_c[1]
        if pe_axis == "row":
            return c[1] + half[1] >= band_r[0] and c[1] - half[1] <= band_r[1]
        return False

    ok = [c for c in cand if clear(c)]
    outside = [c for c in ok if not in_band(c)]
    if outside:
        return outside[:4], False
    return ok[:4], bool(ok)

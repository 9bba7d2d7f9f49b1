"""Patient-like images (no phantom in them), for tests that a QC screen leaves patients alone.

Rough anatomy only: an abdomen CT slice, a head CT slice, a T1-like head MR slice and a PA chest radiograph,
with the irregular outlines and graded structure that no QC phantom has.
"""

from __future__ import annotations

import copy

import numpy as np
import pydicom
from scipy import ndimage

from . import dr


def with_pixels(ds: pydicom.Dataset, stored: np.ndarray, pixel_mm: float | None = None) -> pydicom.Dataset:
    """A copy of a real header holding other pixels (so that only the content differs)."""
    out = copy.deepcopy(ds)
    out.Rows, out.Columns = stored.shape
    out.PixelData = stored.astype(np.uint16).tobytes()
    if pixel_mm is not None:
        out.PixelSpacing = [pixel_mm, pixel_mm]
    out.PatientName, out.SeriesDescription = "Zhang^San", "routine"
    return out


def _ellipse(x, y, cx, cy, ax, ay, angle_deg=0.0):
    t = np.radians(angle_deg)
    u, v = (x - cx) * np.cos(t) + (y - cy) * np.sin(t), -(x - cx) * np.sin(t) + (y - cy) * np.cos(t)
    return (u / ax) ** 2 + (v / ay) ** 2 <= 1.0


def abdomen_hu(n: int = 512, pixel_mm: float = 0.78, seed: int = 0) -> np.ndarray:
    """An axial abdomen: an irregular body outline, subcutaneous fat, liver, kidneys, bowel gas,
    spine and a table, with smooth tissue texture and noise (HU)."""
    rng = np.random.default_rng(seed)
    c = (np.arange(n) - n / 2) * pixel_mm
    x, y = np.meshgrid(c, c)
    ang = np.arctan2(y, x)
    # body outline: an ellipse with a flattened back and a lumpy front
    rad = 1.0 + 0.06 * np.sin(3 * ang + 0.4) + 0.04 * np.cos(5 * ang)
    body = ((x / 160.0) ** 2 + (y / 110.0) ** 2) <= rad ** 2
    body &= y < 95.0
    hu = np.full((n, n), -1000.0)
    hu[body] = -100.0  # fat
    inner = ((x / 145.0) ** 2 + (y / 95.0) ** 2) <= (rad * 0.98) ** 2
    hu[inner & body] = 40.0  # muscle and organs
    hu[_ellipse(x, y, -60, -10, 75, 60, 20) & body] = 60.0  # liver
    hu[_ellipse(x, y, 55, 30, 22, 35, -20)] = 30.0  # kidney
    hu[_ellipse(x, y, -55, 35, 22, 35, 20)] = 30.0
    hu[_ellipse(x, y, 0, 55, 18, 16)] = 700.0  # vertebral body
    hu[_ellipse(x, y, 0, 78, 8, 12)] = 900.0  # spinous process
    hu[_ellipse(x, y, 0, 20, 12, 12)] = 160.0  # aorta with contrast
    for cx, cy, r in ((40, -50, 14), (70, -20, 9), (10, -70, 11)):
        hu[_ellipse(x, y, cx, cy, r, r * 0.8)] = -900.0  # bowel gas
    hu[(y > 100.0) & (y < 110.0) & (np.abs(x) < 200.0)] = 300.0  # table
    texture = ndimage.gaussian_filter(rng.normal(0, 60, (n, n)), 3.0)
    hu = hu + np.where(hu > -500, texture, 0.0) + rng.normal(0, 12, (n, n))
    return ndimage.gaussian_filter(hu, 0.7)


def head_ct(n: int = 256, pixel_mm: float = 0.9, seed: int = 0, width_mm: float = 150.0) -> np.ndarray:
    """An axial CT head (HU) 190 mm long and ``width_mm`` wide: a 7 mm skull, grey and white
    matter (40 / 28 HU), CSF in the ventricles (8 HU), noise 5 HU. Inside the skull it is as
    plain as a water phantom; the bone is what tells them apart."""
    rng = np.random.default_rng(seed)
    c = (np.arange(n) - n / 2) * pixel_mm
    x, y = np.meshgrid(c, c)
    x = x * 150.0 / width_mm
    ang = np.arctan2(y, x)
    hu = np.full((n, n), -1000.0)
    hu[_ellipse(x, y, 0, 0, 75, 95)] = 30.0  # scalp
    hu[_ellipse(x, y, 0, 0, 72, 92)] = 1100.0  # skull
    brain = _ellipse(x, y, 0, 0, 65, 85)
    hu[brain] = 40.0
    folds = ((x / 52.0) ** 2 + (y / 70.0) ** 2) <= (1.0 + 0.08 * np.sin(14 * ang)) ** 2
    hu[brain & folds] = 28.0
    hu[_ellipse(x, y, -9, -5, 5, 22, 8) | _ellipse(x, y, 9, -5, 5, 22, -8)] = 8.0
    return ndimage.gaussian_filter(hu, 0.6) + rng.normal(0, 5, (n, n))


def head_mr(n: int = 256, pixel_mm: float = 0.94, seed: int = 0, width_mm: float = 150.0) -> np.ndarray:
    """An axial T1-like head 190 mm long and ``width_mm`` wide (190: a round head): bright scalp
    fat, dark skull, grey and white matter with folded cortex, dark ventricles (arbitrary units)."""
    rng = np.random.default_rng(seed)
    c = (np.arange(n) - n / 2) * pixel_mm
    x, y = np.meshgrid(c, c)
    x = x * 150.0 / width_mm
    ang = np.arctan2(y, x)
    a = np.zeros((n, n))
    a[_ellipse(x, y, 0, 0, 75, 95)] = 900.0  # scalp fat
    a[_ellipse(x, y, 0, 0, 70, 90)] = 80.0  # skull
    brain = _ellipse(x, y, 0, 0, 64, 84)
    a[brain] = 450.0  # grey matter
    folds = ((x / 52.0) ** 2 + (y / 70.0) ** 2) <= (1.0 + 0.08 * np.sin(14 * ang)) ** 2
    a[brain & folds] = 620.0  # white matter
    a[_ellipse(x, y, -9, -5, 5, 22, 8) | _ellipse(x, y, 9, -5, 5, 22, -8)] = 150.0  # ventricles
    a = ndimage.gaussian_filter(a, 1.0) * (1 + 0.1 * ndimage.gaussian_filter(rng.normal(0, 1, (n, n)), 4))
    return np.clip(a + rng.normal(0, 8, (n, n)), 0, None)


def chest_dr(det: dr.Detector, seed: int = 0, exposure_index: float = 300.0) -> pydicom.Dataset:
    """A PA chest radiograph: lungs, mediastinum, ribs, diaphragm and the shoulders' soft tissue."""
    rng = np.random.default_rng(seed)
    x, y = det.coords_mm()
    x, y = np.broadcast_arrays(x, y)
    mu = np.full(det.shape, 0.3)  # beside the body: direct exposure, lightly filtered
    body = _ellipse(x, y, 0, 10, 180, 230)
    mu[body] = 2.4
    lungs = _ellipse(x, y, -75, -20, 60, 120, 5) | _ellipse(x, y, 75, -20, 60, 120, -5)
    mu[lungs] = 1.2
    for k in range(8):  # ribs across each lung
        yy = -120 + 30 * k
        rib = (np.abs(y - yy - 0.002 * x ** 2) < 6) & lungs
        mu[rib] += 0.5
    mu[_ellipse(x, y, 0, -10, 35, 150)] = 3.0  # mediastinum and spine
    mu[(y > 80 + 0.002 * x ** 2) & body] = 3.2  # below the diaphragm
    mu = ndimage.gaussian_filter(mu, 2.0) + 0.15 * ndimage.gaussian_filter(rng.normal(0, 1, det.shape), 6)
    signal = det.dark_level + det.gain * 20.0 * np.exp(-mu)
    signal = signal * (1 + 0.01 * rng.normal(0, 1, det.shape))
    ds = dr.make_dataset(np.clip(signal, 0, 65535).astype(np.uint16), det, exposure_index=exposure_index)
    ds.PatientName, ds.SeriesDescription = "Li^Si", "Chest PA"
    return ds

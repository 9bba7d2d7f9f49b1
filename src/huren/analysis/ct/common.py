"""Shared pieces of the CT analysis: measurement records, ROI statistics in mm, series checks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable, Sequence

import numpy as np

from huren.analysis.core.phantom import Disc, find_disc
from huren.analysis.core.profile import inside_image
from huren.analysis.core.roi import circle_mask, circle_stats, roi_record
from huren.dicomio import Image, is_localiser
from huren.result import InputError, Measurement, Roi

VERSION = "1"
AIR_THRESHOLD_HU = -400.0  # separates a phantom (water, plastics) from the air round it


def algorithm(test: str) -> str:
    return f"huren.analysis.ct.{test}/{VERSION}"


def provenance(test: str, images: Sequence[Image], **extra) -> dict:
    """The provenance block of a measurement: algorithm, SOP Instance UIDs, the files (and frames)
    they came from — which name the images apart when their UIDs collide — and slice positions."""
    return {
        "algorithm": algorithm(test),
        "sop_instance_uids": [im.sop_instance_uid for im in images],
        "files": [im.path if im.frame is None else f"{im.path}#{im.frame}" for im in images],
        "slice_positions_mm": [None if im.z is None else round(float(im.z), 3) for im in images],
        **extra,
    }


def measurement(item: str, metric: str, value, unit: str, *, test: str, images: Sequence[Image], method: str,
                rois: Iterable[Roi] = (), details: dict | None = None) -> Measurement:
    im = images[0] if images else None
    return Measurement(
        item=item, metric=metric, value=None if value is None else round(float(value), 4), unit=unit, method=method,
        slice=im.instance_number if im is not None else None, rois=list(rois), details=details or {},
        provenance=provenance(test, images),
    )


def mtf_measurements(curve, *, test: str, images: Sequence[Image], method: str, rois: Iterable[Roi] = (),
                     details: dict | None = None, min_freq_lp_mm: float | None = None,
                     problems: list | None = None) -> list[Measurement]:
    """``mtf50`` and ``mtf10`` (lp/cm) of an MTF curve in lp/mm.

    A level the curve never reaches is left out, and so is one that falls below
    ``min_freq_lp_mm`` (the lowest line-pair group: below it the value would be a guess
    between f = 0 and that group); such a case is explained in ``problems``.
    """
    out = []
    for metric, level in (("mtf50", 0.5), ("mtf10", 0.1)):
        v = curve.at_level(level)
        if v is not None and min_freq_lp_mm is not None and v < min_freq_lp_mm:
            if problems is not None:
                problems.append((f"{metric.upper()} 低于最低线对组 {10 * min_freq_lp_mm:g} lp/cm，无法由线对测得",
                                 f"{metric.upper()} lies below the lowest line-pair group ({10 * min_freq_lp_mm:g} lp/cm); not measurable from the bars"))
            continue
        if v is not None:
            out.append(measurement("CT-QC-HCR", metric, 10 * v, "lp/cm", test=test, images=images, method=method,
                                   rois=list(rois), details=dict(details or {})))
    return out


def linearity(image: Image, measured: dict[str, float], nominal: dict[str, float], *, test: str,
              details: dict | None = None) -> Measurement | None:
    """CT-number linearity: the largest |measured − nominal| over the materials (HU), as
    docs/measurements.md defines it; each deviation and a straight-line fit of measured
    against nominal (slope, intercept, R², largest residual) are in details."""
    names = [n for n in measured if n in nominal]
    if len(names) < 3:
        return None
    nom = np.array([nominal[n] for n in names])
    meas = np.array([measured[n] for n in names])
    dev = meas - nom
    slope, inter = np.polyfit(nom, meas, 1)
    resid = meas - (slope * nom + inter)
    ss = float(np.sum((meas - meas.mean()) ** 2))
    worst = names[int(np.argmax(np.abs(dev)))]
    return measurement("CT-EQ-PERF", "ct_number_linearity", float(np.max(np.abs(dev))), "HU", test=test, images=[image],
                       method="max-deviation-from-nominal",
                       details={"worst": worst, "deviation_hu": {n: round(float(d), 3) for n, d in zip(names, dev)},
                                "measured_hu": {n: round(float(v), 3) for n, v in zip(names, meas)},
                                "nominal_hu": {n: float(v) for n, v in zip(names, nom)},
                                "fit": {"slope": round(float(slope), 5), "intercept_hu": round(float(inter), 3),
                                        "r2": round(1 - float(np.sum(resid**2)) / ss, 6) if ss > 0 else None,
                                        "max_residual_hu": round(float(np.max(np.abs(resid))), 3)},
                                **(details or {})})


@dataclass
class Circle:
    """A circular ROI measured on an image: centre (col, row) px, radius mm, and its statistics."""

    label: str
    centre_px: tuple[float, float]
    radius_mm: float
    mean: float
    sd: float
    median: float
    n: int

    def record(self, image: Image) -> Roi:
        return roi_record(image, self.centre_px, radius_mm=round(self.radius_mm, 3), label=self.label)


class RoiOutside(ValueError):
    """A ROI that does not fit inside the image (e.g. the FOV cuts the phantom off)."""


def circle(image: Image, centre_px: tuple[float, float], radius_mm: float, label: str,
           exclude: np.ndarray | None = None) -> Circle:
    """Statistics of a circle of ``radius_mm`` at ``centre_px``; raises :class:`RoiOutside` if it leaves the image.

    Pixels where ``exclude`` is True (e.g. a BB or wire inside a uniformity ROI) are left out.
    """
    px = image.spacing[1]
    if not inside_image(image.shape, centre_px, radius_mm / px):
        raise RoiOutside(label)
    if radius_mm / px < 0.5:
        raise RoiOutside(f"{label} (smaller than a pixel)")
    if exclude is None or not exclude.any():
        s = circle_stats(image.array, centre_px, radius_mm, px)
        return Circle(label, (float(centre_px[0]), float(centre_px[1])), radius_mm, s.mean, s.sd, s.median, s.n)
    rs, cs, m = circle_mask(image.shape, centre_px, radius_mm / px)
    v = image.array[rs, cs][m & ~exclude[rs, cs]].astype(np.float64)
    if v.size < 2:
        raise RoiOutside(label)
    return Circle(label, (float(centre_px[0]), float(centre_px[1])), radius_mm, float(v.mean()), float(v.std(ddof=1)),
                  float(np.median(v)), int(v.size))


def small_objects(image: Image, disc: Disc, contrast_hu: float = 150.0, margin_mm: float = 3.0) -> np.ndarray:
    """Pixels of small high-contrast objects inside the phantom (BBs, wires), with a margin of ``margin_mm``.

    An object counts when it stands out by more than ``contrast_hu`` and by more than
    eight times the noise (robust SD from the median absolute deviation), so that noise
    alone never removes pixels.
    """
    from scipy import ndimage as ndi

    px = image.spacing[1]
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    inside = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) < 0.9 * disc.radius_px
    if not inside.any():
        return np.zeros(image.shape, bool)
    vals = image.array[inside]
    med = float(np.median(vals))
    noise = 1.4826 * float(np.median(np.abs(vals - med)))
    hot = (np.abs(image.array - med) > max(contrast_hu, 8 * noise)) & inside
    if not hot.any():
        return hot
    return ndi.binary_dilation(hot, iterations=max(int(round(margin_mm / px)), 1))


def flattened(image: Image, disc: Disc, keep_out_mm: tuple[float, float], margin_mm: float = 8.0) -> Image:
    """The slice with its smooth shading removed: a quadratic surface in x and y (cupping, and a
    cone-beam CT's asymmetric scatter shading), fitted by least squares to the phantom's body
    (within ``margin_mm`` of its edge) outside the ring ``keep_out_mm`` (r0, r1) that holds the
    targets, is subtracted. The result reads ≈ 0 HU on the body; contrasts are kept."""
    from dataclasses import replace

    px = image.spacing[1]
    rows, cols = np.mgrid[: image.shape[0], : image.shape[1]]
    x = (cols - disc.centre_px[0]) * px / max(disc.radius_mm, 1.0)
    y = (rows - disc.centre_px[1]) * px / max(disc.radius_mm, 1.0)
    r = np.hypot(x, y) * disc.radius_mm
    fit = (r < disc.radius_mm - margin_mm) & ((r < keep_out_mm[0]) | (r > keep_out_mm[1])) & (image.array > AIR_THRESHOLD_HU)
    fit[::2, :] = False  # every other row is plenty for six coefficients
    basis = [np.ones_like(x), x, y, x * x, y * y, x * y]
    if fit.sum() < 50:
        return image
    a = np.stack([b[fit] for b in basis], axis=1)
    coef, *_ = np.linalg.lstsq(a, image.array[fit].astype(np.float64), rcond=None)
    surface = sum(c * b for c, b in zip(coef, basis))
    return replace(image, array=(image.array - surface).astype(np.float32))


def ct_disc(image: Image) -> Disc | None:
    """The phantom in a CT slice: the largest region above −400 HU, outline fitted by a circle."""
    return find_disc(image.array, image.spacing[1], threshold=AIR_THRESHOLD_HU, min_radius_mm=3.0, smooth_px=0.0)


def air_level(image: Image, disc: Disc | None) -> float | None:
    """Median HU of the air outside the phantom (beyond 1.1 R), or None when the image shows too little air."""
    a = image.array
    rows, cols = np.ogrid[: a.shape[0], : a.shape[1]]
    if disc is None:
        return None
    r = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1])
    sel = (r > disc.radius_px * 1.1 + 5) & (a < AIR_THRESHOLD_HU)
    # keep away from the reconstruction circle's padding (often −2048 or −3024)
    sel &= a > -1500
    if sel.sum() < 500:
        return None
    return float(np.median(a[sel]))


@dataclass
class Prepared:
    """The slices an analysis can use, and what was set aside (with reasons)."""

    series: list[list[Image]] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)


def prepare(images: Sequence[Image]) -> Prepared:
    """Split images into CT series; set aside localisers, other modalities and duplicates; check spacing.

    Each non-CT image gets a bilingual error; a localiser gets a note; a series with
    gaps or duplicated positions gets a note naming them (the remaining slices are used).
    """
    from huren.dicomio import collision_note, group_series, uid_collisions

    out = Prepared()
    for uid, n in uid_collisions(images).items():
        out.notes.append(collision_note(uid, n))
    keep: list[Image] = []
    for im in images:
        mod = im.modality
        if mod != "CT":
            out.errors.append(InputError(im.path, f"不是 CT 图像（成像设备类型 {mod or '未知'}），CT 分析不使用",
                                         f"not a CT image (modality {mod or 'unknown'}); not used by the CT analysis"))
            continue
        if is_localiser(im.ds):
            out.notes.append((f"定位像 {im.path} 已忽略", f"localiser {im.path} ignored"))
            continue
        if im.spacing_source != "PixelSpacing":
            out.errors.append(InputError(im.path, "缺少像素间距（Pixel Spacing），无法以毫米计量",
                                         "no Pixel Spacing; cannot measure in mm"))
            continue
        keep.append(im)
    for uid, ims in group_series(keep).items():
        seen: dict[float, Image] = {}
        uniq = []
        for im in ims:
            z = None if im.z is None else round(float(im.z), 2)
            if z is not None and z in seen and np.array_equal(seen[z].array, im.array):
                out.errors.append(InputError(im.path, f"与 {seen[z].path} 重复的层面（位置 {z} mm），已忽略",
                                             f"duplicate of slice {seen[z].path} (position {z} mm); ignored"))
                continue
            if z is not None:
                seen[z] = im
            uniq.append(im)
        zs = [im.z for im in uniq if im.z is not None]
        if len(zs) >= 3:
            steps = np.diff(zs)
            step = float(np.median(steps))
            gaps = [(zs[i], zs[i + 1]) for i, s in enumerate(steps) if step > 0 and s > 1.5 * step]
            if gaps:
                txt = ", ".join(f"{a:.1f}–{b:.1f}" for a, b in gaps)
                out.notes.append((f"序列 {uid} 缺少层面（{txt} mm 之间），其余层面照常分析",
                                  f"series {uid} has missing slices (between {txt} mm); the others are analysed"))
        tilt = uniq[0].ds.get("GantryDetectorTilt") if uniq else None
        try:
            if tilt is not None and abs(float(tilt)) > 0.01:
                out.notes.append((f"序列 {uid} 机架倾角 {float(tilt):g}°：层面内分析不受影响，层厚按倾斜层面计",
                                  f"series {uid} has gantry tilt {float(tilt):g}°: in-plane tests are unaffected; slice thickness is along the tilted slice"))
        except (TypeError, ValueError):
            pass
        if uniq:
            out.series.append(uniq)
    return out


def nominal_thickness(image: Image) -> float | None:
    t = image.slice_thickness
    return float(t) if t else None


def load_series(paths) -> tuple[list[Image], list[InputError]]:
    """Read DICOM files, folders or zips into images (:func:`huren.dicomio.load_images`;
    raw pixel data is released once converted, the headers stay)."""
    from huren.dicomio import load_images

    return load_images(paths)

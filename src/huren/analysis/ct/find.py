"""Which phantom, and which module is on which slice — from image content alone.

Each slice is described by what it shows inside the phantom outline: large dark
and bright inserts (and their size and distance from the centre), groups of bright
bars, isolated bright points, and nothing at all (uniform). The phantom is then the
family whose signature modules appear (Catphan CTP404 sensitometry inserts of about
12 mm at 58.7 mm; ACR module 1 inserts of 25 mm at 63 mm), or a water phantom when
every slice is uniform, or a wire when a slice shows a lone point. Uniform slices
of a Catphan or ACR series are told apart by their low-contrast targets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace
from typing import Sequence

import numpy as np
from scipy import ndimage as ndi

from huren.analysis.core.phantom import Disc, blobs, polar_to_px
from huren.dicomio import Image

from .common import RoiOutside, circle, ct_disc, flattened

PHANTOMS = ("water", "catphan", "acr-ct", "wire")
ALIASES = {"water": "water", "catphan": "catphan", "catphan503": "catphan", "catphan504": "catphan",
           "catphan600": "catphan", "catphan604": "catphan", "acr": "acr-ct", "acr-ct": "acr-ct", "acrct": "acr-ct",
           "gammex464": "acr-ct", "acr464": "acr-ct", "wire": "wire"}


@dataclass
class SliceKind:
    """What one slice shows: ``kind`` is wire, catphan.ctp404/528/515/486, acr.m1–m4, uniform, empty."""

    image: Image
    disc: Disc | None
    kind: str
    features: dict = field(default_factory=dict)


def _inside_blobs(image: Image, disc: Disc, fine: np.ndarray, body: float, r: np.ndarray, peaks: np.ndarray | None):
    px = image.spacing[1]
    inside = r < disc.radius_mm - 8.0  # clear of a water phantom's plastic shell (≈ 5 mm)
    out = {}
    pts = fine if peaks is None else peaks
    core_vals = pts[r < 0.5 * disc.radius_mm]
    noise = 1.4826 * float(np.median(np.abs(core_vals - np.median(core_vals)))) if core_vals.size else 0.0
    base = float(np.median(core_vals)) if core_vals.size else body
    # thresholds hundreds of HU from the body: a light smoothing is enough to keep noise out, and it
    # keeps small points (BBs, wires, beads) visible
    for name, mask in (("dark", fine < -500), ("bright", fine > body + 300), ("point", pts > base + max(150.0, 8 * noise))):
        bl = blobs(image.array, mask & inside, px, min_area_mm2=0.05)
        for b in bl:
            b["distance_mm"] = math.hypot(b["centre_px"][0] - disc.centre_px[0], b["centre_px"][1] - disc.centre_px[1]) * px
        out[name] = bl
    return out


SCREEN_PIXEL_MM = 1.4  # inserts, bars, BBs and wires all stay visible at this pixel size


def reduced(image: Image) -> tuple[Image, np.ndarray | None, int]:
    """The slice block-averaged to pixels of about 1.4 mm (for fast screening), the block maxima
    (so that a wire or BB is not averaged away), and the factor."""
    f = max(int(round(SCREEN_PIXEL_MM / image.spacing[1])), 1)
    if f == 1:
        return image, None, 1
    rows, cols = (image.shape[0] // f) * f, (image.shape[1] // f) * f
    a = image.array
    # f² strided views summed: much faster than a mean over axes of a 4-D reshaped view
    parts = [a[i:rows:f, j:cols:f] for i in range(f) for j in range(f)]
    total, peak = parts[0].astype(np.float32), parts[0].copy()
    for p in parts[1:]:
        total += p
        np.maximum(peak, p, out=peak)
    small = replace(image, array=total / (f * f), spacing=(image.spacing[0] * f, image.spacing[1] * f))
    return small, peak, f


def exact(k: "SliceKind") -> "SliceKind":
    """Refit the phantom outline of a screened slice at full resolution (once), before measuring on it."""
    if not k.features.get("exact") and k.disc is not None:
        k.disc = ct_disc(k.image) or k.disc
        k.features["exact"] = True
    return k


def classify(image: Image) -> SliceKind:
    """Describe one slice (see the module docstring), on a copy reduced to ~1.4 mm pixels.

    The outline (``disc``) and point positions are returned in the full image's pixels;
    :func:`exact` refits the outline at full resolution for a slice that is measured.
    """
    small, peaks, f = reduced(image)
    k = _classify(small, peaks)
    k.image = image
    if f > 1:
        def up(p):
            return (p[0] * f + (f - 1) / 2, p[1] * f + (f - 1) / 2)

        if k.disc is not None:
            d = k.disc
            k.disc = Disc(up(d.centre_px), d.radius_px * f, d.radius_mm, d.truncated, d.threshold, d.fit_rms_px * f)
        if "points" in k.features:
            k.features["points"] = [up(p) for p in k.features["points"]]
    else:
        k.features["exact"] = True
    return k


def _classify(image: Image, peaks: np.ndarray | None = None) -> SliceKind:
    disc = ct_disc(image)
    if disc is None:
        sm = ndi.gaussian_filter(image.array, 1.0)
        return SliceKind(image, None, "empty", {"max_hu": float(sm.max())})
    px = image.spacing[1]
    fine = ndi.gaussian_filter(image.array, 0.5)
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    r = np.hypot(cols - disc.centre_px[0], rows - disc.centre_px[1]) * px
    core = r < min(0.35 * disc.radius_mm, 30.0)
    body = float(np.median(image.array[core])) if core.any() else float(np.median(image.array))
    bl = _inside_blobs(image, disc, fine, body, r, peaks)
    dark = [b for b in bl["dark"] if b["area_mm2"] >= 20]
    bright = [b for b in bl["bright"] if b["area_mm2"] >= 3]
    points = [b for b in bl["point"] if b["area_mm2"] < 10]
    large = [b for b in bright if b["area_mm2"] >= 10]
    f = {"diameter_mm": round(2 * disc.radius_mm, 1), "body_hu": round(body, 1), "truncated": disc.truncated,
         "n_dark": len(dark), "n_bright": len(bright), "n_points": len(points)}

    def near(bs, d0, d1, r0, r1):
        return [b for b in bs if d0 <= b["diameter_mm"] <= d1 and r0 <= b["distance_mm"] <= r1]

    kind = "uniform"
    if near(dark, 18, 32, 50, 76) and near(bright, 18, 32, 50, 76):
        kind = "acr.m1"
    elif near(dark, 7, 17, 50, 67) and near(bright, 7, 17, 50, 67):
        kind = "catphan.ctp404"
    elif len([b for b in bright if 33 <= b["distance_mm"] <= 60]) >= 6:
        kind = "catphan.ctp528"
    elif len([b for b in bright if 58 <= b["distance_mm"] <= 82]) >= 4:
        kind = "acr.m4"
    elif points and not large and not dark:
        kind = "points"
        f["points"] = [b["centre_px"] for b in points]
    elif large or dark or not (disc.fit_rms_px <= 0.02 * disc.radius_px or disc.truncated):
        # structure that no phantom module explains, or an outline that is not round: not a phantom
        kind = "unknown"
    return SliceKind(image, disc, kind, f)


def lcd_score(image: Image, disc: Disc, spots: list[tuple[float, float, float]]) -> float:
    """Mean contrast (HU) of discs at (angle°, distance mm, radius mm) over the ring's background, in units
    of the background ROI noise: high on a low-contrast module, near 0 on a uniform one. Scored after the
    slice's smooth shading is removed (:func:`common.flattened`, the spots' ring kept out of the fit), so
    that a cone-beam CT's asymmetric shading does not swamp contrasts of a few HU."""
    if spots:
        reach = max(rad for _a, _d, rad in spots) + 5.0
        image = flattened(image, disc, (min(d for _a, d, _r in spots) - reach, max(d for _a, d, _r in spots) + reach))
    px = image.spacing[1]
    vals = []
    for ang, dist, rad in spots:
        try:
            vals.append(circle(image, polar_to_px(disc.centre_px, dist, ang, px), rad, "").mean)
        except RoiOutside:
            pass
    ref = []
    for ang, dist, rad in spots:
        for dd in (-90.0, 90.0, 180.0):
            try:
                ref.append(circle(image, polar_to_px(disc.centre_px, dist, ang + dd, px), rad, "").mean)
            except RoiOutside:
                pass
    if not vals or len(ref) < 3:
        return 0.0
    sd = float(np.std(ref, ddof=1)) or 1e-6
    return (float(np.mean(vals)) - float(np.mean(ref))) / sd


def normalise_phantom(name: str | None) -> str | None:
    if not name:
        return None
    return ALIASES.get(name.lower().replace("_", "").replace(" ", ""), name.lower())


# slice kinds that only a phantom shows: a module of a known phantom, a plain round
# water-like disc, or a lone point (a wire) in a round outline
_SCREEN_NAMES = {"acr": ("ACR CT 体模", "the ACR CT phantom"), "catphan": ("Catphan 体模", "a Catphan phantom"),
                 "uniform": ("均匀水模", "a uniform water phantom"), "points": ("线模/点模", "a wire/bead phantom")}


def _bony_rim(k: SliceKind) -> bool:
    """Whether the outer 10 mm inside the outline hold bone (> 500 HU over 5 % of it): a skull
    round a plain brain looks like a uniform disc inside, but a phantom's shell is plastic
    (acrylic ≈ 120 HU)."""
    if k.disc is None:
        return False
    im, d = k.image, k.disc
    px = im.spacing[1]
    rows, cols = np.ogrid[: im.shape[0], : im.shape[1]]
    r = np.hypot(cols - d.centre_px[0], rows - d.centre_px[1]) * px
    rim = im.array[(r <= d.radius_mm) & (r > d.radius_mm - 10.0)]
    return bool(rim.size and np.mean(rim > 500.0) > 0.05)


def looks_like_phantom(images: Sequence[Image]) -> tuple[bool, str, str]:
    """Whether a few slices of a CT series show a phantom, by content (:func:`classify`).

    A slice is a phantom's when it is a Catphan or ACR module in a round (or truncated)
    outline with no bone in its rim (a skull's pieces can pass for module bars), or a round outline with
    nothing inside but water-like material (|median| < 150 HU: a water phantom or a
    uniform module) and no bone in its rim (a skull round a brain), or water with one to
    three lone points (a wire or beads). A patient slice shows
    bone, air or fat structure or a non-round outline and is ``unknown``. Returns the
    decision and its reason in Chinese and English.
    """
    seen = []
    for im in images:
        k = classify(im)
        family = k.kind.split(".")[0]
        fit_ok = k.disc is not None and k.disc.fit_rms_px <= 0.02 * k.disc.radius_px
        round_ = fit_ok and not k.disc.truncated
        plastic = not _bony_rim(k)
        water = abs(k.features.get("body_hu", 1e9)) < 150.0 and plastic
        # a module may fill the field of view (a truncated outline); a wire fills a small one with water
        if (family in ("acr", "catphan") and plastic and (fit_ok or (k.disc is not None and k.disc.truncated))) \
                or (water and ((family == "uniform" and round_)
                               or (family == "points" and k.features["n_points"] <= 3))):
            zh, en = _SCREEN_NAMES[family]
            return True, f"图像内容为{zh}（{k.kind}，直径 {k.features['diameter_mm']} mm）", \
                f"the image shows {en} ({k.kind}, {k.features['diameter_mm']} mm across)"
        seen.append(k.kind)
    return False, f"图像内容不像体模（{', '.join(seen) or '无图像'}）", \
        f"the image does not look like a phantom ({', '.join(seen) or 'no image'})"

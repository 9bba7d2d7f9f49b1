"""MR image-quality tests of WS/T 263-2006 (item MR-EQ-PERF) on the ACR large phantom and on floods.

``analyze(images, options) -> Result`` is what ``huren analyze`` runs; the test
functions (``acr_tests``, ``flood_tests`` and the modules' functions) are the library
API. Every measurement carries the catalog item, the metric of docs/measurements.md,
the method, ROIs in mm, the SOP Instance UIDs used and the algorithm version, plus
``details.field_strength_t`` for the catalog's field-dependent criteria.
"""

from __future__ import annotations

from typing import Sequence

from huren.dicomio import Image, device_info, group_series, is_localiser
from huren.result import Result

from . import acr, magnet
from .acr import (
    edge_mtf,
    geometric_lengths,
    hole_arrays,
    identify_slices,
    localiser_length,
    low_contrast,
    slice_thickness,
    wedge_difference,
)
from .artifacts import background_artifacts
from .common import ITEM, Frame, MrAnalysisError, signal_values
from .driver import acr_tests, flood_tests, resonance_frequency, slice_width_tests
from .ghosting import ghosting_ipem, psg_acr
from .snr import normalisation_factor, snr_background, snr_smoothing, snr_subtraction
from .uniformity import fractional_uniformity, nine_roi_uniformity, piu_acr

__all__ = [
    "ITEM", "Frame", "MrAnalysisError", "acr_tests", "analyze", "background_artifacts", "edge_mtf", "flood_tests",
    "fractional_uniformity", "geometric_lengths", "ghosting_ipem", "hole_arrays", "identify_slices",
    "localiser_length", "low_contrast", "nine_roi_uniformity", "normalisation_factor", "piu_acr", "psg_acr",
    "resonance_frequency", "slice_thickness", "slice_width_tests", "snr_background", "snr_smoothing", "snr_subtraction",
    "wedge_difference",
]


MAGNET_NAMES = ("magnet-slice-width", "magnet", "slice-width", "slicewidth")


def _plane(im: Image) -> str:
    if im.orientation is None:
        return "axial"
    n = abs(im.normal)
    return ("sagittal", "coronal", "axial")[int(n.argmax())]


def analyze(images: Sequence[Image], options) -> Result:
    """Run every MR test the images allow; bad input becomes a bilingual error, never a traceback."""
    res = Result(modality="MR")
    mr, other = [], []
    for im in images:
        (mr if im.modality == "MR" else other).append(im)
    for im in other:
        res.error(im.path, f"不是 MR 图像（Modality = {im.modality or '空'}），未分析",
                  f"not an MR image (Modality = {im.modality or 'empty'}); not analysed")
    if not mr:
        return res
    res.device = device_info(mr[0].ds)
    res.inputs = [im.ref() for im in mr]
    phantom = (getattr(options, "phantom", None) or "").lower() or None
    if phantom not in (None, "acr", "acr-mr", "acr-mr-large", "flood", *MAGNET_NAMES):
        # a CT phantom name (or a typo) must not fall through to the flood tests
        res.error(mr[0].path, f"未知的 MR 体模 {phantom}（可选 acr、flood、magnet-slice-width）",
                  f"unknown MR phantom {phantom} (choose acr or flood, or magnet-slice-width)")
        return res
    second = [im for im in (getattr(options, "second", None) or []) if im.modality == "MR"]
    for im in getattr(options, "second", None) or []:
        if im.modality != "MR":
            res.error(im.path, "第二组图像不是 MR 图像", "the second series is not an MR image")
    localisers, axial_groups = [], []
    for uid, ims in group_series(mr).items():
        locs = [im for im in ims if is_localiser(im.ds) or _plane(im) != "axial"]
        rest = [im for im in ims if im not in locs]
        localisers += locs
        if rest:
            axial_groups.append(rest)
    rf = resonance_frequency(mr)
    if rf is not None:
        res.add(rf)
    if phantom in (None, "acr", "acr-mr", "acr-mr-large"):
        big = [g for g in axial_groups if len(g) >= 3]
        if phantom is None:
            # unasked, a multi-slice series is taken for the ACR phantom only if it looks like it
            big = [g for g in big if acr.looks_like_acr(g)]
        if phantom == "acr" or big:
            res.phantom = "acr-mr-large"
            if not big:
                for im in localisers[:1]:
                    res.error(im.path, "提供的是定位像（矢状位/非轴位），ACR 测试需要 11 层轴位序列",
                              "this is a localiser (sagittal/non-axial); the ACR tests need the 11-slice axial series")
            for g in big:
                res.merge(acr_tests(g, second=second, localisers=localisers, options=options))
            if not big and localisers:
                res.merge(acr_tests([], second=second, localisers=localisers, options=options))
            for g in axial_groups:
                if len(g) < 3:
                    res.note(f"{len(g)} 层的轴位序列不是 ACR 序列，已忽略", f"an axial series of {len(g)} slice(s) is not an ACR series; ignored")
            return res
    if phantom in (None, *MAGNET_NAMES):
        # the MagNET slice-width object is known by its content: nine rods on a 60 mm grid and two plates
        found, rest = [], []
        for ims in group_series(mr).values():
            # a long series is searched only if its middle image shows the object (0.1 s an image)
            mid = ims[len(ims) // 2]
            if len(ims) > 5 and (mid.array.ndim != 2 or magnet.find_slice_width_object(signal_values(mid)[0], mid.spacing) is None):
                rest += ims
                continue
            for im in ims:
                obj = None
                if im.array.ndim == 2:
                    obj = magnet.find_slice_width_object(signal_values(im)[0], im.spacing)
                (found.append((im, obj)) if obj is not None else rest.append(im))
        if phantom is not None:
            for im in rest:
                res.error(im.path, "图像中未找到 MagNET 层厚体模（3×3 棒阵，间距 60 mm，及两块斜板），未做层厚测试",
                          "the MagNET slice-width object (nine rods on a 60 mm grid and two angled plates) was not found in the image; "
                          "slice width not measured", "slice_width")
        if found:
            res.merge(slice_width_tests(found, options=options))
        if phantom is not None or not rest:
            res.phantom = "magnet-slice-width"
            return res
        if found:
            res.note(f"{len(found)} 幅图像为 MagNET 层厚体模，其余 {len(rest)} 幅按均匀水模分析",
                     f"{len(found)} image(s) show the MagNET slice-width object; the other {len(rest)} are analysed as floods")
        mr = rest
    res.phantom = "flood"
    # two single-image series of the same slice and protocol are a repeat pair
    groups: dict[tuple, list[Image]] = {}
    for uid, ims in group_series(mr).items():
        if len(ims) == 1 and not second:
            im = ims[0]
            key = (im.array.shape, round(im.z or 0.0, 2), str(im.ds.get("SeriesDescription", "")), im.orientation)
        else:
            key = (uid,)
        groups.setdefault(key, []).extend(ims)
    n_errors = len(res.errors)
    for ims in groups.values():
        res.merge(flood_tests(ims, second=second, options=options))
    if phantom is None and any(e.reason_en.startswith("the object is not uniform") for e in res.errors[n_errors:]):
        # unasked, an ACR localiser or a series that did not look like ACR ends here: say how to ask
        res.note("如是 ACR 体模（11 层轴位序列或其矢状定位像），请加 --phantom acr 再分析",
                 "if this is the ACR phantom (the 11-slice axial series or its sagittal localiser), "
                 "analyse it again with --phantom acr")
    return res


def _plain_flood(a, spacing) -> bool:
    """A flood of another shape (a side-on cylinder or bottle): a convex-ish object at least
    60 mm across inside, whose core has little fine structure (as the round test's 5 %)."""
    import numpy as np
    from scipy import ndimage

    from . import flood

    try:
        obj = flood.find_flood(a, spacing)
    except ValueError:
        return False
    if obj.inscribed_mm < 30.0:
        return False
    core = obj.dist_mm >= 0.3 * obj.inscribed_mm
    sig = float(np.median(a[core]))
    px = float(np.mean(spacing))
    fine = float(np.std((a - ndimage.gaussian_filter(a, 3.0 / px))[core]) / sig) if sig > 0 else 1.0
    return fine < 0.05 and float(np.mean(a[core] < 0.5 * sig)) < 0.002


def looks_like_phantom(images: Sequence[Image]) -> tuple[bool, str, str]:
    """Whether a few slices of an MR series show a phantom, by content.

    A phantom slice is a round object (the SD of its outline's distance from the centroid
    under 6 % of the mean: the ACR cylinder's notch included; a head is oval) whose
    central 60 % of radius has little fine structure (SD of the image minus a 3 mm
    Gaussian under 5 % of the signal: a flood or the ACR's plain slices 6–7; brain
    tissue, CSF and fat are far above); an object of another shape (a cylinder or bottle
    seen coronally or sagittally) is a flood when its core, 30 % of its inscribed radius in
    from the wall, is as plain (:func:`_plain_flood`); the MagNET slice-width object is
    known by its nine rods on a 60 mm grid and its two plates (:mod:`.magnet`). A diameter of 180–200 mm names the ACR phantom
    (190 mm inside, ACR MRI phantom test guidance); three or more slices are also taken
    for ACR when :func:`acr.looks_like_acr` sees the grid-to-plain contrast.
    """
    import numpy as np
    from scipy import ndimage

    from huren.analysis.core.phantom import object_mask

    ims = [im for im in images if im.array.ndim == 2]
    round_acr = False
    seen = []
    for im in ims:
        a = im.array.astype(np.float32)
        px = float(np.mean(im.spacing))
        if magnet.find_slice_width_object(a, im.spacing) is not None:
            return True, "图像内容为 MagNET 层厚体模（3×3 棒阵，间距 60 mm，及两块斜板）", \
                "the image shows the MagNET slice-width object (nine rods on a 60 mm grid and two angled plates)"
        try:
            mask, _ = object_mask(a)
        except ValueError:
            seen.append("blank")
            continue
        if mask.sum() < 50:
            seen.append("blank")
            continue
        cy, cx = ndimage.center_of_mass(mask)
        ys, xs = np.nonzero(mask & ~ndimage.binary_erosion(mask))
        r = np.hypot(ys - cy, xs - cx)
        roundness = float(r.std() / max(r.mean(), 1e-6))
        req = float(np.sqrt(mask.sum() / np.pi))
        diameter = 2 * req * px
        yy, xx = np.ogrid[: a.shape[0], : a.shape[1]]
        central = (xx - cx) ** 2 + (yy - cy) ** 2 <= (0.6 * req) ** 2
        sig = float(np.median(a[central])) if central.any() else 0.0
        fine = float(np.std((a - ndimage.gaussian_filter(a, 3.0 / px))[central]) / sig) if sig > 0 else 1.0
        seen.append(f"{diameter:.0f} mm, {roundness:.2f}, {fine:.3f}")
        if roundness < 0.06:
            round_acr = round_acr or 180.0 <= diameter <= 200.0
            if fine < 0.05:
                if 180.0 <= diameter <= 200.0:
                    return True, f"图像内容为 ACR MR 体模大小的圆形体模（直径 {diameter:.0f} mm，内部均匀层）", \
                        f"the image shows a round phantom of the ACR MR size ({diameter:.0f} mm across, a plain slice)"
                return True, f"图像内容为均匀水模（圆形，直径 {diameter:.0f} mm，内部均匀）", \
                    f"the image shows a uniform flood phantom (round, {diameter:.0f} mm across, plain inside)"
        elif _plain_flood(a, im.spacing):
            return True, f"图像内容为均匀水模（非圆形，如侧视的圆柱或瓶，{diameter:.0f} mm 等效直径，内部均匀）", \
                f"the image shows a uniform flood phantom (not round: a cylinder or bottle seen from the side, " \
                f"{diameter:.0f} mm equivalent diameter, plain inside)"
    if round_acr and len(ims) >= 3 and acr.looks_like_acr(ims):
        return True, "图像内容为 ACR MR 体模（栅格层与均匀层）", "the image shows the ACR MR phantom (grid and plain slices)"
    detail = "; ".join(seen) or "无图像 / no image"
    return False, f"图像内容不像体模（{detail}）", f"the image does not look like a phantom ({detail})"

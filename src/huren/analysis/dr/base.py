"""Shared pieces of the DR tests: input checks, ROI placement, measurement records."""

from __future__ import annotations

import functools
from typing import Sequence

import numpy as np

from huren.analysis.core.roi import RoiStats, rect_stats, roi_record
from huren.dicomio import DicomInputError, Image, as_image, as_images
from huren.result import Measurement, Result, Roi

from .header import DR_MODALITIES, DrPixels, linear_values, stored_range

VERSION = "1"
# tests that measure the detector's own response and so need raw ("for processing") data
RAW_TESTS = {"stp", "uniformity", "ghost"}
MIN_SIDE_PX = 32

TEST_ZH = {
    "dr": "DR 检测", "dark": "暗噪声", "ddi": "探测器剂量指示", "stp": "信号传递特性", "uniformity": "响应均匀性",
    "ghost": "残影", "artifact": "伪影", "distance": "测距误差", "mtf": "刃边 MTF", "resolution": "极限空间分辨力",
}


def algorithm(test: str) -> str:
    return f"huren.analysis.dr.{test}/{VERSION}"


def provenance(test: str, images: Sequence[Image], **extra) -> dict:
    return {"algorithm": algorithm(test), "sop_instance_uids": [im.sop_instance_uid for im in images], **extra}


def new_result(images: Sequence[Image] = ()) -> Result:
    res = Result(modality="DR", phantom="dr-detector")
    res.inputs = [im.ref() for im in images]
    return res


def check(image: Image, test: str, *, need_spacing: bool = True) -> DrPixels:
    """Linear-sense pixels of ``image`` for ``test``, or :class:`DicomInputError` saying why not.

    Refuses non-projection modalities, images without pixel spacing (for tests that
    measure in mm) and presentation-only data for tests that need raw data.
    """
    mod = image.modality
    name = TEST_ZH.get(test, test)
    if mod and mod not in DR_MODALITIES:
        raise DicomInputError(
            image.path,
            f"不是 DR/CR 图像（成像设备类型 {mod}），不能用于 DR 探测器检测",
            f"not a DR/CR image (modality {mod}); cannot be used for a DR detector test",
        )
    if need_spacing and image.spacing_source == "assumed":
        raise DicomInputError(
            image.path,
            f"缺少像素间距（Pixel Spacing / Imager Pixel Spacing），无法按毫米放置{name}的感兴趣区",
            f"no pixel spacing (Pixel Spacing / Imager Pixel Spacing): cannot place the {test} ROIs in mm",
        )
    if min(image.shape) < MIN_SIDE_PX:
        raise DicomInputError(
            image.path,
            f"图像过小（{image.shape[1]}×{image.shape[0]} 像素），不是 DR 探测器图像",
            f"image too small ({image.shape[1]}×{image.shape[0]} px) for a DR detector test",
        )
    px = linear_values(image)
    if test in RAW_TESTS and px.intent == "presentation":
        raise DicomInputError(
            image.path,
            f"仅有“用于显示”（For Presentation）的处理后图像；{name}检测需要“用于处理”（For Processing）的原始数据",
            f"only 'for presentation' (processed) data; the {test} test needs raw 'for processing' data",
        )
    return px


def intent_note(res: Result, image: Image, px: DrPixels, test: str) -> None:
    """Tell the user which kind of pixel data a test used."""
    if px.intent == "presentation":
        voi_zh = "；VOI LUT（窗宽窗位）未应用" if px.voi_lut else ""
        voi_en = "; the VOI LUT (window) was not applied" if px.voi_lut else ""
        res.note(
            f"{image.path}：仅有“用于显示”的处理后图像，{TEST_ZH.get(test, test)}按处理后像素值计算，结果受图像处理影响{voi_zh}",
            f"{image.path}: only 'for presentation' (processed) data; the {test} test used processed pixel values, "
            f"which image processing affects{voi_en}",
        )
    elif px.intent == "unknown":
        res.note(
            f"{image.path}：图像未声明是否为原始数据（如 CR），按存储像素值计算",
            f"{image.path}: the image does not say whether it is raw data (e.g. CR); stored pixel values used",
        )


def rect_roi(values: np.ndarray, image: Image, size_mm: tuple[float, float], centre_px: tuple[float, float],
             label: str | None = None) -> tuple[RoiStats, Roi]:
    """Statistics and record of an axis-aligned rectangle of ``size_mm`` (w, h) at ``centre_px``."""
    stats = rect_stats(values, centre_px, size_mm, image.spacing)
    return stats, roi_record(image, centre_px, size_mm=(round(size_mm[0], 3), round(size_mm[1], 3)), label=label)


def fit_size(image: Image, size_mm: float, fraction: float = 0.95) -> tuple[float, float]:
    """(width, height) mm of a square of ``size_mm``, shrunk to ``fraction`` of the image where it is larger."""
    rows, cols = image.shape
    return (min(size_mm, cols * image.spacing[1] * fraction), min(size_mm, rows * image.spacing[0] * fraction))


def centre_px(image: Image) -> tuple[float, float]:
    rows, cols = image.shape
    return ((cols - 1) / 2, (rows - 1) / 2)


def measurement(item: str, metric: str, value, unit: str, test: str, images: Sequence[Image], *,
                method: str | None = None, rois: list[Roi] | None = None, details: dict | None = None,
                test_type: str | None = None, **prov) -> Measurement:
    return Measurement(
        item=item, metric=metric, value=value, unit=unit, method=method, test_type=test_type,
        rois=rois or [], details=details or {}, provenance=provenance(test, images, **prov),
    )


def fail(res: Result, err: DicomInputError, test: str) -> None:
    res.errors.append(err.as_error(test))


def prepare(res: Result, image: Image, test: str, *, need_spacing: bool = True) -> DrPixels | None:
    """:func:`check` the image for ``test``; record the refusal in ``res`` (None) or the data-kind note."""
    try:
        px = check(image, test, need_spacing=need_spacing)
    except DicomInputError as e:
        fail(res, e, test)
        return None
    intent_note(res, image, px, test)
    saturation_note(res, image, px)
    return px


def saturation_note(res: Result, image: Image, px: DrPixels) -> None:
    """Say so when more than 1 % of the pixels sit at an end of the stored range (saturated or clipped)."""
    lo, hi = stored_range(image.ds)
    if hi <= lo:
        return
    v = px.values[:: max(1, image.shape[0] // 256), :: max(1, image.shape[1] // 256)]
    # both ends: MONOCHROME1 values were inverted about the range
    frac = float(np.mean((v >= hi) | (v <= lo)))
    if frac > 0.01:
        res.note(f"{image.path}：{frac * 100:.1f}% 的像素处于存储范围的端点（饱和或截断），结果可能偏差",
                 f"{image.path}: {frac * 100:.1f} % of the pixels sit at an end of the stored range (saturated or "
                 "clipped); results may be biased")


def takes_image(func):
    """Let a single-image test take an Image, a pydicom Dataset or a file path."""

    @functools.wraps(func)
    def wrapper(image, *args, **kwargs):
        return func(as_image(image), *args, **kwargs)

    return wrapper


def takes_images(func):
    """Let a multi-image test take Images, pydicom Datasets or file paths."""

    @functools.wraps(func)
    def wrapper(images, *args, **kwargs):
        return func(as_images(images), *args, **kwargs)

    return wrapper


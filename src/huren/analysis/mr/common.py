"""Shared pieces of the MR analyses: the measurement record, phantom frames, header facts."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from huren.dicomio import Image
from huren.result import Measurement, Roi

ITEM = "MR-EQ-PERF"
ALGORITHM_VERSION = "1"


class MrAnalysisError(Exception):
    """A test that cannot run on these images, with the reason in Chinese and English."""

    def __init__(self, path: str, reason_zh: str, reason_en: str):
        super().__init__(f"{path}: {reason_en}")
        self.path, self.reason_zh, self.reason_en = str(path), reason_zh, reason_en


def header_float(image: Image, key: str) -> float | None:
    try:
        v = image.header(key)
        return float(v) if v not in (None, "") else None
    except (TypeError, ValueError):
        return None


def field_strength_t(image: Image) -> float | None:
    """B0 in tesla from Magnetic Field Strength (0018,0087); None when absent."""
    v = header_float(image, "MagneticFieldStrength")
    if v is not None and v > 20:  # a few old systems write gauss
        v = v / 10000.0
    return v


def coil_name(image: Image) -> str | None:
    for key in ("ReceiveCoilName", "TransmitCoilName"):
        v = image.header(key)
        if v not in (None, ""):
            return str(v).strip()
    return None


def phase_encoding_axis(image: Image) -> str | None:
    """'row' when phase is encoded along the image rows (left–right), 'col' when along columns.

    From In-plane Phase Encoding Direction (0018,1312): ROW means the phase-encoding
    direction runs along a row, i.e. ghosts spread horizontally.
    """
    v = str(image.header("InPlanePhaseEncodingDirection", "") or "").strip().upper()
    if v.startswith("ROW"):
        return "row"
    if v.startswith("COL"):
        return "col"
    return None


def measurement(metric: str, value, unit: str, test: str, images: Sequence[Image], *, method: str | None = None,
                slice_no: int | None = None, rois: list[Roi] | None = None, details: dict | None = None,
                version: str = ALGORITHM_VERSION) -> Measurement:
    """One MR-EQ-PERF measurement with field strength, coil and provenance filled in."""
    d = dict(details or {})
    if images:
        d.setdefault("field_strength_t", field_strength_t(images[0]))
        d.setdefault("coil", coil_name(images[0]))
    return Measurement(
        item=ITEM,
        metric=metric,
        value=value,
        unit=unit,
        method=method,
        slice=slice_no,
        rois=rois or [],
        details=d,
        provenance={
            "algorithm": f"huren.analysis.mr.{test}/{version}",
            "sop_instance_uids": [im.sop_instance_uid for im in images],
            "paths": [im.path for im in images],
        },
    )


@dataclass(frozen=True)
class Frame:
    """A phantom's own coordinates on one image: centre (col, row) px, in-plane rotation.

    Phantom mm (x right, y down, relative to the phantom centre, rotated with the
    phantom) ↔ image pixels. ``angle_deg`` is positive for a clockwise turn on screen.
    """

    centre_px: tuple[float, float]
    angle_deg: float
    spacing: tuple[float, float]  # (row, col) mm

    def to_px(self, x_mm, y_mm):
        a = math.radians(self.angle_deg)
        c, s = math.cos(a), math.sin(a)
        x_mm = np.asarray(x_mm, dtype=np.float64)
        y_mm = np.asarray(y_mm, dtype=np.float64)
        xr = x_mm * c - y_mm * s
        yr = x_mm * s + y_mm * c
        return self.centre_px[0] + xr / self.spacing[1], self.centre_px[1] + yr / self.spacing[0]

    def px(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        c, r = self.to_px(x_mm, y_mm)
        return float(c), float(r)

    @property
    def pixel_mm(self) -> float:
        return float(np.sqrt(self.spacing[0] * self.spacing[1]))


def disk_mask(shape: tuple[int, int], centre_px: tuple[float, float], radius_px: float) -> np.ndarray:
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    return (xx - centre_px[0]) ** 2 + (yy - centre_px[1]) ** 2 <= radius_px**2


def ellipse_mask(shape: tuple[int, int], centre_px: tuple[float, float], semi_px: tuple[float, float]) -> np.ndarray:
    """Axis-aligned ellipse with semi-axes (horizontal, vertical) in px."""
    yy, xx = np.ogrid[: shape[0], : shape[1]]
    return ((xx - centre_px[0]) / semi_px[0]) ** 2 + ((yy - centre_px[1]) / semi_px[1]) ** 2 <= 1.0


PHILIPS_SCALE_SLOPE = (0x2005, 0x100E)  # Philips private "scale slope" (FL): FP = DV / (RescaleSlope · SS)


def _num(v) -> float | None:
    import struct

    if v is None:
        return None
    if isinstance(v, (bytes, bytearray)):  # implicit-VR files leave the private FL as raw bytes
        if len(v) < 4:
            return None
        v = struct.unpack("<f", bytes(v[:4]))[0]
    if isinstance(v, (list, tuple)) or hasattr(v, "__len__") and not isinstance(v, str):
        v = v[0] if len(v) else None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f != 0.0 else None


def signal_scale(image: Image) -> dict:
    """How to turn this image's pixels into values proportional to the MR signal, comparable between images.

    ``Image.array`` holds the modality-LUT values DV = SV·RescaleSlope + RescaleIntercept. A
    ratio of a mean to an SD within one image (smoothing or background SNR, uniformity)
    is unchanged by a slope, but a subtraction SNR subtracts two images: when their
    scalings differ (Philips scales each image to fill its stored range), the difference
    holds signal, not only noise. The value used is, in this order,

    1. the Real World Value Mapping (0040,9096) — RWV = SV·slope + intercept — when present;
    2. Philips' floating-point value FP = DV / (RescaleSlope · SS), SS the private scale
       slope (2005,100E), when present;
    3. DV itself.

    Returns ``{"factor", "offset", "source"}``: value = array · factor + offset.
    """
    rs = _num(image.header("RescaleSlope")) or 1.0
    ri = float(_num(image.header("RescaleIntercept")) or 0.0)
    rwv = image.header("RealWorldValueMappingSequence")
    if rwv:
        item = rwv[0]
        m = _num(item.get("RealWorldValueSlope"))
        if m is not None:
            b = float(_num(item.get("RealWorldValueIntercept")) or 0.0)
            # SV = (DV − RI) / RS, RWV = SV·m + b
            return {"factor": m / rs, "offset": b - ri * m / rs, "source": "RealWorldValueMapping (0040,9096)"}
    ss = _num(image.ds[PHILIPS_SCALE_SLOPE].value) if PHILIPS_SCALE_SLOPE in image.ds else None
    if ss is not None:
        return {"factor": 1.0 / (rs * ss), "offset": 0.0, "source": "Philips scale slope (2005,100E)"}
    return {"factor": 1.0, "offset": 0.0, "source": "Rescale Slope/Intercept"}


def signal_values(image: Image) -> tuple[np.ndarray, dict]:
    """The image's pixels as values comparable between images (see :func:`signal_scale`)."""
    s = signal_scale(image)
    if s["factor"] == 1.0 and s["offset"] == 0.0:
        return image.array, s
    return (image.array.astype(np.float64) * s["factor"] + s["offset"]).astype(np.float32), s

"""DR pixel data and header: raw versus presentation data, photometric sense, dose indicators.

Analyses work on *linear-sense* values: the modality values (Rescale Slope/Intercept
already applied by :mod:`huren.dicomio`) oriented so that more exposure gives a larger
value. MONOCHROME1 data (CR and some DX) are inverted about the stored range. The VOI
LUT (window or LUT sequence) is never applied: it is a display transform, and WS 76-2020
measures pixel values of the image "for processing" (预处理图像).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset

from huren.dicomio import Image

# SOP classes whose pixel data is raw detector data (DICOM PS3.3 A.26, A.27, A.28)
FOR_PROCESSING = {
    "1.2.840.10008.5.1.4.1.1.1.1.1",  # Digital X-Ray Image Storage – For Processing
    "1.2.840.10008.5.1.4.1.1.1.2.1",  # Digital Mammography – For Processing
    "1.2.840.10008.5.1.4.1.1.1.3.1",  # Digital Intra-Oral – For Processing
}
FOR_PRESENTATION = {
    "1.2.840.10008.5.1.4.1.1.1.1",
    "1.2.840.10008.5.1.4.1.1.1.2",
    "1.2.840.10008.5.1.4.1.1.1.3",
}
CR_IMAGE = "1.2.840.10008.5.1.4.1.1.1"
# DICOM modality codes a DR detector test accepts
DR_MODALITIES = {"DX", "CR", "DR", "RG", "PX", "IO", "MG"}


def intent(ds: Dataset) -> str:
    """``processing``, ``presentation`` or ``unknown`` (CR and secondary objects carry no intent).

    Presentation Intent Type (0008,0068) wins over the SOP class when both are present.
    """
    pit = str(ds.get("PresentationIntentType", "")).strip().upper()
    if pit == "FOR PROCESSING":
        return "processing"
    if pit == "FOR PRESENTATION":
        return "presentation"
    sop = str(ds.get("SOPClassUID", ""))
    if sop in FOR_PROCESSING:
        return "processing"
    if sop in FOR_PRESENTATION:
        return "presentation"
    return "unknown"


def has_voi_lut(ds: Dataset) -> bool:
    return "VOILUTSequence" in ds or "WindowCenter" in ds


def stored_range(ds: Dataset) -> tuple[float, float]:
    """The (lowest, highest) modality value the stored bits can hold."""
    bits = int(ds.get("BitsStored", ds.get("BitsAllocated", 16)) or 16)
    signed = int(ds.get("PixelRepresentation", 0) or 0) == 1
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    slope = float(ds.get("RescaleSlope", 1.0) or 1.0)
    intercept = float(ds.get("RescaleIntercept", 0.0) or 0.0)
    a, b = lo * slope + intercept, hi * slope + intercept
    return (min(a, b), max(a, b))


@dataclass
class DrPixels:
    """Linear-sense pixel values of one image and how they were obtained."""

    values: np.ndarray  # float32 (rows, cols); larger = more exposure
    intent: str
    inverted: bool
    voi_lut: bool


def linear_values(image: Image, step: int = 1) -> DrPixels:
    """The image's modality values, inverted for MONOCHROME1 so that signal rises with exposure.

    Inversion is about the stored range (lowest + highest representable value − v), so
    that a MONOCHROME1 copy of a MONOCHROME2 image gives back the same numbers. ``step``
    > 1 returns every step-th row and column only (a cheap look at a large image).
    """
    ds = image.ds
    inverted = str(ds.get("PhotometricInterpretation", "MONOCHROME2")).strip() == "MONOCHROME1"
    arr = image.array if step == 1 else image.array[::step, ::step]
    if inverted:
        lo, hi = stored_range(ds)
        arr = np.float32(lo + hi) - arr
    return DrPixels(values=arr, intent=intent(ds), inverted=inverted, voi_lut=has_voi_lut(ds))


def _num(ds: Dataset, key: str) -> float | None:
    v = ds.get(key)
    if v is None or v == "":
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def dose_indicators(ds: Dataset) -> dict[str, float]:
    """The detector dose indicators the header carries (standard attributes only).

    IEC 62494-1: Exposure Index (0018,1411), Target Exposure Index (0018,1412),
    Deviation Index (0018,1413). Vendor indicators that DICOM gives a public home:
    Relative X-Ray Exposure (0018,1405; e.g. Carestream EI, Philips EI) and Sensitivity
    (0018,6000; Fujifilm S value, inversely proportional to kerma).
    """
    out = {}
    for key, name in (
        ("ExposureIndex", "exposure_index"),
        ("TargetExposureIndex", "target_exposure_index"),
        ("DeviationIndex", "deviation_index"),
        ("RelativeXRayExposure", "relative_xray_exposure"),
        ("Sensitivity", "sensitivity"),
    ):
        v = _num(ds, key)
        if v is not None:
            out[name] = v
    return out


def acquisition_time(image: Image):
    """Acquisition (else content) date-time of the image as a :class:`datetime.datetime`, or None."""
    import datetime as dt

    ds = image.ds
    text = str(ds.get("AcquisitionDateTime", "") or "").strip()
    if not text:
        date = str(ds.get("AcquisitionDate", "") or ds.get("ContentDate", "") or "").strip()
        time_ = str(ds.get("AcquisitionTime", "") or ds.get("ContentTime", "") or "").strip()
        if not date or not time_:
            return None
        text = date + time_
    text = text.split("+")[0].split("-")[0]
    main, _, frac = text.partition(".")
    try:
        t = dt.datetime.strptime(main[:14].ljust(14, "0"), "%Y%m%d%H%M%S")
    except ValueError:
        return None
    return t + dt.timedelta(microseconds=int((frac + "000000")[:6])) if frac.isdigit() else t


def acquisition_key(image: Image) -> tuple:
    """A sort key giving acquisition order: date-time, then time, then instance number."""
    ds = image.ds
    adt = str(ds.get("AcquisitionDateTime", "") or "")
    if not adt:
        adt = str(ds.get("AcquisitionDate", "") or ds.get("ContentDate", "") or "") + str(
            ds.get("AcquisitionTime", "") or ds.get("ContentTime", "") or ""
        )
    return (adt, image.instance_number or 0, image.path)

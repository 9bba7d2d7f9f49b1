"""Detector dose indicator (探测器剂量指示, WS 76-2020) and typed-in DR results.

DDI: three exposures at ≈10 µGy. The indicator is the header's Exposure Index (IEC
62494-1), else a vendor indicator DICOM gives a public attribute (Relative X-Ray
Exposure, Sensitivity), else the mean pixel value of the central 10 × 10 cm ROI (as
WS 76-2020 says when a system has no DDI). Deviation:

* acceptance (measured kerma known, indicator is EI): calculated EI = 100 × K (IEC
  62494-1 calibration, RQA5) — dev = (calculated − measured)/measured × 100 %;
* otherwise against a baseline of the indicator (``options.baselines`` key
  ``exposure_index``, ``ddi`` or ``DR-EQ-PERF:exposure_index``) — dev = (mean − baseline)/baseline × 100 %.

Typed-in results (low-contrast detail, AEC) become the same :class:`Measurement`.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np

from huren.dicomio import DicomInputError, Image
from huren.result import Result

from .base import centre_px, check, fail, fit_size, measurement, new_result, rect_roi, takes_images
from .header import dose_indicators
from .stp import kerma_for

EI_PER_UGY = 100.0  # IEC 62494-1: EI = 100 × K (µGy) under the calibration beam
BASELINE_KEYS = ("DR-EQ-PERF:exposure_index", "exposure_index", "ddi", "DR-EQ-PERF:ddi")


def _indicator(image: Image) -> tuple[str, float | None]:
    ind = dose_indicators(image.ds)
    for name in ("exposure_index", "relative_xray_exposure", "sensitivity"):
        if name in ind:
            return name, ind[name]
    return "pixel_mean", None


@takes_images
def ddi(images: Sequence[Image], options=None) -> Result:
    """DDI deviation (%) on DR-EQ-PERF from the ≈10 µGy exposures, plus the indicator itself.

    Adds ``exposure_index`` (the mean indicator, the baseline of later status tests) and,
    when a reference exists, ``ddi_deviation``. Details list each image's indicators
    (EI, TEI, DI …) and kerma.
    """
    res = new_result(images)
    kerma = dict(getattr(options, "kerma_ugy", None) or {})
    baselines = dict(getattr(options, "baselines", None) or {})
    rows, used = [], []
    kind = None
    for im in images:
        try:
            px = check(im, "ddi", need_spacing=False)
        except DicomInputError as e:
            fail(res, e, "ddi")
            continue
        name, val = _indicator(im)
        if name == "pixel_mean":
            if im.spacing_source == "assumed":
                res.error(im.path, "图像既无剂量指示也无像素间距，无法计算探测器剂量指示",
                          "the image carries no dose indicator and no pixel spacing; no DDI can be formed", "ddi")
                continue
            st, _ = rect_roi(px.values, im, fit_size(im, 100.0), centre_px(im))
            val = st.mean
        if kind is None:
            kind = name
        if name != kind:
            res.error(im.path, "同组图像的剂量指示种类不同，已跳过", "this image's dose indicator differs from the others'; skipped", "ddi")
            continue
        k = kerma_for(im, kerma) if kerma else None
        rows.append({"path": im.path, "indicator": round(float(val), 4), "kerma_ugy": k, **dose_indicators(im.ds)})
        used.append(im)
    if not rows:
        return res
    mean = float(np.mean([r["indicator"] for r in rows]))
    details = {"indicator": kind, "images": rows, "mean_indicator": round(mean, 4)}
    if kind == "sensitivity":
        details["note"] = "Fujifilm S value: inversely proportional to kerma (S ≈ 200 at 10 µGy by maker's calibration)"
    res.add(measurement("DR-EQ-PERF", "exposure_index", round(mean, 4), "", "ddi", used, method=kind, details=dict(details)))
    ks = [r["kerma_ugy"] for r in rows]
    baseline = next((float(baselines[k]) for k in BASELINE_KEYS if k in baselines), None)
    if kind == "exposure_index" and all(k is not None and k > 0 for k in ks):
        calc = [EI_PER_UGY * k for k in ks]
        devs = [(c - r["indicator"]) / r["indicator"] * 100 for c, r in zip(calc, rows)]
        dev = float(np.mean(devs))
        details.update({"calculated": [round(c, 3) for c in calc], "deviations": [round(d, 4) for d in devs],
                        "formula": "(calculated − measured)/measured × 100 %, calculated EI = 100 × K"})
        method = "calculated"
    elif baseline:
        dev = (mean - baseline) / baseline * 100
        details.update({"indicator_baseline": baseline, "formula": "(mean − baseline)/baseline × 100 %"})
        method = "baseline"
    else:
        res.note("探测器剂量指示：未提供比释动能或基线值，仅记录指示值（可作为基线）",
                 "detector dose indicator: no kerma and no baseline given; the indicator is recorded (it can serve as the baseline)")
        return res
    res.add(measurement("DR-EQ-PERF", "ddi_deviation", round(dev, 4), "%", "ddi", used, method=method, details=details))
    if any("deviation_index" in r for r in rows):
        di = [r["deviation_index"] for r in rows if "deviation_index" in r]
        res.add(measurement("DR-EQ-PERF", "deviation_index", round(float(np.mean(di)), 4), "", "ddi", used,
                            method="iec-62494-1", details={"values": di}))
    return res


# ---------------------------------------------------------------- typed-in results
def _typed(metric: str, value: float, unit: str, method: str, details: dict, source: str = "") -> Result:
    res = new_result()
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        res.error(source or "-", "数值无效", "invalid value", metric)
        return res
    res.add(measurement("DR-EQ-PERF", metric, value, unit, metric, [], method=method,
                        details={**details, "source": source or None}))
    return res


def low_contrast_details(changed: int, *, observed: int | None = None, baseline: int | None = None, source: str = "") -> Result:
    """Low-contrast detail (低对比度细节): the number of details changed from the baseline (typed in).

    Give ``changed`` directly, or ``observed`` and ``baseline`` detail counts (changed =
    |observed − baseline|). WS 76-2020 status test: no more than 2 details changed.
    """
    if observed is not None and baseline is not None:
        changed = abs(int(observed) - int(baseline))
    return _typed("low_contrast_details_changed", int(changed), "", "typed",
                  {"observed": observed, "baseline": baseline}, source)


def aec_sensitivity(result: float, baseline: float, *, quantity: str = "mAs", source: str = "") -> Result:
    """AEC sensitivity (AEC 灵敏度): (result − baseline)/baseline × 100 %, result in mAs or DDI (typed in)."""
    if not baseline:
        res = new_result()
        res.error(source or "-", "AEC 灵敏度需要非零基线值", "AEC sensitivity needs a non-zero baseline", "aec")
        return res
    dev = (float(result) - float(baseline)) / float(baseline) * 100
    return _typed("aec_sensitivity_deviation", round(dev, 4), "%", "typed",
                  {"result": result, "baseline": baseline, "quantity": quantity, "signed_percent": round(dev, 4)}, source)


def aec_chamber_consistency(values: Mapping[str, float] | Sequence[float], *, quantity: str = "mAs", source: str = "") -> Result:
    """AEC chamber-to-chamber consistency: the largest |Xi − Xj|/(Xi + Xj) × 100 % over chamber pairs (typed in).

    WS 76-2020 writes dev_ij = (Xi − Xj)/(Xi + Xj); the value is the largest in magnitude
    (signed in details), each chamber's mAs or DDI in ``values``.
    """
    items = list(values.items()) if isinstance(values, Mapping) else [(str(i + 1), v) for i, v in enumerate(values)]
    if len(items) < 2:
        res = new_result()
        res.error(source or "-", "AEC 电离室一致性需要至少 2 个电离室的读数", "AEC chamber consistency needs 2 or more chambers", "aec")
        return res
    best = (0.0, None)
    for i in range(len(items)):
        for j in range(i + 1, len(items)):
            xi, xj = float(items[i][1]), float(items[j][1])
            d = (xi - xj) / (xi + xj) * 100
            if abs(d) >= abs(best[0]):
                best = (d, (items[i][0], items[j][0]))
    return _typed("aec_chamber_consistency", round(abs(best[0]), 4), "%", "typed",
                  {"values": dict(items), "pair": best[1], "signed_percent": round(best[0], 4), "quantity": quantity}, source)


def aec_kv_consistency(values: Mapping[str, float] | Sequence[float], baseline: float, *, quantity: str = "µGy",
                       source: str = "") -> Result:
    """AEC kV consistency: (mean over 70, 80, 90, 100 kV − baseline)/baseline × 100 % (typed in)."""
    v = list(values.values()) if isinstance(values, Mapping) else list(values)
    if not v or not baseline:
        res = new_result()
        res.error(source or "-", "AEC 管电压一致性需要各管电压的读数和基线值", "AEC kV consistency needs readings and a baseline", "aec")
        return res
    mean = float(np.mean([float(x) for x in v]))
    dev = (mean - float(baseline)) / float(baseline) * 100
    return _typed("aec_kv_consistency", round(dev, 4), "%", "typed",
                  {"values": dict(values) if isinstance(values, Mapping) else v, "mean": round(mean, 4),
                   "baseline": baseline, "quantity": quantity}, source)

"""Signal transfer property (信号传递特性, WS 76-2020): pixel value against detector air kerma.

The technologist exposes flat fields at about 1, 5, 10, 20 and 30 µGy and measures the
kerma at the detector surface; the mean pixel value P of a central ≈10 × 10 cm ROI of each
image is fitted against K with one of three models:

* ``linear``: P = a·K + b
* ``log``:    P = A + B·ln K
* ``power``:  P = c·K^n

R² = 1 − SS_res/SS_tot is computed on the pixel values for every model. Without a
model named (``options.extra['stp_model']``) the best R² wins; near-ties (within 1e-6)
go to the simpler reading in the order linear, log, power. The fit's inverse turns pixel
values into kerma ("linearised" values) for the other tests.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Sequence

import numpy as np

from huren.dicomio import Image
from huren.result import Result

from .base import centre_px, fit_size, measurement, new_result, prepare, rect_roi, takes_images
from .header import linear_values

MODELS = ("linear", "log", "power")


@dataclass(frozen=True)
class StpFit:
    """A fitted signal transfer property: P = f(K), K in µGy, P in pixel values."""

    model: str
    params: tuple[float, float]
    r2: float

    def to_pixel(self, kerma_ugy):
        k = np.asarray(kerma_ugy, dtype=float)
        p, q = self.params
        if self.model == "linear":
            return p * k + q
        if self.model == "log":
            with np.errstate(divide="ignore", invalid="ignore"):
                return p + q * np.log(k)
        return p * np.power(k, q)

    def to_kerma(self, pixel):
        """The inverse: kerma (µGy) that gives pixel value ``pixel`` (NaN where undefined)."""
        v = np.asarray(pixel, dtype=float)
        p, q = self.params
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            if self.model == "linear":
                return (v - q) / p
            if self.model == "log":
                return np.exp((v - p) / q)
            return np.where(v / p > 0, np.power(np.abs(v / p), 1.0 / q), np.nan)

    def formula(self) -> str:
        p, q = self.params
        if self.model == "linear":
            return f"P = {p:.6g}·K + {q:.6g}"
        if self.model == "log":
            return f"P = {p:.6g} + {q:.6g}·ln K"
        return f"P = {p:.6g}·K^{q:.6g}"


def _r2(y: np.ndarray, yhat: np.ndarray) -> float:
    ss_res = float(np.sum((y - yhat) ** 2))
    ss_tot = float(np.sum((y - y.mean()) ** 2))
    return 1.0 - ss_res / ss_tot if ss_tot > 0 else float("nan")


def fit_model(kerma: Sequence[float], pixel: Sequence[float], model: str) -> StpFit | None:
    """Least-squares fit of one model; None where it cannot apply (e.g. log of K ≤ 0)."""
    k, p = np.asarray(kerma, dtype=float), np.asarray(pixel, dtype=float)
    if model == "linear":
        a, b = np.polyfit(k, p, 1)
        params = (float(a), float(b))
    elif model == "log":
        if np.any(k <= 0):
            return None
        bb, aa = np.polyfit(np.log(k), p, 1)
        params = (float(aa), float(bb))
    elif model == "power":
        if np.any(k <= 0) or np.any(p <= 0):
            return None
        from scipy.optimize import curve_fit  # imported here: only the power model needs it

        n0, lc0 = np.polyfit(np.log(k), np.log(p), 1)
        try:
            (c, n), _ = curve_fit(lambda x, c, n: c * np.power(x, n), k, p, p0=(math.exp(lc0), n0), maxfev=5000)
        except (RuntimeError, ValueError):
            c, n = math.exp(lc0), n0
        params = (float(c), float(n))
    else:
        raise ValueError(f"unknown STP model {model!r}; use one of {', '.join(MODELS)}")
    fit = StpFit(model, params, 0.0)
    return StpFit(model, params, _r2(p, fit.to_pixel(k)))


def fit_stp(kerma: Sequence[float], pixel: Sequence[float], model: str | None = None) -> tuple[StpFit, dict[str, float]]:
    """The chosen fit and the R² of every model that applies."""
    fits = {m: f for m in MODELS if (f := fit_model(kerma, pixel, m)) is not None}
    r2 = {m: round(f.r2, 8) for m, f in fits.items()}
    if model:
        if model not in fits:
            raise ValueError(f"model {model!r} does not apply to these values")
        return fits[model], r2
    best = max(f.r2 for f in fits.values())
    for m in MODELS:  # simplest reading first among near-ties
        if m in fits and fits[m].r2 >= best - 1e-6:
            return fits[m], r2
    raise AssertionError("unreachable")


def kerma_for(image: Image, kerma: Mapping[str, float]) -> float | None:
    """The user's measured kerma (µGy) for ``image``: keyed by file name, full path or SOP Instance UID."""
    for key in (Path(image.path.split("!")[-1]).name, image.path, image.sop_instance_uid, Path(image.path).name):
        if key in kerma:
            return float(kerma[key])
    return None


@takes_images
def signal_transfer(images: Sequence[Image], kerma: Mapping[str, float] | Sequence[float], *, model: str | None = None,
                    options=None) -> tuple[Result, StpFit | None]:
    """Signal transfer property (WS 76-2020): fit of the central-ROI mean against measured kerma.

    ``kerma`` maps file name (or SOP Instance UID) to the measured detector kerma in µGy,
    or lists it in the order of ``images``. Returns the result (``stp_r2`` on DR-QC-STP,
    the model in ``method``) and the fit (None when it could not be made).
    """
    res = new_result(images)
    pts: list[tuple] = []  # (kerma µGy, ROI mean, image, ROI record)
    for i, im in enumerate(images):
        k = (float(kerma[i]) if i < len(kerma) else None) if isinstance(kerma, (list, tuple)) else kerma_for(im, kerma)
        if k is None:
            res.error(im.path, "未提供该图像的探测器入射空气比释动能（--kerma），不能用于信号传递特性",
                      "no measured detector air kerma for this image (--kerma); not used for the signal transfer property", "stp")
            continue
        px = prepare(res, im, "stp")
        if px is None:
            continue
        st, roi = rect_roi(px.values, im, fit_size(im, 100.0), centre_px(im), label=f"{k:g} µGy")
        pts.append((k, st.mean, im, roi))
    if len({p[0] for p in pts}) < 3:
        res.error(", ".join(im.path for im in images) or "-",
                  "信号传递特性需要至少 3 个不同比释动能的平场图像（如 1、5、10、20、30 µGy）",
                  "the signal transfer property needs flat fields at 3 or more different kerma values (e.g. 1, 5, 10, 20, 30 µGy)", "stp")
        return res, None
    pts.sort(key=lambda p: p[0])
    k = np.array([p[0] for p in pts])
    v = np.array([p[1] for p in pts])
    try:
        fit, r2s = fit_stp(k, v, model)
    except ValueError as e:
        res.error(", ".join(p[2].path for p in pts), f"信号传递特性拟合失败：{e}", f"signal transfer fit failed: {e}", "stp")
        return res, None
    details = {
        "model": fit.model, "formula": fit.formula(), "params": [round(x, 8) for x in fit.params],
        "r2_by_model": r2s, "chosen": "user" if model else "best R²",
        "points": [{"kerma_ugy": p[0], "mean": round(p[1], 4), "path": p[2].path} for p in pts],
        "roi_size_mm": list(pts[0][3].size_mm),
    }
    res.add(measurement("DR-QC-STP", "stp_r2", round(fit.r2, 6), "", "stp", [p[2] for p in pts], method=fit.model,
                        rois=[p[3] for p in pts], details=details))
    mid = pts[len(pts) // 2]
    # pixel values are not kept per point (MONOCHROME1 values are copies): the figure's are made here
    res.figures["stp"] = {"image": mid[2], "values": linear_values(mid[2]).values, "rois": [mid[3]], "kerma": k, "mean": v,
                          "fit": fit}
    return res, fit

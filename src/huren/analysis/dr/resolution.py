"""Spatial tests of WS 76-2020 on DR images: edge MTF, bar-pattern limiting resolution, distance error.

* ``edge_mtf``: presampled MTF of a slanted tungsten edge by the IEC 62220-1-1 method
  (:mod:`huren.analysis.core.edge`); MTF50 and MTF10 in lp/mm on DR-EQ-PERF.
* ``bar_resolution``: limiting spatial resolution (极限空间分辨力) from a line-pair test
  pattern whose group frequencies the user states; the highest group, counted up from the
  lowest, whose bar modulation stands clear of the noise.
* ``distance``: distance error (测距误差) E = (Dm − D0)/D0 × 100 %, from a lead ruler's
  graduations found in the image, or from distances the user measured.
Each result's details carry the Nyquist frequency 1/(2·pixel pitch), from Pixel Spacing
or, when absent, Imager Pixel Spacing (0018,1164).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

from huren.analysis.core.edge import slanted_edge_mtf
from huren.analysis.core.roi import roi_record
from huren.dicomio import Image
from huren.result import Result

from .base import measurement, new_result, prepare, takes_image

MIN_MODULATION = 0.05  # a group counts as resolved when its bar modulation is ≥ 5 % …
MIN_SIGNIFICANCE = 5.0  # … and ≥ 5 × the noise of that modulation estimate


def nyquist(image: Image) -> dict:
    """Nyquist frequency (lp/mm) along rows and columns, and which spacing tag it rests on.

    ``nyquist_lp_mm`` (the coarser axis) is the reference of a "≥ 80 % of f_Nyquist"
    criterion; ``maker_lp_mm`` (when given) that of "≥ 90 % of the maker's value".
    """
    sy, sx = image.spacing
    return {"nyquist_lp_mm": round(1 / (2 * max(sx, sy)), 4), "nyquist_x_lp_mm": round(1 / (2 * sx), 4),
            "nyquist_y_lp_mm": round(1 / (2 * sy), 4), "spacing_source": image.spacing_source}


def _maker(options) -> dict:
    extra = getattr(options, "extra", None) or {}
    out = {}
    if "maker_lp_mm" in extra:
        quoted = float(extra["maker_lp_mm"])
        out["maker_lp_mm"] = quoted
        if str(extra.get("maker_at_45", "")).strip().lower() in ("1", "1.0", "true", "yes", "y"):
            # a maker's figure quoted along the diagonal is 1.414 × the row/column value
            # (WS 76-2020); maker_lp_mm is the figure to compare a row/column result with
            out["maker_lp_mm"] = round(quoted / 1.414, 4)
            out["maker_lp_mm_as_quoted_45deg"] = quoted
    return out


@takes_image
def edge_mtf(image: Image, options=None, *, stp=None) -> Result:
    """Presampled MTF of a slanted edge (IEC 62220-1-1): ``mtf50`` and ``mtf10`` (lp/mm) on DR-EQ-PERF.

    With ``stp`` the pixel values are linearised to kerma first (IEC 62220-1 asks for
    linearised data). Details: edge angle, orientation, ROI, Nyquist frequency, the
    maker's figure when given (``options.extra['maker_lp_mm']``).
    """
    res = new_result([image])
    px = prepare(res, image, "mtf")
    if px is None:
        return res
    try:
        e = slanted_edge_mtf(px.values, image.spacing, linearise=stp.to_kerma if stp is not None else None)
    except ValueError as err:
        res.error(image.path, f"未能在图像中找到可用的倾斜刃边：{err}", f"no usable slanted edge in the image: {err}", "mtf")
        return res
    r0, r1, c0, c1 = e.roi
    roi = roi_record(image, ((c0 + c1 - 1) / 2, (r0 + r1 - 1) / 2),
                     size_mm=(round((c1 - c0) * image.spacing[1], 2), round((r1 - r0) * image.spacing[0], 2)), label="edge ROI")
    details = {"edge_angle_deg": round(e.angle_deg, 3), "orientation": e.orientation, "esf_bin_mm": round(e.bin_mm, 5),
               "linearised": stp is not None, "pixel_data": px.intent, **nyquist(image), **_maker(options),
               "mtf_at": {f"{f:g}": round(e.curve.value_at(f), 4) for f in (0.5, 1.0, 1.5, 2.0, 2.5, 3.0, 3.5, 4.0)
                          if f <= e.curve.freq[-1]}}
    if not 1.0 <= abs(e.angle_deg) <= 10.0:
        res.note(f"刃边倾角 {e.angle_deg:.1f}°，IEC 62220-1 建议 1.5°–3°",
                 f"edge angle {e.angle_deg:.1f}°; IEC 62220-1 recommends 1.5°–3°")
    for metric, val in (("mtf50", e.mtf50), ("mtf10", e.mtf10)):
        if val is None:
            res.error(image.path, f"MTF 在计算范围内未降到 {metric[3:]}%", f"the MTF does not fall to {metric[3:]} % in range", "mtf")
            continue
        res.add(measurement("DR-EQ-PERF", metric, round(val, 4), "lp/mm", "mtf", [image], method="slanted-edge",
                            rois=[roi], details=dict(details)))
    res.figures["mtf"] = {"image": image, "values": px.values, "rois": [roi], "curve": e.curve, "nyquist": e.nyquist}
    return res


# ---------------------------------------------------------------- bar pattern / ruler profiles
def _band_profile(values: np.ndarray) -> tuple[np.ndarray, str, tuple[int, int]]:
    """The profile across periodic structure: the axis and band with the most pixel-to-pixel variation.

    Returns (profile along the structure, ``x`` or ``y``, (first, last+1) of the band).
    """
    best = None
    for axis in ("x", "y"):
        a = values if axis == "x" else values.T
        act = np.abs(np.diff(a.astype(np.float32), axis=1)).mean(axis=1)
        act = ndimage.median_filter(act, size=5, mode="nearest")
        base = float(np.percentile(act, 10))  # the band may cover more than half the image
        lit = act > base + 0.5 * (act.max() - base)
        lab, n = ndimage.label(lit)
        if n == 0:
            continue
        sizes = np.bincount(lab.ravel())[1:]
        k = int(np.argmax(sizes)) + 1
        idx = np.nonzero(lab == k)[0]
        lo, hi = idx[0], idx[-1] + 1
        strength = (act[lo:hi].mean() - base) / (base or 1.0)
        if best is None or strength > best[0]:
            m = (hi - lo) // 5  # the central 60 % of the band, away from its edges
            prof = a[lo + m: hi - m if hi - m > lo + m else hi].astype(np.float64).mean(axis=0)
            best = (strength, prof, axis, (int(lo), int(hi)))
    if best is None:
        raise ValueError("no periodic structure found / 未找到周期结构")
    return best[1], best[2], best[3]


def _find_profile(res: Result, image: Image, what_zh: str, what_en: str, test: str):
    """(pixels, profile, axis, band) of a ruler or bar image, or None with the reason recorded in ``res``."""
    px = prepare(res, image, test)
    if px is None:
        return None
    try:
        return (px, *_band_profile(px.values))
    except ValueError as err:
        res.error(image.path, f"未找到{what_zh}：{err}", f"no {what_en} found: {err}", test)
        return None


def _parse_freqs(v) -> list[float]:
    if isinstance(v, str):
        return [float(x) for x in v.replace(";", ",").split(",") if x.strip()]
    if isinstance(v, (int, float)):
        return [float(v)]
    return [float(x) for x in v]


@takes_image
def bar_resolution(image: Image, frequencies: Sequence[float] | str | None = None, options=None) -> Result:
    """Limiting spatial resolution (lp/mm) from a bar-pattern image (WS 76-2020 极限空间分辨力).

    ``frequencies``: the pattern's group frequencies in lp/mm (the user states the pattern;
    also ``options.extra['bar_frequencies']``), groups laid out in a row in order of
    frequency. The groups are segmented along the profile; each group's modulation is the
    amplitude of its fundamental divided by that of a full-contrast square wave
    ((4/π)·(open − lead)/2, levels from the gaps and the coarsest group). A group is
    resolved at ≥ 5 % modulation and ≥ 5 noise SDs of that estimate; above Nyquist a group
    aliases and is not counted. ``limiting_resolution`` is the highest group resolved with
    all coarser ones.
    """
    res = new_result([image])
    extra = getattr(options, "extra", None) or {}
    if frequencies is None:
        frequencies = extra.get("bar_frequencies")
    if not frequencies:
        res.error(image.path, "请说明线对卡的线对组频率（--set bar_frequencies=0.6,0.7,…）",
                  "state the bar pattern's group frequencies (--set bar_frequencies=0.6,0.7,…)", "resolution")
        return res
    freqs = sorted(_parse_freqs(frequencies))
    found = _find_profile(res, image, "线对卡", "bar pattern", "resolution")
    if found is None:
        return res
    px, prof, axis, band = found
    step = image.spacing[1] if axis == "x" else image.spacing[0]
    nyq = 1 / (2 * step)
    open_level = float(np.percentile(prof, 95))
    # segment groups: where the smoothed profile sits well below the open level; close
    # the spaces between the bars of the coarsest group
    smooth = ndimage.uniform_filter1d(prof, max(3, int(round(0.25 / freqs[0] / step))))
    low = smooth < open_level - 0.2 * (open_level - smooth.min())
    low = ndimage.binary_closing(low, structure=np.ones(max(3, int(round(0.75 / freqs[0] / step))), bool))
    lab, n = ndimage.label(low)
    segs = [(s[0].start, s[0].stop) for s in ndimage.find_objects(lab)]
    segs = [s for s in segs if s[1] - s[0] >= 3]
    if len(segs) != len(freqs):
        res.error(image.path, f"线对组数目不符：图像中找到 {len(segs)} 组，说明的频率有 {len(freqs)} 个",
                  f"group count mismatch: {len(segs)} groups found in the image, {len(freqs)} frequencies stated", "resolution")
        return res
    # coarser groups are wider (same number of bars): order the frequencies to match
    if (segs[0][1] - segs[0][0]) < (segs[-1][1] - segs[-1][0]):
        segs = segs[::-1]
    lead = float(prof[segs[0][0]:segs[0][1]].min())
    gaps = np.ones(prof.size, bool)
    for a, b in segs:
        gaps[max(a - 2, 0): b + 2] = False
    noise = float(np.std(np.diff(prof[gaps])) / np.sqrt(2)) if gaps.sum() > 4 else 0.0
    full = 4 / np.pi * (open_level - lead) / 2
    groups, limit = [], None
    chain = True
    for f, (a, b) in zip(freqs, segs):
        # leave out half a bar at each end, where the group's own outline (blurred) sits
        t = int(round(0.25 / f / step))
        a2, b2 = (a + t, b - t) if b - a - 2 * t >= 6 else (a, b)
        x = (np.arange(a2, b2) + 0.5) * step
        u = (x - x.mean()) / (float(np.ptp(x)) or 1.0)
        # fundamental amplitude by least squares on cos and sin at f (any phase), beside a
        # quadratic background for what is left of the outline
        basis = np.stack([np.cos(2 * np.pi * f * x), np.sin(2 * np.pi * f * x), np.ones_like(u), u, u * u], axis=1)
        coef, *_ = np.linalg.lstsq(basis, prof[a2:b2], rcond=None)
        amp = float(np.hypot(coef[0], coef[1]))
        sig = noise * np.sqrt(2 / max(b2 - a2, 1))
        mod = amp / full if full > 0 else 0.0
        resolved = bool(f <= nyq and mod >= MIN_MODULATION and amp >= MIN_SIGNIFICANCE * sig)
        chain = chain and resolved
        if chain:
            limit = f
        centre = (a + b - 1) / 2
        groups.append({"freq_lp_mm": f, "modulation": round(mod, 4), "significance": round(amp / sig, 1) if sig > 0 else None,
                       "resolved": resolved, "above_nyquist": f > nyq, "start_px": int(a), "stop_px": int(b),
                       "centre_px": round(centre, 1)})
    lo, hi = band
    c = ((segs[0][0] + segs[-1][1]) / 2, (lo + hi - 1) / 2) if axis == "x" else ((lo + hi - 1) / 2, (segs[0][0] + segs[-1][1]) / 2)
    roi = roi_record(image, c, size_mm=(abs(segs[-1][1] - segs[0][0]) * step, (hi - lo) * step) if axis == "x"
                     else ((hi - lo) * step, abs(segs[-1][1] - segs[0][0]) * step), label="bar pattern")
    details = {"groups": groups, "profile_axis": axis, "pixel_data": px.intent, **nyquist(image), **_maker(options),
               "settings": {"min_modulation": MIN_MODULATION, "min_significance": MIN_SIGNIFICANCE}}
    if limit is None:
        res.error(image.path, "最粗的线对组也未能分辨", "not even the coarsest bar group is resolved", "resolution")
        return res
    res.add(measurement("DR-EQ-PERF", "limiting_resolution", limit, "lp/mm", "resolution", [image], method="bar-pattern",
                        rois=[roi], details=details))
    res.figures["resolution"] = {"image": image, "values": px.values, "rois": [roi]}
    return res


def _ruler_ticks(prof: np.ndarray) -> np.ndarray:
    """Sub-pixel positions (px) of the lead ticks (dips) of a ruler profile."""
    from scipy.signal import find_peaks  # imported here: scipy.signal costs ~0.4 s to import

    base = ndimage.median_filter(prof, size=max(31, prof.size // 8) | 1, mode="nearest")
    depth = base - prof
    noise = 1.4826 * np.median(np.abs(np.diff(prof))) / np.sqrt(2) + 1e-9
    peaks, _ = find_peaks(depth, prominence=max(8 * noise, 0.05 * float(np.max(depth))), distance=3)
    out = []
    for p in peaks:
        half = depth[p] / 2
        lo = p
        while lo > 0 and depth[lo - 1] > half:
            lo -= 1
        hi = p
        while hi < depth.size - 1 and depth[hi + 1] > half:
            hi += 1
        w = depth[lo: hi + 1]
        out.append(float((w * np.arange(lo, hi + 1)).sum() / w.sum()))
    return np.array(out)


@takes_image
def distance(image: Image, options=None, *, graduation_mm: float | None = None) -> Result:
    """Distance error (WS 76-2020 测距误差) from a lead-ruler image: E = (Dm − D0)/D0 × 100 %.

    The ruler's ticks (every ``graduation_mm``, default 10 mm or
    ``options.extra['ruler_graduation_mm']``) are found along the band of strongest
    periodic structure; a straight line through tick position against graduation number
    gives the measured graduation pitch, Dm over the whole span. When the ruler lay on the
    table, ``focus_ruler_mm`` and ``sid_mm`` (options.extra) correct Dm by × focus-to-ruler
    / SID. WS 76-2020 asks for a span of at least 10 cm.
    """
    res = new_result([image])
    extra = getattr(options, "extra", None) or {}
    grad = float(graduation_mm or extra.get("ruler_graduation_mm", 10.0))
    found = _find_profile(res, image, "铅尺", "lead ruler", "distance")
    if found is None:
        return res
    px, prof, axis, band = found
    ticks = _ruler_ticks(prof)
    if ticks.size < 3:
        res.error(image.path, "铅尺刻度少于 3 个，无法测距", "fewer than 3 ruler graduations found", "distance")
        return res
    d = np.diff(ticks)
    pitch0 = float(np.median(d))
    k = np.concatenate([[0], np.cumsum(np.maximum(np.rint(d / pitch0), 1))])  # graduation numbers (gaps allowed)
    slope, icpt = np.polyfit(k, ticks, 1)
    step = image.spacing[1] if axis == "x" else image.spacing[0]
    span = float(k[-1] - k[0])
    pitch_mm = slope * step
    if abs(pitch_mm / grad - 1) > 0.25:
        # far beyond any magnification: the ruler's graduation is not the one assumed
        res.error(image.path, f"铅尺刻度间距测得 {pitch_mm:.2f} mm，与设定的 {grad:g} mm 不符；请用 --set ruler_graduation_mm= 说明刻度",
                  f"ruler ticks measured {pitch_mm:.2f} mm apart, not the {grad:g} mm assumed; state it with --set ruler_graduation_mm=",
                  "distance")
        return res
    dm = span * pitch_mm
    corr = 1.0
    if "focus_ruler_mm" in extra and "sid_mm" in extra:
        corr = float(extra["focus_ruler_mm"]) / float(extra["sid_mm"])
        dm *= corr
    d0 = span * grad
    err = (dm - d0) / d0 * 100
    lo, hi = band
    along = (ticks[0] + ticks[-1]) / 2
    c = (along, (lo + hi - 1) / 2) if axis == "x" else ((lo + hi - 1) / 2, along)
    roi = roi_record(image, c, size_mm=(dm, (hi - lo) * step) if axis == "x" else ((hi - lo) * step, dm), label="ruler")
    details = {"measured_mm": round(dm, 3), "true_mm": round(d0, 3), "graduation_mm": grad, "ticks": int(ticks.size),
               "pitch_px": round(float(slope), 4), "axis": axis, "table_correction": round(corr, 5),
               "spacing_source": image.spacing_source, "signed_percent": round(err, 4)}
    if d0 < 100:
        res.note(f"测距跨度 {d0:.0f} mm，WS 76-2020 要求至少 100 mm", f"measured span {d0:.0f} mm; WS 76-2020 asks for at least 100 mm")
    res.add(measurement("DR-EQ-PERF", "distance_error", round(err, 4), "%", "distance", [image], method="ruler-image",
                        rois=[roi], details=details))
    res.figures["distance"] = {"image": image, "values": px.values, "rois": [roi]}
    return res


def distance_typed(measured_mm: float, true_mm: float, *, focus_ruler_mm: float | None = None,
                   sid_mm: float | None = None, source: str = "") -> Result:
    """Distance error from distances the user measured on the workstation: (Dm − D0)/D0 × 100 %.

    With ``focus_ruler_mm`` and ``sid_mm`` (ruler on the table) Dm is corrected first:
    Dm × focus-to-ruler / SID (WS 76-2020).
    """
    res = new_result()
    if true_mm <= 0 or measured_mm <= 0:
        res.error(source or "-", "测距数值必须为正数", "distances must be positive", "distance")
        return res
    corr = (focus_ruler_mm / sid_mm) if focus_ruler_mm and sid_mm else 1.0
    dm = measured_mm * corr
    err = (dm - true_mm) / true_mm * 100
    res.add(measurement("DR-EQ-PERF", "distance_error", round(err, 4), "%", "distance", [], method="typed",
                        details={"measured_mm": measured_mm, "true_mm": true_mm, "table_correction": round(corr, 5),
                                 "signed_percent": round(err, 4), "source": source or None}))
    return res

"""High-contrast resolution (WS 519-2019 high-contrast clause): MTF from a point, and from bar groups.

* Point (wire seen end-on, or a bead): the PSF is cropped round its peak, the
  background (median of the crop's rim) removed, and summed along rows and along
  columns to give two line spread functions; each LSF's Fourier magnitude,
  normalised at f = 0, is the MTF (ICRU 87; Boone, Med. Phys. 2001). The two are
  averaged, and several slices are averaged when given. A wire of known diameter
  may be divided out (its own transfer function 2·J1(πdf)/(πdf)).
* Bars: the amplitude of the fundamental of each line-pair group is found by a
  least-squares sine fit at the group's known frequency along a profile across the
  bars ("lock-in"); a square wave of contrast C₀ has a fundamental of amplitude
  (2/π)·C₀, so MTF(f) = π·A(f)/(2·C₀); C₀ comes from the pattern's own mean (blur
  keeps the mean), so no bar plateau is needed.
  A group is *resolved* when its fitted amplitude exceeds 3 standard errors of the
  fit (a stated detection criterion, not a pass/fail limit).
"""

from __future__ import annotations

import numpy as np
from scipy import ndimage as ndi
from scipy import special

from huren.analysis.core.mtf import MtfCurve, mtf_from_lsf, radial_esf

PAD = 2048


def find_point(array: np.ndarray, near_px: tuple[float, float] | None = None, search_px: float | None = None) -> tuple[float, float]:
    """The brightest point (col, row) after light smoothing, optionally within ``search_px`` of ``near_px``."""
    sm = ndi.gaussian_filter(np.asarray(array, dtype=np.float32), 1.0)
    if near_px is not None and search_px is not None:
        rows, cols = np.ogrid[: sm.shape[0], : sm.shape[1]]
        far = (cols - near_px[0]) ** 2 + (rows - near_px[1]) ** 2 > search_px**2
        sm = np.where(far, -np.inf, sm)
    r, c = np.unravel_index(int(np.argmax(sm)), sm.shape)
    return float(c), float(r)


def point_lsfs(array: np.ndarray, centre_px: tuple[float, float], half_px: int) -> tuple[np.ndarray, np.ndarray, float]:
    """Line spread functions (x, y) of a point source in a (2·half+1)² crop; returns (lsf_x, lsf_y, background)."""
    c, r = int(round(centre_px[0])), int(round(centre_px[1]))
    r0, r1 = max(r - half_px, 0), min(r + half_px + 1, array.shape[0])
    c0, c1 = max(c - half_px, 0), min(c + half_px + 1, array.shape[1])
    crop = np.asarray(array[r0:r1, c0:c1], dtype=np.float64)
    yy, xx = np.mgrid[r0:r1, c0:c1]
    rr = np.hypot(xx - centre_px[0], yy - centre_px[1])
    rim = (rr > 0.7 * half_px) & (rr <= half_px)
    bg = float(np.median(crop[rim])) if rim.any() else 0.0
    crop = crop - bg
    crop[rr > half_px] = 0.0  # a round crop keeps corners' noise out of the LSFs
    return crop.sum(axis=0), crop.sum(axis=1), bg


def wire_transfer(freq_lp_mm: np.ndarray, diameter_mm: float) -> np.ndarray:
    """Transfer function of a uniform round wire cross-section: 2·J1(πdf)/(πdf)."""
    x = np.pi * diameter_mm * np.asarray(freq_lp_mm)
    with np.errstate(invalid="ignore", divide="ignore"):
        t = np.where(x > 1e-9, 2 * special.j1(x) / x, 1.0)
    return t


def point_mtf_noise(array: np.ndarray, centre_px: tuple[float, float], pixel_mm: float, *, half_mm: float = 6.0) -> float:
    """The expected noise (1 SD) of a point source's MTF from one slice, as :func:`point_mtf` crops it:
    σ·√N / S / √2 — N pixels of noise σ (the robust SD of the crop's rim) in the round crop, over the
    point's integral S (the crop's sum after the background), the x and y LSFs averaged. White-noise
    approximation; ∞ when the point carries no signal."""
    half_px = max(int(round(half_mm / pixel_mm)), 12)
    c, r = int(round(centre_px[0])), int(round(centre_px[1]))
    r0, r1 = max(r - half_px, 0), min(r + half_px + 1, array.shape[0])
    c0, c1 = max(c - half_px, 0), min(c + half_px + 1, array.shape[1])
    crop = np.asarray(array[r0:r1, c0:c1], dtype=np.float64)
    yy, xx = np.mgrid[r0:r1, c0:c1]
    rr = np.hypot(xx - centre_px[0], yy - centre_px[1])
    rim = crop[(rr > 0.7 * half_px) & (rr <= half_px)]
    if rim.size < 8:
        return float("inf")
    bg = float(np.median(rim))
    sd = 1.4826 * float(np.median(np.abs(rim - bg)))
    inside = rr <= half_px
    signal = float(np.sum(crop[inside] - bg))
    if signal <= 0:
        return float("inf")
    return sd * float(np.sqrt(inside.sum())) / signal / np.sqrt(2.0)


def point_mtf(images_arrays: list[np.ndarray], centres_px: list[tuple[float, float]], pixel_mm: float, *,
              half_mm: float = 6.0, wire_diameter_mm: float = 0.0) -> tuple[MtfCurve, list[dict]]:
    """MTF (lp/mm) from a point source seen in one or more slices, averaged over x, y and slices.

    Returns the curve and per-slice figures (MTF50, MTF10 in lp/cm).
    """
    half_px = max(int(round(half_mm / pixel_mm)), 12)
    curves, per = [], []
    freq = np.fft.rfftfreq(PAD, d=pixel_mm)
    for arr, cen in zip(images_arrays, centres_px):
        lx, ly, bg = point_lsfs(arr, cen, half_px)
        # the background was removed in 2-D from the crop's rim; a second 1-D baseline from a few
        # noisy end samples would add a pedestal that biases the whole curve, so none is taken here
        m = (_lsf_mtf(lx) + _lsf_mtf(ly)) / 2
        if wire_diameter_mm > 0:
            t = wire_transfer(freq, wire_diameter_mm)
            m = np.where(t > 0.2, m / np.maximum(t, 1e-9), m)
        c = MtfCurve(freq, m)
        curves.append(c)
        per.append({"centre_px": [round(cen[0], 2), round(cen[1], 2)], "background": round(bg, 2),
                    "mtf50_lp_cm": _lpcm(c.at_level(0.5)), "mtf10_lp_cm": _lpcm(c.at_level(0.1))})
    mean = MtfCurve(curves[0].freq, np.mean([c.mtf for c in curves], axis=0))
    return mean, per


def edge_mtf(array: np.ndarray, centre_px: tuple[float, float], pixel_mm: float, radius_mm: float, *,
             margin_mm: float = 5.0, bin_px: float = 0.1) -> tuple[MtfCurve, dict] | None:
    """MTF (lp/mm) from the circular edge of a high-contrast insert (e.g. Catphan Teflon).

    Pixels are binned by their distance from the insert's centre (oversampled radial
    ESF, AAPM TG-233 / Richard et al. 2012 "task-based MTF"); its derivative is the LSF,
    Hann-windowed about the edge, and its Fourier magnitude the MTF. Valid while the
    radius is large against the PSF (here 6 mm against well under 1 mm).
    """
    r_max_px = (radius_mm + margin_mm) / pixel_mm
    radii, esf = radial_esf(array, centre_px, r_max_px, bin_px)
    if esf.size < 16:
        return None
    lsf = -np.gradient(esf)  # the edge falls outwards
    contrast = float(np.median(esf[radii < 0.6 * radius_mm / pixel_mm]) - np.median(esf[radii > (radius_mm + 2.5) / pixel_mm]))
    if abs(contrast) < 50:
        return None
    curve = mtf_from_lsf(lsf * np.sign(contrast), bin_px * pixel_mm, window=True, pad_to=PAD)
    keep = curve.freq <= 0.5 / pixel_mm  # beyond the pixel Nyquist frequency the oversampled curve is not trusted
    curve = MtfCurve(curve.freq[keep], curve.mtf[keep])
    return curve, {"centre_px": (round(centre_px[0], 2), round(centre_px[1], 2)), "r_max_mm": round(radius_mm + margin_mm, 2),
                   "edge_contrast_hu": round(contrast, 1), "bin_px": bin_px}


def _lsf_mtf(lsf: np.ndarray) -> np.ndarray:
    """|FFT| of a background-free LSF, normalised at f = 0, on ``PAD`` frequencies."""
    spec = np.abs(np.fft.rfft(lsf, n=PAD))
    return spec / spec[0] if spec[0] > 0 else spec


def _lpcm(v: float | None) -> float | None:
    return None if v is None else round(10 * v, 4)


def sine_amplitude(s_mm: np.ndarray, values: np.ndarray, freq_per_mm: float) -> tuple[float, float, float]:
    """Least-squares fit of a + b·cos(2πfs) + c·sin(2πfs) + d·s.

    Returns (amplitude √(b²+c²), its standard error, the mean level a).
    """
    w = 2 * np.pi * freq_per_mm * s_mm
    a = np.column_stack([np.ones_like(s_mm), np.cos(w), np.sin(w), s_mm - s_mm.mean()])
    coef, res, rank, _ = np.linalg.lstsq(a, values, rcond=None)
    amp = float(np.hypot(coef[1], coef[2]))
    dof = max(len(values) - 4, 1)
    resid = values - a @ coef
    s2 = float(resid @ resid) / dof
    try:
        cov = s2 * np.linalg.inv(a.T @ a)
        var = (cov[1, 1] + cov[2, 2]) / 2
        se = float(np.sqrt(var)) if var >= 0 and len(values) > 4 else float("nan")
    except np.linalg.LinAlgError:  # too few samples across a fine group on a coarse matrix
        se = float("nan")
    return amp, se, float(coef[0])


def bar_mtf(groups: list[dict], background_hu: float) -> tuple[MtfCurve, list[dict], str]:
    """MTF from line-pair groups: dicts with lp_cm, s_mm (positions along the profile, a whole number
    of periods), values; ``background_hu`` is the level of the material round the bars.

    Blur keeps a pattern's mean, so over whole periods of bars of 50 % duty cycle the mean is
    background + C₀/2: each group's own bar contrast is C₀ = 2·(mean − background), and
    MTF(f) = π·A(f) / (2·C₀). Returns the curve (lp/mm), a per-group table and a note.
    """
    table = []
    for g in groups:
        amp, se, level = sine_amplitude(np.asarray(g["s_mm"]), np.asarray(g["values"]), g["lp_cm"] / 10.0)
        c0 = 2 * (level - background_hu)
        table.append({"lp_cm": g["lp_cm"], "amplitude_hu": round(amp, 3), "se_hu": round(se, 3),
                      "bar_contrast_hu": round(c0, 2), "resolved": bool(np.isfinite(se) and amp > 3 * se),
                      "mtf": round(np.pi * amp / (2 * c0), 4) if c0 > 0 else None})
    note = "absolute: each group's bar contrast from its mean over whole periods (50 % duty cycle)"
    f = np.array([0.0] + [t["lp_cm"] / 10.0 for t in table])
    m = np.array([1.0] + [t["mtf"] or 0.0 for t in table])
    return MtfCurve(f, np.minimum(m, 1.0)), table, note


def resolved_lp_cm(table: list[dict]) -> float | None:
    """Highest group in the unbroken run of resolved groups from the lowest frequency."""
    best = None
    for t in sorted(table, key=lambda t: t["lp_cm"]):
        if not t["resolved"]:
            break
        best = t["lp_cm"]
    return best

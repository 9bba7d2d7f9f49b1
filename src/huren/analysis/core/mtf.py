"""Modulation transfer function from a point/wire (PSF), a line (LSF) or an edge (ESF).

Conventions: frequencies in cycles per mm (lp/mm); callers convert to lp/cm by ×10.
The MTF is normalised to 1 at zero frequency. References: IEC 62220-1-1:2015 (slanted
edge, 4× oversampling), ICRU 87 / Boone (wire PSF), AAPM TG-233 (task-based MTF).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class MtfCurve:
    """An MTF sampled at ``freq`` (lp/mm), normalised to 1 at zero frequency."""

    freq: np.ndarray
    mtf: np.ndarray

    def at_level(self, level: float) -> float | None:
        """The lowest frequency (lp/mm) where the MTF first falls to ``level`` (linear interpolation)."""
        below = np.nonzero(self.mtf <= level)[0]
        if below.size == 0:
            return None
        i = int(below[0])
        if i == 0:
            return float(self.freq[0])
        f0, f1, m0, m1 = self.freq[i - 1], self.freq[i], self.mtf[i - 1], self.mtf[i]
        if m0 == m1:
            return float(f1)
        return float(f0 + (m0 - level) * (f1 - f0) / (m0 - m1))

    def value_at(self, freq: float) -> float:
        return float(np.interp(freq, self.freq, self.mtf))


def mtf_from_lsf(lsf: np.ndarray, sample_mm: float, *, window: bool = True, pad_to: int = 0) -> MtfCurve:
    """MTF from a line spread function sampled every ``sample_mm`` mm.

    The LSF's baseline (median of its outer tenths) is removed; a Hann window
    centred on the peak suppresses noise in the tails when ``window`` is True.
    """
    lsf = np.asarray(lsf, dtype=np.float64)
    n = lsf.size
    if n < 8:
        raise ValueError("line spread function too short / 线扩散函数过短")
    k = max(n // 10, 1)
    base = np.median(np.concatenate([lsf[:k], lsf[-k:]]))
    lsf = lsf - base
    if window:
        peak = int(np.argmax(np.abs(lsf)))
        half = max(peak, n - 1 - peak)
        idx = np.arange(n) - peak
        w = 0.5 * (1 + np.cos(np.pi * np.clip(idx / (half + 1), -1, 1)))
        lsf = lsf * w
    total = lsf.sum()
    if total == 0:
        raise ValueError("line spread function has no signal / 线扩散函数无信号")
    size = max(n, pad_to)
    spec = np.abs(np.fft.rfft(lsf, n=size)) / abs(total)
    freq = np.fft.rfftfreq(size, d=sample_mm)
    return MtfCurve(freq=freq, mtf=spec)


def mtf_from_esf(esf: np.ndarray, sample_mm: float, *, window: bool = True, pad_to: int = 0) -> MtfCurve:
    """MTF from an edge spread function (differentiated to an LSF first)."""
    esf = np.asarray(esf, dtype=np.float64)
    lsf = np.gradient(esf)
    return mtf_from_lsf(lsf, sample_mm, window=window, pad_to=pad_to)


def finite_sample_correction(curve: MtfCurve, width_mm: float) -> MtfCurve:
    """Divide out the sinc of a finite derivative/bin ``width_mm`` (keeps values ≤ 1.5)."""
    s = np.sinc(curve.freq * width_mm)
    with np.errstate(divide="ignore", invalid="ignore"):
        m = np.where(np.abs(s) > 0.2, curve.mtf / s, curve.mtf)
    return MtfCurve(curve.freq, np.minimum(m, 1.5))


def radial_esf(array: np.ndarray, centre_px: tuple[float, float], r_max_px: float, bin_px: float = 0.1):
    """Edge spread of a disc (e.g. a Catphan insert) binned by distance from its centre.

    Returns (radii in px, mean value per bin); empty bins are interpolated.
    """
    cx, cy = centre_px
    r0 = max(int(cy - r_max_px), 0)
    r1 = min(int(cy + r_max_px) + 1, array.shape[0])
    c0 = max(int(cx - r_max_px), 0)
    c1 = min(int(cx + r_max_px) + 1, array.shape[1])
    yy, xx = np.mgrid[r0:r1, c0:c1]
    rr = np.hypot(xx - cx, yy - cy).ravel()
    vals = array[r0:r1, c0:c1].ravel().astype(np.float64)
    keep = rr <= r_max_px
    rr, vals = rr[keep], vals[keep]
    nb = int(np.ceil(r_max_px / bin_px))
    idx = np.minimum((rr / bin_px).astype(int), nb - 1)
    sums = np.bincount(idx, weights=vals, minlength=nb)
    cnts = np.bincount(idx, minlength=nb)
    radii = (np.arange(nb) + 0.5) * bin_px
    good = cnts > 0
    prof = np.interp(radii, radii[good], sums[good] / cnts[good])
    return radii, prof


def oversampled_esf(array: np.ndarray, distance_px: np.ndarray, bin_px: float = 0.25):
    """Bin pixel values by their signed distance from an edge line (IEC 62220-1, 4× oversampling).

    ``distance_px`` gives each pixel's signed distance from the edge (same shape as
    ``array``). Returns (bin centres in px, mean value per bin), gaps interpolated.
    """
    d = distance_px.ravel()
    v = array.ravel().astype(np.float64)
    lo, hi = d.min(), d.max()
    nb = int(np.floor((hi - lo) / bin_px)) + 1
    idx = ((d - lo) / bin_px).astype(int)
    sums = np.bincount(idx, weights=v, minlength=nb)
    cnts = np.bincount(idx, minlength=nb)
    centres = lo + (np.arange(nb) + 0.5) * bin_px
    good = cnts > 0
    return centres, np.interp(centres, centres[good], sums[good] / cnts[good])


def fwhm(profile: np.ndarray, *, baseline: float | None = None) -> tuple[float, float, float]:
    """Full width at half maximum of a single peak, in samples, with sub-sample crossings.

    Returns (width, left crossing, right crossing). ``baseline`` defaults to the
    median of the profile's outer fifths.
    """
    p = np.asarray(profile, dtype=np.float64)
    n = p.size
    if baseline is None:
        k = max(n // 5, 1)
        baseline = float(np.median(np.concatenate([p[:k], p[-k:]])))
    peak = int(np.argmax(p))
    half = baseline + (p[peak] - baseline) / 2
    i = peak
    while i > 0 and p[i] > half:
        i -= 1
    left = i + (half - p[i]) / (p[i + 1] - p[i]) if p[i + 1] != p[i] else float(i)
    j = peak
    while j < n - 1 and p[j] > half:
        j += 1
    right = j - 1 + (p[j - 1] - half) / (p[j - 1] - p[j]) if p[j - 1] != p[j] else float(j)
    return float(right - left), float(left), float(right)

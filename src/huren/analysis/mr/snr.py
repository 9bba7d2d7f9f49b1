"""Signal-to-noise ratio by three methods, each named in the result.

* ``subtraction`` — NEMA MS 1-2008 method 1: two identical acquisitions; signal is the
  mean of the first image in each ROI, noise the SD of the difference image in the same
  ROI divided by √2.
* ``background`` — WS/T 263-2006 (the Chinese single-image method) and NEMA MS 1
  method 4: signal in the phantom, noise from air outside it. Magnitude images make the
  air noise Rayleigh-distributed, so σ = SD_air / 0.655.
* ``smoothing`` — McCann, Workman & McGrath 2013: noise image = image − box-filtered
  image, so slow shading does not count as noise.

ROIs and the box filter are sized in mm (so a 512² image is measured as a 256² one);
hazen sizes them in pixels (20×20 px ROIs 40 px apart, a 25 px filter) — the same
numbers at 256²/250 mm, different at other matrices.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import ndimage

from huren.dicomio import Image

from .common import Frame, MrAnalysisError, header_float

RAYLEIGH_SD_FACTOR = 0.655  # SD of a Rayleigh variable / σ of the underlying Gaussian (√((4−π)/2))


def five_roi_centres(frame: Frame, offset_mm: float = 40.0) -> list[tuple[float, float]]:
    """Centre and four diagonal ROI centres (px), ``offset_mm`` along each axis from the centre."""
    out = [frame.px(0.0, 0.0)]
    for dx, dy in ((-1, -1), (1, -1), (-1, 1), (1, 1)):
        out.append(frame.px(dx * offset_mm, dy * offset_mm))
    return out


def _square(array: np.ndarray, centre_px: tuple[float, float], half_px: tuple[float, float]) -> np.ndarray:
    cx, cy = centre_px
    r0, r1 = int(round(cy - half_px[1])), int(round(cy + half_px[1]))
    c0, c1 = int(round(cx - half_px[0])), int(round(cx + half_px[0]))
    return array[max(r0, 0) : r1, max(c0, 0) : c1]


def _half(spacing: tuple[float, float], size_mm: float | None, size_px: int | None) -> tuple[float, float]:
    if size_px is not None:
        return size_px / 2, size_px / 2
    return size_mm / spacing[1] / 2, size_mm / spacing[0] / 2


def snr_subtraction(a1: np.ndarray, a2: np.ndarray, centres: list[tuple[float, float]], spacing, *,
                    size_mm: float = 20.0, size_px: int | None = None) -> dict:
    """Two-image SNR (NEMA MS 1 method 1): mean over ROIs of mean(a1) / (SD(a1 − a2)/√2)."""
    diff = a1.astype(np.float64) - a2.astype(np.float64)
    half = _half(spacing, size_mm, size_px)
    ratios, sig, noi = [], [], []
    for c in centres:
        s = float(_square(a1, c, half).mean())
        n = float(_square(diff, c, half).std(ddof=1)) / math.sqrt(2)
        sig.append(s)
        noi.append(n)
        ratios.append(s / n if n > 0 else float("inf"))
    return {"snr": float(np.mean(ratios)), "signal": sig, "noise": noi}


def snr_smoothing(a: np.ndarray, centres: list[tuple[float, float]], spacing, *, size_mm: float = 20.0,
                  kernel_mm: float = 25.0, size_px: int | None = None, kernel_px: int | None = None) -> dict:
    """Single-image SNR by smoothing (McCann 2013): mean over ROIs of mean(a) / SD(a − box(a))."""
    a = a.astype(np.float64)
    if kernel_px is None:
        kernel = (max(int(round(kernel_mm / spacing[0])) | 1, 3), max(int(round(kernel_mm / spacing[1])) | 1, 3))
    else:
        kernel = (kernel_px, kernel_px)
    noise_img = a - ndimage.uniform_filter(a, kernel, mode="constant")
    half = _half(spacing, size_mm, size_px)
    ratios, sig, noi = [], [], []
    for c in centres:
        s = float(_square(a, c, half).mean())
        n = float(_square(noise_img, c, half).std(ddof=1))
        sig.append(s)
        noi.append(n)
        ratios.append(s / n if n > 0 else float("inf"))
    return {"snr": float(np.mean(ratios)), "signal": sig, "noise": noi, "kernel_px": kernel}


def snr_background(a: np.ndarray, frame: Frame, phantom_radius_mm: float, *, signal_area_mm2: float | None = None,
                   bg_size_mm: float = 15.0, pe_axis: str | None = None) -> dict:
    """Single-image SNR with noise from air (WS/T 263; NEMA MS 1 method 4): S / (SD_air / 0.655).

    Signal: mean of a central circle of 75 % of the phantom's area (NEMA MS 1), or of
    ``signal_area_mm2``. Noise: the pooled SD of square air ROIs in the four corners,
    away from the phase-encoding band through the phantom where ghosts fall.
    """
    rows, cols = a.shape
    sr, sc = frame.spacing
    r_sig = math.sqrt(signal_area_mm2 / math.pi) if signal_area_mm2 else math.sqrt(0.75) * phantom_radius_mm
    yy, xx = np.ogrid[:rows, :cols]
    cx, cy = frame.centre_px
    m = ((xx - cx) * sc) ** 2 + ((yy - cy) * sr) ** 2 <= r_sig**2
    half = (bg_size_mm / sc / 2, bg_size_mm / sr / 2)
    margin = (half[0] + 3, half[1] + 3)
    corners = [(margin[0], margin[1]), (cols - 1 - margin[0], margin[1]), (margin[0], rows - 1 - margin[1]),
               (cols - 1 - margin[0], rows - 1 - margin[1])]
    used = []
    for c in corners:
        # keep clear of the phantom: the ROI's nearest corner must lie 10 mm outside it
        d = math.hypot((c[0] - cx) * sc, (c[1] - cy) * sr) - math.hypot(bg_size_mm, bg_size_mm) / 2
        if d >= phantom_radius_mm + 10.0:
            used.append(c)
    out = snr_background_regions(a, m, used, frame.spacing, bg_size_mm=bg_size_mm)
    out["signal_radius_mm"] = r_sig
    return out


def snr_background_regions(a: np.ndarray, signal_mask: np.ndarray, bg_centres: list[tuple[float, float]], spacing, *,
                           bg_size_mm: float = 15.0) -> dict:
    """S / (SD_air / 0.655) with the signal from a mask and the noise pooled over square air ROIs (centres in px)."""
    s = float(a[signal_mask].mean())
    sr, sc = spacing
    half = (bg_size_mm / sc / 2, bg_size_mm / sr / 2)
    vals, used = [], []
    for c in bg_centres:
        roi = _square(a, c, half)
        if roi.size > 10:
            vals.append(roi.ravel())
            used.append(c)
    if not vals:
        raise MrAnalysisError("", "视野内体模外没有放置背景感兴趣区的空间，无法用背景法计算信噪比",
                              "no room for background ROIs in the air around the phantom; background SNR not computed")
    bg = np.concatenate(vals).astype(np.float64)
    sd = float(bg.std(ddof=1))
    if sd <= 0 or np.count_nonzero(bg) < 0.5 * bg.size:
        # the background method reads the noise from the air (a Rayleigh distribution there);
        # scanners that set the air to zero (Philips, by default) leave nothing to read
        zero = 100.0 * (1.0 - np.count_nonzero(bg) / bg.size)
        raise MrAnalysisError("", f"背景空气被设备置零（背景感兴趣区内 {zero:.0f}% 的像素值为 0），不含噪声，"
                                  "背景法需要从空气中的噪声估计 σ，故无法计算；平滑法与减影法（如有重复采集）的信噪比照常给出",
                              f"the air around the phantom is zero-filled by the scanner ({zero:.0f} % of the background "
                              "ROI pixels are 0), so it holds no noise, and the background method estimates the noise from "
                              "the air; background SNR not computed — the smoothing SNR (and the subtraction SNR, "
                              "given a repeat acquisition) are reported instead")
    sigma = sd / RAYLEIGH_SD_FACTOR
    return {"snr": s / sigma if sigma > 0 else float("inf"), "signal": s, "sd_air": sd, "sigma": sigma,
            "mean_air": float(bg.mean()), "bg_centres_px": used}


def normalisation_factor(image: Image, slice_thickness_mm: float | None = None) -> dict | None:
    """Factor that turns a measured SNR into SNR per mm³ per √s at 30 kHz total bandwidth.

    SNR ∝ voxel volume · √(averages · phase steps · TR) / √bandwidth (NEMA MS 1 annex;
    IPEM Report 112). Pixel bandwidth (Hz/px) × columns / 2 gives the half-bandwidth in
    Hz, referred to 30 kHz as hazen and the MagNET reference do. None when a header
    field it needs is absent.
    """
    dy, dx = image.spacing
    thick = slice_thickness_mm or image.slice_thickness or header_float(image, "SliceThickness")
    bw = header_float(image, "PixelBandwidth")
    tr = header_float(image, "RepetitionTime")
    nsa = header_float(image, "NumberOfAverages") or 1.0
    n_pe = None
    acq = image.header("AcquisitionMatrix")
    if acq is not None and len(acq) == 4:
        pe_row = str(image.header("InPlanePhaseEncodingDirection", "")).upper().startswith("ROW")
        n_pe = (acq[1] or acq[0]) if pe_row else (acq[2] or acq[3])
    if not n_pe:
        n_pe = header_float(image, "NumberOfPhaseEncodingSteps") or image.array.shape[0]
    if None in (thick, bw, tr):
        return None
    cols = image.array.shape[1]
    bw_factor = math.sqrt(bw * cols / 2 / 1000.0) / math.sqrt(30.0)
    voxel_factor = 1.0 / (0.001 * dx * dy * thick)
    time_factor = 1.0 / math.sqrt(nsa * float(n_pe) * tr / 1000.0)
    return {"factor": bw_factor * voxel_factor * time_factor, "slice_thickness_mm": thick, "pixel_bandwidth_hz": bw,
            "tr_ms": tr, "averages": nsa, "phase_steps": float(n_pe)}

"""Synthetic DR detector images with known ground truth (WS 76-2020 set-ups).

A :class:`Detector` turns an incident air-kerma map (µGy) into stored pixel values:
gain non-uniformity (a linear ramp whose five-ROI CV is known exactly), quantum noise
(relative SD ``quantum_noise`` at 10 µGy, scaling as 1/√K), a response (linear
``P = a·K + b``, logarithmic ``P = A + B·ln K`` or power ``P = c·K^n``), electronic
noise, then the DICOM storage (rescale, bits stored, MONOCHROME1/2). Every image
function returns a :class:`Synth`: the dataset plus a ``truth`` dictionary.

Truth conventions (what the tests compare against):

* uniformity: the five ROIs of WS 76-2020 sit at the image centre and at the centres
  of the four quadrants, i.e. at (±W/4, ±H/4) mm. For the gain ramp
  g = 1 + gx·x + gy·y the five gains are 1, 1 ± u ± v with u = gx·W/4, v = gy·H/4,
  so their sample CV is exactly √(u² + v²); ``gain_cv_percent`` sets it.
* edge: the pixel value at each pixel centre is the presampled ESF, an error function
  of width ``sigma_mm``, so the presampled MTF is exp(−2π²σ²f²) and
  MTF50 = √(ln 2 / 2π²) / σ.
* ghost: image 3 carries a residual of the image-2 exposure such that the WS 76-2020
  error (ghost-region mean − other mean) / other mean is ``ghost_percent``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from pydicom.dataset import Dataset
from pydicom.uid import generate_uid

from huren.synth import new_dataset

DX_PROCESSING = "1.2.840.10008.5.1.4.1.1.1.1.1"
DX_PRESENTATION = "1.2.840.10008.5.1.4.1.1.1.1"
CR_STORAGE = "1.2.840.10008.5.1.4.1.1.1"
CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
SOP_CLASSES = {"processing": DX_PROCESSING, "presentation": DX_PRESENTATION, "cr": CR_STORAGE}

MTF50_PER_SIGMA = math.sqrt(math.log(2) / (2 * math.pi**2))  # MTF50 (lp/mm) × σ (mm) of a Gaussian LSF


def gaussian_mtf(freq_lp_mm, sigma_mm: float):
    """The presampled MTF of a Gaussian LSF of SD ``sigma_mm`` at ``freq_lp_mm``."""
    return np.exp(-2 * np.pi**2 * sigma_mm**2 * np.asarray(freq_lp_mm, dtype=float) ** 2)


def _erf(x: np.ndarray) -> np.ndarray:
    from scipy.special import erf

    return erf(x)


def _phi(x: np.ndarray) -> np.ndarray:
    """Standard normal CDF."""
    return 0.5 * (1 + _erf(np.asarray(x) / math.sqrt(2)))


@dataclass
class Synth:
    """A synthetic image: the DICOM dataset and what is known about it."""

    ds: Dataset
    truth: dict = field(default_factory=dict)

    def write(self, path: str | Path, transfer_syntax: str | None = None) -> Path:
        return write(self.ds, path, transfer_syntax)


@dataclass
class Detector:
    """A flat-panel (or CR) detector and how its images are stored.

    ``pixel_mm`` is the detector pixel pitch (Imager Pixel Spacing); ``shape`` (rows,
    cols). Response parameters: linear ``gain`` (pixel value per µGy) and ``offset``;
    log ``gain`` = B, ``offset`` = A; power ``gain`` = c, ``exponent`` = n.
    ``dark_level`` is the mean of an unexposed image.
    """

    shape: tuple[int, int] = (512, 512)
    pixel_mm: float = 0.8
    response: str = "linear"
    gain: float = 400.0
    offset: float = 100.0
    exponent: float = 0.6
    dark_level: float = 100.0
    gain_cv_percent: float = 0.0
    gain_angle_deg: float = 30.0
    quantum_noise: float = 0.01
    electronic_noise: float = 2.0
    bits_stored: int = 16
    photometric: str = "MONOCHROME2"
    rescale: tuple[float, float] | None = None  # (slope, intercept) written in the header
    kind: str = "processing"  # processing | presentation | cr
    spacing_tags: str = "imager"  # imager | pixel | both | none
    manufacturer: str = "HurenSynth"
    model: str = "FlatPanel-1"
    serial: str = "SYN-0001"
    seed: int = 0

    # -- geometry -------------------------------------------------------
    def coords_mm(self) -> tuple[np.ndarray, np.ndarray]:
        """x (right) and y (down) of each pixel centre, mm from the image centre (broadcastable)."""
        rows, cols = self.shape
        x = (np.arange(cols, dtype=np.float64) - (cols - 1) / 2) * self.pixel_mm
        y = (np.arange(rows, dtype=np.float64) - (rows - 1) / 2) * self.pixel_mm
        return x[None, :], y[:, None]

    def gain_slopes(self) -> tuple[float, float]:
        """(gx, gy) per mm of the gain ramp that gives ``gain_cv_percent``."""
        rows, cols = self.shape
        c = self.gain_cv_percent / 100
        a = math.radians(self.gain_angle_deg)
        u, v = c * math.cos(a), c * math.sin(a)
        return u / (cols * self.pixel_mm / 4), v / (rows * self.pixel_mm / 4)

    def gain_map(self) -> np.ndarray:
        gx, gy = self.gain_slopes()
        x, y = self.coords_mm()
        return (1.0 + gx * x + gy * y).astype(np.float64)

    def five_roi_gains(self) -> np.ndarray:
        """The gain at the five WS 76-2020 ROI centres (centre, then the four quadrants)."""
        gx, gy = self.gain_slopes()
        rows, cols = self.shape
        qx, qy = cols * self.pixel_mm / 4, rows * self.pixel_mm / 4
        pts = [(0, 0), (-qx, -qy), (qx, -qy), (-qx, qy), (qx, qy)]
        return np.array([1 + gx * x + gy * y for x, y in pts])

    # -- response -------------------------------------------------------
    def respond(self, kerma_ugy):
        """Mean pixel value (modality units) for a kerma (µGy), without noise."""
        k = np.asarray(kerma_ugy, dtype=np.float64)
        if self.response == "linear":
            return self.gain * k + self.offset
        k = np.maximum(k, 1e-3)
        if self.response == "log":
            return self.offset + self.gain * np.log(k)
        if self.response == "power":
            return self.gain * k**self.exponent
        raise ValueError(f"unknown response {self.response!r}")

    def full_scale(self) -> float:
        slope, intercept = self.rescale or (1.0, 0.0)
        return (2**self.bits_stored - 1) * slope + intercept

    # -- image formation ------------------------------------------------
    def expose(self, kerma_map: np.ndarray | float, rng: np.random.Generator, *, gain: bool = True) -> np.ndarray:
        """Pixel values (modality units) for an incident kerma map, with gain and noise."""
        k = np.broadcast_to(np.asarray(kerma_map, dtype=np.float64), self.shape)
        if gain:
            k = k * self.gain_map()
        if self.quantum_noise > 0:
            # quantum noise: relative SD quantum_noise at 10 µGy, Poisson-like 1/√K scaling
            sd = self.quantum_noise * np.sqrt(10.0 * np.maximum(k, 0))
            k = k + sd * rng.standard_normal(self.shape)
        p = self.respond(np.maximum(k, 0))
        if self.electronic_noise > 0:
            p = p + self.electronic_noise * rng.standard_normal(self.shape)
        return p

    def dark(self, rng: np.random.Generator) -> np.ndarray:
        p = np.full(self.shape, self.dark_level, dtype=np.float64)
        if self.electronic_noise > 0:
            p += self.electronic_noise * rng.standard_normal(self.shape)
        return p

    def store(self, values: np.ndarray) -> np.ndarray:
        """Modality values → stored integers (inverse rescale, clip, MONOCHROME1 inversion)."""
        slope, intercept = self.rescale or (1.0, 0.0)
        top = 2**self.bits_stored - 1
        s = np.clip(np.rint((values - intercept) / slope), 0, top)
        if self.photometric == "MONOCHROME1":
            s = top - s
        return s.astype(np.uint16)


# ====================================================================== headers
def make_dataset(
    stored: np.ndarray,
    det: Detector,
    *,
    kerma_ugy: float | None = None,
    exposure_index: float | None = None,
    target_exposure_index: float | None = None,
    instance: int = 1,
    acquired: dt.datetime | None = None,
    series_uid: str | None = None,
    description: str = "QC",
    modality: str | None = None,
) -> Dataset:
    """A DX (for processing / presentation) or CR dataset around ``stored`` pixels.

    ``exposure_index`` defaults to the IEC 62494-1 value 100 × K for the stated kerma;
    the deviation index DI = 10·log10(EI/TEI) is written when a target is given.
    """
    rows, cols = stored.shape
    sop_class = SOP_CLASSES[det.kind]
    ds = new_dataset(sop_class)
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = series_uid or generate_uid()
    ds.Modality = modality or ("CR" if det.kind == "cr" else "DX")
    ds.Manufacturer = det.manufacturer
    ds.ManufacturerModelName = det.model
    ds.DeviceSerialNumber = det.serial
    ds.StationName = "SYNTH-DR"
    ds.PatientName = "QC^Phantom"
    ds.PatientID = "QC"
    acquired = acquired or dt.datetime(2026, 1, 5, 9, 0, 0)
    ds.StudyDate = ds.AcquisitionDate = ds.ContentDate = acquired.strftime("%Y%m%d")
    ds.AcquisitionTime = ds.ContentTime = acquired.strftime("%H%M%S.%f")
    ds.AcquisitionDateTime = acquired.strftime("%Y%m%d%H%M%S.%f")
    ds.SeriesDescription = description
    ds.InstanceNumber = instance
    ds.ImageType = ["ORIGINAL", "PRIMARY"]
    if det.kind != "cr":
        ds.PresentationIntentType = "FOR PROCESSING" if det.kind == "processing" else "FOR PRESENTATION"
    ds.KVP = 70
    ds.DistanceSourceToDetector = 1800
    if kerma_ugy is not None and exposure_index is None:
        exposure_index = 100.0 * kerma_ugy
    if exposure_index is not None:
        ds.ExposureIndex = round(float(exposure_index), 2)
    if target_exposure_index is not None:
        ds.TargetExposureIndex = float(target_exposure_index)
        if exposure_index:
            ds.DeviationIndex = round(10 * math.log10(max(exposure_index, 1e-6) / target_exposure_index), 3)
    if det.spacing_tags in ("imager", "both"):
        ds.ImagerPixelSpacing = [det.pixel_mm, det.pixel_mm]
    if det.spacing_tags in ("pixel", "both"):
        ds.PixelSpacing = [det.pixel_mm, det.pixel_mm]
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = det.photometric
    ds.Rows, ds.Columns = rows, cols
    ds.BitsAllocated = 16
    ds.BitsStored = det.bits_stored
    ds.HighBit = det.bits_stored - 1
    ds.PixelRepresentation = 0
    if det.rescale is not None:
        ds.RescaleSlope, ds.RescaleIntercept = det.rescale
        ds.RescaleType = "US"
    if det.kind == "presentation":
        ds.WindowCenter = float(np.median(stored))
        ds.WindowWidth = float(max(np.ptp(stored), 1))
    ds.PixelIntensityRelationship = "LIN"
    ds.PixelIntensityRelationshipSign = 1
    ds.PixelData = np.ascontiguousarray(stored, dtype=np.uint16).tobytes()
    return ds


def write(ds: Dataset, path: str | Path, transfer_syntax: str | None = None) -> Path:
    """Write ``ds`` to ``path``; compress it first with pydicom's encoder when asked (e.g. RLE, JPEG 2000)."""
    path = Path(path)
    if transfer_syntax is not None:
        ds = ds.copy()
        ds.compress(transfer_syntax)
    ds.save_as(path, enforce_file_format=True)
    return path


# ====================================================================== test objects
def _rng(det: Detector, salt: int) -> np.random.Generator:
    return np.random.default_rng([det.seed, salt])


def flat_field(det: Detector, kerma_ugy: float, *, instance: int = 1, salt: int = 0,
               artifacts: list[dict] | None = None, **hdr) -> Synth:
    """A flat (open-field) exposure at ``kerma_ugy`` µGy, optionally with planted artifacts.

    Artifacts (each a dict with ``kind``): ``dead_pixel``/``hot_pixel`` (``row``, ``col``,
    optional ``size`` px square), ``dead_column``/``dead_row`` (``index``, optional
    ``start``, ``stop``), ``stripe`` (``axis`` 'col'|'row', ``start``, ``width`` px,
    ``amplitude`` relative signal change), ``blotch`` (``row``, ``col``, ``radius_mm``,
    ``amplitude`` relative change).
    """
    rng = _rng(det, 1000 + salt + int(kerma_ugy * 1000))
    kmap = np.full(det.shape, float(kerma_ugy))
    arts = artifacts or []
    x, y = det.coords_mm()
    for a in arts:
        if a["kind"] == "stripe":
            sl = slice(a["start"], a["start"] + a["width"])
            if a.get("axis", "col") == "col":
                kmap[:, sl] *= 1 + a["amplitude"]
            else:
                kmap[sl, :] *= 1 + a["amplitude"]
        elif a["kind"] == "blotch":
            cx, cy = (a["col"] - (det.shape[1] - 1) / 2) * det.pixel_mm, (a["row"] - (det.shape[0] - 1) / 2) * det.pixel_mm
            r = np.hypot(x - cx, y - cy)
            # a soft-edged disc, as dust or a gain-calibration flaw looks
            kmap *= 1 + a["amplitude"] * np.clip((a["radius_mm"] - r) / (0.3 * a["radius_mm"]), 0, 1)
    p = det.expose(kmap, rng)
    low, high = det.dark_level * 0.0, det.full_scale()
    for a in arts:
        k = a["kind"]
        if k in ("dead_pixel", "hot_pixel"):
            s = a.get("size", 1)
            p[a["row"]:a["row"] + s, a["col"]:a["col"] + s] = low if k == "dead_pixel" else high
        elif k in ("dead_column", "dead_row"):
            sl = slice(a.get("start", 0), a.get("stop", None))
            if k == "dead_column":
                p[sl, a["index"]] = low
            else:
                p[a["index"], sl] = low
    ds = make_dataset(det.store(p), det, kerma_ugy=kerma_ugy, instance=instance, **hdr)
    truth = {
        "kerma_ugy": kerma_ugy,
        "mean_centre": float(det.respond(kerma_ugy)),
        "artifacts": arts,
    }
    return Synth(ds, truth)


def uniformity_truth(det: Detector, kerma_ugy: float) -> dict:
    """CV (%) of the five ROI means: in kerma units (= gain CV) and in raw pixel values."""
    g = det.five_roi_gains()
    raw = det.respond(kerma_ugy * g)
    return {
        "cv_linearised": float(np.std(g, ddof=1) / np.mean(g) * 100),
        "cv_raw": float(np.std(raw, ddof=1) / np.mean(raw) * 100),
    }


def dark_image(det: Detector, *, instance: int = 1, salt: int = 0, artifacts: list[dict] | None = None, **hdr) -> Synth:
    """A blocked exposure (collimator closed, 2 mm Pb on the port): the detector's dark level."""
    rng = _rng(det, 7 + salt)
    p = det.dark(rng)
    for a in artifacts or []:
        if a["kind"] in ("dead_pixel", "hot_pixel"):
            s = a.get("size", 1)
            p[a["row"]:a["row"] + s, a["col"]:a["col"] + s] = 0 if a["kind"] == "dead_pixel" else det.full_scale()
    ds = make_dataset(det.store(p), det, exposure_index=0.0, instance=instance, description="dark", **hdr)
    return Synth(ds, {"dark_mean": det.dark_level, "dark_sd": det.electronic_noise, "artifacts": artifacts or []})


def stp_series(det: Detector, kermas=(1, 5, 10, 20, 30), *, start: dt.datetime | None = None) -> list[Synth]:
    """Flat fields at the stated kerma values (µGy), one per exposure, with headers and EI."""
    start = start or dt.datetime(2026, 1, 5, 9, 10, 0)
    series = generate_uid()
    return [
        flat_field(det, k, instance=i + 1, salt=i, acquired=start + dt.timedelta(minutes=i), series_uid=series,
                   description=f"STP {k} uGy")
        for i, k in enumerate(kermas)
    ]


def ghost_triple(det: Detector, *, ghost_percent: float = -2.0, kerma_ugy: float = 5.0, block_mm: float = 40.0,
                 block_centre_mm: tuple[float, float] = (0.0, 0.0), start: dt.datetime | None = None) -> list[Synth]:
    """The WS 76-2020 ghost sequence: blank, 4 mm Pb block in an open field, blank again.

    Image 3 holds a residual of image 2: the area exposed in image 2 reads ``lag`` above
    the dark level, chosen so that (block mean − other mean)/other mean = ``ghost_percent``
    (negative: the block's shadow is darker, the usual lag).
    """
    start = start or dt.datetime(2026, 1, 5, 9, 30, 0)
    series = generate_uid()
    x, y = det.coords_mm()
    h = block_mm / 2
    inside = (np.abs(x - block_centre_mm[0]) <= h) & (np.abs(y - block_centre_mm[1]) <= h)
    one = dark_image(det, instance=1, salt=1, acquired=start, series_uid=series)
    rng = _rng(det, 77)
    k2 = np.where(inside, 0.0, kerma_ugy)
    p2 = det.expose(k2, rng)
    p2[inside] = det.dark_level + det.electronic_noise * rng.standard_normal(int(inside.sum()))
    two = Synth(make_dataset(det.store(p2), det, kerma_ugy=kerma_ugy, instance=2, series_uid=series,
                             acquired=start + dt.timedelta(seconds=30), description="ghost block"),
                {"block_centre_mm": block_centre_mm, "block_mm": block_mm})
    e = ghost_percent / 100
    # (b + lag_in − b − lag_out)/(b + lag_out) = e with lag in the exposed area only (e < 0)
    # or only under the block (e > 0)
    b = det.dark_level
    p3 = det.dark(_rng(det, 78))
    if e < 0:
        lag = -e * b / (1 + e)
        p3[~inside] += lag
    else:
        p3[inside] += e * b
    three = Synth(make_dataset(det.store(p3), det, exposure_index=0.0, instance=3, series_uid=series,
                               acquired=start + dt.timedelta(seconds=75), description="ghost blank"),
                  {"ghost_percent": ghost_percent})
    return [one, two, three]


def edge_image(det: Detector, *, sigma_mm: float = 0.15, angle_deg: float = 3.0, kerma_ugy: float = 10.0,
               transmission: float = 0.1, vertical: bool = True, instance: int = 1, plate_mm: float | None = None,
               **hdr) -> Synth:
    """A slanted edge (IEC 62220-1 tungsten plate) through the image centre.

    The presampled ESF is an error function of width ``sigma_mm``: truth MTF50 =
    ``MTF50_PER_SIGMA / sigma_mm`` lp/mm. ``vertical`` puts the edge near the column
    direction (tilted by ``angle_deg``); otherwise near the row direction. Without
    ``plate_mm`` the edge runs across the whole image; with it the attenuator is a square
    plate of that side, centred and turned by ``angle_deg``, and the test edge is its
    right (vertical) or lower side.
    """
    rng = _rng(det, 300 + int(angle_deg * 10))
    x, y = det.coords_mm()
    a = math.radians(angle_deg)
    # signed distance from the edge line through the centre (mm)
    d = (x * math.cos(a) - y * math.sin(a)) if vertical else (y * math.cos(a) + x * math.sin(a))
    frac = _phi(d / sigma_mm)
    if plate_mm is not None:
        # rotated plate coordinates; the plate's attenuation is the product of its four sides' ESFs
        u = x * math.cos(a) - y * math.sin(a)
        v = x * math.sin(a) + y * math.cos(a)
        h = plate_mm / 2
        inside = (_phi((h - u) / sigma_mm) * _phi((u + h) / sigma_mm) * _phi((h - v) / sigma_mm) * _phi((v + h) / sigma_mm))
        frac = 1 - inside
    kmap = kerma_ugy * (transmission + (1 - transmission) * frac)
    p = det.expose(kmap, rng, gain=False)
    ds = make_dataset(det.store(p), det, kerma_ugy=kerma_ugy, instance=instance, description="edge", **hdr)
    return Synth(ds, {"mtf50": MTF50_PER_SIGMA / sigma_mm, "sigma_mm": sigma_mm, "angle_deg": angle_deg})


def ruler_image(det: Detector, *, graduation_mm: float = 10.0, scale_error_percent: float = 0.0,
                horizontal: bool = True, kerma_ugy: float = 5.0, tick_mm: float = 1.0, band_mm: float = 30.0) -> Synth:
    """A lead ruler across the detector: a strip with tick lines every ``graduation_mm``.

    The ticks are drawn ``scale_error_percent`` too far apart (as a magnification or a
    pixel-spacing error would), so the measured distance error is that figure.
    """
    rng = _rng(det, 500)
    x, y = det.coords_mm()
    along, across = (x, y) if horizontal else (y, x)
    step = graduation_mm * (1 + scale_error_percent / 100)
    pos = np.mod(along + step / 2, step) - step / 2  # distance from the nearest tick
    tick = (np.abs(pos) <= tick_mm / 2) & (np.abs(across) <= band_mm / 2)
    strip = np.abs(across) <= band_mm / 2
    t = np.where(tick, 0.15, np.where(strip, 0.85, 1.0))
    p = det.expose(kerma_ugy * t, rng, gain=False)
    ds = make_dataset(det.store(p), det, kerma_ugy=kerma_ugy, description="ruler")
    return Synth(ds, {"distance_error": scale_error_percent, "graduation_mm": graduation_mm})


def bar_pattern_image(det: Detector, frequencies=(0.5, 0.6, 0.7, 0.8, 1.0, 1.2, 1.4, 1.6), *, sigma_mm: float = 0.1,
                      bars: int = 3, kerma_ugy: float = 5.0, transmission: float = 0.1, gap_mm: float = 6.0,
                      horizontal: bool = True) -> Synth:
    """A line-pair pattern: groups of ``bars`` lead bars at each frequency (lp/mm), blurred by a Gaussian.

    Each bar is a rectangle of width 1/(2f); the blurred pattern is computed exactly
    (difference of normal CDFs) at each pixel centre. Groups run along x from the left
    edge of a central band 40 mm high. Truth: the presampled MTF (Gaussian of
    ``sigma_mm``) and the Nyquist frequency.
    """
    rng = _rng(det, 600)
    x, y = det.coords_mm()
    along, across = (x, y) if horizontal else (y, x)
    along = np.broadcast_to(along, det.shape)
    total = sum(bars / f + gap_mm for f in frequencies)
    start = -total / 2
    lead = np.zeros(det.shape)
    groups = []
    for f in frequencies:
        w = 1 / (2 * f)
        g0 = start
        for i in range(bars):
            a0 = start + 2 * i * w
            lead += _phi((along - a0) / sigma_mm) - _phi((along - a0 - w) / sigma_mm)
        start += bars / f + gap_mm
        groups.append({"freq": f, "start_mm": g0, "stop_mm": g0 + bars / f - w})
    band = np.abs(across) <= 20
    t = np.where(band, 1 - (1 - transmission) * lead, 1.0)
    p = det.expose(kerma_ugy * t, rng, gain=False)
    ds = make_dataset(det.store(p), det, kerma_ugy=kerma_ugy, description="bar pattern")
    return Synth(ds, {"groups": groups, "sigma_mm": sigma_mm, "nyquist": 1 / (2 * det.pixel_mm)})


def ct_like(det: Detector) -> Synth:
    """A CT-labelled image, to test that a DR analysis refuses it."""
    s = flat_field(det, 5.0)
    s.ds.Modality = "CT"
    s.ds.SOPClassUID = s.ds.file_meta.MediaStorageSOPClassUID = CT_STORAGE
    s.ds.PixelSpacing = [det.pixel_mm, det.pixel_mm]
    return s


def full_set(det: Detector, *, ghost_percent: float = -2.0, edge_sigma_mm: float = 0.15) -> dict[str, list[Synth]]:
    """The WS 76-2020 technologist's set: dark, five-point STP, ghost triple, edge."""
    t0 = dt.datetime(2026, 1, 5, 8, 50, 0)
    return {
        "dark": [dark_image(det, acquired=t0)],
        "stp": stp_series(det),
        "ghost": ghost_triple(det, ghost_percent=ghost_percent),
        "edge": [edge_image(replace(det, gain_cv_percent=0.0), sigma_mm=edge_sigma_mm,
                            acquired=dt.datetime(2026, 1, 5, 9, 45, 0))],
    }

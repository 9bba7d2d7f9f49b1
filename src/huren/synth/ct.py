"""Synthetic CT phantom series with known ground truth, written as real DICOM.

Each generator returns a :class:`SynthSeries`: pydicom datasets (CT Image Storage,
HU through Rescale Slope/Intercept) plus a ``truth`` dict of what an analysis should
find. The image model:

* objects are drawn in phantom coordinates (mm, x right, y down) with 3×3
  supersampling, then offset, rotated and sampled onto the pixel grid of the chosen
  display field of view;
* blur is a Gaussian PSF of ``psf_sigma_mm`` — the system MTF is then
  MTF(f) = exp(−2π²σ²f²), so MTF50 = √(ln 2 / 2π²σ²) and MTF10 = √(ln 10 / 2π²σ²);
  a wire or bead is drawn as that PSF itself (a point source of known integral);
* noise is white Gaussian noise shaped by a ramp filter × Hann apodisation (the
  NPS of filtered back-projection, zero at f = 0) and scaled to ``noise_sd`` HU;
* cupping adds c·(r/R)² HU (the edge is higher than the centre by c), so the
  WS 519 uniformity figure is known in closed form;
* wire ramps of angle θ show, in a slice of thickness T, a segment T / tan θ long.

Geometry of the Catphan 504-like and ACR 464-like phantoms follows the published
layouts (module offsets, insert radii and angles, bar groups, low-contrast discs) as
far as they are public; see the constants below.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
from pydicom.dataset import FileDataset
from pydicom.uid import generate_uid
from scipy import ndimage as ndi

from huren.analysis.ct.models import CATPHAN_MODELS, CTP591, MODULE_HALF_LENGTH_MM
from huren.synth import UID_ROOT, new_dataset

CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"
ENHANCED_CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"

CATPHAN_504 = {
    # CTP404: materials at 58.7 mm (nominal HU), two air holes at ±90°
    "insert_radius_mm": 58.7,
    "insert_diameter_mm": 12.2,
    "materials": {
        "air": (-90, -1000.0), "air2": (90, -1000.0), "pmp": (-120, -196.0), "ldpe": (180, -104.0),
        "polystyrene": (120, -47.0), "acrylic": (60, 115.0), "delrin": (0, 365.0), "teflon": (-60, 1000.0),
    },
    "rod_half_side_mm": 25.0,  # four 3 mm air rods on a 50 mm square
    "rod_diameter_mm": 3.0,
    "ramp_distance_mm": 38.0,
    "ramp_angle_deg": 23.0,
    "body_hu": 100.0,
    "diameter_mm": 200.0,
    "lp_radius_mm": 47.0,
    "bead_position_mm": (0.0, 20.0),
}

CATPHAN_604_EXTRA = {"bone20": (150, 237.0), "bone50": (-150, 725.0)}  # positions not from the manual
CTP591_BEAD_INTEGRAL = 800.0  # HU·mm² in a slice through the bead's centre (stronger than a real bead)

ACR_464 = {
    "diameter_mm": 200.0,
    "insert_radius_mm": 63.0,
    "insert_diameter_mm": 25.0,
    "materials": {"air": (45, -1000.0), "ldpe": (225, -95.0), "acrylic": (135, 120.0),
                  "bone": (-45, 955.0), "water": (180, 0.0)},
    "body_hu": 0.0,
    "ramp_distance_mm": 30.0,
    "ramp_factor": 0.5,  # z step per in-plane mm of the wire rows (0.5 mm per wire, 1 mm pitch)
    "module_z_mm": {"m1": 0.0, "m2": 30.0, "m3": 70.0, "m4": 100.0},
    "lcd_contrast_hu": 6.0,
    "lcd_rod_mm": (25.0, 6.0, 5.0, 4.0, 3.0, 2.0),
    "bb_positions_mm": ((-45, 20.0), (135, 80.0)),  # (angle, distance): 100 mm apart
    "bars_lp_cm": {4: -135, 5: 180, 6: 135, 7: 90, 8: 45, 9: 0, 10: -45, 12: -90},
    "bars_radius_mm": 70.0,
}

LCD_DIAMETERS_MM = (15.0, 9.0, 8.0, 7.0, 6.0, 5.0, 4.0, 3.0, 2.0)
CTP515_GROUPS = {1.0: -87.4, 0.5: 32.6, 0.3: 152.6}  # contrast % → angle of its 15 mm disc
CTP515_STEPS_DEG = (0.0, 18.3, 34.7, 48.9, 62.3, 74.5, 85.5, 95.5, 104.5)


def mtf_gaussian(freq_lp_mm: np.ndarray | float, sigma_mm: float) -> np.ndarray:
    """The analytic MTF of a Gaussian PSF of ``sigma_mm`` at ``freq_lp_mm`` (cycles/mm)."""
    return np.exp(-2 * np.pi**2 * sigma_mm**2 * np.asarray(freq_lp_mm, dtype=float) ** 2)


def mtf_level_gaussian(level: float, sigma_mm: float) -> float:
    """Frequency (lp/cm) where a Gaussian PSF's MTF falls to ``level``."""
    return 10 * math.sqrt(-math.log(level) / (2 * math.pi**2 * sigma_mm**2))


@dataclass
class SynthSeries:
    """A synthetic series: the datasets (one per slice) and the truth an analysis should find."""

    datasets: list
    truth: dict = field(default_factory=dict)

    def write(self, folder: str | Path, *, transfer_syntax: str | None = None) -> list[Path]:
        """Write one file per dataset into ``folder`` (optionally compressed); returns the paths."""
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        out = []
        for i, ds in enumerate(self.datasets):
            p = folder / f"IM{i + 1:04d}.dcm"
            if transfer_syntax is not None:
                ds = _copy(ds)
                ds.compress(transfer_syntax)
            save(ds, p)
            out.append(p)
        return out


def save(ds, path) -> None:
    """Write a dataset as a DICOM file (Part 10 preamble and meta), under pydicom 3 or 2."""
    try:
        ds.save_as(path, enforce_file_format=True)
    except TypeError:  # pydicom < 3 (e.g. alongside pylinac in the benchmark)
        ds.save_as(path, write_like_original=False)


def _copy(ds):
    import copy

    return copy.deepcopy(ds)


# --------------------------------------------------------------------------- canvas
class _Canvas:
    """A supersampled grid in phantom coordinates for one slice."""

    def __init__(self, matrix: int, fov_mm: float, offset_mm: tuple[float, float], rotation_deg: float, ss: int = 3):
        self.matrix, self.fov, self.ss = matrix, fov_mm, ss
        self.px = fov_mm / matrix
        n = matrix * ss
        # fine pixel centres in image mm (relative to the image centre, x right, y down)
        c = (np.arange(n) + 0.5) * (self.px / ss) - fov_mm / 2
        xi, yi = np.meshgrid(c, c)
        a = np.deg2rad(rotation_deg)
        dx, dy = xi - offset_mm[0], yi - offset_mm[1]
        # phantom frame = image frame rotated back by the phantom's rotation
        self.x = dx * np.cos(a) + dy * np.sin(a)
        self.y = -dx * np.sin(a) + dy * np.cos(a)
        self.value = np.full((n, n), -1000.0)
        self.offset, self.rotation = offset_mm, rotation_deg
        self.yi = yi  # image y (mm from the image centre, down): the axis a tilt about x acts along
        self.xi = xi  # image x (mm from the image centre, right): about which rings and shading are drawn

    def disc(self, x0: float, y0: float, r: float, hu: float, add: bool = False) -> None:
        win = self._window(x0, y0, r)
        m = (self.x[win] - x0) ** 2 + (self.y[win] - y0) ** 2 <= r * r
        if add:
            self.value[win][m] += hu
        else:
            self.value[win][m] = hu

    def where(self, pred: Callable[[np.ndarray, np.ndarray], np.ndarray], hu: float, add: bool = False) -> None:
        m = pred(self.x, self.y)
        if add:
            self.value[m] += hu
        else:
            self.value[m] = hu

    def rect(self, x0: float, y0: float, half_u: float, half_v: float, angle_deg: float, hu: float, add: bool = False) -> None:
        """A rectangle centred at (x0, y0) with half-sizes along its own axes u (at ``angle_deg``) and v."""
        a = np.deg2rad(angle_deg)
        win = self._window(x0, y0, math.hypot(half_u, half_v))
        x, y = self.x[win] - x0, self.y[win] - y0
        u = x * np.cos(a) + y * np.sin(a)
        v = -x * np.sin(a) + y * np.cos(a)
        m = (np.abs(u) <= half_u) & (np.abs(v) <= half_v)
        if add:
            self.value[win][m] += hu
        else:
            self.value[win][m] = hu

    def _window(self, x0: float, y0: float, reach_mm: float) -> tuple[slice, slice]:
        """The fine-grid rows and columns within ``reach_mm`` of phantom point (x0, y0) (a shape drawn
        there touches nothing outside; drawing on the window alone is the same, only faster)."""
        a = np.deg2rad(self.rotation)
        xi = x0 * np.cos(a) - y0 * np.sin(a) + self.offset[0]
        yi = x0 * np.sin(a) + y0 * np.cos(a) + self.offset[1]
        step = self.px / self.ss
        n = self.value.shape[0]

        def span(c):
            lo = int(np.floor((c - reach_mm + self.fov / 2) / step)) - 1
            hi = int(np.ceil((c + reach_mm + self.fov / 2) / step)) + 2
            return slice(min(max(lo, 0), n), min(max(hi, 0), n))

        return span(yi), span(xi)

    def to_image(self) -> np.ndarray:
        n, ss = self.matrix, self.ss
        return self.value.reshape(n, ss, n, ss).mean(axis=(1, 3))

    def image_y(self, x: float, y: float) -> float:
        """Phantom mm → image y (mm from the image centre)."""
        a = np.deg2rad(self.rotation)
        return float(x * np.sin(a) + y * np.cos(a) + self.offset[1])

    def point_px(self, x: float, y: float) -> tuple[float, float]:
        """Phantom mm → image pixel (col, row) on the coarse grid."""
        a = np.deg2rad(self.rotation)
        xi = x * np.cos(a) - y * np.sin(a) + self.offset[0]
        yi = x * np.sin(a) + y * np.cos(a) + self.offset[1]
        return xi / self.px + self.matrix / 2 - 0.5, yi / self.px + self.matrix / 2 - 0.5


def _ramp_noise(shape: tuple[int, int], sd: float, rng: np.random.Generator, cutoff: float = 1.0) -> np.ndarray:
    """Gaussian noise with a filtered-back-projection-like NPS: |f| × Hann window up to ``cutoff``·Nyquist."""
    if sd <= 0:
        return np.zeros(shape)
    w = rng.standard_normal(shape)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    f = np.hypot(fx, fy) / 0.5  # 1 at Nyquist
    filt = f * np.where(f < cutoff, 0.5 * (1 + np.cos(np.pi * f / cutoff)), 0.0)
    n = np.fft.irfft2(np.fft.rfft2(w) * filt, s=shape)
    return n * (sd / n.std())


def _grain_noise(shape: tuple[int, int], sd: float, rng: np.random.Generator, grain_px: float) -> np.ndarray:
    """Low-frequency (blotchy) noise: white noise blurred by a Gaussian of ``grain_px``, scaled to ``sd``."""
    if sd <= 0:
        return np.zeros(shape)
    n = ndi.gaussian_filter(rng.standard_normal(shape), grain_px, mode="wrap")
    return n * (sd / n.std())


@dataclass(frozen=True)
class ConeBeam:
    """Cone-beam artefacts added to a synthetic slice (all in HU, mm).

    * ``cupping_hu``: scatter cupping, −c·(1 − (r/R)²) inside the phantom (centre c lower than the edge);
    * ``gradient_hu``: an asymmetric shading, linear along image x across the phantom (−g/2 … +g/2);
    * ``rings``: ring artefacts about the image centre (the rotation axis), (radius mm, amplitude HU), each a
      Gaussian ring of ``ring_width_mm`` σ;
    * ``grain_fraction`` of the noise variance is low-frequency, of ``grain_mm`` σ (the correlated noise of
      a cone-beam reconstruction), the rest the FBP-like ramp noise.
    """

    cupping_hu: float = 0.0
    gradient_hu: float = 0.0
    rings: tuple[tuple[float, float], ...] = ()
    ring_width_mm: float = 0.5
    grain_fraction: float = 0.0
    grain_mm: float = 1.5

    def field(self, x: np.ndarray, y: np.ndarray, xi: np.ndarray, yi: np.ndarray, radius_mm: float) -> np.ndarray:
        """The shading (HU) at phantom coordinates (x, y) — image coordinates (xi, yi) — inside the phantom."""
        out = -self.cupping_hu * (1.0 - (x**2 + y**2) / radius_mm**2)
        if self.gradient_hu:
            out = out + self.gradient_hu * np.clip(x / (2 * radius_mm), -0.5, 0.5)
        if self.rings:
            rr = np.hypot(xi, yi)
            for r0, amp in self.rings:
                out = out + amp * np.exp(-0.5 * ((rr - r0) / self.ring_width_mm) ** 2)
        return out

    def mean_over_disc(self, x0: float, y0: float, a: float, radius_mm: float, rotation_deg: float = 0.0,
                       offset_mm: tuple[float, float] = (0.0, 0.0)) -> float:
        """The mean shading over a disc of radius ``a`` at phantom (x0, y0): the truth of a ROI there."""
        t = np.linspace(-a, a, 41)
        gx, gy = np.meshgrid(t, t)
        m = gx**2 + gy**2 <= a * a
        x, y = x0 + gx[m], y0 + gy[m]
        r = np.deg2rad(rotation_deg)
        xi = x * np.cos(r) - y * np.sin(r) + offset_mm[0]
        yi = x * np.sin(r) + y * np.cos(r) + offset_mm[1]
        return float(np.mean(self.field(x, y, xi, yi, radius_mm)))


def _finish(canvas: _Canvas, psf_sigma_mm: float, noise_sd: float, rng, points=(), noise_cutoff: float = 0.9,
            cone_beam: ConeBeam | None = None) -> np.ndarray:
    """Downsample, blur by the PSF, add point sources (drawn as the PSF) and noise."""
    # blur on the fine grid, then point-sample at the pixel centres: a reconstructed CT image samples
    # the blurred object, it does not average over the pixel area (so the MTF is the PSF's alone)
    ss = canvas.ss
    fine = canvas.value
    if psf_sigma_mm > 0:
        fine = ndi.gaussian_filter(fine, psf_sigma_mm / canvas.px * ss, mode="nearest")
    img = fine[ss // 2 :: ss, ss // 2 :: ss] if ss % 2 == 1 else canvas.to_image()
    if points:
        rows, cols = np.mgrid[0 : img.shape[0], 0 : img.shape[1]]
        for (x, y, integral_hu_mm2) in points:
            pc, pr = canvas.point_px(x, y)
            s = max(psf_sigma_mm, 1e-3)
            rr2 = ((cols - pc) ** 2 + (rows - pr) ** 2) * canvas.px**2
            img = img + integral_hu_mm2 / (2 * np.pi * s * s) * np.exp(-rr2 / (2 * s * s))
    if cone_beam is not None and cone_beam.grain_fraction > 0:
        f = cone_beam.grain_fraction
        return (img + _ramp_noise(img.shape, noise_sd * math.sqrt(1 - f), rng, noise_cutoff)
                + _grain_noise(img.shape, noise_sd * math.sqrt(f), rng, cone_beam.grain_mm / canvas.px))
    return img + _ramp_noise(img.shape, noise_sd, rng, noise_cutoff)


# --------------------------------------------------------------------------- DICOM
@dataclass
class _SeriesInfo:
    study_uid: str
    series_uid: str
    frame_uid: str
    description: str
    series_number: int


def _series_info(description: str, series_number: int = 1) -> _SeriesInfo:
    return _SeriesInfo(generate_uid(UID_ROOT), generate_uid(UID_ROOT), generate_uid(UID_ROOT), description, series_number)


def ct_dataset(hu: np.ndarray, pixel_mm: float, z_mm: float, thickness_mm: float, info: _SeriesInfo, instance: int,
               *, kernel: str = "B30", signed: bool = False, gantry_tilt_deg: float = 0.0,
               phantom_name: str = "PHANTOM") -> FileDataset:
    """One CT Image Storage dataset holding ``hu`` (stored with Rescale Slope 1, Intercept −1024 or 0)."""
    ds = new_dataset(CT_IMAGE_STORAGE)
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = "20260101"
    ds.StudyTime = ds.SeriesTime = ds.ContentTime = "120000"
    ds.AccessionNumber = ""
    ds.Modality = "CT"
    ds.Manufacturer = "huren-synth"
    ds.ManufacturerModelName = "SYNTH-CT"
    ds.DeviceSerialNumber = "0001"
    ds.StationName = "SYNTH"
    ds.InstitutionName = "huren"
    ds.ReferringPhysicianName = ""
    ds.StudyDescription = "QC"
    ds.SeriesDescription = info.description
    ds.PatientName = phantom_name
    ds.PatientID = "QA-" + phantom_name
    ds.PatientBirthDate = ""
    ds.PatientSex = "O"
    ds.BodyPartExamined = "PHANTOM"
    ds.KVP = "120"
    ds.SliceThickness = f"{thickness_mm:g}"
    ds.ReconstructionDiameter = f"{pixel_mm * hu.shape[1]:.3f}"
    ds.GantryDetectorTilt = f"{gantry_tilt_deg:g}"
    ds.ConvolutionKernel = kernel
    ds.PatientPosition = "HFS"
    ds.StudyInstanceUID = info.study_uid
    ds.SeriesInstanceUID = info.series_uid
    ds.FrameOfReferenceUID = info.frame_uid
    ds.StudyID = "1"
    ds.SeriesNumber = info.series_number
    ds.InstanceNumber = instance
    half = pixel_mm * hu.shape[1] / 2
    ds.ImagePositionPatient = [f"{-half + pixel_mm / 2:.4f}", f"{-half + pixel_mm / 2:.4f}", f"{z_mm:.4f}"]
    ds.ImageOrientationPatient = ["1", "0", "0", "0", "1", "0"]
    ds.SliceLocation = f"{z_mm:.4f}"
    ds.PositionReferenceIndicator = ""
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.Rows, ds.Columns = hu.shape
    ds.PixelSpacing = [f"{pixel_mm:.6f}", f"{pixel_mm:.6f}"]
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.RescaleSlope = "1"
    ds.RescaleType = "HU"
    if signed:
        ds.PixelRepresentation = 1
        ds.RescaleIntercept = "0"
        stored = np.clip(np.round(hu), -32768, 32767).astype(np.int16)
    else:
        ds.PixelRepresentation = 0
        ds.RescaleIntercept = "-1024"
        stored = np.clip(np.round(hu + 1024), 0, 65535).astype(np.uint16)
    ds.WindowCenter = "40"
    ds.WindowWidth = "400"
    ds.PixelData = stored.tobytes()
    return ds


def enhanced_ct(series: SynthSeries) -> FileDataset:
    """The same slices as one Enhanced CT Image Storage object (multi-frame, functional groups)."""
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence

    first = series.datasets[0]
    ds = new_dataset(ENHANCED_CT_IMAGE_STORAGE)
    for kw in ("StudyInstanceUID", "SeriesInstanceUID", "FrameOfReferenceUID", "PatientName", "PatientID", "Modality",
               "Manufacturer", "ManufacturerModelName", "DeviceSerialNumber", "StationName", "SeriesDescription",
               "StudyDate", "StudyTime", "SeriesNumber", "Rows", "Columns", "BitsAllocated", "BitsStored", "HighBit",
               "PixelRepresentation", "SamplesPerPixel", "PhotometricInterpretation", "KVP", "ConvolutionKernel"):
        setattr(ds, kw, getattr(first, kw))
    ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL", "NONE"]
    ds.InstanceNumber = 1
    ds.NumberOfFrames = len(series.datasets)
    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = first.PixelSpacing
    pm.SliceThickness = first.SliceThickness
    shared.PixelMeasuresSequence = Sequence([pm])
    po = Dataset()
    po.ImageOrientationPatient = first.ImageOrientationPatient
    shared.PlaneOrientationSequence = Sequence([po])
    pvt = Dataset()
    pvt.RescaleSlope = first.RescaleSlope
    pvt.RescaleIntercept = first.RescaleIntercept
    pvt.RescaleType = "HU"
    shared.PixelValueTransformationSequence = Sequence([pvt])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per = []
    for s in series.datasets:
        fg = Dataset()
        pp = Dataset()
        pp.ImagePositionPatient = s.ImagePositionPatient
        fg.PlanePositionSequence = Sequence([pp])
        per.append(fg)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    ds.PixelData = b"".join(s.PixelData for s in series.datasets)
    return ds


def _z_positions(n: int, spacing: float, centre: float = 0.0) -> list[float]:
    return [centre + (i - (n - 1) / 2) * spacing for i in range(n)]


# --------------------------------------------------------------------------- water phantom
def water_phantom(*, diameter_mm: float = 200.0, shell_mm: float = 4.0, fov_mm: float = 250.0, matrix: int = 256,
                  hu_offset: float = 0.0, cupping_hu: float = 0.0, noise_sd: float = 5.0, psf_sigma_mm: float = 0.6,
                  offset_mm: tuple[float, float] = (0.0, 0.0), thickness_mm: float = 5.0, n_slices: int = 3,
                  seed: int = 0, signed: bool = False, description: str = "water QC") -> SynthSeries:
    """A homogeneous water cylinder (inner ``diameter_mm``) in a PMMA shell, in air.

    Truth: ``ct_number_water`` (= hu_offset plus the cupping over the central ROI),
    ``noise_sd``, the signed edge−centre differences of the WS 519 ROIs (edge ROI
    centres R − 10 mm − a from the centre, a = ROI radius = 5 % of the diameter).
    """
    rng = np.random.default_rng(seed)
    info = _series_info(description)
    r_in = diameter_mm / 2
    datasets = []
    for i, z in enumerate(_z_positions(n_slices, thickness_mm)):
        cv = _Canvas(matrix, fov_mm, offset_mm, 0.0)
        cv.disc(0, 0, r_in + shell_mm, 120.0)
        rr2 = cv.x**2 + cv.y**2
        inside = rr2 <= r_in**2
        cv.value[inside] = hu_offset + cupping_hu * rr2[inside] / r_in**2
        img = _finish(cv, psf_sigma_mm, noise_sd, rng)
        datasets.append(ct_dataset(img, cv.px, z, thickness_mm, info, i + 1, signed=signed, phantom_name="WATER"))
    a_c = 0.05 * diameter_mm  # centre ROI radius (10 % of diameter)
    a_e = 0.05 * diameter_mm
    d = r_in - 10.0 - a_e
    centre_mean = hu_offset + cupping_hu * (a_c**2 / 2) / r_in**2
    edge_mean = hu_offset + cupping_hu * (d**2 + a_e**2 / 2) / r_in**2
    return SynthSeries(datasets, {
        "phantom": "water", "diameter_mm": diameter_mm, "ct_number_water": centre_mean,
        "noise_sd": noise_sd, "uniformity_max_diff": abs(edge_mean - centre_mean),
        "uniformity_signed": edge_mean - centre_mean, "slice_thickness_nominal": thickness_mm,
        "offset_mm": offset_mm, "pixel_mm": fov_mm / matrix,
    })


def wire_phantom(*, fov_mm: float = 50.0, matrix: int = 256, psf_sigma_mm: float = 0.35, noise_sd: float = 2.0,
                 wire_mm: tuple[float, float] = (3.0, -2.0), background_hu: float = 0.0, integral_hu_mm2: float = 400.0,
                 n_slices: int = 1, thickness_mm: float = 1.0, seed: int = 0) -> SynthSeries:
    """A thin wire in water seen end-on (a point in each slice): the PSF itself.

    Truth: ``mtf50`` and ``mtf10`` in lp/cm from the Gaussian PSF's analytic MTF.
    """
    rng = np.random.default_rng(seed)
    info = _series_info("wire MTF")
    datasets = []
    for i, z in enumerate(_z_positions(n_slices, thickness_mm)):
        cv = _Canvas(matrix, fov_mm, (0.0, 0.0), 0.0, ss=1)
        cv.value[:] = background_hu
        img = _finish(cv, psf_sigma_mm, noise_sd, rng, points=[(wire_mm[0], wire_mm[1], integral_hu_mm2)])
        datasets.append(ct_dataset(img, cv.px, z, thickness_mm, info, i + 1, kernel="H70", phantom_name="WIRE"))
    return SynthSeries(datasets, {
        "phantom": "wire", "mtf50": mtf_level_gaussian(0.5, psf_sigma_mm), "mtf10": mtf_level_gaussian(0.1, psf_sigma_mm),
        "psf_sigma_mm": psf_sigma_mm, "wire_mm": wire_mm,
    })


# --------------------------------------------------------------------------- multi-module phantoms
def _slice_plan(g: dict, modules, per_module: int, step: float, z_range_mm, in_module,
                extent_mm: tuple[float, float] | None = None) -> list[tuple[float, str | None]]:
    """(z, module) of every slice: a few slices per module, or a contiguous stack over ``z_range_mm``.
    A slice between modules shows the body (module None); one beyond ``extent_mm`` (the phantom's
    ends, when given) shows air only (module ``"air"``)."""
    zs: list[tuple[float, str | None]] = []
    if z_range_mm is not None:
        z = z_range_mm[0]
        while z <= z_range_mm[1] + 1e-6:
            mod = None
            for name, zc in g["module_z_mm"].items():
                if in_module(name, z - zc):
                    mod = name
            if mod is None and extent_mm is not None and not extent_mm[0] <= z <= extent_mm[1]:
                mod = "air"
            zs.append((z, mod))
            z += step
    else:
        for name in modules:
            zs += [(zz, name) for zz in _z_positions(per_module, step, g["module_z_mm"][name])]
    return sorted(zs, key=lambda t: t[0])


def _render_stack(zs, g: dict, draw, description: str, patient: str, *, matrix, fov_mm, offset_mm, rotation_deg,
                  thickness_mm, psf_sigma_mm, noise_sd, seed, hu_offset, noise_cutoff: float = 0.9,
                  gantry_tilt_deg: float = 0.0, cone_beam: ConeBeam | None = None, signed: bool = False) -> list:
    rng = np.random.default_rng(seed)
    info = _series_info(description)
    datasets = []
    for i, (z, mod) in enumerate(zs):
        cv = _Canvas(matrix, fov_mm, offset_mm, rotation_deg)
        points: list = []
        if mod is None:  # between modules: the body material only
            cv.disc(0, 0, g["diameter_mm"] / 2, g["body_hu"])
        elif mod == "air":  # beyond the phantom's ends
            pass
        else:
            draw(cv, mod, z - g["module_z_mm"][mod], thickness_mm, points)
        cv.value[cv.value > -999] += hu_offset
        if cone_beam is not None:
            inside = cv.x**2 + cv.y**2 <= (g["diameter_mm"] / 2) ** 2
            cv.value[inside] += cone_beam.field(cv.x[inside], cv.y[inside], cv.xi[inside], cv.yi[inside],
                                                g["diameter_mm"] / 2)
        img = _finish(cv, psf_sigma_mm, noise_sd, rng, points=points, noise_cutoff=noise_cutoff, cone_beam=cone_beam)
        datasets.append(ct_dataset(img, cv.px, z, thickness_mm, info, i + 1, phantom_name=patient,
                                   gantry_tilt_deg=gantry_tilt_deg, signed=signed))
    return datasets


# --------------------------------------------------------------------------- Catphan 503/504/600/604-like
def _tilt(cv: _Canvas) -> np.ndarray:
    """Image y (mm) relative to the phantom's axis: the lever arm of a tilt about the image x axis."""
    return cv.yi - cv.offset[1]


def _wire_ramp(cv: _Canvas, centre: tuple[float, float], along_deg: float, slope: float, z_local: float,
               tilt_deg: float, thickness_mm: float, hu: float, width_mm: float = 0.6) -> None:
    """A wire rising ``slope`` mm in z per mm along ``along_deg`` through ``centre`` (phantom frame), drawn where
    it crosses the slab |Z − z_local| ≤ T/2 of a slice tilted by θ about the image x axis (rigid rotation:
    phantom z = −Y·sin θ + Z·cos θ, phantom y = Y·cos θ + Z·sin θ). A ramp of angle α then images
    T / tan(α ± θ) long, as on a real tilted phantom; the in-plane 1/cos θ stretch (0.14 % at 3°) is left out."""
    a = np.deg2rad(along_deg)
    u = (cv.x - centre[0]) * np.cos(a) + (cv.y - centre[1]) * np.sin(a)
    v = -(cv.x - centre[0]) * np.sin(a) + (cv.y - centre[1]) * np.cos(a)
    t = math.radians(tilt_deg)
    u_y = math.sin(a + math.radians(cv.rotation))  # d(u)/d(image y)
    z_cross = (_tilt(cv) * math.sin(t) + slope * u) / (math.cos(t) - slope * u_y * math.sin(t))
    m = (np.abs(v) <= width_mm / 2) & (np.abs(z_cross - z_local) <= thickness_mm / 2)
    cv.value[m] += hu


def _ssp(d_mm: float, thickness_mm: float, sigma_mm: float = 0.4) -> float:
    """Slice sensitivity at ``d_mm`` from the slice centre: a rectangle of ``thickness_mm`` blurred by a
    Gaussian of ``sigma_mm`` (its FWHM is the thickness while T ≫ σ)."""
    s = math.sqrt(2) * sigma_mm
    return 0.5 * (math.erf((thickness_mm / 2 - d_mm) / s) + math.erf((thickness_mm / 2 + d_mm) / s))


def _bead(cv: _Canvas, points: list, x: float, y: float, z_bead: float, z_local: float, tilt_deg: float,
          thickness_mm: float, integral_hu_mm2: float) -> None:
    """A bead at phantom (x, y, z_bead) drawn as the PSF where the tilted slice sees it (image y moved by
    −z·sin θ), weighted by the slice sensitivity at its scanner Z = y·sin θ + z·cos θ."""
    t = math.radians(tilt_deg)
    y_rel = cv.image_y(x, y) - cv.offset[1]
    w = _ssp(y_rel * math.sin(t) + z_bead * math.cos(t) - z_local, thickness_mm)
    if w > 1e-3:
        dy = y_rel * (math.cos(t) - 1) - z_bead * math.sin(t)
        r = math.radians(cv.rotation)
        points.append((x + dy * math.sin(r), y + dy * math.cos(r), integral_hu_mm2 * w))


def _bead_ramp(cv: _Canvas, points: list, ramp: dict, z_local: float, tilt_deg: float, thickness_mm: float,
               integral_hu_mm2: float) -> None:
    n = int(round(ramp["half_span_mm"] / ramp["pitch_mm"]))
    for k in range(-n, n + 1):
        s = k * ramp["pitch_mm"]
        x, y = (ramp["x_mm"], s) if ramp["axis"] == "y" else (s, ramp["y_mm"])
        _bead(cv, points, x, y, ramp["slope"] * s, z_local, tilt_deg, thickness_mm, integral_hu_mm2)


def _catphan_module(cv: _Canvas, module: str, z_local: float, thickness_mm: float, rng_points: list, *,
                    model: str = "catphan504", tilt_deg: float = 0.0) -> None:
    g = CATPHAN_504
    body = g["body_hu"]
    cv.disc(0, 0, g["diameter_mm"] / 2, body)
    if module == "ctp404":
        r = g["insert_radius_mm"]
        materials = dict(g["materials"], **(CATPHAN_604_EXTRA if "bone50" in CATPHAN_MODELS[model]["inserts"] else {}))
        for _name, (ang, hu) in materials.items():
            a = np.deg2rad(ang)
            cv.disc(r * np.cos(a), r * np.sin(a), g["insert_diameter_mm"] / 2, hu)
        h = g["rod_half_side_mm"]
        for sx in (-1, 1):
            for sy in (-1, 1):
                # three air holes and one Teflon pin, as on the Catphan
                cv.disc(sx * h, sy * h, g["rod_diameter_mm"] / 2, 1000.0 if (sx, sy) == (-1, 1) else -1000.0)
        t = math.tan(math.radians(g["ramp_angle_deg"]))
        d = g["ramp_distance_mm"]
        # top and bottom ramps run along x, left and right along y; opposite ramps slope opposite ways
        for centre, along, slope in (((0, -d), 0, t), ((0, d), 0, -t), ((-d, 0), 90, -t), ((d, 0), 90, t)):
            _wire_ramp(cv, centre, along, slope, z_local, tilt_deg, thickness_mm, 500.0)
    elif module == "ctp528":
        _ctp528_bars(cv, body)
        bx, by = g["bead_position_mm"]
        rng_points.append((bx, by, 1000.0))  # the point source (drawn stronger than a real 0.28 mm bead)
    elif module == "ctp591":
        for ramp in CTP591["ramps"]:
            _bead_ramp(cv, rng_points, ramp, z_local, tilt_deg, thickness_mm, CTP591_BEAD_INTEGRAL)
        bx, by = CTP591["bead_mm"]
        _bead(cv, rng_points, bx, by, 0.0, z_local, tilt_deg, thickness_mm, CTP591_BEAD_INTEGRAL)
    elif module == "ctp515":
        for contrast, a0 in CTP515_GROUPS.items():
            for dmm, step in zip(LCD_DIAMETERS_MM, CTP515_STEPS_DEG):
                a = np.deg2rad(a0 + step)
                cv.disc(50 * np.cos(a), 50 * np.sin(a), dmm / 2, contrast * 10.0, add=True)
    elif module == "ctp486":
        pass


CTP528_BOUNDS = (0, 0.107, 0.173, 0.236, 0.286, 0.335, 0.387, 0.434, 0.479, 0.52, 0.558, 0.594, 0.628, 0.66,
                 0.69, 0.718, 0.745, 0.771, 0.796, 0.82, 0.843, 0.865)
CTP528_PEAKS = (2, 3, 4, 4, 4, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5)


def _ctp528_bars(cv: _Canvas, body: float) -> None:
    """Groups of 1–21 lp/cm: radial aluminium bars round a 47 mm circle, from 180° onwards
    (towards 90°, i.e. counter-clockwise as displayed), each group centred in its arc."""
    r = CATPHAN_504["lp_radius_mm"]
    for k in range(21):
        f = k + 1  # lp/cm
        period = 10.0 / f
        frac = (CTP528_BOUNDS[k] + CTP528_BOUNDS[k + 1]) / 2
        centre_deg = 180.0 - frac * 360.0
        n = CTP528_PEAKS[k]
        for j in range(n):
            s = (j - (n - 1) / 2) * period  # arc position of the bar centre, mm
            ang = centre_deg - np.rad2deg(s / r)
            a = np.deg2rad(ang)
            cv.rect(r * np.cos(a), r * np.sin(a), 6.0, period / 4, ang, 1000.0 - body, add=True)


def catphan(model: str = "catphan504", *, fov_mm: float = 220.0, matrix: int = 320, psf_sigma_mm: float = 0.5,
            noise_sd: float = 4.0, thickness_mm: float = 5.0, offset_mm: tuple[float, float] = (0.0, 0.0),
            rotation_deg: float = 0.0, modules: tuple[str, ...] | None = None, slices_per_module: int = 1,
            slice_spacing_mm: float | None = None, z_range_mm: tuple[float, float] | None = None, seed: int = 0,
            hu_offset: float = 0.0, noise_cutoff: float = 0.9, tilt_deg: float = 0.0,
            gantry_tilt_deg: float = 0.0, cone_beam: ConeBeam | None = None, signed: bool = False) -> SynthSeries:
    """A Catphan 503/504/600/604-like series: one (or a few) slices per module, or a contiguous stack.

    Module positions and the CTP404 insert set come from
    :data:`huren.analysis.ct.models.CATPHAN_MODELS`. With ``z_range_mm`` every slice from
    z0 to z1 at ``slice_spacing_mm`` is drawn, each showing the module it falls in.
    ``tilt_deg`` tilts the phantom about the image x axis through its centre (the z-dependent
    features — wire and bead ramps, beads — are drawn for the tilted geometry); ``gantry_tilt_deg`` is the same geometry
    recorded as Gantry/Detector Tilt in the header. Module boundaries follow the slice's
    centre z. Truth: nominal HU of each material, slice thickness, rod distance 50 mm,
    MTF of the PSF, module z positions. With ``cone_beam`` (:class:`ConeBeam`) the shading, rings and
    correlated noise of a cone-beam scan are added; each insert's truth is then its nominal CT number
    plus the mean shading over a 5 mm-radius ROI at its centre (the CT-number ROI; ``shading_hu`` in truth).
    """
    g = dict(CATPHAN_504, module_z_mm=dict(CATPHAN_MODELS[model]["modules"]))
    modules = modules or tuple(g["module_z_mm"])
    tilt = tilt_deg + gantry_tilt_deg
    ends = [zc + s_ * MODULE_HALF_LENGTH_MM[m] for m, zc in g["module_z_mm"].items() for s_ in (-1, 1)]
    zs = _slice_plan(g, modules, slices_per_module, slice_spacing_mm or thickness_mm, z_range_mm,
                     lambda name, dz: abs(dz) <= MODULE_HALF_LENGTH_MM[name], extent_mm=(min(ends), max(ends)))
    draw = functools.partial(_catphan_module, model=model, tilt_deg=tilt)
    datasets = _render_stack(zs, g, draw, model.replace("catphan", "Catphan "), model.upper(), matrix=matrix, fov_mm=fov_mm,
                             offset_mm=offset_mm, rotation_deg=rotation_deg, thickness_mm=thickness_mm,
                             psf_sigma_mm=psf_sigma_mm, noise_sd=noise_sd, seed=seed, hu_offset=hu_offset,
                             noise_cutoff=noise_cutoff, gantry_tilt_deg=gantry_tilt_deg, cone_beam=cone_beam,
                             signed=signed)
    materials = dict(g["materials"], **(CATPHAN_604_EXTRA if model == "catphan604" else {}))
    shading = {}
    if cone_beam is not None:
        for k, (ang, _v) in materials.items():
            a = math.radians(ang)
            shading[k] = cone_beam.mean_over_disc(g["insert_radius_mm"] * math.cos(a), g["insert_radius_mm"] * math.sin(a),
                                                  5.0, g["diameter_mm"] / 2, rotation_deg, offset_mm)
        shading["air"] = (shading["air"] + shading.pop("air2")) / 2
    truth = {
        "phantom": model, "slice_thickness": thickness_mm, "geometric_distance": 50.0,
        "mtf50": mtf_level_gaussian(0.5, psf_sigma_mm), "mtf10": mtf_level_gaussian(0.1, psf_sigma_mm),
        "noise_sd": noise_sd, "rotation_deg": rotation_deg, "offset_mm": offset_mm, "tilt_deg": tilt,
        "module_z_mm": {m: z for m, z in g["module_z_mm"].items() if m in modules},
        **{f"ct_number_{k}": v + hu_offset + shading.get(k, 0.0) for k, (_a, v) in materials.items() if k != "air2"},
    }
    if cone_beam is not None:
        truth.update(cone_beam=cone_beam, shading_hu={k: round(v, 3) for k, v in shading.items()})
    return SynthSeries(datasets, truth)


CBCT_RANGE_MM = (-95.0, 62.5)  # 64 slices of 2.5 mm over a Catphan 504: CTP486 … CTP528


def catphan_cbct(model: str = "catphan504", *, noise_sd: float = 20.0, cupping_hu: float = 35.0,
                 gradient_hu: float = 0.0, rings: tuple[tuple[float, float], ...] = (), grain_fraction: float = 0.1,
                 grain_mm: float = 2.0, noise_cutoff: float = 0.5, psf_sigma_mm: float = 0.7, fov_mm: float = 256.0, matrix: int = 512,
                 thickness_mm: float = 2.5, z_range_mm: tuple[float, float] | None = CBCT_RANGE_MM,
                 signed: bool = True, **kw) -> SynthSeries:
    """A Catphan on a cone-beam CT (the image-guidance CBCT of a linac, as in issue 11): 512² pixels of
    ~0.5 mm, 64 slices of 2.5 mm, higher and correlated noise, cupping of ``cupping_hu`` from centre to
    edge, optional asymmetric shading and rings (:class:`ConeBeam`). The noise is the ramp-filtered
    noise with a low apodisation cutoff (``noise_cutoff`` of Nyquist: grain of a few pixels) plus
    ``grain_fraction`` of its variance as blotches of ``grain_mm``. Pixels are stored signed (``signed``), so
    that air shaded below −1024 HU is not cut off; ``signed=False`` stores them as many files do, from −1024 HU. Other arguments go to :func:`catphan`
    (``modules=…, slices_per_module=…`` with ``z_range_mm=None`` for a few slices per module)."""
    cb = ConeBeam(cupping_hu=cupping_hu, gradient_hu=gradient_hu, rings=tuple(rings), grain_fraction=grain_fraction,
                  grain_mm=grain_mm)
    kw.setdefault("slice_spacing_mm", thickness_mm)
    return catphan(model, noise_sd=noise_sd, psf_sigma_mm=psf_sigma_mm, fov_mm=fov_mm, matrix=matrix,
                   thickness_mm=thickness_mm, z_range_mm=z_range_mm, cone_beam=cb, noise_cutoff=noise_cutoff,
                   signed=signed, **kw)


def catphan504(**kw) -> SynthSeries:
    """A Catphan 504-like series (see :func:`catphan`)."""
    return catphan("catphan504", **kw)


# --------------------------------------------------------------------------- ACR 464-like
def _acr_module(cv: _Canvas, module: str, z_local: float, thickness_mm: float, points: list) -> None:
    g = ACR_464
    cv.disc(0, 0, g["diameter_mm"] / 2, g["body_hu"])
    if module == "m1":
        r = g["insert_radius_mm"]
        for _name, (ang, hu) in g["materials"].items():
            a = np.deg2rad(ang)
            cv.disc(r * np.cos(a), r * np.sin(a), g["insert_diameter_mm"] / 2, hu)
        d, k = g["ramp_distance_mm"], g["ramp_factor"]
        _wire_ramp(cv, (0, -d), 0, k, z_local, 0.0, thickness_mm, 600.0)
        _wire_ramp(cv, (0, d), 0, -k, z_local, 0.0, thickness_mm, 600.0)
    elif module == "m2":
        c = g["lcd_contrast_hu"]
        a = np.deg2rad(-90)
        cv.disc(60 * np.cos(a), 60 * np.sin(a), 12.5, c, add=True)
        # groups of four rods of 6, 5, 4, 3, 2 mm round the module, as on the ACR phantom
        for gi, dmm in enumerate(g["lcd_rod_mm"][1:]):
            base = -30 + gi * 55
            for j in range(4):
                ang = np.deg2rad(base + j * (dmm + 3.0) / 60 * 180 / np.pi)
                cv.disc(60 * np.cos(ang), 60 * np.sin(ang), dmm / 2, c, add=True)
    elif module == "m3":
        for ang, dist in g["bb_positions_mm"]:
            a = np.deg2rad(ang)
            cv.disc(dist * np.cos(a), dist * np.sin(a), 0.5, 3000.0)  # 1 mm metal BB
    elif module == "m4":
        for f, ang in g["bars_lp_cm"].items():
            a = np.deg2rad(ang)
            cx, cy = g["bars_radius_mm"] * np.cos(a), g["bars_radius_mm"] * np.sin(a)
            period = 10.0 / f
            nb = 6
            for j in range(nb):
                s = (j - (nb - 1) / 2) * period
                # bars parallel to the radius, stacked tangentially
                bx, by = cx - s * np.sin(a), cy + s * np.cos(a)
                cv.rect(bx, by, 7.0, period / 4, ang, 1000.0, add=True)


def acr464(*, fov_mm: float = 220.0, matrix: int = 320, psf_sigma_mm: float = 0.5, noise_sd: float = 4.0,
           thickness_mm: float = 5.0, offset_mm: tuple[float, float] = (0.0, 0.0), rotation_deg: float = 0.0,
           modules: tuple[str, ...] = ("m1", "m2", "m3", "m4"), z_range_mm: tuple[float, float] | None = None,
           slice_spacing_mm: float | None = None, seed: int = 0, hu_offset: float = 0.0) -> SynthSeries:
    """An ACR CT 464-like series: modules 1–4 (20 cm diameter, 4 cm long each).

    Truth: insert HU, slice thickness, BB distance 100 mm, MTF of the PSF.
    """
    g = ACR_464
    zs = _slice_plan(g, modules, 1, slice_spacing_mm or thickness_mm, z_range_mm, lambda name, dz: -20 <= dz < 20)
    datasets = _render_stack(zs, g, _acr_module, "ACR CT", "ACR464", matrix=matrix, fov_mm=fov_mm, offset_mm=offset_mm,
                             rotation_deg=rotation_deg, thickness_mm=thickness_mm, psf_sigma_mm=psf_sigma_mm,
                             noise_sd=noise_sd, seed=seed, hu_offset=hu_offset)
    truth = {
        "phantom": "acr-ct", "slice_thickness": thickness_mm, "geometric_distance": 100.0,
        "mtf50": mtf_level_gaussian(0.5, psf_sigma_mm), "mtf10": mtf_level_gaussian(0.1, psf_sigma_mm),
        "noise_sd": noise_sd, "rotation_deg": rotation_deg, "offset_mm": offset_mm,
        "ct_number_water": hu_offset + g["body_hu"],
        **{f"ct_number_{k}": v + hu_offset for k, (_a, v) in g["materials"].items()},
    }
    return SynthSeries(datasets, truth)


# --------------------------------------------------------------------------- anonymised exports
def same_sop_uid(series: SynthSeries, *, uid: str | None = None, instance_numbers: str = "keep",
                 duplicates: tuple[int, ...] = ()) -> SynthSeries:
    """The series as a careless anonymiser exports it: every file carries the same SOP Instance UID.

    ``instance_numbers``: ``keep`` (each slice its own), ``same`` (all 1) or ``none`` (removed).
    ``duplicates``: indices of slices written a second time, byte for byte (true duplicate files,
    placed right after their original). Truth gains ``distinct_images`` and ``duplicate_files``.
    """
    import copy

    uid = uid or generate_uid(UID_ROOT)
    out = []
    for i, ds in enumerate(series.datasets):
        d = copy.deepcopy(ds)
        d.SOPInstanceUID = uid
        d.file_meta.MediaStorageSOPInstanceUID = uid
        if instance_numbers == "same":
            d.InstanceNumber = 1
        elif instance_numbers == "none":
            del d.InstanceNumber
        out.append(d)
        if i in duplicates:
            out.append(copy.deepcopy(d))
    return SynthSeries(out, {**series.truth, "distinct_images": len(series.datasets), "duplicate_files": len(duplicates),
                             "sop_instance_uid": uid})

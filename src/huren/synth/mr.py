"""Synthetic MR phantoms with known ground truth, written as real MR DICOM.

* :func:`acr_series` — an ACR-like 11-slice axial series: a 190 mm disc (diameter
  settable) with a known signal, complex Gaussian noise (so air is Rayleigh and the
  phantom Gaussian, as in a magnitude image), a linear shading of known PIU, an N/2
  ghost of known level along the phase-encoding direction, on slice 1 the
  slice-thickness bar with two ramps whose FWHM is 10 × the slice thickness and the
  two wedge bars with a known length difference, and the slice-5 grid.
* :func:`write_flood` — a uniform flood with known SNR and shading: a cylinder, sphere or
  bottle in the axial, coronal or sagittal plane, optionally with a phase-encoding ghost
  and Philips-style per-image scaling; call twice with two seeds for a subtraction pair.

Truths: SNR = signal/σ; PIU = 100·(1 − g·(r_large − r_small)) for shading slope g
(per mm) along x; PSG = 100·ghost; diameter and thickness as given.
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from pydicom.dataset import FileDataset
from pydicom.uid import MRImageStorage, generate_uid

from huren.synth import new_dataset

SUPER_PX = 1024  # supersampled grid size: partial-volume edges at a bounded cost


@dataclass
class AcrTruth:
    diameter_mm: float = 190.0
    signal: float = 1000.0
    sigma: float = 5.0
    shading_per_mm: float = 0.0  # fractional signal change per mm along x
    ghost: float = 0.0  # ghost amplitude as a fraction of the signal
    slice_thickness_mm: float = 5.0
    wedge_difference_mm: float = 0.0  # right bar longer by this much
    matrix: int = 256
    fov_mm: float = 250.0
    angle_deg: float = 0.0
    offset_mm: tuple[float, float] = (0.0, 0.0)
    field_strength_t: float = 1.5
    phase_encoding: str = "COL"  # ghosts run down the columns (vertically)
    ghost_shift: float = 0.5  # ghost displacement along the phase-encoding axis, a fraction of the field (N/2)
    vial_mm: float = 0.0  # diameter of a bright vial outside the phantom (0: none)
    vial_gap_mm: float = 6.5  # from the phantom's inside wall to the vial (the acrylic wall is ~6.5 mm)
    vial_angle_deg: float = 90.0  # where the vial lies (0 right, 90 below)
    vial_signal: float = 1.6  # the vial's signal relative to the phantom


def _super(t) -> int:
    return max(SUPER_PX // t.matrix, 2)


def _grid(t: AcrTruth):
    n = t.matrix * _super(t)
    px = t.fov_mm / n
    c = (np.arange(n) - (n - 1) / 2) * px
    xx, yy = np.meshgrid(c, c)
    # phantom frame: translate then rotate (clockwise on screen for a positive angle)
    a = np.radians(t.angle_deg)
    x0, y0 = xx - t.offset_mm[0], yy - t.offset_mm[1]
    return x0 * np.cos(a) + y0 * np.sin(a), -x0 * np.sin(a) + y0 * np.cos(a)


def _down(a: np.ndarray, k: int) -> np.ndarray:
    n = a.shape[0] // k
    return a.reshape(n, k, n, k).mean(axis=(1, 3))


def _slice_object(t: AcrTruth, n: int) -> np.ndarray:
    """The noise-free object of ACR slice n at full resolution (relative signal 0–1)."""
    x, y = _grid(t)
    r = t.diameter_mm / 2
    obj = (x**2 + y**2 <= r**2).astype(np.float64)
    if n == 1:
        bar = (np.abs(x) < 88) & (np.abs(y) < 5)
        obj[bar] = 0.0
        half = 10 * t.slice_thickness_mm / 2  # ramp FWHM = 10 × thickness
        obj[(np.abs(x) < half) & (y > -3.5) & (y < -1.0)] = 1.0
        obj[(np.abs(x) < half) & (y > 1.0) & (y < 3.5)] = 1.0
        d = t.wedge_difference_mm
        obj[(x > -6) & (x < 0) & (y < -62.0)] = 0.0
        obj[(x >= 0) & (x < 6) & (y < -62.0 + d)] = 0.0
        obj[(x**2 + y**2 > r**2)] = 0.0
    elif n == 11:
        d = t.wedge_difference_mm
        obj[(x > -6) & (x < 0) & (y < -62.0)] = 0.0
        obj[(x >= 0) & (x < 6) & (y < -62.0 + d)] = 0.0
        obj[(x**2 + y**2 > r**2)] = 0.0
    elif n == 5:
        lines = ((np.abs(((x + 60) % 15) - 7.5) > 7.0) | (np.abs(((y + 60) % 15) - 7.5) > 7.0)) & (np.abs(x) < 70) & (np.abs(y) < 70)
        obj[lines] = 0.0
    obj *= 1.0 + t.shading_per_mm * x
    if t.vial_mm:
        a = np.radians(t.vial_angle_deg)
        d = r + t.vial_gap_mm + t.vial_mm / 2
        obj[(x - d * np.cos(a)) ** 2 + (y - d * np.sin(a)) ** 2 <= (t.vial_mm / 2) ** 2] = t.vial_signal
    return _down(obj, _super(t))


def acr_slice_array(t: AcrTruth, n: int, seed: int = 0) -> np.ndarray:
    obj = _slice_object(t, n) * t.signal
    if t.ghost:
        axis = 0 if t.phase_encoding == "COL" else 1
        obj = obj + t.ghost * np.roll(obj, int(round(obj.shape[axis] * t.ghost_shift)), axis=axis)
    rng = np.random.default_rng(seed)
    re = obj + rng.normal(0, t.sigma, obj.shape)
    im = rng.normal(0, t.sigma, obj.shape)
    return np.hypot(re, im)


def _dataset(path: Path, array: np.ndarray, *, spacing: float, z: float, series_uid: str, study_uid: str, instance: int,
             field_t: float, pe: str, thickness: float, description: str, orientation=(1, 0, 0, 0, 1, 0), position=None,
             frame_uid: str | None = None) -> FileDataset:
    ds = new_dataset(MRImageStorage, filename=str(path))
    ds.Modality = "MR"
    ds.Manufacturer = "huren-synth"
    ds.ManufacturerModelName = "ACR-like"
    ds.StudyInstanceUID = study_uid
    ds.SeriesInstanceUID = series_uid
    ds.FrameOfReferenceUID = frame_uid or generate_uid()
    ds.PatientName = "PHANTOM^SYNTH"
    ds.PatientID = "SYNTH"
    ds.StudyDate = _dt.date.today().strftime("%Y%m%d")
    ds.SeriesDescription = description
    ds.InstanceNumber = instance
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M"]
    ds.MagneticFieldStrength = field_t
    ds.ImagingFrequency = round(42.577478 * field_t, 6)
    ds.InPlanePhaseEncodingDirection = pe
    ds.SliceThickness = thickness
    ds.RepetitionTime = 500
    ds.EchoTime = 20
    ds.NumberOfAverages = 1
    ds.PixelBandwidth = 130
    n = array.shape[0]
    ds.AcquisitionMatrix = [0, n, n, 0] if pe == "COL" else [n, 0, 0, n]
    ds.ImageOrientationPatient = list(orientation)
    ds.ImagePositionPatient = list(position) if position is not None else [-(n - 1) / 2 * spacing, -(n - 1) / 2 * spacing, z]
    ds.SliceLocation = z
    ds.PixelSpacing = [spacing, spacing]
    ds.Rows, ds.Columns = array.shape
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = 16
    ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = np.clip(np.round(array), 0, 65535).astype(np.uint16).tobytes()
    ds.save_as(path, enforce_file_format=True)
    return ds


def write_acr_series(folder: str | Path, truth: AcrTruth | None = None, *, seed: int = 0, reverse: bool = False) -> list[Path]:
    """Write the 11 slices (one file each) into ``folder``; ``reverse`` stores slice 11 at the lowest z."""
    t = truth or AcrTruth()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    series, study, frame = generate_uid(), generate_uid(), generate_uid()
    out = []
    for n in range(1, 12):
        z = (n - 6) * 10.0 * (-1 if reverse else 1)
        arr = acr_slice_array(t, n, seed=seed * 100 + n)
        p = folder / f"slice{n:02d}.dcm"
        _dataset(p, arr, spacing=t.fov_mm / t.matrix, z=z, series_uid=series, study_uid=study, instance=n,
                 field_t=t.field_strength_t, pe=t.phase_encoding, thickness=t.slice_thickness_mm,
                 description="ACR T1 synthetic", frame_uid=frame)
        out.append(p)
    return out


@dataclass
class FloodTruth:
    """A uniform flood phantom seen in one plane.

    ``shape``: ``"cylinder"`` (axis head–foot: a disc of ``diameter_mm`` axially, a
    ``diameter_mm`` × ``length_mm`` rectangle coronally and sagittally), ``"sphere"`` (a
    disc in every plane) or ``"bottle"`` (a cylinder body whose top has rounded shoulders
    and a neck of a third of its diameter, ``neck_mm`` long, in coronal and sagittal
    planes). ``shading_per_mm``: fractional signal change per mm along the image's
    horizontal axis. ``ghost``: an N/2 ghost of that fraction of the object along the
    phase-encoding direction ``pe``. ``rescale_slope`` / ``philips_scale_slope``: the
    stored values are FP·SS and the header says DV = SV·RescaleSlope, as a Philips
    scanner writes them (FP, the floating-point value, is the true signal).
    """

    diameter_mm: float = 180.0
    signal: float = 800.0
    sigma: float = 8.0
    shading_per_mm: float = 0.0
    matrix: int = 256
    fov_mm: float = 250.0
    field_strength_t: float = 1.5
    shape: str = "cylinder"
    plane: str = "axial"
    length_mm: float = 200.0
    neck_mm: float = 25.0
    ghost: float = 0.0
    pe: str = "ROW"
    rescale_slope: float | None = None
    philips_scale_slope: float | None = None
    offset_mm: tuple[float, float] = (0.0, 0.0)  # object centre from the image centre (right, down)
    manufacturer: str = "huren-synth"  # hazen reads some header facts by vendor and refuses unknown ones


ORIENTATION = {"axial": (1, 0, 0, 0, 1, 0), "coronal": (1, 0, 0, 0, 0, -1), "sagittal": (0, 1, 0, 0, 0, -1)}


def _flood_object(t: FloodTruth, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    """The object (0/1) at in-plane mm (u right, v down) for the truth's shape and plane."""
    r = t.diameter_mm / 2
    if t.shape == "sphere" or t.plane == "axial":
        return u**2 + v**2 <= r**2
    if t.shape == "cylinder":
        return (np.abs(u) <= r) & (np.abs(v) <= t.length_mm / 2)
    if t.shape == "bottle":
        top = -t.length_mm / 2
        shoulder = top + 0.5 * r
        body = (np.abs(u) <= r) & (v >= shoulder) & (v <= t.length_mm / 2)
        cap = (u / r) ** 2 + ((v - shoulder) / (0.5 * r)) ** 2 <= 1.0
        neck = (np.abs(u) <= r / 3) & (v >= top - t.neck_mm) & (v <= shoulder)
        return body | cap | neck
    raise ValueError(f"unknown flood shape {t.shape!r}")


def flood_signal(t: FloodTruth) -> np.ndarray:
    """The noise-free flood image (the true signal, partial-volume edges included)."""
    a = AcrTruth(matrix=t.matrix, fov_mm=t.fov_mm, offset_mm=t.offset_mm)
    x, y = _grid(a)
    obj = _down(_flood_object(t, x, y) * (1.0 + t.shading_per_mm * x), _super(a)) * t.signal
    if t.ghost:
        axis = 0 if t.pe == "COL" else 1
        obj = obj + t.ghost * np.roll(obj, obj.shape[axis] // 2, axis=axis)
    return obj


def flood_array(t: FloodTruth, seed: int = 0) -> np.ndarray:
    obj = flood_signal(t)
    rng = np.random.default_rng(seed)
    return np.hypot(obj + rng.normal(0, t.sigma, obj.shape), rng.normal(0, t.sigma, obj.shape))


def flood_uniformity_truth(t: FloodTruth, length_mm: float = 160.0) -> dict:
    """IPEM fractional uniformity of the noise-free flood over ``length_mm`` profiles through the centre.

    With a linear shading g along x and the reference at the centre, a profile point is
    within ±10 % when |g·x| ≤ 0.1 (x from the object's centre): the fraction
    min(1, 0.2 / (g·length)); the vertical profile has no shading.
    """
    g = abs(t.shading_per_mm)
    return {"h": 1.0 if g == 0 else min(1.0, 0.2 / (g * length_mm)), "v": 1.0}


def write_flood(path: str | Path, truth: FloodTruth | None = None, *, seed: int = 0, series_uid: str | None = None) -> Path:
    t = truth or FloodTruth()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    sp = t.fov_mm / t.matrix
    n = t.matrix
    arr = flood_array(t, seed)
    if t.philips_scale_slope:
        arr = arr * t.philips_scale_slope  # stored value SV = FP · SS
    orient = ORIENTATION[t.plane]
    e1, e2 = np.array(orient[:3], float), np.array(orient[3:], float)
    pos = -(n - 1) / 2 * sp * (e1 + e2)
    ds = _dataset(p, arr, spacing=sp, z=0.0, series_uid=series_uid or generate_uid(), study_uid=generate_uid(), instance=1,
                  field_t=t.field_strength_t, pe=t.pe, thickness=5.0, description=f"flood synthetic {t.shape} {t.plane}",
                  orientation=orient, position=[float(v) for v in pos])
    if t.manufacturer != "huren-synth":
        ds.Manufacturer = t.manufacturer
        ds.save_as(p, enforce_file_format=True)
    if t.rescale_slope or t.philips_scale_slope:
        ds.RescaleSlope = t.rescale_slope or 1.0
        ds.RescaleIntercept = 0
        ds.RescaleType = "normalized"
        if t.philips_scale_slope:
            ds.Manufacturer = "Philips Medical Systems"
            block = ds.private_block(0x2005, "Philips MR Imaging DD 001", create=True)
            block.add_new(0x0E, "FL", float(t.philips_scale_slope))
        ds.save_as(p, enforce_file_format=True)
    return p


def write_acr_enhanced(path: str | Path, truth: AcrTruth | None = None, *, seed: int = 0, reverse: bool = False) -> Path:
    """The same 11 slices as one Enhanced MR Image (multi-frame) file, positions per frame.

    Frame order follows ``reverse`` as :func:`write_acr_series`; pixel spacing and
    orientation sit in the shared functional groups, each frame's position in its own.
    """
    from pydicom.dataset import Dataset
    from pydicom.sequence import Sequence as Seq
    from pydicom.uid import EnhancedMRImageStorage

    t = truth or AcrTruth()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    spacing = t.fov_mm / t.matrix
    n = t.matrix
    frames, per_frame = [], []
    for k in range(1, 12):
        z = (k - 6) * 10.0 * (-1 if reverse else 1)
        frames.append(np.clip(np.round(acr_slice_array(t, k, seed=seed * 100 + k)), 0, 65535).astype(np.uint16))
        pos = Dataset()
        pos.ImagePositionPatient = [-(n - 1) / 2 * spacing, -(n - 1) / 2 * spacing, z]
        fg = Dataset()
        fg.PlanePositionSequence = Seq([pos])
        per_frame.append(fg)
    ds = new_dataset(EnhancedMRImageStorage, filename=str(p))
    ds.Modality = "MR"
    ds.Manufacturer = "huren-synth"
    ds.StudyInstanceUID, ds.SeriesInstanceUID, ds.FrameOfReferenceUID = generate_uid(), generate_uid(), generate_uid()
    ds.PatientName, ds.PatientID = "PHANTOM^SYNTH", "SYNTH"
    ds.SeriesDescription = "ACR T1 synthetic enhanced"
    ds.InstanceNumber = 1
    ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "NONE"]
    ds.MagneticFieldStrength = t.field_strength_t
    ds.ImagingFrequency = round(42.577478 * t.field_strength_t, 6)
    ds.NumberOfFrames = 11
    measures = Dataset()
    measures.PixelSpacing = [spacing, spacing]
    measures.SliceThickness = t.slice_thickness_mm
    orient = Dataset()
    orient.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    shared = Dataset()
    shared.PixelMeasuresSequence = Seq([measures])
    shared.PlaneOrientationSequence = Seq([orient])
    # as real enhanced MR objects do, the acquisition facts sit in functional groups
    fov = Dataset()
    fov.InPlanePhaseEncodingDirection = t.phase_encoding
    shared.MRFOVGeometrySequence = Seq([fov])
    ds.SharedFunctionalGroupsSequence = Seq([shared])
    ds.PerFrameFunctionalGroupsSequence = Seq(per_frame)
    ds.Rows = ds.Columns = n
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME2"
    ds.BitsAllocated = ds.BitsStored = 16
    ds.HighBit = 15
    ds.PixelRepresentation = 0
    ds.PixelData = np.stack(frames).tobytes()
    ds.save_as(p, enforce_file_format=True)
    return p

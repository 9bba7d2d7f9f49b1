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


@dataclass
class SliceWidthTruth:
    """The MagNET slice-width test object seen in one axial image, with known truth.

    A disc of water (``diameter_mm``) holding nine signal-free rods (``rod_mm`` across)
    on a square grid of ``pitch_mm`` (60 mm: 120 mm between the outer rods), and two thin
    signal-free plates (``plate_mm`` thick) crossing the imaged slab at ``plate_angle_deg``
    (11.3°, tan = 0.2), midway between the rod rows (y = ∓30 mm in the phantom's frame);
    each plate darkens a band whose profile along x is the slice profile stretched by
    1 / tan(angle). ``tilt_deg`` turns the phantom about its y axis, out of the image
    plane: the upper plate is then at angle + tilt, the lower at angle − tilt.

    The slice profile: ``"rect"`` — a box of FWHM ``slice_width_mm`` with Gaussian edges
    of SD ``edge_mm``; ``"gauss"`` — a Gaussian of that FWHM. Shading:
    1 + ``shading``·(r/R)², as a head coil's receive profile brightens towards the wall,
    times 1 + ``shading_slope_per_mm``·x.
    ``scale`` (x, y): a gradient-calibration error; the whole image is stretched by
    it (the rods then stand ``pitch·scale`` apart). ``rod_shift_mm``: a displacement of
    each rod (row-major from the top left) for a known distortion figure.
    ``angle_deg`` turns the phantom in-plane (clockwise on screen), ``offset_mm`` moves
    it (right, down).
    """

    slice_width_mm: float = 5.0
    profile: str = "rect"
    edge_mm: float = 0.4
    plate_mm: float = 1.0
    plate_angle_deg: float = 11.3
    tilt_deg: float = 0.0
    diameter_mm: float = 185.0
    pitch_mm: float = 60.0
    rod_mm: float = 5.0
    signal: float = 800.0
    sigma: float = 8.0
    shading: float = 0.3
    shading_slope_per_mm: float = 0.0  # a further linear shading along the image's x (a coil off to one side)
    matrix: int = 256
    fov_mm: float = 256.0
    angle_deg: float = 0.0
    offset_mm: tuple[float, float] = (0.0, 0.0)
    scale: tuple[float, float] = (1.0, 1.0)
    rod_shift_mm: tuple = ()
    nominal_mm: float = 5.0  # the SliceThickness header
    field_strength_t: float = 1.5
    pe: str = "COL"
    manufacturer: str = "SIEMENS"


def slice_profile(t: SliceWidthTruth, z: np.ndarray) -> np.ndarray:
    """The slice profile (unit area) at through-plane positions ``z`` mm."""
    from scipy.special import erf

    w = t.slice_width_mm
    if t.profile == "rect":
        e = max(t.edge_mm, 1e-6) * np.sqrt(2.0)
        p = 0.5 * (erf((z + w / 2) / e) - erf((z - w / 2) / e))
    elif t.profile == "gauss":
        s = w / (2 * np.sqrt(2 * np.log(2)))
        p = np.exp(-0.5 * (z / s) ** 2)
    else:
        raise ValueError(f"unknown slice profile {t.profile!r}")
    dz = float(z[1] - z[0])
    return p / (p.sum() * dz)


_Z = np.arange(-40.0, 40.0, 0.01)


def _plate_deficit_z(t: SliceWidthTruth, angle_deg: float) -> np.ndarray:
    """The fraction of signal a plate at ``angle_deg`` takes out, on :data:`_Z` (the plate's depth, mm):
    the slice profile integrated over the plate's extent along z."""
    sp = slice_profile(t, _Z)
    thick = t.plate_mm / np.cos(np.radians(angle_deg))
    k = max(int(round(thick / 0.01)), 1)
    c = np.cumsum(np.r_[0.0, sp]) * 0.01
    idx = np.arange(_Z.size)
    lo, hi = np.clip(idx - k // 2, 0, _Z.size), np.clip(idx - k // 2 + k, 0, _Z.size)
    return c[hi] - c[lo]


def _plate_deficit(t: SliceWidthTruth, angle_deg: float):
    d = _plate_deficit_z(t, angle_deg)
    return lambda zz: np.interp(zz, _Z, d, left=0.0, right=0.0)


def _fwhm_z(p: np.ndarray) -> float:
    above = np.nonzero(p >= 0.5 * p.max())[0]
    i, j = above[0], above[-1]
    h = 0.5 * p.max()
    left = _Z[i - 1] + (h - p[i - 1]) / (p[i] - p[i - 1]) * 0.01
    right = _Z[j] + (p[j] - h) / (p[j] - p[j + 1]) * 0.01
    return float(right - left)


def slice_width_rods_mm(t: SliceWidthTruth) -> np.ndarray:
    """True rod centres in image mm from the image centre (x right, y down): (3, 3, 2), rows from the top."""
    a = np.radians(t.angle_deg)
    out = np.zeros((3, 3, 2))
    shifts = list(t.rod_shift_mm) or [(0.0, 0.0)] * 9
    for j in range(3):
        for i in range(3):
            dx, dy = shifts[3 * j + i]
            x, y = (i - 1) * t.pitch_mm + dx, (j - 1) * t.pitch_mm + dy
            xr, yr = x * np.cos(a) - y * np.sin(a), x * np.sin(a) + y * np.cos(a)
            out[j, i] = ((xr + t.offset_mm[0]) * t.scale[0], (yr + t.offset_mm[1]) * t.scale[1])
    return out


def slice_width_truth(t: SliceWidthTruth) -> dict:
    """The figures the analysis should find: slice width (FWHM), rod distances (mm), their CV (%), tilt."""
    r = slice_width_rods_mm(t)
    h = [float(np.hypot(*(r[j, 2] - r[j, 0]))) for j in range(3)]
    v = [float(np.hypot(*(r[2, i] - r[0, i]))) for i in range(3)]

    def cv(d):
        return float(100 * np.std(d, ddof=1) / np.mean(d))

    # the slice width is the FWHM of the slice profile itself (``slice_width_mm`` unless its edges are
    # wide against it); a plate of finite thickness images that profile integrated over the plate,
    # whose FWHM (``plate_dip_fwhm_mm``, at the untilted angle) is what the method can read
    return {"slice_width_mm": _fwhm_z(slice_profile(t, _Z)),
            "plate_dip_fwhm_mm": _fwhm_z(_plate_deficit_z(t, t.plate_angle_deg)),
            "horizontal_mm": h, "vertical_mm": v,
            "distortion_h_percent": cv(h), "distortion_v_percent": cv(v), "tilt_deg": t.tilt_deg}


def slice_width_signal(t: SliceWidthTruth) -> np.ndarray:
    """The noise-free image of the slice-width object (partial-volume edges included)."""
    a0 = AcrTruth(matrix=t.matrix, fov_mm=t.fov_mm)
    k = _super(a0)
    n = t.matrix * k
    px = t.fov_mm / n
    c = (np.arange(n) - (n - 1) / 2) * px
    xx, yy = np.meshgrid(c, c)
    # image mm -> object mm (undo the gradient scale), then into the phantom's frame
    a = np.radians(t.angle_deg)
    x0, y0 = xx / t.scale[0] - t.offset_mm[0], yy / t.scale[1] - t.offset_mm[1]
    x, y = x0 * np.cos(a) + y0 * np.sin(a), -x0 * np.sin(a) + y0 * np.cos(a)
    r2 = x**2 + y**2
    R = t.diameter_mm / 2
    obj = (r2 <= R**2) * (1.0 + t.shading * r2 / R**2) * (1.0 + t.shading_slope_per_mm * xx)
    for yb, ang, sign in ((-t.pitch_mm / 2, t.plate_angle_deg + t.tilt_deg, 1.0),
                          (t.pitch_mm / 2, t.plate_angle_deg - t.tilt_deg, -1.0)):
        band = (np.abs(y - yb) < 15.0) & (np.abs(x) < 45.0)
        deficit = _plate_deficit(t, ang)
        zz = sign * x[band] * np.tan(np.radians(ang))
        obj[band] *= 1.0 - deficit(zz)
    shifts = list(t.rod_shift_mm) or [(0.0, 0.0)] * 9
    for j in range(3):
        for i in range(3):
            dx, dy = shifts[3 * j + i]
            obj[(x - (i - 1) * t.pitch_mm - dx) ** 2 + (y - (j - 1) * t.pitch_mm - dy) ** 2 <= (t.rod_mm / 2) ** 2] = 0.0
    return _down(obj, k) * t.signal


def write_slice_width(path: str | Path, truth: SliceWidthTruth | None = None, *, seed: int = 0) -> Path:
    """One axial image of the slice-width object, with Rician noise of σ = ``truth.sigma``."""
    t = truth or SliceWidthTruth()
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    obj = slice_width_signal(t)
    rng = np.random.default_rng(seed)
    arr = np.hypot(obj + rng.normal(0, t.sigma, obj.shape), rng.normal(0, t.sigma, obj.shape))
    ds = _dataset(p, arr, spacing=t.fov_mm / t.matrix, z=0.0, series_uid=generate_uid(), study_uid=generate_uid(), instance=1,
                  field_t=t.field_strength_t, pe=t.pe, thickness=t.nominal_mm, description="axial synthetic")
    if t.manufacturer != "huren-synth":
        ds.Manufacturer = t.manufacturer
        ds.save_as(p, enforce_file_format=True)
    return p


def resample_image(src: str | Path, dst: str | Path, matrix: int, *, order: int = 3) -> Path:
    """A copy of a real single-frame image resampled to ``matrix`` × ``matrix`` over the same field.

    Pixel edges stay aligned (``grid_mode``), so the pixel spacing scales by exactly
    Rows / ``matrix`` and the first pixel's centre moves by half the change; Rows, Columns,
    Pixel Spacing, Image Position and the UIDs of the copy are updated. For testing the
    analysis of one object at another matrix; the copy is written where asked (a
    temporary folder), never beside the data.
    """
    import pydicom
    from scipy import ndimage

    ds = pydicom.dcmread(str(src))
    a = ds.pixel_array.astype(np.float64)
    b = ndimage.zoom(a, (matrix / a.shape[0], matrix / a.shape[1]), order=order, grid_mode=True, mode="grid-constant", cval=0.0)
    sr, sc = (float(v) for v in ds.PixelSpacing)
    nsr, nsc = sr * a.shape[0] / b.shape[0], sc * a.shape[1] / b.shape[1]
    if "ImagePositionPatient" in ds and "ImageOrientationPatient" in ds:
        o = np.array([float(v) for v in ds.ImageOrientationPatient])
        pos = np.array([float(v) for v in ds.ImagePositionPatient])
        # the first pixel's centre moves from half an old pixel to half a new one inside the field's corner
        pos = pos + o[:3] * (nsc - sc) / 2 + o[3:] * (nsr - sr) / 2
        ds.ImagePositionPatient = [float(v) for v in pos]
    hi = 2 ** int(ds.BitsStored) - 1
    ds.PixelData = np.clip(np.round(b), 0, hi).astype(np.uint16).tobytes()
    ds.Rows, ds.Columns = b.shape
    ds.PixelSpacing = [nsr, nsc]
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.SeriesInstanceUID = generate_uid()
    ds.BitsAllocated = 16
    ds.file_meta.TransferSyntaxUID = pydicom.uid.ExplicitVRLittleEndian
    p = Path(dst)
    p.parent.mkdir(parents=True, exist_ok=True)
    ds.save_as(p, enforce_file_format=True)
    return p

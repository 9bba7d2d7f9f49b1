"""Synthetic clinical studies with known, planted defects, for the image-quality checks (huren.iq).

CT studies (body outline, slices placed by Image Position/Orientation, gantry tilt, variable
spacing, missing/duplicated/misplaced slices, off-centre or cut body, low matrix, metal, contrast
phases), DR radiographs (EI/DI, collimator shutters, burned-in markers and text, flips) and MR
studies (series per protocol, orientation variants, fat-saturated series with uneven suppression)
in several vendors' header styles, as single-frame or enhanced multi-frame objects. The anatomy
comes from :mod:`huren.synth.patient`; datasets are made by :func:`huren.synth.new_dataset` (through
:func:`huren.synth.ct.ct_dataset` and :func:`huren.synth.dr.make_dataset` where they fit).
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass

import numpy as np
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from pydicom.uid import generate_uid
from scipy import ndimage

from huren.synth import UID_ROOT, new_dataset
from huren.synth import dr as sdr
from huren.synth import patient
from huren.synth.ct import SynthSeries, _SeriesInfo, ct_dataset

MR_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.4"
ENHANCED_MR_STORAGE = "1.2.840.10008.5.1.4.1.1.4.1"
ENHANCED_CT_STORAGE = "1.2.840.10008.5.1.4.1.1.2.1"
CT_IMAGE_STORAGE = "1.2.840.10008.5.1.4.1.1.2"

VENDORS = {
    "GE": ("GE MEDICAL SYSTEMS", "Revolution CT", "SIGNA Premier"),
    "Siemens": ("SIEMENS", "SOMATOM Force", "MAGNETOM Skyra"),
    "Philips": ("Philips", "iCT 256", "Ingenia"),
    "UIH": ("UIH", "uCT 760", "uMR 780"),
    "Canon": ("CANON_MEC", "Aquilion ONE", "Vantage Orian"),
}


@dataclass
class SynthStudy(SynthSeries):
    """A synthetic study: its datasets and the defects planted in it (``truth``: check name → what);
    ``write(folder, transfer_syntax=…)`` writes one file per dataset."""

    modality: str = ""

    @property
    def study_instance_uid(self) -> str:
        return str(self.datasets[0].StudyInstanceUID)


def _patient(ds: Dataset, body_part: str, vendor: str, model_index: int, study: dict) -> None:
    man, ct_model, mr_model = VENDORS[vendor]
    ds.PatientName, ds.PatientID, ds.PatientSex, ds.PatientBirthDate = "Wang^Wu", "P0001234", "M", "19700101"
    ds.Manufacturer = man
    ds.ManufacturerModelName = (ct_model, mr_model)[model_index]
    ds.InstitutionName = "Taiyuan Demo Hospital"
    ds.StationName = f"{vendor.upper()}-01"
    ds.DeviceSerialNumber = f"{vendor[:2].upper()}12345"
    ds.BodyPartExamined = body_part
    ds.StudyDate = ds.SeriesDate = ds.ContentDate = study.get("date", "20260315")
    ds.StudyTime = study.get("time", "093000")
    ds.AccessionNumber = study.get("accession", "A20260315001")
    ds.StudyDescription = study.get("description", "")
    ds.StudyInstanceUID = study["uid"]
    ds.StudyID = "1"


# ============================================================================================ CT
CT_DESCRIPTIONS = {
    "GE": "{t:g}mm STND {phase}", "Siemens": "{part} {t:.1f} B30f {phase}", "Philips": "{part} {t:g}mm {phase}",
    "UIH": "{part_zh} {t:g}mm {phase_zh}", "Canon": "Body {t:.1f} FC08 {phase}",
}
PHASE_WORDS = {"plain": ("Non-contrast", "平扫"), "arterial": ("Arterial", "动脉期"), "portal": ("Portal venous", "门脉期"),
               "delayed": ("Delayed", "延迟期")}
PART_ZH = {"ABDOMEN": "腹部", "HEAD": "头颅", "CHEST": "胸部"}
PHASE_DELAY_S = {"arterial": 30.0, "portal": 70.0, "delayed": 180.0}


def _ct_base(body_part: str, matrix: int, pixel_mm: float, seed: int) -> np.ndarray:
    if body_part == "HEAD":
        return patient.head_ct(n=matrix, pixel_mm=pixel_mm, seed=seed)
    return patient.abdomen_hu(n=matrix, pixel_mm=pixel_mm, seed=seed)


def ct_study(*, body_part: str = "ABDOMEN", vendor: str = "Siemens", n_slices: int = 30, matrix: int = 512,
             pixel_mm: float | None = None, spacing_mm: float = 5.0, thickness_mm: float | None = None,
             zones: list[tuple[int, float]] | None = None, tilt_deg: float = 0.0, offset_mm=(0.0, 0.0),
             missing=(), duplicate=(), misplaced_z=(), misplaced_xy=(), swap=(), metal: bool = False,
             phases=("plain",), phase_words: dict | None = None, study_words: str = "", contrast_tags: bool = True,
             localiser: bool = False, localiser_in_series: bool = False, enhanced: bool = False,
             drop_orientation: bool = False, seed: int = 0, base_images: int = 2) -> SynthStudy:
    """A CT study: one axial series per phase. Defects are planted by slice index: ``missing`` (dropped),
    ``duplicate`` (written twice), ``misplaced_z`` (moved 0.4 × spacing along z), ``misplaced_xy`` (Image
    Position moved 6 mm in plane), ``swap`` (pairs whose instance numbers are exchanged). ``zones`` gives
    variable spacing as (number of slices, spacing) runs."""
    rng = np.random.default_rng(seed)
    pixel_mm = pixel_mm or {"HEAD": 0.45, "CHEST": 0.7, "ABDOMEN": 0.72}.get(body_part, 0.7) * 512 / matrix
    thickness_mm = thickness_mm or spacing_mm
    study = {"uid": generate_uid(UID_ROOT), "description": study_words or (
        "CT " + body_part.title() + (" enhanced" if any(p != "plain" for p in phases) else ""))}
    bases = []
    for k in range(base_images):
        hu = _ct_base(body_part, matrix, pixel_mm, seed + k)
        if offset_mm != (0.0, 0.0):
            hu = ndimage.shift(hu, (offset_mm[1] / pixel_mm, offset_mm[0] / pixel_mm), order=0, mode="constant", cval=-1000.0)
        if metal:
            hu = _metal(hu, pixel_mm)
        bases.append(hu)
    # slice positions
    zs = []
    if zones:
        z = 0.0
        for n, s in zones:
            for _ in range(n):
                zs.append(z)
                z += s
    else:
        zs = [i * spacing_mm for i in range(n_slices)]
    datasets = []
    t = math.radians(tilt_deg)
    truth: dict = {}
    acq0 = 9 * 3600 + 35 * 60
    for si, phase in enumerate(phases):
        info = _SeriesInfo(study["uid"], generate_uid(UID_ROOT), generate_uid(UID_ROOT), "", si + 2)
        en, zh = PHASE_WORDS[phase]
        if phase_words and phase in phase_words:
            en = zh = phase_words[phase]
        info.description = CT_DESCRIPTIONS[vendor].format(t=thickness_mm, phase=en, phase_zh=zh,
                                                          part=body_part.title(), part_zh=PART_ZH.get(body_part, body_part))
        series_ds = []
        order = [i for i in range(len(zs)) if i not in missing]
        order = sorted(order + [i for i in duplicate if i in order])
        inst = 0
        for i in order:
            inst += 1
            hu = bases[i % len(bases)] + (phase != "plain") * 0.0
            z = zs[i] + (0.4 * spacing_mm if i in misplaced_z else 0.0)
            ds = ct_dataset(hu, pixel_mm, z, thickness_mm, info, inst, kernel="B30f", gantry_tilt_deg=tilt_deg)
            _patient(ds, body_part, vendor, 0, study)
            ds.ImageType = ["ORIGINAL", "PRIMARY", "AXIAL"]
            half = pixel_mm * matrix / 2
            x0 = -half + pixel_mm / 2 + (6.0 if i in misplaced_xy else 0.0)
            y0 = -half + pixel_mm / 2
            ds.ImagePositionPatient = [f"{x0:.4f}", f"{y0:.4f}", f"{z:.4f}"]
            ds.ImageOrientationPatient = ["1", "0", "0", "0", f"{math.cos(t):.6f}", f"{math.sin(t):.6f}"]
            if drop_orientation:
                del ds.ImageOrientationPatient
                del ds.ImagePositionPatient
            acq = acq0 + (PHASE_DELAY_S.get(phase, 0.0) if phase != "plain" else -120.0 + si)
            ds.AcquisitionTime = _hms(acq + inst * 0.1)
            if phase != "plain" and contrast_tags:
                ds.ContrastBolusAgent = "Iohexol 350"
                ds.ContrastBolusRoute = "IV"
                ds.ContrastBolusStartTime = _hms(acq0)
            series_ds.append(ds)
        for a, b in swap:
            series_ds[a].InstanceNumber, series_ds[b].InstanceNumber = series_ds[b].InstanceNumber, series_ds[a].InstanceNumber
        if localiser_in_series:
            loc = copy.deepcopy(series_ds[0])
            loc.SOPInstanceUID = loc.file_meta.MediaStorageSOPInstanceUID = generate_uid(UID_ROOT)
            loc.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
            loc.ImageOrientationPatient = ["1", "0", "0", "0", "0", "-1"]
            loc.InstanceNumber = len(series_ds) + 1
            series_ds.append(loc)
        if enhanced:
            series_ds = [to_enhanced(series_ds, ENHANCED_CT_STORAGE)]
        datasets += series_ds
    if localiser:
        loc = ct_dataset(bases[0], pixel_mm, 0.0, 1.0, _SeriesInfo(study["uid"], generate_uid(UID_ROOT),
                                                                     generate_uid(UID_ROOT), "Topogram 0.6 T80f", 1), 1)
        _patient(loc, body_part, vendor, 0, study)
        loc.ImageType = ["ORIGINAL", "PRIMARY", "LOCALIZER"]
        loc.ImageOrientationPatient = ["1", "0", "0", "0", "0", "-1"]
        datasets.insert(0, loc)
    for k, v in (("missing_slices", missing), ("duplicate_slices", duplicate), ("slice_order", swap)):
        if v:
            truth[k] = list(v)
    if misplaced_z or misplaced_xy:
        truth["misplaced_slices"] = list(misplaced_z) + list(misplaced_xy)
    if matrix < 512:
        truth["matrix"] = matrix
    if metal:
        truth["metal_artifact"] = True
    rng.random()
    return SynthStudy(datasets=datasets, truth=truth, modality="CT")


def _hms(sec: float) -> str:
    sec = sec % 86400
    h, m = int(sec // 3600), int(sec % 3600 // 60)
    return f"{h:02d}{m:02d}{sec % 60:06.3f}"


def _metal(hu: np.ndarray, pixel_mm: float) -> np.ndarray:
    """A hip-prosthesis-like metal disc (8 mm) with dark and bright streaks through it."""
    n = hu.shape[0]
    c = (np.arange(n) - n / 2) * pixel_mm
    x, y = np.meshgrid(c, c)
    cx, cy = 60.0, 20.0
    r = np.hypot(x - cx, y - cy)
    ang = np.arctan2(y - cy, x - cx)
    out = hu.copy()
    body = hu > -500
    out += body * 300 * np.cos(8 * ang) * np.exp(-r / 60.0)
    out[r <= 8.0] = 3071.0
    return out


def to_enhanced(datasets: list, sop_class_uid: str) -> Dataset:
    """Single-frame slices → one enhanced multi-frame object (per-frame positions, shared orientation,
    pixel measures, rescale and — for MR — timing/echo/inversion in the functional groups)."""
    first = datasets[0]
    ds = new_dataset(sop_class_uid)
    skip = {"SOPInstanceUID", "SOPClassUID", "ImagePositionPatient", "ImageOrientationPatient", "PixelSpacing",
            "SliceThickness", "RescaleSlope", "RescaleIntercept", "RescaleType", "PixelData", "InstanceNumber",
            "SliceLocation", "RepetitionTime", "EchoTime", "InversionTime", "AcquisitionTime", "WindowCenter", "WindowWidth"}
    for elem in first:
        if elem.keyword and elem.keyword not in skip and elem.tag.group != 0x0002:
            ds.add(copy.deepcopy(elem))
    ds.SOPClassUID = sop_class_uid
    ds.InstanceNumber = 1
    ds.NumberOfFrames = len(datasets)
    shared = Dataset()
    pm = Dataset()
    pm.PixelSpacing = first.PixelSpacing
    pm.SliceThickness = first.SliceThickness
    shared.PixelMeasuresSequence = Sequence([pm])
    po = Dataset()
    po.ImageOrientationPatient = first.ImageOrientationPatient
    shared.PlaneOrientationSequence = Sequence([po])
    if "RescaleSlope" in first:
        pvt = Dataset()
        pvt.RescaleSlope, pvt.RescaleIntercept = first.RescaleSlope, first.RescaleIntercept
        pvt.RescaleType = first.get("RescaleType", "US")
        shared.PixelValueTransformationSequence = Sequence([pvt])
    if "RepetitionTime" in first:
        t = Dataset()
        t.RepetitionTime = first.RepetitionTime
        shared.MRTimingAndRelatedParametersSequence = Sequence([t])
        e = Dataset()
        e.EffectiveEchoTime = first.EchoTime
        shared.MREchoSequence = Sequence([e])
        if "InversionTime" in first:
            m = Dataset()
            m.InversionRecovery = "YES"
            m.InversionTimes = [first.InversionTime]
            shared.MRModifierSequence = Sequence([m])
    ds.SharedFunctionalGroupsSequence = Sequence([shared])
    per = []
    for s in datasets:
        fg = Dataset()
        pp = Dataset()
        pp.ImagePositionPatient = s.ImagePositionPatient
        fg.PlanePositionSequence = Sequence([pp])
        per.append(fg)
    ds.PerFrameFunctionalGroupsSequence = Sequence(per)
    ds.PixelData = b"".join(s.PixelData for s in datasets)
    return ds


# ============================================================================================ DR
def dr_image(*, vendor: str = "GE", body_part: str = "CHEST", view: str = "PA", exposure_index: float = 300.0,
             target_exposure_index: float | None = 300.0, shift_mm: float = 0.0, marker: bool = True,
             text_over_body: bool = False, rotate: int = 0, header_orientation=("L", "F"), shutters_px: int = 16,
             seed: int = 0, study_uid: str | None = None, with_di: bool = True) -> SynthStudy:
    """A chest radiograph (DX for presentation style, raw-like linear data) with collimator shutters, a
    burned-in "L" marker and a text line in a corner; defects: EI/DI off, the body shifted off the field
    (``shift_mm``), no marker, text over the anatomy, the image rotated by ``rotate`` × 90°, or the header's
    Patient Orientation flipped."""
    det = sdr.Detector(shape=(560, 560), pixel_mm=0.8, seed=seed)
    ds = patient.chest_dr(det, seed=seed, exposure_index=exposure_index)
    a = ds.pixel_array.astype(np.float64)
    air = float(np.percentile(a, 99))
    if shift_mm:
        a = ndimage.shift(a, (0, shift_mm / det.pixel_mm), order=0, mode="nearest")
    px = det.pixel_mm
    rows, cols = a.shape
    low = 0.0  # the displayed-white end of this raw-like data (Pixel Intensity Relationship Sign +1)

    def stamp(r0, c0, cells):
        for r, c, h, w in cells:
            a[int(r0 + r / px):int(r0 + (r + h) / px), int(c0 + c / px):int(c0 + (c + w) / px)] = low

    if marker:  # an "L": a 14 mm stem and an 8 mm foot, 2.5 mm strokes, in the air beside the shoulder
        stamp(50, 40, [(0, 0, 14, 2.5), (11.5, 0, 2.5, 8)])
    # a text line (7 characters, 3 × 5 mm) in the lower-left corner over air — or over the lungs
    tr, tc = (rows * 0.42, cols * 0.30) if text_over_body else (rows - 70, 40)
    stamp(tr, tc, [(0, 4.5 * k, 5, 3) for k in range(7)])
    if shutters_px:
        dark = det.dark_level + det.electronic_noise * np.random.default_rng(seed).standard_normal(a.shape)
        s = shutters_px
        for sl in (np.s_[:s, :], np.s_[-s:, :], np.s_[:, :s], np.s_[:, -s:]):
            a[sl] = dark[sl]
    if rotate:
        a = np.rot90(a, rotate)
    ds.PixelData = np.clip(a, 0, 65535).astype(np.uint16).tobytes()
    ds.Rows, ds.Columns = a.shape
    study = {"uid": study_uid or generate_uid(UID_ROOT), "description": "DR Chest PA"}
    _patient(ds, body_part, vendor, 0, study)
    ds.Manufacturer = VENDORS[vendor][0]
    ds.ManufacturerModelName = {"GE": "Definium 656", "Siemens": "Ysio Max", "Philips": "DigitalDiagnost",
                                "UIH": "uDR 770i", "Canon": "RADREX-i"}[vendor]
    ds.ViewPosition = view
    if header_orientation:
        ds.PatientOrientation = list(header_orientation)
    ds.ExposureIndex = round(float(exposure_index), 2)
    if target_exposure_index:
        ds.TargetExposureIndex = float(target_exposure_index)
        if with_di:
            ds.DeviationIndex = round(10 * math.log10(exposure_index / target_exposure_index), 3)
    ds.PresentationIntentType = "FOR PRESENTATION"
    truth: dict = {}
    if target_exposure_index and abs(10 * math.log10(exposure_index / target_exposure_index)) > 1:
        truth["deviation_index"] = True
    if not 150 <= exposure_index <= 600:
        truth["exposure_index"] = True
    if abs(shift_mm) >= 60:
        truth["collimation"] = shift_mm
    if not marker:
        truth["marker"] = True
    if text_over_body:
        truth["burned_in_text"] = True
    if rotate or (header_orientation and tuple(header_orientation) != ("L", "F")):
        truth["view_orientation"] = rotate or header_orientation
    return SynthStudy(datasets=[ds], truth=truth, modality="DR")


# ============================================================================================ MR
PLANES = {"axial": (1, 0, 0, 0, 1, 0), "sagittal": (0, 1, 0, 0, 0, -1), "coronal": (1, 0, 0, 0, 0, -1)}
FLIPPED = {"axial": (-1, 0, 0, 0, 1, 0), "sagittal": (0, -1, 0, 0, 0, -1), "coronal": (-1, 0, 0, 0, 0, -1)}
WEIGHTINGS = {  # TR, TE, TI, ScanningSequence, SequenceVariant
    "T1": (500.0, 10.0, None, "SE", "SK"), "T2": (4000.0, 100.0, None, "SE", "SK"),
    "FLAIR": (9000.0, 120.0, 2500.0, "SE\\IR", "SK\\SP"), "DWI": (5000.0, 80.0, None, "EP", "SK\\SP"),
    "PD": (3000.0, 30.0, None, "SE", "SK"), "T1GE_FLAIR": (2000.0, 10.0, 800.0, "SE\\IR", "SK"),
}
MR_NAMES = {
    "Siemens": {"T1": "t1_se_{p3}", "T2": "t2_tse_{p3}", "FLAIR": "t2_tirm_{p3}_dark-fluid", "DWI": "ep2d_diff_b1000_{p3}",
                "PD": "pd_tse_{p3}"},
    "GE": {"T1": "{P2} T1 FLAIR", "T2": "{P2} T2 FRFSE", "FLAIR": "{P2} T2 FLAIR", "DWI": "{P2} DWI 1000b", "PD": "{P2} PD FSE"},
    "Philips": {"T1": "T1W_SE_{P3}", "T2": "T2W_TSE_{P3}", "FLAIR": "FLAIR_{P3}", "DWI": "DWI_b1000_{P3}", "PD": "PDW_TSE_{P3}"},
    "UIH": {"T1": "t1_fse_{p3}", "T2": "t2_fse_{p3}", "FLAIR": "t2_flair_{p3}", "DWI": "dwi_b1000_{p3}", "PD": "pd_fse_{p3}"},
    "Canon": {"T1": "T1WI_SE {P2}", "T2": "T2WI_FSE {P2}", "FLAIR": "FLAIR {P2}", "DWI": "DWI b1000 {P2}", "PD": "PDWI {P2}"},
}
P3 = {"axial": "tra", "sagittal": "sag", "coronal": "cor"}
P2 = {"axial": "Ax", "sagittal": "Sag", "coronal": "Cor"}
MR_PROTOCOLS = {
    "HEAD": [("T1", "axial", False), ("T2", "axial", False), ("FLAIR", "axial", False), ("DWI", "axial", False),
             ("T1", "sagittal", False)],
    "ABDOMEN": [("T2", "axial", True), ("T1", "axial", False), ("DWI", "axial", False)],
    "KNEE": [("PD", "sagittal", True), ("PD", "coronal", True), ("T1", "sagittal", False)],
    "SPINE": [("T1", "sagittal", False), ("T2", "sagittal", False), ("T2", "axial", False)],
}


def body_mr(n: int = 256, pixel_mm: float = 1.4, seed: int = 0, fat: float = 900.0, fat_sat: bool = False,
            unsuppressed_sector: bool = False, offset_mm=(0.0, 0.0)) -> np.ndarray:
    """An axial body section: an elliptical trunk with a 12 mm subcutaneous fat ring (bright, or dark
    when fat-suppressed; one 90° sector left bright when the suppression failed there), muscle, organs."""
    rng = np.random.default_rng(seed)
    c = (np.arange(n) - n / 2) * pixel_mm
    x, y = np.meshgrid(c - offset_mm[0], c - offset_mm[1])
    outer = (x / 150) ** 2 + (y / 105) ** 2 <= 1
    inner = (x / 138) ** 2 + (y / 93) ** 2 <= 1
    a = np.zeros((n, n))
    ring = outer & ~inner
    fat_level = 120.0 if fat_sat else fat
    a[ring] = fat_level
    if fat_sat and unsuppressed_sector:
        ang = np.degrees(np.arctan2(y, x))
        a[ring & (ang > 20) & (ang < 110)] = fat
    a[inner] = 300.0
    a[patient._ellipse(x, y, -50, -10, 55, 45, 20)] = 380.0
    a[patient._ellipse(x, y, 0, 55, 15, 14)] = 150.0
    a = ndimage.gaussian_filter(a, 1.0)
    return np.clip(a + rng.normal(0, 6, (n, n)), 0, None)


def mr_study(*, body_part: str = "HEAD", vendor: str = "Siemens", protocol=None, drop=(), flip: str | None = None,
             fat_sat_uneven: bool = False, offset_mm=(0.0, 0.0), n_slices: int = 5, matrix: int = 256,
             thickness_mm: float = 5.0, ge_t1_flair: bool = False, mislabel: dict | None = None,
             enhanced: bool = False, contrast: bool = False, seed: int = 0) -> SynthStudy:
    """An MR study with one series per protocol entry (weighting, plane, fat-sat). ``drop`` leaves out
    entries (by index), ``flip`` displays that weighting's series mirrored (Image Orientation row reversed),
    ``mislabel`` = {index: description} gives a series a misleading description while its TR/TE/TI stay
    true; ``ge_t1_flair`` makes T1 series GE's "T1 FLAIR" (inversion-prepared T1)."""
    protocol = list(protocol or MR_PROTOCOLS[body_part])
    study = {"uid": generate_uid(UID_ROOT), "description": f"MR {body_part.title()}" + (" +C" if contrast else "")}
    frame_uid = generate_uid(UID_ROOT)
    pixel_mm = (230.0 if body_part == "HEAD" else 380.0 if body_part == "ABDOMEN" else 160.0) / matrix
    datasets = []
    truth: dict = {}
    if drop:
        truth["required_sequences"] = [protocol[i] for i in drop]
    seq = [(i, p) for i, p in enumerate(protocol) if i not in drop]
    if contrast:
        seq.append((len(protocol), ("T1", "axial", True)))
    for k, (idx, (w, plane, fs)) in enumerate(seq):
        wkey = "T1GE_FLAIR" if (w == "T1" and ge_t1_flair) else w
        tr, te, ti, scanning, variant = WEIGHTINGS[wkey]
        desc = MR_NAMES[vendor][w].format(p3=P3[plane], P3=P3[plane].upper(), P2=P2[plane])
        if fs:
            desc += " FS" if vendor != "Siemens" else "_fs"
        post = contrast and k == len(seq) - 1
        if post:
            desc += " +C"
        if mislabel and idx in mislabel:
            desc = mislabel[idx]
        ori = FLIPPED[plane] if flip == f"{w}:{plane}" or flip == w else PLANES[plane]
        if flip == f"{w}:{plane}" or flip == w:
            truth["orientation_consistency"] = desc
        unsup = fat_sat_uneven and fs
        if unsup:
            truth["fat_suppression"] = desc
        series_uid = generate_uid(UID_ROOT)
        sl = []
        for j in range(n_slices):
            if body_part == "HEAD":
                arr = patient.head_mr(n=matrix, pixel_mm=pixel_mm, seed=seed + j)
                if offset_mm != (0.0, 0.0):
                    arr = ndimage.shift(arr, (offset_mm[1] / pixel_mm, offset_mm[0] / pixel_mm), order=0)
            else:
                arr = body_mr(matrix, pixel_mm, seed + j, fat_sat=fs, unsuppressed_sector=unsup, offset_mm=offset_mm)
            ds = new_dataset(MR_IMAGE_STORAGE)
            _patient(ds, body_part, vendor, 1, study)
            ds.Modality = "MR"
            ds.SeriesInstanceUID, ds.FrameOfReferenceUID = series_uid, frame_uid
            ds.SeriesNumber, ds.InstanceNumber = k + 1, j + 1
            ds.SeriesDescription = ds.ProtocolName = desc
            ds.ImageType = ["ORIGINAL", "PRIMARY", "M", "ND"] + (["DIFFUSION", "TRACEW"] if w == "DWI" else [])
            ds.ScanningSequence, ds.SequenceVariant = scanning, variant
            ds.ScanOptions = "FS" if fs else ""
            ds.MRAcquisitionType = "2D"
            ds.RepetitionTime, ds.EchoTime = tr, te
            if ti is not None:
                ds.InversionTime = ti
            if w == "DWI":
                ds.DiffusionBValue = 1000.0
            ds.MagneticFieldStrength = 3.0
            ds.SliceThickness = thickness_mm
            ds.SpacingBetweenSlices = thickness_mm + 1.0
            ds.PixelSpacing = [pixel_mm, pixel_mm]
            ds.ImageOrientationPatient = list(ori)
            r, cdir = np.array(ori[:3], float), np.array(ori[3:], float)
            nrm = np.cross(r, cdir)
            centre = (j - (n_slices - 1) / 2) * (thickness_mm + 1.0) * nrm
            ipp = centre - r * pixel_mm * (matrix - 1) / 2 - cdir * pixel_mm * (matrix - 1) / 2
            ds.ImagePositionPatient = [round(float(v), 4) for v in ipp]
            if post:
                ds.ContrastBolusAgent = "Gadobutrol"
            ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
            ds.Rows = ds.Columns = matrix
            ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 16, 15, 0
            ds.PixelData = np.clip(arr, 0, 65535).astype(np.uint16).tobytes()
            sl.append(ds)
        if enhanced:
            sl = [to_enhanced(sl, ENHANCED_MR_STORAGE)]
        datasets += sl
    if matrix < 256:
        truth["matrix"] = matrix
    return SynthStudy(datasets=datasets, truth=truth, modality="MR")


MR_SPECTROSCOPY_STORAGE = "1.2.840.10008.5.1.4.1.1.4.2"


def mr_spectroscopy(*, body_part: str = "HEAD", vendor: str = "Siemens", points: int = 1024, seed: int = 0,
                    study_uid: str | None = None) -> SynthStudy:
    """A single-voxel MR spectroscopy study (PRESS, TE 30 ms): one MR Spectroscopy object whose
    complex spectrum (NAA, creatine and choline peaks on noise) is in Spectroscopy Data — no Pixel
    Data, by the object's nature (PS3.3 A.49)."""
    rng = np.random.default_rng(seed)
    study = {"uid": study_uid or generate_uid(UID_ROOT), "description": f"MR {body_part.title()} spectroscopy"}
    ds = new_dataset(MR_SPECTROSCOPY_STORAGE)
    _patient(ds, body_part, vendor, 1, study)
    ds.Modality = "MR"
    ds.SeriesInstanceUID, ds.FrameOfReferenceUID = generate_uid(UID_ROOT), generate_uid(UID_ROOT)
    ds.SeriesNumber, ds.InstanceNumber = 20, 1
    ds.SeriesDescription = ds.ProtocolName = "svs_se_30 PRESS"
    ds.ImageType = ["ORIGINAL", "PRIMARY", "SPECTROSCOPY", "NONE"]
    ds.MagneticFieldStrength = 3.0
    ds.ImageOrientationPatient = list(PLANES["axial"])
    ds.ImagePositionPatient = [-10.0, -10.0, 20.0]
    ds.Rows = ds.Columns = ds.NumberOfFrames = 1
    ds.DataPointRows, ds.DataPointColumns = 1, points
    ds.DataRepresentation = "COMPLEX"
    ds.SignalDomainColumns = "TIME"
    ppm = np.linspace(4.5, 0.0, points)
    spectrum = sum(h * np.exp(-(((ppm - c) / 0.04) ** 2)) for c, h in ((2.01, 1.0), (3.03, 0.7), (3.22, 0.6)))
    fid = np.fft.ifft(spectrum + rng.normal(0, 0.02, points))
    ds.SpectroscopyData = np.stack([fid.real, fid.imag], axis=1).astype(np.float32).tobytes()
    return SynthStudy(datasets=[ds], truth={}, modality="MR")


# ==================================================================================== random cases
CT_DEFECTS = ("missing_slices", "duplicate_slices", "misplaced_z", "misplaced_xy", "slice_order", "centring",
              "body_in_fov", "matrix", "metal_artifact")
DR_DEFECTS = ("exposure_index", "collimation", "marker", "burned_in_text", "view_rotated", "view_upside_down", "view_header")
MR_DEFECTS = ("required_sequences", "orientation_consistency", "fat_suppression", "centring")


def random_ct(rng: np.random.Generator, defect: str | None) -> tuple[SynthStudy, str | None]:
    """A random CT study (vendor, body part, spacing, tilt, variable spacing) with at most one planted
    defect; returns the study and the check that must fail."""
    vendor = str(rng.choice(list(VENDORS)))
    part = str(rng.choice(["ABDOMEN", "HEAD"]))
    n = int(rng.integers(12, 30))
    spacing = float(rng.choice([1.25, 2.5, 5.0]))
    tilt = float(rng.choice([0.0, 0.0, 12.0, -20.0])) if part == "HEAD" else 0.0
    zones = [(n // 2, spacing), (n - n // 2, spacing / 2)] if rng.random() < 0.25 else None
    k = int(rng.integers(3, n - 4))
    ang = rng.uniform(0, 2 * np.pi)
    r = float(rng.uniform(0, 12))  # a clean study is not perfectly centred either (≤ 5 % of the field)
    kw: dict = {"offset_mm": (r * np.cos(ang), r * np.sin(ang))}
    check = defect
    if defect == "missing_slices":
        kw["missing"] = (k,)
    elif defect == "duplicate_slices":
        kw["duplicate"] = (k,)
    elif defect == "misplaced_z":
        kw["misplaced_z"], check = (k,), "misplaced_slices"
        zones = None
    elif defect == "misplaced_xy":
        kw["misplaced_xy"], check = (k,), "misplaced_slices"
    elif defect == "slice_order":
        kw["swap"] = ((k, k + 2),)
    elif defect == "centring":  # ≥ 14 % of the field (head 230 mm, abdomen 369 mm) off the centre
        ang = rng.uniform(0, 2 * np.pi)
        r = float(rng.uniform(33, 50)) if part == "HEAD" else float(rng.uniform(52, 65))
        kw["offset_mm"] = (r * np.cos(ang), r * np.sin(ang))
    elif defect == "body_in_fov":
        kw["offset_mm"] = (float(rng.choice([-1, 1])) * (150.0 if part == "HEAD" else 120.0), 0.0)
    elif defect == "matrix":
        kw["matrix"] = 256
    elif defect == "metal_artifact":
        kw["metal"] = True
        part = "ABDOMEN"
    st = ct_study(body_part=part, vendor=vendor, n_slices=n, spacing_mm=spacing, thickness_mm=min(spacing, 5.0),
                  zones=zones, tilt_deg=tilt, seed=int(rng.integers(0, 10_000)), base_images=1, **kw)
    return st, check


def random_dr(rng: np.random.Generator, defect: str | None) -> tuple[SynthStudy, str | None]:
    vendor = str(rng.choice(list(VENDORS)))
    ei = float(rng.uniform(220, 420))
    kw: dict = {"vendor": vendor, "exposure_index": ei, "target_exposure_index": ei * float(rng.uniform(0.85, 1.15)),
                "seed": int(rng.integers(0, 10_000)), "shift_mm": float(rng.uniform(-10, 10))}
    check = defect
    if defect == "exposure_index":
        kw["exposure_index"] = float(rng.choice([60.0, 1200.0]))
        kw["target_exposure_index"] = 300.0
    elif defect == "collimation":
        kw["shift_mm"] = float(rng.choice([-1, 1])) * float(rng.uniform(90, 130))
    elif defect == "marker":
        kw["marker"] = False
    elif defect == "burned_in_text":
        kw["text_over_body"] = True
    elif defect == "view_rotated":
        kw["rotate"], check = int(rng.choice([1, 3])), "view_orientation"
    elif defect == "view_upside_down":
        kw["rotate"], check = 2, "view_orientation"
    elif defect == "view_header":
        kw["header_orientation"], check = ("R", "F"), "view_orientation"
    return dr_image(**kw), check


def random_mr(rng: np.random.Generator, defect: str | None) -> tuple[SynthStudy, str | None]:
    vendor = str(rng.choice(list(VENDORS)))
    part = str(rng.choice(["HEAD", "ABDOMEN", "KNEE", "SPINE"]))
    if defect == "fat_suppression":
        part = "ABDOMEN"
    kw: dict = {"body_part": part, "vendor": vendor, "seed": int(rng.integers(0, 10_000)), "n_slices": 3,
                "ge_t1_flair": vendor == "GE" and part == "HEAD",
                "offset_mm": (float(rng.uniform(-8, 8)), float(rng.uniform(-8, 8)))}
    n = len(MR_PROTOCOLS[part])
    if defect == "required_sequences":
        kw["drop"] = (int(rng.integers(0, n)),)
    elif defect == "orientation_consistency":
        w, plane, _ = MR_PROTOCOLS[part][int(rng.integers(0, n))]
        kw["flip"] = f"{w}:{plane}"
    elif defect == "fat_suppression":
        kw["fat_sat_uneven"] = True
    elif defect == "centring":
        kw["offset_mm"] = (float(rng.choice([-1, 1])) * 45.0, 0.0) if part == "HEAD" else (0.0, 0.0)
        if part != "HEAD":
            kw["body_part"], kw["offset_mm"] = "HEAD", (45.0, 0.0)
            kw["ge_t1_flair"] = vendor == "GE"
    return mr_study(**kw), defect

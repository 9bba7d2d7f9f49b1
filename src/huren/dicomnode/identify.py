"""What a received object is, from its header alone (pure: pydicom, no Django).

The identity (UIDs, modality, station, serial) decides where the object is filed and
which registered device sent it. Whether a series is a phantom QC series is a guess from
the words a technologist puts in the patient and series fields when scanning a phantom
("phantom", "QC", "体模", "质控", a phantom's maker name); the words are configurable
(``HUREN_DICOM_PHANTOM_WORDS``) because every site names its QC studies its own way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from pydicom.dataset import Dataset

from huren.dicomio import device_info

# Default words that mark a phantom QC acquisition, matched case-insensitively as whole
# words (Latin) or substrings (CJK). English, Chinese, and the Scandinavian/German words
# seen in public constancy-test data ("konstanstest", "vann" = water).
PHANTOM_WORDS = (
    "phantom", "qc", "qa", "quality control", "constancy", "konstanstest", "catphan", "acr",
    "ctp404", "ctp486", "ctp528", "ctp515", "water", "vann", "magnet", "uniformity", "ghosting",
    "slicewidth", "snr", "mtf", "flood", "daily check",
    "体模", "水模", "模体", "质控", "质量控制", "稳定性", "状态检测", "验收检测",
)
# Header fields a technologist fills in when scanning a phantom.
HINT_FIELDS = ("PatientName", "PatientID", "StudyDescription", "SeriesDescription", "ProtocolName",
               "ImageComments", "BodyPartExamined")


def _s(ds: Dataset, key: str) -> str:
    v = ds.get(key)
    if v is None:
        return ""
    return str(v).strip()


@dataclass
class Identity:
    """Header facts kept for every received object (strings, '' when absent)."""

    sop_instance_uid: str = ""
    sop_class_uid: str = ""
    series_instance_uid: str = ""
    study_instance_uid: str = ""
    modality: str = ""
    station_name: str = ""
    device_serial: str = ""
    manufacturer: str = ""
    model_name: str = ""
    series_description: str = ""
    transfer_syntax_uid: str = ""
    field_strength_t: float | None = None
    phantom_words: list[str] = field(default_factory=list)
    # The study's facts, for the study registry (huren.studies.intake).
    accession_number: str = ""
    study_date: str = ""
    study_time: str = ""
    study_description: str = ""
    body_part: str = ""
    protocol_name: str = ""
    institution_name: str = ""
    patient_sex: str = ""
    # The patient's ID and name in clear, only in memory: intake stores their keyed hashes
    # (huren.studies.keys), never these. Kept out of repr so that no log line prints them.
    patient_id: str = field(default="", repr=False)
    patient_name: str = field(default="", repr=False)


def identify(ds: Dataset, words: tuple[str, ...] | list[str] = PHANTOM_WORDS) -> Identity:
    dev = device_info(ds)
    meta = getattr(ds, "file_meta", None)
    return Identity(
        sop_instance_uid=_s(ds, "SOPInstanceUID")[:64],
        sop_class_uid=_s(ds, "SOPClassUID")[:64],
        series_instance_uid=_s(ds, "SeriesInstanceUID")[:64],
        study_instance_uid=_s(ds, "StudyInstanceUID")[:64],
        modality=_s(ds, "Modality")[:16],
        station_name=(dev.station or "")[:64],
        device_serial=(dev.serial or "")[:64],
        manufacturer=(dev.manufacturer or "")[:64],
        model_name=(dev.model or "")[:64],
        series_description=_s(ds, "SeriesDescription")[:200],
        transfer_syntax_uid=str(meta.get("TransferSyntaxUID", "")) if meta is not None else "",
        field_strength_t=dev.field_strength_t,
        phantom_words=phantom_words(ds, words),
        accession_number=_s(ds, "AccessionNumber")[:64],
        study_date=_s(ds, "StudyDate")[:16],
        study_time=_s(ds, "StudyTime")[:32],
        study_description=_s(ds, "StudyDescription")[:200],
        body_part=_s(ds, "BodyPartExamined")[:64],
        protocol_name=_s(ds, "ProtocolName")[:200],
        institution_name=_s(ds, "InstitutionName")[:64],
        patient_sex=_s(ds, "PatientSex")[:1],
        patient_id=_s(ds, "PatientID")[:64],
        patient_name=_s(ds, "PatientName")[:200],
    )


def phantom_words(ds: Dataset, words: tuple[str, ...] | list[str] = PHANTOM_WORDS) -> list[str]:
    """The configured phantom words found in the header's descriptive fields."""
    text = " ".join(_s(ds, k) for k in HINT_FIELDS).lower().replace("^", " ")
    found = []
    for w, pattern in _patterns(tuple(words)):
        if (pattern.search(text) if pattern is not None else w in text) and w not in found:
            found.append(w)
    return found


@lru_cache(maxsize=8)
def _patterns(words: tuple[str, ...]) -> list[tuple[str, re.Pattern | None]]:
    """Latin words match as whole words; CJK words (no word boundaries) as substrings."""
    out = []
    for w in words:
        w = w.lower()
        cjk = re.search(r"[\u3000-\u9fff]", w) is not None
        out.append((w, None if cjk else re.compile(rf"(?<![a-z0-9]){re.escape(w)}(?![a-z0-9])")))
    return out


# Storage classes the node accepts whose objects carry no Pixel Data by design: the element
# they carry instead (PS3.3 A.49 MR Spectroscopy: Spectroscopy Data) and the reason when it is absent.
NOT_PIXEL_DATA = {
    "1.2.840.10008.5.1.4.1.1.4.2": ("SpectroscopyData", ("缺少波谱数据（文件可能被截断）",
                                                         "no spectroscopy data (the file may be truncated)")),
}


def incomplete(ds: Dataset) -> tuple[str, str] | None:
    """Why an image object is not whole (a truncated file), or None.

    pydicom reads a cut-off file without complaint, so the check is explicit: an image
    needs its pixel data, and uncompressed pixel data needs rows × columns × samples ×
    bytes per sample × frames bytes (DICOM PS3.5 §8.1.1).
    """
    payload = NOT_PIXEL_DATA.get(str(ds.get("SOPClassUID", "") or "").strip())
    if payload is not None and payload[0] not in ds:
        return payload[1]
    if payload is None and "PixelData" not in ds:
        return ("缺少像素数据（文件可能被截断）", "no pixel data (the file may be truncated)")
    if not str(ds.get("SOPInstanceUID", "") or "").strip() or not str(ds.get("SeriesInstanceUID", "") or "").strip():
        return ("缺少 SOP Instance UID 或 Series Instance UID，无法归档", "no SOP Instance UID or Series Instance UID; cannot be filed")
    if payload is not None:
        return None  # not an image: no pixel data to measure
    meta = getattr(ds, "file_meta", None)
    ts = meta.get("TransferSyntaxUID") if meta is not None else None
    if ts is None or ts.is_compressed:
        return None  # encapsulated fragments: their length is not predictable
    try:
        rows, cols = int(ds.Rows), int(ds.Columns)
        bits = int(ds.BitsAllocated)
        spp = int(ds.get("SamplesPerPixel", 1) or 1)
        frames = int(ds.get("NumberOfFrames", 1) or 1)
    except (AttributeError, TypeError, ValueError):
        return ("缺少图像尺寸（Rows/Columns/BitsAllocated）", "image size tags (Rows/Columns/BitsAllocated) missing")
    if rows <= 0 or cols <= 0 or frames <= 0 or spp not in (1, 3, 4) or bits not in (1, 8, 16, 32, 64):
        return (f"图像尺寸无效：{rows}×{cols}，{frames} 帧，每像素 {bits} 位 × {spp}",
                f"invalid image size: {rows}×{cols}, {frames} frames, {bits} bits × {spp} samples")
    need = (rows * cols * spp * frames * bits + 7) // 8
    have = len(ds.PixelData or b"")
    if have < need:
        return (f"像素数据不完整：{have} / {need} 字节（文件被截断）",
                f"pixel data incomplete: {have} of {need} bytes (truncated file)")
    return None


# Storage SOP classes the node accepts (CT, MR, DX, CR, their enhanced forms, and the
# secondary-capture and XA/RF that some DR consoles send). Keyed by the name pynetdicom uses.
STORAGE_SOP_CLASSES = (
    "CTImageStorage",
    "EnhancedCTImageStorage",
    "LegacyConvertedEnhancedCTImageStorage",
    "MRImageStorage",
    "EnhancedMRImageStorage",
    "EnhancedMRColorImageStorage",
    "LegacyConvertedEnhancedMRImageStorage",
    "MRSpectroscopyStorage",
    "DigitalXRayImageStorageForPresentation",
    "DigitalXRayImageStorageForProcessing",
    "ComputedRadiographyImageStorage",
    "DigitalMammographyXRayImageStorageForPresentation",
    "DigitalMammographyXRayImageStorageForProcessing",
    "XRayRadiofluoroscopicImageStorage",
    "XRayAngiographicImageStorage",
    "SecondaryCaptureImageStorage",
    "MultiFrameGrayscaleWordSecondaryCaptureImageStorage",
    "MultiFrameGrayscaleByteSecondaryCaptureImageStorage",
)

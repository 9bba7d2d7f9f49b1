"""Detector air kerma of DR images, given by a user in the service (issue 11 item 7).

The analysis takes each image's measured kerma through ``AnalyzeOptions.kerma_ugy`` (the
path ``huren analyze --kerma`` uses): :func:`kerma_map` builds that mapping from the stored
objects, keyed by the stored file's name, which :func:`huren.analysis.dr.stp.kerma_for`
looks up. Values are entered per image on the series page (µGy), or at upload in the CLI's
CSV (``file,kerma_ugy``, read by :func:`huren.analysis.read_kerma`).

From the header: DICOM has no standard attribute for the *measured* air kerma at the
detector. Exposure Index (0018,1411) is the detector's own estimate (IEC 62494-1: EI = 100 ×
K_CAL in µGy under RQA5), so taking it as the kerma would test the detector against itself;
Entrance Dose (0040,8302) and the area dose product (0018,115E) are patient-side quantities.
The node therefore does not fill the kerma from the header; the series page shows each
image's EI beside the field for reference only. Dose reports (RDSR) are not read (not done).
"""

from __future__ import annotations

import math
from pathlib import Path

from .models import DicomObject

DR_MODALITIES = ("DX", "CR", "DR", "RG")


def parse_kerma(text: str) -> tuple[float | None, tuple[str, str] | None]:
    """A user's entry: (value µGy, None), (None, None) for blank, or (None, (zh, en)) when invalid."""
    t = (text or "").strip().replace(",", ".")
    if not t:
        return None, None
    try:
        v = float(t)
    except ValueError:
        v = float("nan")
    if not math.isfinite(v) or v <= 0:
        return None, (f"比释动能须为正数（µGy），而不是 {text!r}", f"the kerma must be a positive number (µGy), not {text!r}")
    return v, None


def kerma_map(series) -> dict[str, float]:
    """{stored file name: kerma µGy} of the series' objects that carry one (for AnalyzeOptions)."""
    out = {}
    for o in series.dicom_objects.exclude(status=DicomObject.Status.INVALID).exclude(kerma_ugy=None):
        out[Path(o.path).name] = float(o.kerma_ugy)
        if o.sop_instance_uid:
            out.setdefault(o.sop_instance_uid, float(o.kerma_ugy))
    return out


def exposure_index(obj: DicomObject) -> float | None:
    """The header's Exposure Index (0018,1411), for reference beside the kerma field."""
    import pydicom

    try:
        ds = pydicom.dcmread(obj.absolute_path, stop_before_pixels=True, specific_tags=["ExposureIndex"], force=True)
        return float(ds.ExposureIndex) if "ExposureIndex" in ds else None
    except Exception:
        return None


def apply_csv(objs, table: dict[str, float], source: str = "upload CSV") -> int:
    """Set the kerma of each object whose original file name is in ``table`` (read_kerma's
    mapping, keyed by bare file name). Returns how many were set."""
    n = 0
    for o in objs:
        name = Path((o.original_name or "").split("!")[-1]).name
        if name in table:
            DicomObject.objects.filter(pk=o.pk).update(kerma_ugy=table[name], kerma_source=source)
            n += 1
    return n

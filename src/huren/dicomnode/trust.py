"""What the node must not decide alone: series held for a person, and series it ignores.

* **Words vs content.** Words alone never make a series QC evidence. A complete series is
  analysed automatically only when its content looks like a phantom
  (:func:`huren.analysis.looks_like_phantom`): with phantom words and agreeing content, or
  with agreeing content alone (a real phantom nobody labelled). A series whose header carries
  phantom words ("QC", "WATER:" of a GE Dixon series) but whose content does not look like a
  phantom is **held** (:attr:`DicomSeries.Hold.PHANTOM`) until a person confirms it as a
  phantom (then it is analysed and recorded) or rejects it (never analysed). The opposite
  case — content that looks like a phantom under a header that "says patient" — is not held:
  a patient's name is not a word list one can match, and the content screen is the
  stricter of the two; such a series is analysed as content-decided, and its page says so.
* **Header vs registered device.** A series whose manufacturer, model, DICOM serial number or
  field strength contradicts the device it was filed under (a 3 T Skyra header under a
  registered 1.5 T scanner) is held (:attr:`DicomSeries.Hold.DEVICE`) instead of being judged
  with that device's criteria; the series page lists each contradiction.
* **Localisers and topograms** (every object a localiser, :func:`huren.dicomio.is_localiser`)
  are ignored: stored and listed, never analysed, and not shown as a failure.

Who may confirm or reject a held series: the QC centre's evaluators and administrators, and
the hospital manager of the device's hospital (the hospital's QC engineer); not the
technologist who sent it (a second person looks). The roles are the setting
``HUREN_DICOM_CONFIRM_ROLES``. Every confirmation and rejection is audited.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from huren.accounts import audit
from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, has_role

from .models import DicomSeries

CONFIRM_ROLES = (EVALUATOR, QC_ADMIN, HOSPITAL_MANAGER)
# A header field strength this far from the registered one is a contradiction (1.494 T is a 1.5 T scanner).
FIELD_STRENGTH_TOLERANCE_T = 0.2
LOCALISER_MAX_READ = 50  # a localiser series has a few images; a longer one is not read whole


def may_confirm(user) -> bool:
    return has_role(user, *getattr(settings, "HUREN_DICOM_CONFIRM_ROLES", CONFIRM_ROLES))


def localiser_series(series: DicomSeries) -> bool:
    """Every stored object of the series is a localiser, scout or topogram (headers only)."""
    import pydicom

    from huren.dicomio import is_localiser

    from .storage import series_files

    files = series_files(series)
    if not files or len(files) > LOCALISER_MAX_READ:
        return False
    for p in files:
        try:
            ds = pydicom.dcmread(p, stop_before_pixels=True, force=True)
        except Exception:
            return False
        if not is_localiser(ds):
            return False
    return True


def _words(s: str) -> list[str]:
    return [w for w in re.split(r"[^0-9a-z]+", (s or "").lower()) if w]


def _same_maker(a: str, b: str) -> bool:
    """Makers agree when one's first word is among the other's words ("SIEMENS" and
    "Siemens Healthineers", "GE MEDICAL SYSTEMS" and "GE Healthcare")."""
    wa, wb = _words(a), _words(b)
    if not wa or not wb:
        return True
    return wa[0] in wb or wb[0] in wa


def _same_model(a: str, b: str) -> bool:
    """Models agree when one's letters and digits contain the other's ("SOMATOM Definition Edge"
    and "Definition Edge")."""
    na, nb = "".join(_words(a)), "".join(_words(b))
    if not na or not nb:
        return True
    return na in nb or nb in na


def device_mismatches(series: DicomSeries) -> list[tuple[str, str]]:
    """Each way the series' header contradicts the device it is filed under, (zh, en)."""
    dev = series.device
    if dev is None:
        return []
    out = []
    if not _same_maker(series.manufacturer, dev.manufacturer):
        out.append((f"厂家：头信息为 {series.manufacturer}，登记为 {dev.manufacturer}",
                    f"manufacturer: the header says {series.manufacturer}, the device is registered as {dev.manufacturer}"))
    if not _same_model(series.model_name, dev.model_name):
        out.append((f"型号：头信息为 {series.model_name}，登记为 {dev.model_name}",
                    f"model: the header says {series.model_name}, the device is registered as {dev.model_name}"))
    serial = (series.device_serial or "").strip().lower()
    known = {s.strip().lower() for s in (dev.device_serial_number, dev.serial_number) if s and s.strip()}
    if serial and known and serial not in known:
        shown = dev.device_serial_number or dev.serial_number
        out.append((f"序列号：头信息为 {series.device_serial}，登记为 {shown}",
                    f"serial number: the header says {series.device_serial}, the device is registered with {shown}"))
    fs, reg = series.field_strength_t, getattr(dev, "field_strength_t", None)
    tol = float(getattr(settings, "HUREN_DICOM_FIELD_STRENGTH_TOLERANCE_T", FIELD_STRENGTH_TOLERANCE_T))
    if fs and reg and abs(float(fs) - float(reg)) > tol:
        out.append((f"场强：头信息为 {fs:g} T，登记为 {reg:g} T",
                    f"field strength: the header says {fs:g} T, the device is registered at {reg:g} T"))
    return out


def hold(series: DicomSeries, kind: str, zh: str, en: str) -> None:
    """Hold a complete series for a person (the caller holds the row lock and saves)."""
    series.status = DicomSeries.Status.HELD
    series.hold_kind = kind
    series.hold_reason_zh, series.hold_reason_en = zh[:2000], en[:2000]


HOLD_FIELDS = ["status", "hold_kind", "hold_reason_zh", "hold_reason_en"]


def held_reason(series: DicomSeries) -> tuple[str, str] | None:
    """Why a complete series must wait for a person, or None (after the phantom decision)."""
    if series.confirmation == DicomSeries.Confirmation.CONFIRMED:
        return None
    if series.phantom_decided_by == DicomSeries.Decision.DISAGREE:
        return DicomSeries.Hold.PHANTOM, series.phantom_reason_zh, series.phantom_reason_en
    mism = device_mismatches(series)
    if mism:
        return (DicomSeries.Hold.DEVICE, "头信息与登记的设备不符：" + "；".join(z for z, _ in mism),
                "the header contradicts the registered device: " + "; ".join(e for _, e in mism))
    return None


def confirm(series: DicomSeries, user, *, accept: bool, note: str = ""):
    """A person's answer to a held series: confirm (analyse and record) or reject (not analysed)."""
    from .tasks import request_analysis

    with transaction.atomic():
        s = DicomSeries.objects.select_for_update().get(pk=series.pk)
        if s.status != DicomSeries.Status.HELD:
            raise ValueError("series is not held")
        old = s.status
        s.confirmation = DicomSeries.Confirmation.CONFIRMED if accept else DicomSeries.Confirmation.REJECTED
        s.confirmed_by, s.confirmed_at = user, timezone.now()
        s.status = DicomSeries.Status.QUEUED if accept else DicomSeries.Status.NOT_PHANTOM
        s.save(update_fields=["confirmation", "confirmed_by", "confirmed_at", "status"])
        audit.record_action(s, f"held series {'confirmed as phantom QC evidence' if accept else 'rejected'}"
                               f" ({s.hold_kind}){': ' + note if note else ''}",
                            {"status": [old, s.status], "confirmation": ["", s.confirmation]}, user=user)
    return request_analysis(s, user=user) if accept else None

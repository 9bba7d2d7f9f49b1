"""Filing received objects under their study (called from the node's one storage path).

:func:`file_object` runs inside the transaction that records a received object, after the
object's series is filed, so a study's counts always agree with what is stored. It reads
only the header facts intake already parsed (:class:`huren.dicomnode.identify.Identity`).
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import IntegrityError, transaction
from django.db.models import F

from huren.analysis import MODALITY_ALIASES

from .keys import patient_key
from .models import Study

MAX_SERIES_DESCRIPTIONS = 200  # a study with more series keeps the first ones' words


def parse_da(value: str) -> dt.date | None:
    """A DICOM DA value (``YYYYMMDD``; the retired ``YYYY.MM.DD`` too), or None when it is
    absent or not a real date."""
    digits = re.sub(r"[.\-/]", "", (value or "").strip())
    if not re.fullmatch(r"\d{8}", digits):
        return None
    try:
        return dt.date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))
    except ValueError:
        return None


def parse_tm(value: str) -> dt.time | None:
    """A DICOM TM value (``HH``, ``HHMM``, ``HHMMSS``, ``HHMMSS.FFFFFF``; the retired
    ``HH:MM:SS`` too), or None."""
    v = (value or "").strip().replace(":", "")
    m = re.fullmatch(r"(\d{2})(\d{2})?(\d{2})?(?:\.(\d{1,6}))?", v)
    if not m:
        return None
    h, mi, s = int(m.group(1)), int(m.group(2) or 0), int(m.group(3) or 0)
    us = int((m.group(4) or "0").ljust(6, "0"))
    if h > 23 or mi > 59 or s > 60:
        return None
    return dt.time(h, mi, min(s, 59), us)


def study_modality(modality: str) -> str:
    """DR, CT or MR for the modalities huren qualifies (DX and CR are DR); otherwise the
    header's own code."""
    m = (modality or "").strip().upper()
    return MODALITY_ALIASES.get(m, m)


def file_object(ident, series, *, series_created: bool, now, new_image: bool = True) -> Study | None:
    """File one stored object of ``series`` under its study (created on its first object).

    ``new_image`` is False for a re-sent copy of an image already stored, which is not
    counted again. Returns the study, or None when the object names no Study Instance UID.
    """
    uid = (ident.study_instance_uid or "").strip()
    if not uid:
        return None
    defaults = dict(
        accession_number=ident.accession_number,
        study_date=parse_da(ident.study_date),
        study_time=parse_tm(ident.study_time),
        modality=study_modality(ident.modality),
        modalities=[ident.modality] if ident.modality else [],
        body_part=ident.body_part,
        study_description=ident.study_description,
        institution_name=ident.institution_name,
        device=series.device,
        patient_id_key=patient_key(ident.patient_id, "id"),
        patient_name_key=patient_key(ident.patient_name, "name"),
        patient_sex=ident.patient_sex,
        first_received_at=now,
        last_received_at=now,
    )
    try:
        with transaction.atomic():
            study, created = Study.objects.select_for_update().get_or_create(study_instance_uid=uid, defaults=defaults)
    except IntegrityError:  # another association created it at the same moment
        study, created = Study.objects.select_for_update().get(study_instance_uid=uid), False
    changed: list[str] = []
    if not created:
        # A later object may carry what the first lacked (accession, date, body part …).
        for name in ("accession_number", "study_date", "study_time", "body_part", "study_description",
                     "institution_name", "patient_id_key", "patient_name_key", "patient_sex"):
            if not getattr(study, name) and defaults[name]:
                setattr(study, name, defaults[name])
                changed.append(name)
        if ident.modality and ident.modality not in study.modalities:
            study.modalities = [*study.modalities, ident.modality]
            changed.append("modalities")
            if study.modality not in ("DR", "CT", "MR") and study_modality(ident.modality) in ("DR", "CT", "MR"):
                study.modality = study_modality(ident.modality)
                changed.append("modality")
        if study.device_id is None and series.device_id is not None:
            study.device_id = series.device_id
            changed.append("device")
    if series_created:
        words = " / ".join(w for w in (ident.series_description, ident.protocol_name) if w)
        if words and len(study.series_descriptions) < MAX_SERIES_DESCRIPTIONS:
            study.series_descriptions = [*study.series_descriptions, words[:200]]
            changed.append("series_descriptions")
    if changed:
        study.save(update_fields=changed)
    Study.objects.filter(pk=study.pk).update(
        image_count=F("image_count") + (1 if new_image else 0),
        series_count=F("series_count") + (1 if series_created else 0),
        last_received_at=now,
    )
    return study


def device_assigned(series) -> None:
    """A person filed an unmatched series under a device: its study follows, if it had none."""
    if series.study_id is not None and series.device_id is not None:
        Study.objects.filter(pk=series.study_id, device__isnull=True).update(device_id=series.device_id)

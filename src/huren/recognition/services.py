"""The recognition question: is a study from this device, on this date, recognised?

A study is recognised when a decision granting qualification (qualified, or rectification
required) was in force for its device on the study date. The device's status on that day
is returned beside it, so a receiving doctor also sees when the device was at risk.
Recognition is asked across hospitals, so it reads any device; the answer carries only
the device's name, institution, decision and reasons, never its evidence.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from huren.assessment.status import AT_RISK, device_status
from huren.registry.services import find_device


class RecognitionInputError(ValueError):
    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.field, self.message = field, f"{zh} / {en}"


@dataclass
class Answer:
    recognised: bool
    device: object | None
    decision: object | None
    status: str | None
    reasons: list[tuple[str, str]]

    def to_dict(self, study_date: dt.date) -> dict:
        d, dev = self.decision, self.device
        return {
            "recognised": self.recognised,
            "study_date": study_date.isoformat(),
            "device": None if dev is None else {
                "id": dev.pk, "name": dev.name, "modality": dev.modality, "manufacturer": dev.manufacturer,
                "model": dev.model_name, "institution": dev.department.institution.name,
            },
            "status": self.status,
            "decision": None if d is None else {
                "id": d.pk, "outcome": d.outcome, "decided_at": d.decided_at.isoformat(),
                "valid_from": d.valid_from.isoformat(),
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "catalog_key": d.catalog_key,
            },
            "valid_until": d.valid_until.isoformat() if d is not None and d.valid_until else None,
            "reasons": [{"zh": z, "en": e} for z, e in self.reasons],
            "reason_zh": "；".join(z for z, _ in self.reasons),
            "reason_en": "; ".join(e for _, e in self.reasons),
        }


def is_recognised(device, study_date: dt.date) -> Answer:
    if study_date > timezone.localdate():
        raise RecognitionInputError("study_date", "检查日期不能在将来", "the study date cannot be in the future")
    if device is None:
        return Answer(False, None, None, None, [("未找到登记的设备", "no registered device matches")])
    st = device_status(device, on=study_date)
    d = st.decision
    if d is None:
        return Answer(False, device, None, st.status, [("该设备在检查日期前尚无评估结论", "the device had no decision by the study date")])
    if not d.in_force_on(study_date):
        return Answer(False, device, d, st.status, st.reasons)
    reasons = list(st.reasons)
    if st.status == AT_RISK:
        reasons.insert(0, ("资格有效，但设备存在风险", "qualification in force, but the device is at risk"))
    return Answer(st.status in ("qualified", AT_RISK), device, d, st.status, reasons)


def recognise(*, study_date: dt.date, device=None, device_serial: str | None = None, station_name: str | None = None,
              ae_title: str | None = None, manufacturer: str | None = None) -> Answer:
    """Answer for a device given directly or by its DICOM identity."""
    if device is None:
        if not any((device_serial, station_name, ae_title)):
            raise RecognitionInputError("device", "请给出设备或其 DICOM 标识（设备序列号、站点名或 AE 标题）",
                                        "give a device or its DICOM identity (device serial number, station name or AE title)")
        device = find_device(device_serial=device_serial, station_name=station_name, ae_title=ae_title,
                             manufacturer=manufacturer)
    return is_recognised(device, study_date)

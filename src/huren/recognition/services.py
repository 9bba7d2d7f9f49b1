"""The recognition question: may a study's result be accepted instead of repeating it?

Asked by the study (Study Instance UID, accession number, an uploaded DICOM file or its
header fields) or by a device and a date. The answer follows the device's state on the
study date as stored in its history (:mod:`huren.recognition.history`), and is given per
examination item of the catalog's recognisable list: each item says whether it is
recognised and why not (device not qualified that day, suspended, the study's
image-quality checks failed, the item is not recognisable, the study is older than the
item's validity window). Recognition is asked across hospitals, so it reads any device;
the answer carries what the public verification page shows, never evidence or patient data.
Bad input raises :class:`RecognitionInputError` with a bilingual message.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field
from typing import Callable

from django.utils import timezone

from huren.assessment.models import Decision
from huren.assessment.verdicts import current_catalog
from huren.recognition import history as H
from huren.registry.models import Device
from huren.registry.services import find_device
from huren.standard.catalog import recognition_rules

UID_RE = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")
MODALITY_ALIASES = {"DX": "DR", "CR": "DR", "DR": "DR", "CT": "CT", "MR": "MR"}


class RecognitionInputError(ValueError):
    def __init__(self, field: str, zh: str, en: str) -> None:
        super().__init__(f"{zh} / {en}")
        self.field, self.zh, self.en, self.message = field, zh, en, f"{zh} / {en}"


# ---------------------------------------------------------------- image-quality provider
_IQ_PROVIDERS: list[Callable] = []


def register_iq_provider(provider: Callable) -> Callable:
    """Register ``provider(study) -> list[(zh, en)] | None``: the reasons the study's
    image-quality checks failed, ``[]`` when they passed, ``None`` when it has no result.
    Usable as a decorator; registering the same callable twice has no effect."""
    if provider not in _IQ_PROVIDERS:
        _IQ_PROVIDERS.append(provider)
    return provider


def unregister_iq_provider(provider: Callable) -> None:
    if provider in _IQ_PROVIDERS:
        _IQ_PROVIDERS.remove(provider)


def _providers() -> list[Callable]:
    """The registered providers, and those named in ``settings.HUREN_IQ_PROVIDERS`` (dotted paths)."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    named = [import_string(p) for p in getattr(settings, "HUREN_IQ_PROVIDERS", ()) or ()]
    return list(_IQ_PROVIDERS) + [p for p in named if p not in _IQ_PROVIDERS]


def iq_failures(study) -> list[tuple[str, str]] | None:
    """The failed image-quality checks of ``study`` from every registered provider, or
    ``None`` when no provider knows the study. A provider that raises is ignored (and says
    so in the answer) rather than breaking the recognition answer."""
    if study is None:
        return None
    found, any_result = [], False
    for p in _providers():
        try:
            r = p(study)
        except Exception as e:  # an external check must never turn the answer into a 500
            found.append(("图像质量检查结果暂不可用", f"image-quality results unavailable ({type(e).__name__})"))
            any_result = True
            continue
        if r is None:
            continue
        any_result = True
        found.extend((str(z), str(e)) for z, e in r)
    return found if any_result else None


# ------------------------------------------------------------------------- the answer
@dataclass
class ItemAnswer:
    code: str
    title_zh: str
    title_en: str
    recognised: bool
    validity_days: int | None
    valid_through: dt.date | None
    reasons: list[tuple[str, str]]

    def to_dict(self) -> dict:
        return {"code": self.code, "title_zh": self.title_zh, "title_en": self.title_en,
                "recognised": self.recognised, "validity_days": self.validity_days,
                "valid_through": self.valid_through.isoformat() if self.valid_through else None,
                "reasons": [{"zh": z, "en": e} for z, e in self.reasons]}


@dataclass
class Answer:
    recognised: bool
    device: Device | None
    decision: Decision | None
    status: str | None
    reasons: list[tuple[str, str]]
    study_date: dt.date | None = None
    study: object | None = None
    items: list[ItemAnswer] = field(default_factory=list)

    @property
    def mark(self) -> str | None:
        from huren.recognition.verification import hr_mark

        return hr_mark(self.device) if self.recognised and self.device is not None else None

    @property
    def verification_code(self) -> str | None:
        from huren.recognition.verification import verification_code

        return verification_code(self.decision) if self.recognised and self.decision is not None else None

    @property
    def reason_zh(self) -> str:
        return "；".join(z for z, _ in self.reasons)

    @property
    def reason_en(self) -> str:
        return "; ".join(e for _, e in self.reasons)

    def to_dict(self, study_date: dt.date | None = None) -> dict:
        from huren.recognition.verification import verification_path

        d, dev, st = self.decision, self.device, self.study
        day = study_date or self.study_date
        code = self.verification_code
        return {
            "recognised": self.recognised,
            "study_date": day.isoformat() if day else None,
            "study": None if st is None else {
                "study_instance_uid": st.study_instance_uid, "accession_number": st.accession_number,
                "modality": st.modality, "body_part": st.body_part, "study_description": st.study_description,
            },
            "device": None if dev is None else {
                "id": dev.pk, "name": dev.name, "modality": dev.modality, "manufacturer": dev.manufacturer,
                "model": dev.model_name, "institution": dev.department.institution.name,
            },
            "status": self.status,
            "status_zh": H.STATE_ZH.get(self.status, "") if self.status else "",
            "decision": None if d is None else {
                "id": d.pk, "outcome": d.outcome, "decided_at": d.decided_at.isoformat(),
                "valid_from": d.valid_from.isoformat(),
                "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "catalog_key": d.catalog_key,
            },
            "valid_until": d.valid_until.isoformat() if d is not None and d.valid_until else None,
            "items": [i.to_dict() for i in self.items],
            "mark": self.mark,
            "verification_code": code,
            "verification_url": verification_path(code) if code else None,
            "reasons": [{"zh": z, "en": e} for z, e in self.reasons],
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
        }


def _today() -> dt.date:
    return timezone.localdate()


def check_date(day: dt.date | None) -> dt.date:
    if day is None:
        raise RecognitionInputError("study_date", "缺少检查日期", "the study date is missing")
    if day > _today():
        raise RecognitionInputError("study_date", "检查日期不能在将来", "the study date cannot be in the future")
    return day


def check_uid(uid: str) -> str:
    uid = (uid or "").strip().rstrip("\x00")
    if not uid or len(uid) > 64 or not UID_RE.match(uid):
        raise RecognitionInputError("study_instance_uid", "Study Instance UID 格式不正确（应为以点分隔的数字，最长 64 字符）",
                                    "malformed Study Instance UID (dot-separated numbers, at most 64 characters)")
    return uid


def check_accession(acc: str) -> str:
    acc = (acc or "").strip()
    if not acc or len(acc) > 64 or any(ord(c) < 32 for c in acc):
        raise RecognitionInputError("accession_number", "检查号为空或格式不正确（最长 64 个可打印字符）",
                                    "empty or malformed accession number (at most 64 printable characters)")
    return acc


def _item_answers(device_ok: bool, state_reasons, modality: str, study_date: dt.date, *, body_part: str = "",
                  description: str = "", iq: list | None = None, by_study: bool) -> list[ItemAnswer]:
    rules = recognition_rules(current_catalog())
    exams = rules.exams_for(modality, body_part, description) if by_study else [e for e in rules.exams if e.modality == modality]
    out = []
    age = (_today() - study_date).days
    for e in exams:
        reasons = []
        through = study_date + dt.timedelta(days=e.validity_days)
        if not device_ok:
            reasons.extend(state_reasons)
        if age > e.validity_days:
            reasons.append((f"检查已超过该项目的互认时限 {e.validity_days} 天（至 {through}）",
                            f"the study is older than the item's {e.validity_days}-day recognition window (until {through})"))
        if iq:
            reasons.extend((f"影像质量检查未通过：{z}", f"image-quality check failed: {en}") for z, en in iq)
        ok = not reasons
        if ok:
            reasons.append((f"可互认，至 {through}", f"recognised, until {through}"))
        out.append(ItemAnswer(e.code, e.title_zh, e.title_en, ok, e.validity_days, through, reasons))
    if by_study and not exams:
        what = " ".join(x for x in (modality, body_part, description) if x) or "—"
        out.append(ItemAnswer("", what, what, False, None, None,
                              [(f"“{what}”不在可互认项目目录中", f"'{what}' is not in the list of recognisable examination items")]))
    return out


def answer_for(device: Device | None, study_date: dt.date, *, study=None, modality: str = "", body_part: str = "",
               description: str = "", span=H.UNREAD) -> Answer:
    """The answer for a study made on ``device`` on ``study_date`` (per item when the study's
    modality/body part/description is known, else for every item of the device's modality)."""
    check_date(study_date)
    if device is None:
        return Answer(False, None, None, None, [("该检查的设备未在 huren 登记", "the study's device is not registered in huren")],
                      study_date, study)
    s = H.state_for(device, study_date, span)
    decision = getattr(s, "decision", None) if s.decision_id else None
    reasons = [tuple(r) for r in s.reasons]
    state_line = (f"检查日期 {study_date} 设备状态：{H.STATE_ZH[s.state]}", f"device state on {study_date}: {H.STATE_EN[s.state]}")
    by_study = study is not None or bool(modality or body_part or description)
    mod = MODALITY_ALIASES.get((modality or (study.modality if study is not None else "") or device.modality).upper(),
                               (modality or device.modality).upper())
    if by_study and mod != device.modality:
        reasons.append((f"检查模态 {mod} 与设备模态 {device.modality} 不符", f"study modality {mod} differs from the device's {device.modality}"))
    iq = iq_failures(study)
    items = _item_answers(s.recognised, [state_line] + reasons, mod, study_date,
                          body_part=body_part or (study.body_part if study is not None else ""),
                          description=description or (study.study_description if study is not None else ""),
                          iq=iq, by_study=by_study)
    recognised = s.recognised and any(i.recognised for i in items) if by_study else s.recognised
    return Answer(recognised, device, decision, s.state, [state_line] + reasons, study_date, study, items)


def recognise(*, study_date: dt.date, device=None, device_serial: str | None = None, station_name: str | None = None,
              ae_title: str | None = None, manufacturer: str | None = None, modality: str = "", body_part: str = "",
              description: str = "") -> Answer:
    """Answer for a device given directly or by its DICOM identity (retired devices too:
    they answer for the dates they were in service)."""
    check_date(study_date)
    if device is None:
        if not any((device_serial, station_name, ae_title)):
            raise RecognitionInputError("device", "请给出设备或其 DICOM 标识（设备序列号、站点名或 AE 标题）",
                                        "give a device or its DICOM identity (device serial number, station name or AE title)")
        device = find_device(device_serial=device_serial, station_name=station_name, ae_title=ae_title,
                             manufacturer=manufacturer, in_service_only=False)
    return answer_for(device, study_date, modality=modality, body_part=body_part, description=description)


def _study_model():
    from huren.studies.models import Study

    return Study


@functools.cache
def _study_read():
    """The study with its device, department, institution, history horizon, the span of the
    study date with its decision and verification code, and its latest image-quality result:
    one SQL read (see :mod:`huren.site.hot_sql`)."""
    from django.db import models as m

    from huren.imagequality.models import Evaluation
    from huren.recognition.models import StateHorizon, StateSpan, VerificationCode
    from huren.registry.models import Department, Institution
    from huren.site.hot_sql import Joined

    q = Joined(_study_model(), "s")
    q.join("d", Device, "{d}.{id} = {s}.{device_id}", parent="s", attach="device")
    q.join("dp", Department, "{dp}.{id} = {d}.{department_id}", parent="d", attach="department")
    q.join("i", Institution, "{i}.{id} = {dp}.{institution_id}", parent="dp", attach="institution")
    q.join("h", StateHorizon, "{h}.{device_id} = {d}.{id}", parent="d", attach="state_horizon")
    q.join("sp", StateSpan,
           "{sp}.{device_id} = {d}.{id} AND {sp}.{start} <= {s}.{study_date} AND {sp}.{end} >= {s}.{study_date}")
    q.join("dc", Decision, "{dc}.{id} = {sp}.{decision_id}", parent="sp", attach="decision")
    q.join("v", VerificationCode, "{v}.{decision_id} = {dc}.{id}", parent="dc", attach="verification")
    latest = ("(SELECT {e}.{%s} FROM {%s} {e} WHERE {e}.{study_id} = {s}.{id} AND {e}.{status} = 'done' "
              "ORDER BY {e}.{id} DESC LIMIT 1)")
    table = Evaluation._meta.db_table
    q.annotate("latest_iq_id", latest % ("id", table), m.BigIntegerField())
    q.annotate("latest_iq_failed", latest % ("checks_failed", table), m.IntegerField())
    return q


def _read_studies(where: str, value: str, limit: int) -> list:
    out = {}
    for row in _study_read().fetch(where, [value], limit=limit):
        st = row["s"]
        st.day_span = row["sp"]  # the span holding the study date (None: before the history)
        out.setdefault(st.pk, st)
    return list(out.values())


def find_study(*, study_instance_uid: str | None = None, accession_number: str | None = None):
    """The registered study (``None`` when unknown), read with everything its answer needs;
    bad identifiers raise."""
    if study_instance_uid:
        hits = _read_studies("{s}.{study_instance_uid} = %s", check_uid(study_instance_uid), 1)
        return hits[0] if hits else None
    if accession_number:
        hits = _read_studies("{s}.{accession_number} = %s", check_accession(accession_number), 2)
        if len(hits) > 1:
            raise RecognitionInputError("accession_number", "该检查号对应多个检查，请改用 Study Instance UID",
                                        "several studies have this accession number: ask by Study Instance UID")
        return hits[0] if hits else None
    raise RecognitionInputError("study", "请给出 Study Instance UID 或检查号", "give a Study Instance UID or an accession number")


def unknown_study(what: str) -> Answer:
    return Answer(False, None, None, None, [(f"huren 未收到该检查（{what}）", f"huren has not received this study ({what})")])


def recognise_study(*, study_instance_uid: str | None = None, accession_number: str | None = None) -> Answer:
    study = find_study(study_instance_uid=study_instance_uid, accession_number=accession_number)
    if study is None:
        return unknown_study(study_instance_uid or accession_number)
    if study.study_date is None:
        return Answer(False, study.device, None, None, [("该检查没有检查日期，无法判断", "the study has no study date: cannot answer")],
                      None, study)
    return answer_for(study.device, study.study_date, study=study, span=study.day_span)


def header_fields(ds) -> dict:
    """What recognition reads from a DICOM header (never the patient)."""
    from huren.dicomio import device_info

    info = device_info(ds)

    def s(key):
        v = ds.get(key)
        return str(v).strip() if v not in (None, "") else ""

    raw_date = s("StudyDate")
    return {"study_instance_uid": s("StudyInstanceUID"), "accession_number": s("AccessionNumber"),
            "study_date": raw_date, "modality": s("Modality"), "body_part": s("BodyPartExamined"),
            "description": s("StudyDescription"), "device_serial": info.serial or "", "station_name": info.station or "",
            "manufacturer": info.manufacturer or ""}


def parse_dicom_date(raw: str) -> dt.date:
    try:
        return dt.datetime.strptime(raw.strip()[:8], "%Y%m%d").date() if raw and "-" not in raw else dt.date.fromisoformat(raw)
    except (ValueError, AttributeError):
        raise RecognitionInputError("study_date", f"检查日期“{raw}”无法识别（应为 YYYYMMDD）",
                                    f"study date '{raw}' cannot be read (YYYYMMDD expected)") from None


def recognise_header(fields: dict) -> Answer:
    """Answer from header fields: the registered study when huren has it, else the device
    identity and date of the header."""
    uid = fields.get("study_instance_uid") or ""
    if uid:
        study = find_study(study_instance_uid=uid)
        if study is not None and study.study_date is not None:
            return answer_for(study.device, study.study_date, study=study, span=study.day_span)
    day = parse_dicom_date(fields.get("study_date") or "")
    return recognise(study_date=day, device_serial=fields.get("device_serial") or None,
                     station_name=fields.get("station_name") or None, manufacturer=fields.get("manufacturer") or None,
                     modality=fields.get("modality") or "", body_part=fields.get("body_part") or "",
                     description=fields.get("description") or "")


def recognise_file(name: str, data: bytes) -> tuple[Answer, dict]:
    """Answer for an uploaded DICOM file, read in memory and never stored."""
    from huren.dicomio.reader import DicomInputError, read_dataset

    try:
        ds = read_dataset(name or "upload", data, stop_before_pixels=True)
    except DicomInputError as e:
        raise RecognitionInputError("file", e.reason_zh, e.reason_en) from None
    fields = header_fields(ds)
    return recognise_header(fields), fields


def studies_of_patient(patient_id: str, *, limit: int = 50):
    """Registered studies of a patient ID, matched through the keyed hash (never stored in clear)."""
    from huren.studies.keys import patient_key

    key = patient_key(patient_id, "id")
    if not key:
        raise RecognitionInputError("patient_id", "请输入患者 ID", "enter a patient ID")
    return list(_study_model().objects.filter(patient_id_key=key).select_related("device__department__institution")
                .order_by("-study_date", "-id")[:limit])


def _storable(v):
    """A value as the log keeps it: each NUL character (which PostgreSQL cannot store, in text
    or JSON) written out as ``\\x00``, so that the question is kept as it was asked instead of
    failing; strings inside lists and dicts too."""
    if isinstance(v, str):
        return v.replace("\x00", "\\x00")
    if isinstance(v, dict):
        return {_storable(k): _storable(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_storable(x) for x in v]
    return v


def log_query(user, kind: str, asked: dict, answer: Answer | None = None, error: RecognitionInputError | None = None):
    """Keep the question (and the answer or the refusal) in the query log."""
    from huren.recognition.models import RecognitionQuery

    profile = getattr(user, "profile", None) if getattr(user, "is_authenticated", False) else None
    clean = _storable({k: str(v)[:200] for k, v in asked.items() if v not in (None, "") and k not in ("patient_id",)})
    q = RecognitionQuery(asked_by=user if getattr(user, "is_authenticated", False) else None,
                         institution_id=getattr(profile, "institution_id", None), kind=kind, identity=clean,
                         study_instance_uid=_storable(str(asked.get("study_instance_uid") or ""))[:64],
                         accession_number=_storable(str(asked.get("accession_number") or ""))[:64])
    if answer is not None:
        q.study_date, q.device, q.decision = answer.study_date, answer.device, answer.decision
        q.recognised, q.items = answer.recognised, _storable([i.to_dict() for i in answer.items])
        q.reason_zh, q.reason_en = _storable(answer.reason_zh[:4000]), _storable(answer.reason_en[:4000])
    else:
        q.recognised, q.error = False, True
        q.reason_zh, q.reason_en = _storable((error.zh, error.en) if error else ("", ""))
    _log_append().save(q)  # one prepared INSERT, its own commit (the log is a log itself: not audited)
    return q


@functools.cache
def _log_append():
    from huren.recognition.models import RecognitionQuery
    from huren.site.hot_sql import Append

    return Append(RecognitionQuery)

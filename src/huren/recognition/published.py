"""The published list of qualified institutions and devices (what the QC centre releases):
every device recognised today, with its HR mark, decision dates, items and their windows."""

from __future__ import annotations

import datetime as dt
import io

from huren.assessment.verdicts import current_catalog
from huren.recognition import history as H
from huren.registry.models import Device
from huren.standard.catalog import recognition_rules


def qualified_rows(day: dt.date) -> list[dict]:
    from huren.assessment.models import Decision
    from huren.recognition.verification import hr_mark, verification_code

    exams = recognition_rules(current_catalog()).exams
    rows = []
    for dev in Device.objects.filter(decisions__isnull=False).distinct().select_related("department__institution"):
        s = H.state_for(dev, day)
        if not s.recognised or not s.decision_id:
            continue
        d = Decision.objects.get(pk=s.decision_id)
        inst = dev.department.institution
        rows.append({"institution": inst.name, "institution_code": inst.code, "mark": hr_mark(dev),
                     "device": dev.name, "modality": dev.modality, "manufacturer": dev.manufacturer,
                     "model": dev.model_name, "valid_from": d.valid_from, "valid_until": d.valid_until,
                     "state": s.state, "state_zh": H.STATE_ZH[s.state], "code": verification_code(d),
                     "items": [e for e in exams if e.modality == dev.modality]})
    rows.sort(key=lambda r: (r["institution"], r["modality"], r["device"]))
    return rows


def xlsx(rows: list[dict], day: dt.date) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "互认设备 qualified"
    ws.append([f"互认资格名单 / qualified devices, {day}"])
    ws.append(["机构 institution", "机构代码 code", "互认标识 mark", "设备 device", "类型 modality", "厂家 manufacturer",
               "型号 model", "资格起 valid from", "资格至 valid until", "状态 state", "互认项目及时限 items (days)",
               "验证码 verification code"])
    for r in rows:
        ws.append([r["institution"], r["institution_code"], r["mark"], r["device"], r["modality"], r["manufacturer"],
                   r["model"], r["valid_from"], r["valid_until"], r["state_zh"],
                   "；".join(f"{e.title_zh}（{e.validity_days} 天）" for e in r["items"]), r["code"]])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()

"""XLSX exports (openpyxl): a device's evidence over a period, an institution's status, the
QC centre's overview and the list of qualified devices. Chinese headers with the English
below, units in their own column, the verdict in its own column. Every export is built from
the platform's verdict and status services; an empty selection gives a sheet that says so."""

from __future__ import annotations

import datetime as dt
import io

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from huren.assessment.status import STATUS_ZH
from huren.assessment.verdicts import VERDICT_ZH
from huren.evidence.logfields import LOG_FIELDS
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.reports.pdf.qcrun import TEST_TYPE_ZH

HEAD = Font(bold=True)
FILL = PatternFill("solid", fgColor="DDDDDD")
EMPTY_ZH, EMPTY_EN = "所选范围内没有记录", "no records in the selection"


def _sheet(wb, title: str, headers: list[tuple[str, str]], rows: list[list], note: str = ""):
    ws = wb.create_sheet(title)
    r0 = 1
    if note:
        ws.cell(1, 1, note).font = Font(italic=True)
        r0 = 2
    for c, (zh, en) in enumerate(headers, start=1):
        cell = ws.cell(r0, c, f"{zh}\n{en}")
        cell.font, cell.fill, cell.alignment = HEAD, FILL, Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(40, 2 * len(zh) + 4, len(en) + 4))
    ws.freeze_panes = ws.cell(r0 + 1, 1)
    if not rows:
        ws.cell(r0 + 1, 1, f"{EMPTY_ZH} / {EMPTY_EN}")
    for r in rows:
        ws.append(r)
    return ws


def _book() -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    return wb


def _bytes(wb) -> bytes:
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _v(v: str) -> str:
    return f"{VERDICT_ZH.get(v, v)} / {v}"


def device_evidence(device, start: dt.date, end: dt.date) -> bytes:
    """Measurements, daily logs, checklist answers and documents of ``device`` between the dates."""
    from huren.standard import load_catalog  # noqa: F401  (the verdicts of measurements are the catalog's)
    from huren.assessment.verdicts import current_catalog

    catalog = current_catalog()
    note = f"{device.department.institution} · {device.name}（{device.serial_number}） · {start} 至 {end}"
    wb = _book()

    def sel(model):
        return (model.objects.for_device(device).filter(performed_on__gte=start, performed_on__lte=end)
                .select_related("recorded_by").order_by("performed_on", "recorded_at", "id"))

    rows = []
    for m in sel(Measurement):
        verdict, crit_text = "info", ""
        item = catalog[m.item] if m.item in catalog else None
        crit = item.criterion(m.metric, m.test_type or None, m.method or None, m.conditions or None) if item else None
        if crit is not None:
            j = crit.evaluate(m.value, baseline=m.baseline, details=m.conditions or None, on=m.performed_on)
            verdict, crit_text = j.verdict, crit.text("zh")
        rows.append([m.pk, m.performed_on, m.item, m.metric, m.method, TEST_TYPE_ZH.get(m.test_type, m.test_type),
                     m.value, m.unit, m.baseline, crit_text, _v(verdict), m.get_source_display(),
                     m.recorded_by.get_username(), "否 / no" if m.is_current else "是 / yes"])
    _sheet(wb, "测量 Measurements", [("编号", "id"), ("日期", "date"), ("条目", "item"), ("指标", "metric"), ("方法", "method"),
                                  ("检测类型", "test type"), ("测量值", "value"), ("单位", "unit"), ("基线", "baseline"),
                                  ("判据", "criterion"), ("判定", "verdict"), ("来源", "source"), ("记录人", "recorded by"),
                                  ("已被更正", "superseded")], rows, note)
    num = [f for f in LOG_FIELDS if f.kind == "number"]
    flags = [f for f in LOG_FIELDS if f.kind == "bool"]
    rows = []
    for lg in sel(DailyLog):
        rows.append([lg.pk, lg.performed_on] + [getattr(lg, f.field) for f in num]
                    + [{True: "是", False: "否", None: ""}[getattr(lg, f.field)] for f in flags]
                    + [lg.recorded_by.get_username(), "否 / no" if lg.is_current else "是 / yes"])
    heads = [("编号", "id"), ("日期", "date")]
    heads += [(str(DailyLog._meta.get_field(f.field).verbose_name), f"{f.metric} ({f.unit})") for f in num]
    heads += [(str(DailyLog._meta.get_field(f.field).verbose_name), f.metric) for f in flags]
    _sheet(wb, "日常记录 Daily logs", heads + [("记录人", "recorded by"), ("已被更正", "superseded")], rows, note)
    rows = [[c.pk, c.performed_on, c.item, c.question, c.get_answer_display(), c.recorded_by.get_username()] for c in sel(ChecklistAnswer)]
    _sheet(wb, "核查 Checklist", [("编号", "id"), ("日期", "date"), ("条目", "item"), ("问题", "question"), ("回答", "answer"),
                                ("记录人", "recorded by")], rows, note)
    rows = [[d.pk, d.performed_on, "、".join(d.items or []), d.get_kind_display(), d.title, d.issuing_body, d.valid_until,
             _v("overdue" if d.valid_until and d.valid_until < dt.date.today() else "pass")] for d in sel(Document)]
    _sheet(wb, "文档 Documents", [("编号", "id"), ("日期", "date"), ("条目", "items"), ("类别", "kind"), ("标题", "title"),
                                ("出具单位", "issued by"), ("有效期至", "valid until"), ("判定", "verdict")], rows, note)
    return _bytes(wb)


STATUS_HEAD = [("机构", "institution"), ("科室", "department"), ("设备", "device"), ("模态", "modality"), ("型号", "model"),
               ("序列号", "serial number"), ("资格状态", "status"), ("有效期至", "valid until"), ("不合格条目数", "failing items"),
               ("逾期条目数", "overdue items"), ("缺少证据条目数", "items missing evidence"), ("今日日常记录", "today's log"),
               ("说明", "reasons")]


def _status_rows(rows) -> list[list]:
    out = []
    for r in rows:
        d, st = r.device, r.status
        out.append([d.department.institution.name, d.department.name, d.name, d.modality, f"{d.manufacturer} {d.model_name}",
                    d.serial_number, f"{STATUS_ZH[st.status]} / {st.status}", st.valid_until, len(r.failing), len(r.overdue),
                    r.counts.get("missing", 0), "已记录 / yes" if r.logged_today else ("缺少 / missing" if r.daily_log_items else "—"),
                    "；".join(z for z, _ in st.reasons)])
    return out


def status_export(rows, title: str) -> bytes:
    """An institution's status, or the QC centre's overview (``rows`` from ``huren.web.overview.device_rows``)."""
    wb = _book()
    _sheet(wb, "设备状态 Status", STATUS_HEAD, _status_rows(rows), f"{title} · {dt.date.today()}")
    by: dict = {}
    for r in rows:
        s = by.setdefault(r.device.department.institution.name, [0, 0, 0, 0])
        s[0] += 1
        s[1] += r.status.status == "qualified"
        s[2] += len(r.failing)
        s[3] += len(r.overdue)
    _sheet(wb, "机构汇总 Institutions", [("机构", "institution"), ("设备数", "devices"), ("合格设备", "qualified"),
                                      ("不合格条目", "failing items"), ("逾期条目", "overdue items")],
           [[k, *v] for k, v in sorted(by.items())])
    return _bytes(wb)


def qualified_export(rows) -> bytes:
    """The devices whose qualification is in force today (qualified or at risk), from the registry and the decisions."""
    wb = _book()
    data = []
    for r in rows:
        st, d = r.status, r.device
        if st.status not in ("qualified", "at_risk") or st.decision is None:
            continue
        data.append([d.department.institution.name, d.name, d.modality, f"{d.manufacturer} {d.model_name}", d.serial_number,
                     st.decision.catalog_key, st.decision.decided_at.date(), st.decision.valid_from, st.valid_until,
                     f"{STATUS_ZH[st.status]} / {st.status}"])
    _sheet(wb, "互认合格设备 Qualified", [("机构", "institution"), ("设备", "device"), ("模态", "modality"), ("型号", "model"),
                                     ("序列号", "serial number"), ("标准版本", "standard version"), ("决定日期", "decided on"),
                                     ("有效期自", "valid from"), ("有效期至", "valid until"), ("资格状态", "status")],
           data, f"互认合格设备名单 · {dt.date.today()}")
    return _bytes(wb)

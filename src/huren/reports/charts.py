"""Every numeric metric of a device over time — measurements (item, metric, method) and the
numeric daily-log figures — with the catalog criterion's limits, the recorded baseline and
control limits from the device's own history (:mod:`huren.reports.spc`)."""

from __future__ import annotations

import datetime as dt

from huren.assessment.verdicts import current_catalog
from huren.evidence.logfields import LOG_FIELDS
from huren.evidence.models import DailyLog, Measurement
from huren.reports.spc import analyse
from huren.reports.svgchart import ChartData
from huren.standard.catalog import metrics


def criterion_limits(crit, baseline: float | None) -> tuple[float | None, float | None]:
    """The (low, high) limits a range or deviation criterion sets (None where it sets none)."""
    if crit is None:
        return None, None
    if crit.kind == "range":
        return crit.min, crit.max
    if crit.kind == "deviation":
        ref = crit.nominal if crit.reference == "nominal" else baseline if crit.reference == "baseline" else None
        if ref is None:
            return None, None
        tol = crit.tolerance_for(ref)
        return (None, None) if tol is None else (ref - tol, ref + tol)
    return None, None


def _label(metric: str) -> tuple[str, str]:
    m = metrics().get(metric)
    return (m.label_zh, m.label_en) if m else (metric, metric)


def device_charts(device, *, start: dt.date | None = None, end: dt.date | None = None, only: str | None = None) -> list[ChartData]:
    """The charts of ``device`` between ``start`` and ``end`` (all its history by default).
    ``only`` restricts to one chart key. Control limits come from the first values of the
    period shown (its baseline period)."""
    catalog = current_catalog()
    out: list[ChartData] = []
    ms = Measurement.objects.filter(device=device, superseded_by__isnull=True)
    logs = DailyLog.objects.filter(device=device, superseded_by__isnull=True)
    if start:
        ms, logs = ms.filter(performed_on__gte=start), logs.filter(performed_on__gte=start)
    if end:
        ms, logs = ms.filter(performed_on__lte=end), logs.filter(performed_on__lte=end)
    groups: dict[tuple, list] = {}
    if only and not only.startswith("m:"):
        ms = ms.none()
    for row in ms.order_by("performed_on", "recorded_at", "id").values_list(
            "item", "metric", "method", "test_type", "performed_on", "value", "unit", "baseline"):
        groups.setdefault(row[:3], []).append(row)
    # One metric measured by several methods (PIU by ACR and by the nine-ROI form) gets one chart
    # per method, told apart by a number: method codes are not shown on screen.
    methods_of: dict[tuple, list] = {}
    for item_id, metric, method in sorted(groups):
        methods_of.setdefault((item_id, metric), []).append(method)
    for (item_id, metric, method), rows in sorted(groups.items()):
        key = f"m:{item_id}:{metric}:{method or ''}"
        siblings = methods_of[(item_id, metric)]
        nth = siblings.index(method) + 1 if len(siblings) > 1 else 0
        if only and key != only:
            continue
        zh, en = _label(metric)
        baseline = next((r[7] for r in reversed(rows) if r[7] is not None), None)
        crit = catalog[item_id].criterion(metric, rows[-1][3] or None, method or None) if item_id in catalog else None
        lo, hi = criterion_limits(crit, baseline)
        values = [r[5] for r in rows]
        out.append(ChartData(key, f"{item_id} {zh}{f'（方法 {nth}）' if nth else ''}",
                             f"{en}{f' (method {nth})' if nth else ''}", rows[-1][6] or "",
                             [(r[4], r[5]) for r in rows], lo, hi, baseline, analyse(values)))
    fields = [f for f in LOG_FIELDS if f.kind == "number" and (not only or only == f"log:{f.metric}")]
    log_crit = {}
    for item in catalog.for_modality(device.modality):
        if "log" in item.kinds:
            for c in item.criteria:
                if c.kind == "range":
                    log_crit.setdefault(c.metric, c)
    rows = list(logs.order_by("performed_on", "recorded_at").values_list("performed_on", *[f.field for f in fields])) if fields else []
    for k, f in enumerate(fields, start=1):
        key = f"log:{f.metric}"
        if only and key != only:
            continue
        pts: dict[dt.date, float] = {}
        for r in rows:
            if r[k] is not None:
                pts[r[0]] = r[k]  # the day's latest entry
        if not pts:
            continue
        zh, en = _label(f.metric)
        c = log_crit.get(f.metric)
        points = sorted(pts.items())
        out.append(ChartData(key, f"{zh}（日常记录）", f"{en} (daily log)", f.unit, points,
                             c.min if c else None, c.max if c else None, None, analyse([v for _, v in points])))
    return out

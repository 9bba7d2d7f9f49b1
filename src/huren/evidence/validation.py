"""Checks every way of recording evidence shares (API and web forms): the item exists for
the device's modality, the metric and its unit match ``metrics.toml``, values are finite and
physically possible, dates are not in the future. Each returns a bilingual message or None.

The plausibility ranges refuse typing errors (a humidity of 450 %); whether a value meets the
standard is the catalog's business, never decided here.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from django.utils import timezone

from huren.evidence.logfields import BY_FIELD, LOG_FIELDS
from huren.standard import Catalog, metrics
from huren.standard.criteria import _fmt

# Physically possible values of measured metrics (unit of metrics.toml).
PLAUSIBLE = {f.metric: (f.lo, f.hi) for f in LOG_FIELDS if f.kind == "number"} | {
    "lead_equivalence_mm": (0.0, 50.0),
    "stp_r2": (0.0, 1.0),
    "piu": (0.0, 100.0),
    "uniformity_cv": (0.0, 100.0),
    "ghost_percent": (0.0, 100.0),
    "ghosting_percent": (0.0, 100.0),
    "slice_thickness": (0.0, 100.0),
    "low_contrast_diameter": (0.0, 100.0),
    "artifact_count": (0.0, 10000.0),
    "low_contrast_spokes": (0.0, 100.0),
    "resonance_frequency": (0.0, 1000.0),
    "expert_score": (0.0, 3.0),  # the catalog's one scale for every modality (docs/standard.md)
    "centre_offset_percent": (0.0, 100.0),
    "missing_slices": (0.0, 100000.0),
    "misordered_slices": (0.0, 100000.0),
}
ANY = (-1e6, 1e6)
UID = re.compile(r"^[0-9]+(\.[0-9]+)*$")


def _norm_unit(u: str | None) -> str:
    return " ".join((u or "").split())


def out_of_range(value: float, lo: float, hi: float, unit: str = "") -> str | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return "须为有限数值 / must be a finite number"
    if value < lo or value > hi:
        u = f" {unit}" if unit else ""
        return (f"数值 {_fmt(value)}{u} 超出允许范围 {_fmt(lo)}–{_fmt(hi)}{u} / "
                f"value {_fmt(value)}{u} out of the allowed range {_fmt(lo)}–{_fmt(hi)}{u}")
    return None


def check_metric(metric: str) -> str | None:
    if metric not in metrics():
        return f"未知指标 {metric} / unknown metric {metric}"
    return None


def check_unit(metric: str, unit: str | None, item: str | None = None) -> str | None:
    """The unit must be the metric's unit (under ``item``) exactly: a number in another unit is refused, not converted."""
    m = metrics().get(metric)
    if m is None:
        return None
    expected = m.unit_for(item)
    if _norm_unit(unit) != _norm_unit(expected):
        want = expected or "无单位 / no unit"
        return (f"单位“{unit or ''}”与指标 {metric} 的单位“{want}”不符，请换算后录入 / "
                f"unit '{unit or ''}' does not match the unit '{expected}' of {metric}; convert before entering")
    return None


def check_value(metric: str, value) -> str | None:
    lo, hi = PLAUSIBLE.get(metric, ANY)
    return out_of_range(value, lo, hi, metrics()[metric].unit if metric in metrics() else "")


def check_log_value(field: str, value) -> str | None:
    f = BY_FIELD[field]
    if value is None or f.kind != "number":
        return None
    return out_of_range(value, f.lo, f.hi, f.unit)


def check_item(catalog: Catalog, item_id: str, modality: str | None) -> str | None:
    if item_id not in catalog:
        return f"标准 {catalog.key} 中没有条目 {item_id} / no item {item_id} in standard {catalog.key}"
    if modality and catalog[item_id].modality != modality:
        return (f"条目 {item_id} 属于 {catalog[item_id].modality}，与设备类型 {modality} 不符 / "
                f"item {item_id} is for {catalog[item_id].modality}, not for a {modality} device")
    return None


def check_item_metric(catalog: Catalog, item_id: str, metric: str) -> str | None:
    """The metric must be one the item holds (:attr:`huren.standard.catalog.Item.metrics`)."""
    if item_id not in catalog or metric not in metrics():
        return None  # reported by check_item / check_metric
    allowed = catalog[item_id].metrics
    if metric in allowed:
        return None
    names = ", ".join(allowed) or "—"
    return (f"条目 {item_id} 不记录指标 {metric}；可记录：{names} / "
            f"item {item_id} does not hold the metric {metric}; it holds: {names}")


def check_not_future(day: dt.date | None) -> str | None:
    if day is not None and day > timezone.localdate():
        return "日期不能在将来 / the date cannot be in the future"
    return None


def check_uids(uids) -> str | None:
    if not isinstance(uids, list) or not all(isinstance(u, str) and len(u) <= 64 and UID.match(u) for u in uids):
        return "SOP 实例 UID 须为 DICOM UID 列表 / SOP instance UIDs must be a list of DICOM UIDs"
    return None


def check_size(size: int, limit: int) -> str | None:
    if size > limit:
        mb = limit / (1024 * 1024)
        return f"文件超过 {_fmt(mb)} MB 上限 / the file is larger than the {_fmt(mb)} MB limit"
    return None

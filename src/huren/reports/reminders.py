"""What falls due: each periodic test's next due date (its catalog period after the last
result), qualification expiring, yesterday's missing daily log, and helium alerts (the
latest level below the catalog's threshold, or its fall per day above the catalog's rate).

Nothing is judged here that the catalog does not say: periods come from ``period_days``,
helium limits from the criteria of the items that judge ``helium_level`` and
``helium_drop_percent_per_day``; the windows (30 days ahead, 90 days before expiry) are
settings (``HUREN_REMINDER_DUE_DAYS``, ``HUREN_REMINDER_EXPIRY_DAYS``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from huren.assessment.status import device_status
from huren.assessment.verdicts import NA, current_catalog, device_verdicts
from huren.evidence.models import DailyLog
from huren.evidence.logfields import RATE_METRICS

CACHE_SECONDS = 600
HELIUM_LEVEL, HELIUM_RATE = "helium_level", "helium_drop_percent_per_day"


def due_days() -> int:
    return int(getattr(settings, "HUREN_REMINDER_DUE_DAYS", 30))


def expiry_days() -> int:
    return int(getattr(settings, "HUREN_REMINDER_EXPIRY_DAYS", 90))


@dataclass
class Reminder:
    kind: str  # due | expiring | missing_log | helium
    device: object
    key: str
    text_zh: str
    text_en: str
    day: dt.date | None = None  # due date, expiry date or the day the log is missing
    overdue: bool = False


@dataclass
class DeviceReminders:
    device: object
    items: list[Reminder] = field(default_factory=list)

    def of(self, kind: str) -> list[Reminder]:
        return [r for r in self.items if r.kind == kind]


def _daily_items(catalog, modality: str) -> list[str]:
    return [i.id for i in catalog.for_modality(modality) if "log" in i.kinds and i.period_days == 1]


def _helium(device, catalog, logs: list) -> list[Reminder]:
    """Alerts from the latest helium entries, judged by the catalog's helium criteria."""
    crits = {c.metric: c for i in catalog.for_modality(device.modality) for c in i.criteria
             if c.metric in (HELIUM_LEVEL, HELIUM_RATE)}
    src = RATE_METRICS.get(HELIUM_RATE, "helium_level_percent")
    series = [(l.performed_on, getattr(l, src)) for l in logs if getattr(l, src) is not None]
    out = []
    if not series or not crits:
        return out
    day, level = series[-1]
    if HELIUM_LEVEL in crits:
        j = crits[HELIUM_LEVEL].evaluate(level, on=day)
        if j.verdict == "fail":
            out.append(Reminder("helium", device, HELIUM_LEVEL, f"液氦水平 {day}：{j.reason_zh}", f"helium level on {day}: {j.reason_en}", day))
    if HELIUM_RATE in crits and len(series) >= 2:
        (d0, l0), (d1, l1) = series[-2], series[-1]
        days = max((d1 - d0).days, 1)
        rate = round((l0 - l1) / days, 3)
        j = crits[HELIUM_RATE].evaluate(rate, on=d1)
        if j.verdict == "fail":
            out.append(Reminder("helium", device, HELIUM_RATE, f"液氦 {d0}→{d1} 日下降 {rate:g} 个百分点：{j.reason_zh}",
                                f"helium fell {rate:g} points a day from {d0} to {d1}: {j.reason_en}", d1))
    return out


def device_reminders(device, *, on: dt.date | None = None, verdicts=None, catalog=None, status=None,
                     logs: list | None = None) -> DeviceReminders:
    """The reminders of one device on day ``on`` (today)."""
    on = on or timezone.localdate()
    catalog = catalog or current_catalog()
    verdicts = verdicts if verdicts is not None else device_verdicts(device, on=on, catalog=catalog)
    out = DeviceReminders(device)
    horizon = on + dt.timedelta(days=due_days())
    daily = set(_daily_items(catalog, device.modality))
    for v in verdicts:
        item = catalog[v.item] if v.item in catalog else None
        if item is None or item.period_days is None or v.item in daily or v.verdict == NA:
            continue
        if v.last_done is None:
            out.items.append(Reminder("due", device, v.item, f"{v.item} {v.title_zh}：尚无结果，现应完成（周期 {item.period_days} 天）",
                                      f"{v.item} {v.title_en}: no result yet, due now (every {item.period_days} days)", on, True))
            continue
        due = v.last_done + dt.timedelta(days=item.period_days)
        if due <= horizon:
            late = due < on
            out.items.append(Reminder(
                "due", device, v.item,
                f"{v.item} {v.title_zh}：上次 {v.last_done}，{'已于' if late else '应于'} {due} {'逾期' if late else '前完成'}",
                f"{v.item} {v.title_en}: last {v.last_done}, {'overdue since' if late else 'due by'} {due}", due, late))
    st = status or device_status(device, on=on, verdicts=verdicts)
    until = st.valid_until
    if st.decision is not None and st.decision.outcome != "not_qualified" and until is not None:
        left = (until - on).days
        if 0 <= left <= expiry_days():
            out.items.append(Reminder("expiring", device, "qualification", f"互认资格将于 {until} 到期（还有 {left} 天）",
                                      f"qualification expires on {until} ({left} days left)", until))
    yesterday = on - dt.timedelta(days=1)
    if logs is None:
        logs = list(DailyLog.objects.filter(device=device, performed_on__gte=on - dt.timedelta(days=7),
                                            performed_on__lte=on, superseded_by__isnull=True).order_by("performed_on", "recorded_at"))
    if daily and (device.install_date is None or device.install_date <= yesterday) \
            and not any(l.performed_on == yesterday for l in logs):
        out.items.append(Reminder("missing_log", device, "daily_log", f"缺少 {yesterday} 的日常记录", f"no daily log for {yesterday}", yesterday, True))
    out.items.extend(_helium(device, catalog, logs))
    out.items.sort(key=lambda r: (r.kind != "helium", r.day or on))
    return out


def reminders_for(devices, *, on: dt.date | None = None, use_cache: bool = True) -> list[DeviceReminders]:
    """Reminders of many devices; logs of the last week are read in one query. Like the
    dashboards' rows, a device's reminders are cached until its institution's records
    change (every change writes an audit entry) or the day turns."""
    from huren.web.overview import _institution_versions

    on = on or timezone.localdate()
    devices = list(devices)
    catalog = current_catalog()
    versions = _institution_versions(devices) if use_cache else {}
    out: dict[int, DeviceReminders] = {}
    keys = {d.pk: f"huren:reminders:{catalog.key}:{on.isoformat()}:{d.pk}:{versions.get(d.department.institution_id, 0)}"
            for d in devices}
    if use_cache:
        for d in devices:
            hit = cache.get(keys[d.pk])
            if hit is not None:
                for r in hit:
                    r.device = d
                out[d.pk] = DeviceReminders(d, hit)
    todo = [d for d in devices if d.pk not in out]
    logs: dict[int, list] = {d.pk: [] for d in todo}
    for l in (DailyLog.objects.filter(device__in=todo, performed_on__gte=on - dt.timedelta(days=7), performed_on__lte=on,
                                      superseded_by__isnull=True).order_by("performed_on", "recorded_at")):
        logs[l.device_id].append(l)
    for d in todo:
        out[d.pk] = device_reminders(d, on=on, catalog=catalog, logs=logs[d.pk])
        if use_cache:
            cache.set(keys[d.pk], out[d.pk].items, CACHE_SECONDS)
    return [out[d.pk] for d in devices]

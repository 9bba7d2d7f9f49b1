"""Rows for the dashboards: each device with its qualification status and the items that
need attention, built from the platform's verdict and status services (nothing is judged
here: this only arranges their answers for a table)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Max
from django.utils import timezone

from huren.accounts.models import AuditEntry

from huren.assessment.status import device_status
from huren.assessment.verdicts import FAIL, OVERDUE, ItemVerdict, current_catalog, device_verdicts, summary
from huren.evidence.models import DailyLog

ROW_CACHE_SECONDS = 600


@dataclass
class DeviceRow:
    device: object
    status: object  # huren.assessment.status.Status
    counts: dict[str, int]
    failing: list[ItemVerdict] = field(default_factory=list)
    overdue: list[ItemVerdict] = field(default_factory=list)
    logged_today: bool = False
    daily_log_items: list[str] = field(default_factory=list)

    @property
    def missing_log_today(self) -> bool:
        return bool(self.daily_log_items) and not self.logged_today


def daily_log_items(modality: str) -> list[str]:
    """The catalog's log items of a modality that are due every day (period of one day)."""
    return [i.id for i in current_catalog().for_modality(modality) if "log" in i.kinds and i.period_days == 1]


def _institution_versions(devices) -> dict[int, int]:
    """The newest audit-log entry of each institution: every change of a record that a
    verdict or a status rests on (evidence, register, decisions) writes one, so a cached
    row stays valid exactly as long as this number does not move."""
    ids = {d.department.institution_id for d in devices}
    rows = AuditEntry.objects.filter(institution_id__in=ids).values("institution_id").annotate(last=Max("id"))
    return {r["institution_id"]: r["last"] for r in rows}


def device_rows(devices, *, on=None) -> list[DeviceRow]:
    """A row per device. Verdicts cost ~15 ms a device, so the QC centre's city-wide overview
    reuses rows (cache, ``ROW_CACHE_SECONDS``) until the institution's records change or the
    day turns (a test falls overdue with the date alone)."""
    on = on or timezone.localdate()
    devices = list(devices)
    logged = set(DailyLog.objects.filter(device__in=devices, performed_on=on).values_list("device_id", flat=True))
    versions = _institution_versions(devices)
    catalog = current_catalog()
    rows = []
    for d in devices:
        key = f"huren:device-row:{catalog.key}:{on.isoformat()}:{d.pk}:{versions.get(d.department.institution_id, 0)}"
        row = cache.get(key)
        if row is None:
            verdicts = device_verdicts(d, on=on, catalog=catalog)
            st = device_status(d, on=on, verdicts=verdicts)
            st.verdicts = None  # not needed by the tables; keeps the cached row small
            row = DeviceRow(
                device=d, status=st, counts=summary(verdicts),
                failing=[v for v in verdicts if v.verdict == FAIL],
                overdue=[v for v in verdicts if v.verdict == OVERDUE],
                daily_log_items=daily_log_items(d.modality),
            )
            cache.set(key, row, ROW_CACHE_SECONDS)
        row.device = d
        row.logged_today = d.pk in logged
        rows.append(row)
    return rows


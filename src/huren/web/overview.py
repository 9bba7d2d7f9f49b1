"""Rows for the dashboards: each device with its qualification status and the items that
need attention, built from the platform's verdict and status services (nothing is judged
here: this only arranges their answers for a table)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone

from huren.assessment.status import device_status
from huren.assessment.verdicts import FAIL, OVERDUE, ItemVerdict, current_catalog, device_verdicts, summary
from huren.evidence.models import DailyLog


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


def device_rows(devices, *, on=None) -> list[DeviceRow]:
    on = on or timezone.localdate()
    devices = list(devices)
    logged = set(DailyLog.objects.filter(device__in=devices, performed_on=on).values_list("device_id", flat=True))
    rows = []
    for d in devices:
        verdicts = device_verdicts(d, on=on)
        st = device_status(d, on=on, verdicts=verdicts)
        rows.append(DeviceRow(
            device=d, status=st, counts=summary(verdicts),
            failing=[v for v in verdicts if v.verdict == FAIL],
            overdue=[v for v in verdicts if v.verdict == OVERDUE],
            logged_today=d.pk in logged,
            daily_log_items=daily_log_items(d.modality),
        ))
    return rows


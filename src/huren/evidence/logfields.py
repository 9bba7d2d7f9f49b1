"""The daily-log fields, the catalog metric each one records (``metrics.toml`` names), its
unit and the physically possible range used to refuse typing errors (a plausibility check,
not a criterion: the criteria are in the catalog).

A yes/no field may also stand for a ``within_period`` metric (``date_metric``): the last
day it was ticked is the date of, e.g., the last workstation backup.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class LogField:
    field: str
    metric: str
    unit: str
    kind: str  # "number" or "bool"
    lo: float | None = None
    hi: float | None = None
    date_metric: str | None = None


LOG_FIELDS: tuple[LogField, ...] = (
    LogField("temperature_c", "temperature", "°C", "number", -30, 60),
    LogField("humidity_percent", "humidity", "%", "number", 0, 100),
    LogField("helium_level_percent", "helium_level", "%", "number", 0, 100),
    LogField("compressor_temperature_c", "compressor_temperature", "°C", "number", -30, 100),
    LogField("compressor_pressure_mpa", "compressor_pressure", "MPa", "number", 0, 10),
    LogField("chiller_water_temperature_c", "chiller_water_temperature", "°C", "number", -10, 60),
    LogField("chiller_water_pressure_mpa", "chiller_water_pressure", "MPa", "number", 0, 10),
    LogField("storage_free_percent", "storage_free_percent", "%", "number", 0, 100),
    LogField("warm_up_done", "warm_up_done", "", "bool"),
    LogField("air_calibration_done", "air_calibration_done", "", "bool"),
    LogField("startup_check_done", "startup_check_done", "", "bool"),
    LogField("status_ok", "status_normal", "", "bool"),
    LogField("system_log_reviewed", "system_log_reviewed", "", "bool", date_metric="last_log_review_date"),
    LogField("errors_followed_up", "errors_followed_up", "", "bool"),
    LogField("table_checked", "table_checked", "", "bool"),
    LogField("images_sent_to_pacs", "images_sent_to_pacs", "", "bool"),
    LogField("compressor_running", "compressor_running", "", "bool"),
    LogField("cold_head_sound_normal", "cold_head_sound_normal", "", "bool"),
    LogField("preventive_maintenance_done", "preventive_maintenance_done", "", "bool", date_metric="last_pm_date"),
    LogField("backup_done", "backup_done", "", "bool", date_metric="last_backup_date"),
    LogField("full_shutdown_done", "full_shutdown_done", "", "bool", date_metric="last_full_shutdown_date"),
)
BY_FIELD = {f.field: f for f in LOG_FIELDS}
BY_METRIC = {f.metric: f for f in LOG_FIELDS}
BY_DATE_METRIC = {f.date_metric: f for f in LOG_FIELDS if f.date_metric}

# Metrics derived from a log series: the fall per day between consecutive entries.
RATE_METRICS = {"helium_drop_percent_per_day": "helium_level_percent"}


def log_items(entry, catalog) -> list[str]:
    """The catalog items a daily-log entry answers: the log items of its device's modality
    (every modality without a device) that judge a metric the entry records, or its dates."""
    recorded = {f.metric for f in LOG_FIELDS if getattr(entry, f.field) is not None}
    recorded |= {f.date_metric for f in LOG_FIELDS if f.date_metric and getattr(entry, f.field) is True}
    recorded |= {m for m, src in RATE_METRICS.items() if getattr(entry, src) is not None}
    modality = entry.device.modality if entry.device_id else None
    out = []
    for item in catalog.items.values():
        if "log" not in item.kinds or (modality and item.modality != modality):
            continue
        metrics = {c.metric for c in item.criteria}
        if metrics & recorded or "log_days" in metrics and not metrics - {"log_days", "checklist_ok"}:
            out.append(item.id)
    return out

"""The daily-log fields, the catalog metric each one records, its unit and the physically
possible range used to refuse typing errors (a plausibility check, not a criterion: the
criteria are in the catalog).
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


LOG_FIELDS: tuple[LogField, ...] = (
    LogField("temperature_c", "temperature", "°C", "number", -30, 60),
    LogField("humidity_percent", "humidity", "%", "number", 0, 100),
    LogField("helium_level_percent", "helium_level", "%", "number", 0, 100),
    LogField("compressor_temperature_c", "compressor_temperature", "°C", "number", -30, 100),
    LogField("compressor_pressure_mpa", "compressor_pressure", "MPa", "number", 0, 10),
    LogField("chiller_water_temperature_c", "chiller_water_temperature", "°C", "number", -10, 60),
    LogField("chiller_water_pressure_mpa", "chiller_water_pressure", "MPa", "number", 0, 10),
    LogField("storage_free_percent", "storage_free_percent", "%", "number", 0, 100),
    LogField("warm_up_done", "warm_up", "", "bool"),
    LogField("air_calibration_done", "air_calibration", "", "bool"),
    LogField("startup_check_done", "startup_check", "", "bool"),
    LogField("status_ok", "status_check", "", "bool"),
    LogField("system_log_reviewed", "system_log_review", "", "bool"),
    LogField("table_checked", "table_check", "", "bool"),
    LogField("images_sent_to_pacs", "pacs_transfer", "", "bool"),
)
BY_FIELD = {f.field: f for f in LOG_FIELDS}
BY_METRIC = {f.metric: f for f in LOG_FIELDS}

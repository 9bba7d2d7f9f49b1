"""When the images of a series were made, from their headers: QC results are dated by it.

A phantom scanned on Monday and sent on Wednesday is Monday's QC, so a trend and a due date
mean what they say. The date is taken from the first of these a header holds, in this order
of preference (DICOM PS3.3 C.7.6.1, C.7.3.1, C.7.2.1):

1. Acquisition DateTime (0008,002A), then Acquisition Date (0008,0022) + Time (0008,0032);
2. Content Date (0008,0023) + Time (0008,0033);
3. Series Date (0008,0021) + Time (0008,0031);
4. Study Date (0008,0020) + Time (0008,0030).

A date that cannot be read, or that lies after the day the object arrived (a console clock
set wrong; a day's grace for time zones) or before 1990, is passed over for the next. Of a series, the earliest image's date
counts. When no header holds a usable date, the day the series arrived is used, and the
evidence says so (``conditions["date_source"] == "received"``).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pydicom.dataset import Dataset

# (keyword of the date or datetime, keyword of the time or None), in order of preference
DATE_SOURCES = (
    ("AcquisitionDateTime", None),
    ("AcquisitionDate", "AcquisitionTime"),
    ("ContentDate", "ContentTime"),
    ("SeriesDate", "SeriesTime"),
    ("StudyDate", "StudyTime"),
)
EARLIEST = dt.date(1990, 1, 1)


def _date(v) -> dt.date | None:
    s = str(v or "").strip()
    if len(s) < 8 or not s[:8].isdigit():
        return None
    try:
        return dt.date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        return None


def _time(v) -> dt.time:
    s = str(v or "").strip().replace(":", "")
    digits = s.split(".")[0]
    try:
        h, m, sec = int(digits[0:2] or 0), int(digits[2:4] or 0), int(digits[4:6] or 0)
        return dt.time(min(h, 23), min(m, 59), min(sec, 59))
    except ValueError:
        return dt.time(0, 0)


def acquisition_datetime(ds: Dataset, *, latest: dt.date | None = None) -> tuple[dt.datetime | None, str]:
    """The header's acquisition moment (naive, the site's local time) and the keyword it came
    from; (None, "") when no usable date. ``latest``: a date after it is not plausible."""
    for date_kw, time_kw in DATE_SOURCES:
        raw = ds.get(date_kw)
        d = _date(raw)
        if d is None or d < EARLIEST or (latest is not None and d > latest):
            continue
        t = _time(str(raw)[8:] if time_kw is None else ds.get(time_kw))
        return dt.datetime.combine(d, t), date_kw
    return None, ""


def series_acquired(paths, *, latest: dt.date | None = None) -> tuple[dt.datetime | None, str]:
    """The earliest acquisition moment among the files (headers only), and its keyword."""
    import pydicom

    best: tuple[dt.datetime | None, str] = (None, "")
    for p in paths:
        try:
            ds = pydicom.dcmread(Path(p), stop_before_pixels=True, force=True)
        except Exception:  # an unreadable file has no date; the others still tell
            continue
        when, kw = acquisition_datetime(ds, latest=latest)
        if when is not None and (best[0] is None or when < best[0]):
            best = (when, kw)
    return best


def acquired_on(series) -> tuple[dt.date, str]:
    """The day a stored series' images were made and where that came from (a header keyword,
    or ``"received"`` when no header holds a usable date)."""
    from django.utils import timezone

    from .storage import series_files

    received = timezone.localdate(series.last_received_at)
    # a day's grace: the console's clock and time zone need not be the server's
    when, kw = series_acquired(series_files(series), latest=received + dt.timedelta(days=1))
    if when is None:
        return timezone.localdate(series.first_received_at), "received"
    return when.date(), kw

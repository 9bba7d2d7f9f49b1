"""Match a received series to a registered device by its DICOM identity."""

from __future__ import annotations


def match_series_device(series) -> None:
    return None

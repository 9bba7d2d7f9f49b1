"""Match a received series to a registered device by its DICOM identity.

The rules (serial number, then station name, then sending AE title) are the registry's
(:func:`huren.registry.services.find_device`); this module only feeds it the header.
"""

from __future__ import annotations

from huren.registry.services import find_device


def match_series_device(series) -> None:
    """Set ``series.device`` from its identity (when one registered device matches)."""
    if series.device_id is not None:
        return
    device = find_device(
        device_serial=series.device_serial,
        station_name=series.station_name,
        ae_title=series.calling_ae_title,
        manufacturer=series.manufacturer,
    )
    if device is not None:
        series.device = device
        series.save(update_fields=["device"])
        _study_follows(series)


def _study_follows(series) -> None:
    """The series' study takes the device too, when it had none (huren.studies)."""
    from huren.studies.intake import device_assigned

    device_assigned(series)


def assign_device(series, device) -> None:
    """File a series that matched no registered device under ``device`` (chosen by a person)."""
    if series.device_id is not None:
        raise ValueError("series already belongs to a device")
    series.device = device
    series.save(update_fields=["device"])
    _study_follows(series)

"""Finding a registered device from the identity in a DICOM header."""

from __future__ import annotations

from django.db.models import Q

from huren.registry.models import Device


def find_device(*, device_serial: str | None = None, station_name: str | None = None,
                ae_title: str | None = None, manufacturer: str | None = None, queryset=None,
                in_service_only: bool = True) -> Device | None:
    """The one active device that matches a DICOM identity, or None.

    The device serial number (0018,1000) is the strongest key (compared with the registered
    DICOM serial, then with the nameplate serial the device page prints), then the station name
    (0008,1010), then the sending AE title; each is compared without case or surrounding
    blanks, and a key that matches several devices is not used. ``manufacturer`` narrows
    the serial-number match (serial numbers are only unique per maker).
    ``in_service_only=False`` also finds devices out of service (recognition answers for
    the dates a retired device was in service).
    """
    qs = queryset if queryset is not None else Device.objects.all()
    if in_service_only:
        qs = qs.filter(active=True)
    # the nameplate serial number (printed on the device page) is accepted too, after the DICOM one
    keys = (("device_serial_number", device_serial), ("serial_number", device_serial), ("station_name", station_name),
            ("ae_title", ae_title))
    for field, value in keys:
        value = (value or "").strip()
        if not value:
            continue
        found = qs.filter(**{f"{field}__iexact": value})
        if field in ("device_serial_number", "serial_number") and manufacturer:
            narrowed = found.filter(Q(manufacturer__iexact=manufacturer.strip()) | Q(manufacturer=""))
            if narrowed.exists():
                found = narrowed
        hits = list(found[:2])
        if len(hits) == 1:
            return hits[0]
    return None

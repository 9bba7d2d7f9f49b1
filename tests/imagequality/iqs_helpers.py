"""Helpers for the image-quality service tests."""

from __future__ import annotations

import io
from types import SimpleNamespace


from huren.synth.ct import save
from tests.support import make_user  # noqa: F401  (the tests import it from here)

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def raw(ds) -> bytes:
    buf = io.BytesIO()
    save(ds, buf)
    return buf.getvalue()


def send(study, device, *, source="c-store"):
    """Store every object of a synthetic study as the node would (header names the device)."""
    from huren.dicomnode.storage import store

    for ds in study.datasets:
        ds.DeviceSerialNumber = device.device_serial_number
        ds.StationName = device.station_name
        store(raw(ds), source=source)



"""Helpers for the image-quality service tests."""

from __future__ import annotations

import io
from types import SimpleNamespace

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from huren.accounts.models import Profile
from huren.synth.ct import save

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


def make_user(username, role, institution):
    u = get_user_model().objects.create_user(username=username, password="pw-" + username)
    if role:
        u.groups.add(Group.objects.get_or_create(name=role)[0])
    Profile.objects.create(user=u, institution=institution)
    return u


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



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


def from_device(datasets, device):
    """The datasets, their headers naming ``device`` (the node files them under it)."""
    for ds in datasets:
        ds.DeviceSerialNumber = device.device_serial_number
        ds.StationName = device.station_name
    return datasets


def send(study, device, *, source="c-store"):
    """Store every object of a synthetic study as the node would (header names the device)."""
    from huren.dicomnode.storage import store

    for ds in from_device(study.datasets, device):
        store(raw(ds), source=source)




def fail_first_evaluation(monkeypatch, error: Exception | None = None) -> None:
    """``huren.iq.evaluate_study`` raises on its first call only: a run that fails, then its retry
    that succeeds."""
    import huren.iq

    real = huren.iq.evaluate_study
    calls = []

    def first_fails(*a, **k):
        calls.append(1)
        if len(calls) == 1:
            raise error or MemoryError("simulated")
        return real(*a, **k)

    monkeypatch.setattr(huren.iq, "evaluate_study", first_fails)


def failed_and_retried(immediate, device, monkeypatch, settings, seed: int):
    """A CT study whose first evaluation fails and whose one retry runs: (study, failed, retry)."""
    from huren.studies.models import Study
    from huren.synth import clinical

    settings.HUREN_IQ_RETRIES = 1
    fail_first_evaluation(monkeypatch)
    study = clinical.ct_study(n_slices=6, seed=seed)
    immediate(study, device)
    s = Study.objects.get(study_instance_uid=study.study_instance_uid)
    failed = s.iq_evaluations.get(status="failed")
    return s, failed, s.iq_evaluations.get(retry_of=failed)

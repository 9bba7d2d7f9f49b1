"""Hand the measurements of an analysed series to the evidence store of its device.

Each numeric measurement becomes one :class:`huren.evidence.models.Measurement` (source
"image analysis"), carrying a one-measurement ``huren.result/1`` document (its provenance,
ROIs and verdict as the analysis judged it) and the SOP Instance UIDs it came from. A
re-analysis of the same series supersedes the earlier run's measurement of each quantity.
Evidence needs a person who recorded it; for automatic intake that is the inactive
system account ``dicom-intake``, which cannot log in.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from huren.accounts.audit import acting_as
from huren.evidence.models import Measurement

SYSTEM_USERNAME = "dicom-intake"


def system_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "DICOM", "last_name": "intake"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _earlier(device, series_uid: str, m):
    """The current measurement an earlier analysis of the same series made of the same
    quantity: a re-analysis corrects it (evidence is append-only: the old row stays)."""
    return (Measurement.objects.current()
            .filter(device=device, source=Measurement.Source.ANALYSIS, item=m.item[:40], metric=m.metric[:60],
                    method=(m.method or "")[:60], conditions__dicom_series=series_uid)
            .order_by("-recorded_at", "-id").first())


def record_measurements(run, result) -> int:
    """Record each numeric measurement of ``result`` as evidence of the series' device.

    A series that no registered device claims gives no evidence (its result stays on the
    run, visible to the QC centre, until the series is assigned to a device and retried).
    """
    series = run.series
    device = series.device
    if device is None:
        return 0
    user = run.requested_by or system_user()
    with acting_as(user):  # the audit log names who (or what) recorded the evidence
        return _record(run, device, user, result)


def _record(run, device, user, result) -> int:
    series = run.series
    on = timezone.localdate(series.last_received_at)
    head = {k: v for k, v in result.to_dict().items() if k not in ("measurements", "errors", "inputs")}
    n = 0
    for m in result.measurements:
        md = m.to_dict()  # JSON-clean: numpy scalars unwrapped, NaN dropped
        if isinstance(md.get("value"), bool) or not isinstance(md.get("value"), (int, float)):
            continue
        prov = md.get("provenance") or {}
        Measurement.objects.create(
            supersedes=_earlier(device, series.series_instance_uid, m),
            department_id=device.department_id,
            device=device,
            recorded_by=user,
            performed_on=on,
            item=m.item[:40],
            metric=m.metric[:60],
            value=float(md["value"]),
            unit=(m.unit or "")[:20],
            test_type=m.test_type or "",
            method=(m.method or "")[:60],
            conditions={"dicom_series": series.series_instance_uid, "analysis_run": run.pk, **(md.get("details") or {})},
            source=Measurement.Source.ANALYSIS,
            result={**head, "measurements": [md], "errors": []},
            sop_instance_uids=list(prov.get("sop_instance_uids") or []),
        )
        n += 1
    return n

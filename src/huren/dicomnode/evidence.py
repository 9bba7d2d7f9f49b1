"""Hand the measurements of an analysed series to the evidence store of its device.

Each numeric measurement becomes one :class:`huren.evidence.models.Measurement` (source
"image analysis"), carrying a one-measurement ``huren.result/1`` document (its provenance,
ROIs and verdict as the analysis judged it) and the SOP Instance UIDs it came from. A
re-analysis of the same series supersedes the earlier runs' measurements of each quantity,
figure for figure in the order the analysis gave them; the figures of one run never
supersede each other (an ACR run's six lengths are six current figures, each judged).
Each figure is dated by the images' acquisition date (:func:`huren.dicomnode.dates.acquired`),
not by the day the series arrived.
Evidence needs a person who recorded it; for automatic intake that is the inactive
system account ``dicom-intake``, which cannot log in.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model

from huren.accounts.audit import acting_as
from huren.evidence.models import Measurement

from .dates import acquired_on

SYSTEM_USERNAME = "dicom-intake"


def system_user():
    User = get_user_model()
    user, created = User.objects.get_or_create(
        username=SYSTEM_USERNAME, defaults={"is_active": False, "first_name": "DICOM", "last_name": "intake"})
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def _earlier_figures(device, series_uid: str, run_pk: int) -> dict[tuple, list]:
    """The current measurements earlier analyses of the same series made, by quantity
    (item, metric, method), oldest first: a re-analysis corrects them (evidence is
    append-only: the old rows stay). The run's own figures are never among them."""
    out: dict[tuple, list] = {}
    rows = (Measurement.objects.current()
            .filter(device=device, source=Measurement.Source.ANALYSIS, conditions__dicom_series=series_uid)
            .exclude(conditions__analysis_run=run_pk).order_by("recorded_at", "id"))
    for m in rows:
        out.setdefault((m.item, m.metric, m.method), []).append(m)
    return out


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
    on, date_source = acquired_on(series)
    head = {k: v for k, v in result.to_dict().items() if k not in ("measurements", "errors", "inputs")}
    earlier = _earlier_figures(device, series.series_instance_uid, run.pk)
    n = 0
    for m in result.measurements:
        md = m.to_dict()  # JSON-clean: numpy scalars unwrapped, NaN dropped
        if isinstance(md.get("value"), bool) or not isinstance(md.get("value"), (int, float)):
            continue
        prov = md.get("provenance") or {}
        key = (m.item[:40], m.metric[:60], (m.method or "")[:60])
        olds = earlier.get(key) or []
        Measurement.objects.create(
            supersedes=olds.pop(0) if olds else None,
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
            conditions={"dicom_series": series.series_instance_uid, "analysis_run": run.pk, "date_source": date_source,
                        **(md.get("details") or {})},
            source=Measurement.Source.ANALYSIS,
            result={**head, "measurements": [md], "errors": []},
            sop_instance_uids=list(prov.get("sop_instance_uids") or []),
        )
        n += 1
    return n

"""The hospital dashboard and the QC centre's overview of every institution and device."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.shortcuts import redirect, render

from huren.accounts.roles import is_centre_user
from huren.registry.models import MODALITIES, Device, Institution
from huren.web.overview import device_rows
from huren.web.templatetags.huren_web import STATUS_LABELS


def _devices(user):
    return (Device.objects.for_user(user).filter(active=True)
            .select_related("department__institution", "room").order_by("department__institution__name", "modality", "name"))


def search_devices(devices, q: str):
    """The devices whose name, serial number (nameplate or header), maker, model, station or
    room contains ``q`` (the queryset is already scoped to the user)."""
    q = q.strip()
    if not q:
        return devices
    return devices.filter(Q(name__icontains=q) | Q(serial_number__icontains=q) | Q(device_serial_number__icontains=q)
                          | Q(manufacturer__icontains=q) | Q(model_name__icontains=q) | Q(station_name__icontains=q)
                          | Q(room__name__icontains=q))


@login_required
def home(request):
    if is_centre_user(request.user) and not request.GET.get("hospital"):
        return redirect("web:qc_overview")
    rows = device_rows(_devices(request.user))
    q = request.GET.get("q", "").strip()
    shown = rows
    if q:
        found = set(search_devices(_devices(request.user), q).values_list("pk", flat=True))
        shown = [r for r in rows if r.device.pk in found]
    return render(request, "web/home.html", {
        "nav": "home",
        "rows": rows, "shown": shown, "q": q,
        "n_failing": sum(len(r.failing) for r in rows),
        "n_overdue": sum(len(r.overdue) for r in rows),
        "missing_logs": [r for r in rows if r.missing_log_today],
        "n_qualified": sum(1 for r in rows if r.status.status == "qualified"),
    })


@login_required
def qc_overview(request):
    if not is_centre_user(request.user):
        raise PermissionDenied
    devices = _devices(request.user)
    institutions = Institution.objects.for_user(request.user).filter(kind=Institution.Kind.HOSPITAL)
    f = {k: request.GET.get(k, "") for k in ("institution", "modality", "status", "q")}
    if f["institution"].isdigit():
        devices = devices.filter(department__institution_id=int(f["institution"]))
    if f["modality"] in dict(MODALITIES):
        devices = devices.filter(modality=f["modality"])
    devices = search_devices(devices, f["q"])
    rows = device_rows(devices)
    if f["status"] in STATUS_LABELS:
        rows = [r for r in rows if r.status.status == f["status"]]
    by_inst: dict = {}
    for r in rows:
        s = by_inst.setdefault(r.device.department.institution, {"devices": 0, "qualified": 0, "failing": 0, "overdue": 0, "no_log": 0})
        s["devices"] += 1
        s["qualified"] += r.status.status == "qualified"
        s["failing"] += len(r.failing)
        s["overdue"] += len(r.overdue)
        s["no_log"] += r.missing_log_today
    return render(request, "web/qc_overview.html", {
        "nav": "qc", "rows": rows, "by_inst": by_inst, "f": f, "institutions": institutions,
        "modalities": MODALITIES, "statuses": list(STATUS_LABELS.items()),
    })

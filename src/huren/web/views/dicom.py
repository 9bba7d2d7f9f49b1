"""Received DICOM: the list of series with their analysis state, one series, upload, retry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.accounts import audit
from huren.accounts.roles import is_centre_user
from huren.dicomnode import pictures
from huren.dicomnode.matching import assign_device
from huren.dicomnode.models import DicomSeries
from huren.dicomnode.scope import series_for_user
from huren.dicomnode.storage import store_upload
from huren.dicomnode.tasks import request_analysis
from huren.web.forms_dicom import AssignDeviceForm, DicomUploadForm
from huren.web.i18n import bilingual


@login_required
def dicom_list(request):
    qs = series_for_user(request.user)
    status = request.GET.get("status", "")
    if status in DicomSeries.Status.values:
        qs = qs.filter(status=status)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(device__name__icontains=q) | Q(station_name__icontains=q) | Q(description__icontains=q)
                       | Q(device_serial__icontains=q) | Q(device__serial_number__icontains=q))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/dicom_list.html", {
        "nav": "dicom", "page": page, "status": status, "statuses": DicomSeries.Status.choices, "q": q,
        "upload_form": DicomUploadForm(user=request.user),
    })


@login_required
def dicom_series(request, pk: int):
    series = get_object_or_404(series_for_user(request.user), pk=pk)
    runs = series.runs.all()[:20]
    latest = runs[0] if runs else None
    measurements = (latest.result or {}).get("measurements", []) if latest and latest.result else []
    # the pictures with the ROIs, each beside the figures it shows (drawn once per run, in the worker)
    pics = pictures.for_page(latest)
    groups, gallery = pictures.assign(measurements, pics.names if pics else [])
    return render(request, "web/dicom_series.html", {
        "nav": "dicom", "series": series, "runs": runs, "latest": latest,
        "objects": series.dicom_objects.all()[:500],
        "measurements": measurements, "groups": groups, "gallery": gallery, "pictures": pics,
        "errors": (latest.result or {}).get("errors", []) if latest and latest.result else [],
        "assign_form": AssignDeviceForm(user=request.user) if series.device_id is None and is_centre_user(request.user) else None,
    })


@login_required
@require_POST
def dicom_retry(request, pk: int):
    series = get_object_or_404(series_for_user(request.user), pk=pk)
    if not series.can_request_analysis:
        messages.warning(request, _("An analysis of this series is already queued or running."))
    else:
        run = request_analysis(series, user=request.user)
        audit.record_action(series, f"analysis requested (run {run.pk})", user=request.user)
        messages.success(request, _("The analysis has been queued."))
    return redirect("web:dicom_series", pk=series.pk)


@login_required
@require_POST
def dicom_assign(request, pk: int):
    """The QC centre files a series no registered device claimed under one of its devices."""
    if not is_centre_user(request.user):
        raise PermissionDenied
    series = get_object_or_404(series_for_user(request.user), pk=pk, device__isnull=True)
    form = AssignDeviceForm(request.POST, user=request.user)
    if form.is_valid():
        assign_device(series, form.cleaned_data["device"])
        audit.record_action(series, "assigned to a device", {"device": [None, series.device_id]}, user=request.user)
        messages.success(request, _("The series is now filed under %(device)s.") % {"device": series.device})
    else:
        for errs in form.errors.values():
            for m in errs:
                messages.error(request, m)
    return redirect("web:dicom_series", pk=series.pk)


@login_required
def dicom_upload(request):
    form = DicomUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        stored, problems, batches = [], [], []
        for f in form.cleaned_data["files"]:
            s, p, b = store_upload(f, user=request.user, device=form.cleaned_data.get("device"), allow_background=True,
                                   kerma=form.cleaned_data.get("kerma"))
            stored, problems, batches = stored + s, problems + p, batches + ([b] if b else [])
        for name, zh, en in problems:
            messages.warning(request, f"{name}: {bilingual(zh, en)}")
        if batches:  # a large zip is stored in the background: its page shows the progress
            return redirect("dicomnode:upload_batch", pk=batches[0].pk)
        ok = [s for s in stored if s.series is not None]
        if ok:
            messages.success(request, _("%(n)d DICOM objects stored in %(s)d series.") % {
                "n": len(ok), "s": len({s.series.pk for s in ok})})
            if len({s.series.pk for s in ok}) == 1:
                return redirect("web:dicom_series", pk=ok[0].series.pk)
        return redirect("web:dicom_list")
    return render(request, "web/dicom_upload.html", {"nav": "dicom", "form": form})

"""Received DICOM: the list of series with their analysis state, one series, upload, retry."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.dicomnode.models import DicomSeries
from huren.dicomnode.scope import series_for_user
from huren.dicomnode.storage import StorageError, store_upload
from huren.dicomnode.tasks import request_analysis
from huren.web.forms_dicom import DicomUploadForm
from huren.web.i18n import bilingual


@login_required
def dicom_list(request):
    qs = series_for_user(request.user)
    status = request.GET.get("status", "")
    if status in DicomSeries.Status.values:
        qs = qs.filter(status=status)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(request, "web/dicom_list.html", {
        "nav": "dicom", "page": page, "status": status, "statuses": DicomSeries.Status.choices,
        "upload_form": DicomUploadForm(user=request.user),
    })


@login_required
def dicom_series(request, pk: int):
    series = get_object_or_404(series_for_user(request.user), pk=pk)
    runs = series.runs.all()[:20]
    latest = runs[0] if runs else None
    return render(request, "web/dicom_series.html", {
        "nav": "dicom", "series": series, "runs": runs, "latest": latest,
        "objects": series.dicom_objects.all()[:500],
        "measurements": (latest.result or {}).get("measurements", []) if latest and latest.result else [],
        "errors": (latest.result or {}).get("errors", []) if latest and latest.result else [],
    })


@login_required
@require_POST
def dicom_retry(request, pk: int):
    series = get_object_or_404(series_for_user(request.user), pk=pk)
    if series.status in (DicomSeries.Status.QUEUED, DicomSeries.Status.RUNNING):
        messages.warning(request, _("An analysis of this series is already queued or running."))
    else:
        request_analysis(series, user=request.user)
        messages.success(request, _("The analysis has been queued."))
    return redirect("web:dicom_series", pk=series.pk)


@login_required
def dicom_upload(request):
    form = DicomUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        stored, problems = [], []
        try:
            for f in form.cleaned_data["files"]:
                s, p = store_upload(f, user=request.user, device=form.cleaned_data.get("device"))
                stored += s
                problems += p
        except StorageError as e:
            messages.error(request, bilingual(e.reason_zh, e.reason_en))
        for name, zh, en in problems:
            messages.warning(request, f"{name}: {bilingual(zh, en)}")
        ok = [s for s in stored if s.series is not None]
        if ok:
            messages.success(request, _("%(n)d DICOM objects stored in %(s)d series.") % {
                "n": len(ok), "s": len({s.series.pk for s in ok})})
            if len({s.series.pk for s in ok}) == 1:
                return redirect("web:dicom_series", pk=ok[0].series.pk)
        return redirect("web:dicom_list")
    return render(request, "web/dicom_upload.html", {"nav": "dicom", "form": form})

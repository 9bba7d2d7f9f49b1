"""The DICOM node's own pages and actions: the queue of held series (confirm / reject), the
detector air kerma of DR images, and the progress of a large upload stored in the background.
The series list and series pages (``huren.web``) include these through the template tags of
``dicomnode_tags``."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.accounts import audit
from huren.web.i18n import bilingual

from .kerma import DR_MODALITIES, parse_kerma
from . import pictures
from .models import AnalysisRun, DicomObject, DicomSeries, UploadBatch
from .scope import series_for_user
from .trust import confirm, may_confirm


@login_required
@require_POST
def held_answer(request, pk: int):
    """Confirm a held series as phantom QC evidence (it is analysed and recorded) or reject it."""
    series = get_object_or_404(series_for_user(request.user), pk=pk)
    if not may_confirm(request.user):
        raise PermissionDenied
    answer = request.POST.get("answer")
    if series.status != DicomSeries.Status.HELD or answer not in ("confirm", "reject"):
        messages.warning(request, _("This series is not waiting for a confirmation."))
        return redirect("web:dicom_series", pk=series.pk)
    confirm(series, request.user, accept=answer == "confirm", note=(request.POST.get("note") or "")[:200])
    if answer == "confirm":
        messages.success(request, _("Confirmed as a phantom QC series: the analysis has been queued."))
    else:
        messages.success(request, _("Rejected: the series will not be analysed."))
    return redirect("web:dicom_series", pk=series.pk)


@login_required
@require_POST
def series_kerma(request, pk: int):
    """Each DR image's measured detector air kerma (µGy); blank clears. Then re-analysed."""
    series = get_object_or_404(series_for_user(request.user), pk=pk)
    if series.modality not in DR_MODALITIES:
        raise PermissionDenied
    objs = list(series.dicom_objects.exclude(status=DicomObject.Status.INVALID))
    values, bad = {}, []
    for o in objs:
        v, err = parse_kerma(request.POST.get(f"kerma-{o.pk}", ""))
        if err:
            bad.append(f"{o.original_name or o.sop_instance_uid}: {bilingual(*err)}")
        values[o.pk] = v
    if bad:
        for b in bad:
            messages.error(request, b)
        return redirect("web:dicom_series", pk=series.pk)
    changed = 0
    for o in objs:
        if values[o.pk] != o.kerma_ugy:
            old = o.kerma_ugy
            o.kerma_ugy, o.kerma_source = values[o.pk], ("user" if values[o.pk] is not None else "")
            o.save(update_fields=["kerma_ugy", "kerma_source"])
            audit.record_action(series, f"detector air kerma of object {o.pk} set", {"kerma_ugy": [old, o.kerma_ugy]},
                                user=request.user)
            changed += 1
    messages.success(request, _("Kerma saved for %(n)d images.") % {"n": changed})
    if changed and request.POST.get("analyse") and series.can_request_analysis:
        from .tasks import request_analysis

        run = request_analysis(series, user=request.user)
        audit.record_action(series, f"analysis requested (run {run.pk}) after kerma entry", user=request.user)
        messages.success(request, _("The analysis has been queued."))
    return redirect("web:dicom_series", pk=series.pk)


def _batches_for(user):
    from huren.accounts.roles import is_centre_user

    qs = UploadBatch.objects.all()
    return qs if is_centre_user(user) else qs.filter(uploaded_by=user)


@login_required
def upload_batch(request, pk: int):
    """The progress of a large upload (the page refreshes itself until it is done)."""
    batch = get_object_or_404(_batches_for(request.user), pk=pk)
    series = series_for_user(request.user).filter(pk__in=batch.series_ids or [])
    return render(request, "dicomnode/upload_batch.html", {"nav": "dicom", "batch": batch, "series": series})


@login_required
def run_picture(request, pk: int, name: str):
    """One picture with the ROIs of an analysis run of a series the user may see (another
    hospital's run is 404); a picture no longer on disk is a 404 that says so. ``?size=preview``:
    the smaller copy the series page shows beside the figures."""
    run = get_object_or_404(AnalysisRun.objects.select_related("series"), pk=pk, series__in=series_for_user(request.user))
    preview = request.GET.get("size") == "preview"
    path = pictures.preview_path(run, name) if preview else pictures.picture_path(run, name)
    if path is None:
        return render(request, "reports/message.html", {
            "zh": "该图片已不在服务器上（图片缓存被清理，或这次分析的图片已重新绘制）；请重新打开序列页面。",
            "en": "this picture is no longer on the server (the picture store was cleared, or the pictures of the "
                  "analysis were drawn again): open the series page again."}, status=404)
    r = FileResponse(path.open("rb"), content_type="image/jpeg" if path.suffix == ".jpg" else "image/png")
    r["Cache-Control"] = "private, max-age=86400"  # a run's pictures never change (a new run is a new URL)
    return r

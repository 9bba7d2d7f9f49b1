"""A device: every catalog item of its modality with its verdict, latest evidence and
history, and the forms that record evidence for it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.paginator import Paginator
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from huren.assessment.models import Assessment
from huren.assessment.status import device_status
from huren.assessment.verdicts import device_verdicts
from huren.registry.models import Device
from huren.assessment.verdicts import current_catalog
from huren.web.evidence_view import KIND_LABELS, evidence_history, latest_evidence
from huren.web.i18n import is_chinese
from huren.web.forms import EVIDENCE_FORMS


def scoped_device(user, pk: int) -> Device:
    """The device, if ``user`` may see it; 404 otherwise (not 403: do not confirm it exists)."""
    return get_object_or_404(Device.objects.for_user(user).select_related("department__institution", "room"), pk=pk)


@login_required
def device_page(request, pk: int):
    device = scoped_device(request.user, pk)
    verdicts = device_verdicts(device)
    status = device_status(device, verdicts=verdicts)
    latest = latest_evidence(verdicts)
    sections: dict[str, list] = {}
    for v in verdicts:
        sections.setdefault(v.section, []).append((v, latest.get(v.item)))
    return render(request, "web/device.html", {
        "nav": "home", "device": device, "status": status, "sections": sections,
        "history": evidence_history(device, limit=30),
        "assessments": Assessment.objects.filter(device=device).select_related("decision")[:10],
        "series": device.dicom_series.all()[:10],
    })


@login_required
def item_page(request, pk: int, item: str):
    device = scoped_device(request.user, pk)
    catalog = current_catalog()
    if item not in catalog or catalog[item].modality != device.modality:
        raise Http404
    verdict = next(v for v in device_verdicts(device, catalog=catalog) if v.item == item)
    return render(request, "web/device_item.html", {
        "nav": "home", "device": device, "item": catalog[item], "verdict": verdict,
        "history": evidence_history(device, item=catalog[item], limit=200),
    })


def _record(request, pk: int, kind: str, template_title: str):
    device = scoped_device(request.user, pk)
    Form = EVIDENCE_FORMS[kind]
    initial = {"item": request.GET["item"]} if request.GET.get("item") else {}
    corrects = None
    if request.GET.get("supersedes", "").isdigit():
        # A correction: the form starts from the record it replaces (evidence is append-only).
        corrects = get_object_or_404(Form.serializer_class.Meta.model.objects.for_user(request.user).for_device(device),
                                     pk=int(request.GET["supersedes"]))
        initial = Form.initial_from(corrects)
    form = Form(request.POST or None, request.FILES or None, device=device, request=request, initial=initial)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Recorded."))
        return redirect("web:device", pk=device.pk)
    return render(request, "web/record.html", {"nav": "home", "device": device, "form": form, "title": template_title,
                                               "corrects": corrects, "already": _already_logged(kind, device, form, corrects)})


def _already_logged(kind: str, device, form, corrects):
    """For a daily log: the day's current entry of this device, if there is one (its correction is linked)."""
    if kind != "log" or corrects is not None:
        return None
    from huren.evidence.models import DailyLog

    day = (form.cleaned_data.get("performed_on") if form.is_bound and hasattr(form, "cleaned_data") else None) \
        or timezone.localdate()
    rec = DailyLog.objects.current().filter(device=device, performed_on=day).order_by("-recorded_at").first()
    if rec is None:
        return None
    return {"date": day, "url": reverse("web:record_log", args=[device.pk]) + f"?supersedes={rec.pk}"}


@login_required
def record_log(request, pk: int):
    return _record(request, pk, "log", _("Record a daily log"))


@login_required
def record_measurement(request, pk: int):
    return _record(request, pk, "measurement", _("Record a measurement"))


@login_required
def record_checklist(request, pk: int):
    return _record(request, pk, "checklist", _("Record a checklist answer"))


@login_required
def record_document(request, pk: int):
    return _record(request, pk, "document", _("Upload a document"))


HISTORY_PAGE = 50
HISTORY_MAX = 5000  # records read for one history listing (newest first)


@login_required
def device_history(request, pk: int):
    """A device's whole history, filtered by item, kind and date range, a page at a time."""
    device = scoped_device(request.user, pk)
    catalog = current_catalog()
    f = {k: request.GET.get(k, "").strip() for k in ("item", "kind", "since", "until")}
    item = catalog[f["item"]] if f["item"] in catalog and catalog[f["item"]].modality == device.modality else None
    day = {}
    for k in ("since", "until"):
        try:
            day[k] = dt.date.fromisoformat(f[k]) if f[k] else None
        except ValueError:
            day[k] = None
            messages.error(request, "日期格式应为 YYYY-MM-DD / a date is written YYYY-MM-DD")
    kinds = {f["kind"]} if f["kind"] in KIND_LABELS else None
    entries = evidence_history(device, item=item, limit=HISTORY_MAX, kinds=kinds, since=day["since"], until=day["until"])
    page = Paginator(entries, HISTORY_PAGE).get_page(request.GET.get("page"))
    return render(request, "web/device_history.html", {
        "nav": "home", "device": device, "page": page, "f": f, "kinds": list(KIND_LABELS.items()),
        "items": [(i.id, i.title_zh if is_chinese() else (i.title_en or i.title_zh)) for i in catalog.for_modality(device.modality)],
    })


# Files that open in the browser (the rest is downloaded under its original name).
INLINE = {".pdf": "application/pdf", ".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
          ".gif": "image/gif", ".txt": "text/plain; charset=utf-8"}


@login_required
def evidence_file(request, kind: str, pk: int):
    """The stored file of a document or of a checklist answer's attachment the user may see
    (another hospital's is 404): PDFs, pictures and text open in the browser, other files are
    downloaded under their original name."""
    from pathlib import PurePath

    from django.http import FileResponse

    from huren.evidence.models import ChecklistAnswer, Document
    from huren.reports.views import message

    model, field = {"document": (Document, "file"), "check": (ChecklistAnswer, "attachment")}.get(kind, (None, None))
    if model is None:
        raise Http404
    record = get_object_or_404(model.objects.for_user(request.user), pk=pk)
    f = getattr(record, field)
    if not f:
        raise Http404
    try:
        handle = f.open("rb")
    except OSError:
        return message(request, "该文件已不在存储中（存储被清理或移动）；请联系质控中心管理员。",
                       "the file is no longer in storage (the store was cleared or moved): ask the QC-centre administrator.",
                       status=404)
    ext = PurePath(f.name).suffix.lower()
    name = PurePath((getattr(record, "original_name", "") or f.name).replace("\\", "/")).name
    inline = ext in INLINE
    r = FileResponse(handle, as_attachment=not inline, filename=name,
                     content_type=INLINE.get(ext, "application/octet-stream"))
    r["X-Content-Type-Options"] = "nosniff"
    return r

"""Report, export, chart, reminder and notification pages. Every object is found through
``for_user`` (another institution's device, assessment or decision is 404); bad input and
empty selections get a message page in Chinese and English, never a traceback."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.accounts import audit
from huren.accounts.roles import is_centre_user
from huren.assessment.models import Assessment, Decision
from huren.dicomnode.models import AnalysisRun
from huren.dicomnode.scope import series_for_user
from huren.registry.models import Device, Institution
from huren.reports import documents, xlsx
from huren.reports.charts import device_charts
from huren.reports.models import Notification
from huren.reports.pdf import PdfUnavailable
from huren.reports.reminders import reminders_for
from huren.reports.svgchart import render_svg
from huren.web.overview import device_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def message(request, zh: str, en: str, status: int = 200):
    return render(request, "reports/message.html", {"zh": zh, "en": en}, status=status)


def _file(data: bytes, name: str, content_type: str) -> HttpResponse:
    r = HttpResponse(data, content_type=content_type)
    r["Content-Disposition"] = f'attachment; filename="{name}"'
    return r


def _pdf(request, build, name: str):
    try:
        data = build()
    except PdfUnavailable as e:
        return message(request, e.reason_zh, e.reason_en, status=503)
    r = _file(data, name, "application/pdf")
    r["Content-Disposition"] = f'inline; filename="{name}"'
    return r


def _device(user, pk: int) -> Device:
    return get_object_or_404(Device.objects.for_user(user).select_related("department__institution"), pk=pk)


def _dates(request, default_days: int = 365):
    """``start`` and ``end`` from the query (YYYY-MM-DD); (None, None, message) when unreadable."""
    today = timezone.localdate()
    try:
        end = dt.date.fromisoformat(request.GET["end"]) if request.GET.get("end") else today
        start = dt.date.fromisoformat(request.GET["start"]) if request.GET.get("start") else end - dt.timedelta(days=default_days)
    except ValueError:
        return None, None, ("日期格式应为 YYYY-MM-DD", "dates must be written YYYY-MM-DD")
    if start > end:
        return None, None, (f"开始日期 {start} 晚于结束日期 {end}", f"the start {start} is after the end {end}")
    return start, end, None


@login_required
def assessment_pdf(request, pk: int):
    a = get_object_or_404(Assessment.objects.for_user(request.user).select_related(
        "device__department__institution", "created_by__profile", "submitted_by__profile"), pk=pk)
    audit.record_action(a, "assessment report printed", user=request.user)
    return _pdf(request, lambda: documents.assessment_pdf(a), f"assessment-{a.pk}.pdf")


@login_required
def certificate_pdf(request, pk: int):
    d = get_object_or_404(Decision.objects.for_user(request.user).select_related("device__department__institution", "decided_by"), pk=pk)
    if d.outcome == Decision.Outcome.NOT_QUALIFIED:
        return message(request, "该评估结论为“不合格”，不出具互认资格证书。",
                       "the decision is 'not qualified': no certificate is issued.", status=409)
    audit.record_action(d, "certificate printed", user=request.user)
    return _pdf(request, lambda: documents.certificate_pdf(d), f"certificate-{d.pk}.pdf")


@login_required
def run_pdf(request, pk: int):
    run = get_object_or_404(AnalysisRun.objects.select_related("series__device__department__institution"),
                            pk=pk, series__in=series_for_user(request.user))
    if not run.result:
        return message(request, f"该分析没有结果（{run.get_status_display()}）：{run.error_zh or '尚未完成'}",
                       f"this analysis has no result ({run.status}): {run.error_en or 'not finished'}", status=409)
    from huren.dicomnode import pictures
    from huren.reports.pdf.qcrun import qc_run_pdf

    def build():
        dev = run.series.device
        # the pictures kept for the run (drawn now, once, if they are missing: the series page shows the same)
        return qc_run_pdf(run.result, pictures.paths_for(run), institution=str(dev.department.institution) if dev else "",
                          device_name=dev.name if dev else "", prepared_by=str(request.user),
                          performed_on=str(timezone.localtime(run.finished_at or run.queued_at).date()))

    return _pdf(request, build, f"qc-run-{run.pk}.pdf")


@login_required
def device_evidence_xlsx(request, pk: int):
    device = _device(request.user, pk)
    start, end, err = _dates(request)
    if err:
        return message(request, *err, status=400)
    return _file(xlsx.device_evidence(device, start, end), f"evidence-{device.pk}-{start}-{end}.xlsx", XLSX)


def _rows(user, **filters):
    devices = (Device.objects.for_user(user).filter(active=True, **filters)
               .select_related("department__institution", "room").order_by("department__institution__name", "modality", "name"))
    return device_rows(devices)


@login_required
def institution_xlsx(request, pk: int):
    inst = get_object_or_404(Institution.objects.for_user(request.user), pk=pk)
    return _file(xlsx.status_export(_rows(request.user, department__institution=inst), inst.name), f"status-{inst.pk}.xlsx", XLSX)


def _centre(request):
    if not is_centre_user(request.user):
        raise PermissionDenied


@login_required
def overview_xlsx(request):
    _centre(request)
    return _file(xlsx.status_export(_rows(request.user), _("QC centre overview")), "overview.xlsx", XLSX)


@login_required
def qualified_xlsx(request):
    _centre(request)
    return _file(xlsx.qualified_export(_rows(request.user)), "qualified-devices.xlsx", XLSX)


@login_required
def device_charts_page(request, pk: int):
    device = _device(request.user, pk)
    start, end, err = _dates(request, default_days=365 * 5)
    if err:
        return message(request, *err, status=400)
    charts = device_charts(device, start=start, end=end)
    return render(request, "reports/charts.html", {
        "nav": "home", "device": device, "start": start, "end": end,
        "charts": [(c, mark_safe(render_svg(c)), _rule_summary(c)) for c in charts],  # noqa: S308 (escaped in render_svg)
    })


def _rule_summary(c) -> list[tuple]:
    """Each rule that fired: how often and the date of the last point that completed it."""
    out: dict = {}
    for v in (c.analysis.violations if c.analysis else []):
        n, _last = out.get(v.rule.id, (0, None))
        out[v.rule.id] = (n + 1, c.points[v.points[-1]][0].isoformat())
    rules = {v.rule.id: v.rule for v in c.analysis.violations} if c.analysis else {}
    return [(rules[k], n, last) for k, (n, last) in out.items()]


@login_required
def reminders_page(request):
    """Every institution's reminders (the QC centre) or one's own (a hospital user)."""
    devices = (Device.objects.for_user(request.user).filter(active=True)
               .select_related("department__institution").order_by("department__institution__name", "name"))
    groups = [g for g in reminders_for(devices) if g.items]
    return render(request, "reports/reminders_page.html", {"nav": "home", "groups": groups})


@login_required
def notifications(request):
    qs = Notification.objects.filter(user=request.user).select_related("device")
    return render(request, "reports/notifications.html", {"nav": "home", "items": qs[:300], "unread": qs.filter(read_at__isnull=True).count()})


@require_POST
@login_required
def notifications_read(request):
    from django.core.cache import cache

    from huren.reports.models import count_key

    Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
    cache.delete(count_key(request.user.pk))
    return redirect("reports:notifications")

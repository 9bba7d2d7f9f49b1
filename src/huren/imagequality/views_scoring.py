"""Pages of expert scoring: 我的评分任务, the score sheet of a sampled study, and 抽样."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpResponseForbidden
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.accounts.roles import QC_ADMIN, has_role, is_centre_user

from .models import SampleStudy, SamplingRule
from .views_admin import rule_label as _rule_label
from .sampling import SamplingError, draw_sample
from .scoring import ScoringError, criteria, grade_scale, may_score, sheet_criteria, sheet_in_force, submit
from .services import latest_evaluation


def _zh() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


@login_required
def tasks(request):
    if not is_centre_user(request.user):
        raise Http404
    entries = (SampleStudy.objects.for_user(request.user).filter(expert=request.user)
               .select_related("study__device__department__institution", "sample").order_by("-sample__period_start", "id"))
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    rules = list(SamplingRule.objects.filter(active=True).select_related("device")) if has_role(request.user, QC_ADMIN) else []
    for r in rules:
        r.label = _rule_label(r)
    rows = [(e, sheet_in_force(e)) for e in page]
    return render(request, "imagequality/score_tasks.html", {
        "nav": "iq", "rows": rows, "page": page,
        "rules": rules})


@login_required
def sheet(request, pk: int):
    entry = get_object_or_404(SampleStudy.objects.for_user(request.user).select_related("study__device"), pk=pk)
    if not may_score(request.user, entry):
        raise Http404
    study = entry.study
    scale = grade_scale()
    error = None
    if request.method == "POST":
        try:
            grades = {c.key: int(request.POST.get(f"grade_{c.key}", "")) for c in sheet_criteria(study.modality)}
            overall = int(request.POST.get("overall", ""))
        except ValueError:
            error = (_("Every criterion and the study need a grade."))
        else:
            try:
                submit(entry, request.user, grades, overall, request.POST.get("comment", ""))
            except ScoringError as e:
                error = e.zh if _zh() else e.en
            else:
                messages.success(request, _("Score sheet submitted."))
                return redirect("iq-sheet", pk=entry.pk)
    ev = latest_evaluation(study)
    checks = list(ev.checks.all()) if ev else []
    zh = _zh()
    items = {it.id: it for it in criteria(study.modality)}
    rows = []
    for cr in sheet_criteria(study.modality):
        it = items.get(cr.item)
        rows.append({"criterion": cr, "item": cr.item, "number": cr.number,
                     "title": (it.title_zh if zh else it.title_en) if it else "",
                     "text": cr.text_zh if zh else cr.text_en,
                     "checks": [c for c in checks if c.item == cr.item and (cr.checks is None or c.check_name in cr.checks)]})
    shown = {c.pk for r in rows for c in r["checks"]}
    other = [c for c in checks if c.pk not in shown]
    from .services import clinical_series
    from .viewer import presets

    preset = request.GET.get("preset") or ""
    series = [(s, list(range(min(s.dicom_objects.count(), 20))) if s.modality in ("DR", "DX", "CR") else [""])
              for s in clinical_series(study)]
    window_presets = [(k, v["zh"] if _zh() else v["en"]) for k, v in presets()["ct"].items()] if study.modality == "CT" else []
    current = sheet_in_force(entry)
    grade_names = {g["points"]: g["zh"] if zh else g["en"] for g in scale}
    return render(request, "imagequality/score_sheet.html", {
        "entry": entry, "study": study, "rows": rows, "other_checks": other, "evaluation": ev, "series": series, "preset": preset, "window_presets": window_presets,
        "scale": [(g["points"], g["zh"] if zh else g["en"]) for g in scale], "current": current,
        "current_grade": grade_names.get(current.overall, current.overall) if current else "",
        "error": error}, status=400 if error else 200)


@login_required
@require_POST
def draw(request, rule_id: int):
    if not has_role(request.user, QC_ADMIN) or not is_centre_user(request.user):
        return HttpResponseForbidden()
    rule = get_object_or_404(SamplingRule.objects.filter(active=True), pk=rule_id)
    try:
        day = dt.date.fromisoformat(request.POST.get("date") or dt.date.today().isoformat())
        draws = draw_sample(rule, day, user=request.user)
    except ValueError as e:
        messages.error(request, (e.zh if _zh() else e.en) if isinstance(e, SamplingError) else _("Invalid date."))
    else:
        messages.success(request, _("Samples drawn: %(n)d.") % {"n": sum(d.created for d in draws)})
    return redirect("iq-sampling" if request.POST.get("next") == "sampling" else "iq-tasks")


@login_required
def image(request, series_id: int):
    from django.http import HttpResponse

    from huren.dicomio.reader import DicomInputError
    from huren.accounts.scope import for_user as scoped
    from huren.dicomnode.models import DicomSeries

    from .viewer import key_image_png

    series = get_object_or_404(scoped(DicomSeries.objects.all(), request.user), pk=series_id)
    try:
        index = int(request.GET["index"]) if request.GET.get("index") else None
        data = key_image_png(series, request.GET.get("preset") or None, index)
    except (ValueError, IndexError):
        raise Http404 from None
    except DicomInputError as e:
        return HttpResponse(f"{e.reason_zh} / {e.reason_en}", status=422, content_type="text/plain; charset=utf-8")
    resp = HttpResponse(data, content_type="image/png")
    resp["Cache-Control"] = "private, max-age=3600"
    return resp

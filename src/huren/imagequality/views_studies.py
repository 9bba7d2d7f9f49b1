"""Hospital pages of the image-quality service: the studies of the user's scope with their
automatic findings (filterable, paginated) and one study with each series and its checks, with
a retry of a failed evaluation."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import OuterRef, Subquery
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.accounts import audit
from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, has_role
from huren.registry.models import Device
from huren.standard.catalog import load_catalog
from huren.studies.models import Study
from huren.web.i18n import bilingual

from .models import CheckResult, Evaluation
from .tasks import request_evaluation

RETRY_ROLES = (QC_ADMIN, EVALUATOR, HOSPITAL_MANAGER)


def _date(value: str):
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        return None


def _latest_done():
    return Evaluation.objects.filter(study=OuterRef("pk"), status=Evaluation.Status.DONE).order_by("-id")


@login_required
def study_list(request):
    qs = (Study.objects.for_user(request.user).select_related("device__department__institution")
          .annotate(iq_id=Subquery(_latest_done().values("id")[:1])))
    f = {k: request.GET.get(k, "").strip() for k in ("device", "body_part", "check", "since", "until")}
    if f["device"].isdigit():
        qs = qs.filter(device_id=int(f["device"]))
    if f["body_part"]:
        qs = qs.filter(body_part__iexact=f["body_part"])
    if f["check"]:
        qs = qs.filter(iq_id__in=CheckResult.objects.filter(check_name=f["check"], result=CheckResult.Result.FAIL)
                       .values("evaluation_id"))
    if since := _date(f["since"]):
        qs = qs.filter(study_date__gte=since)
    if until := _date(f["until"]):
        qs = qs.filter(study_date__lte=until)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    evs = Evaluation.objects.in_bulk([s.iq_id for s in page if s.iq_id])
    for s in page:
        s.iq = evs.get(s.iq_id)
    scope = Study.objects.for_user(request.user)
    return render(request, "imagequality/study_list.html", {
        "nav": "studies", "page": page, "f": f,
        "devices": Device.objects.for_user(request.user).order_by("name"),
        "body_parts": sorted(set(scope.exclude(body_part="").values_list("body_part", flat=True))),
        "checks": sorted(set(CheckResult.objects.for_user(request.user).filter(result=CheckResult.Result.FAIL)
                             .values_list("check_name", flat=True))),
    })


@login_required
def study_detail(request, pk: int):
    study = get_object_or_404(Study.objects.for_user(request.user).select_related("device__department__institution"), pk=pk)
    evaluations = list(study.iq_evaluations.all()[:20])
    shown = next((e for e in evaluations if e.status == Evaluation.Status.DONE), None)
    series = []
    if shown is not None:
        catalog = load_catalog()
        checks = list(shown.checks.all())
        for c in checks:
            item = catalog.items.get(c.item) if c.item else None
            c.item_title = bilingual(item.title_zh, item.title_en) if item else ""
        for sr in shown.series_results.all():
            series.append((sr, [c for c in checks if c.series_result_id == sr.pk]))
        study_level = [c for c in checks if c.series_result_id is None]
        if study_level:
            series.append((None, study_level))
    latest = evaluations[0] if evaluations else None
    return render(request, "imagequality/study_detail.html", {
        "nav": "studies", "study": study, "evaluations": evaluations, "shown": shown, "series": series,
        "latest": latest,
        "can_retry": latest is not None and latest.status == Evaluation.Status.FAILED and has_role(request.user, *RETRY_ROLES),
    })


@login_required
@require_POST
def study_retry(request, pk: int):
    study = get_object_or_404(Study.objects.for_user(request.user), pk=pk)
    if not has_role(request.user, *RETRY_ROLES):
        raise PermissionDenied
    latest = study.iq_evaluations.order_by("-id").first()
    if latest is None or latest.status != Evaluation.Status.FAILED:
        messages.warning(request, _("Only a failed evaluation can be retried."))
    else:
        ev = request_evaluation(study, user=request.user)
        audit.record_action(study, f"image-quality evaluation requested again (evaluation {ev.pk})", user=request.user)
        messages.success(request, _("The evaluation has been queued again."))
    return redirect("imagequality:study", pk=study.pk)

"""Recognition pages: the receiving doctor's desk (find a study, see the answer, record
accept / not accept, print the patient's explanation), the QC centre's report of the
decisions, manual actions on a device, the public verification page (no login) with its QR
code, and the published list of qualified devices (page and XLSX)."""

from __future__ import annotations

import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from huren.accounts.roles import EVALUATOR, QC_ADMIN, has_role
from huren.recognition import services as R
from huren.recognition.models import ClinicianDecision, RecognitionQuery, ReExamReason
from huren.recognition.reasons import active_reasons
from huren.registry.models import Device
from huren.web.i18n import bilingual


def _error_text(e: R.RecognitionInputError) -> str:
    return f"{e.zh} / {e.en}"


@login_required
def desk(request):
    """Find a study by accession number, Study Instance UID or patient ID; show the answer."""
    q = {k: (request.GET.get(k) or "").strip() for k in ("accession_number", "study_instance_uid", "patient_id")}
    ctx = {"nav": "recognition", "q": q, "answer": None, "query": None, "studies": None, "error": None,
           "reasons": active_reasons()}
    try:
        if q["study_instance_uid"] or q["accession_number"]:
            kind = "study_uid" if q["study_instance_uid"] else "accession"
            asked = {"study_instance_uid": q["study_instance_uid"], "accession_number": q["accession_number"]}
            try:
                ans = R.recognise_study(study_instance_uid=q["study_instance_uid"] or None,
                                        accession_number=q["accession_number"] or None)
            except R.RecognitionInputError as e:
                R.log_query(request.user, kind, asked, error=e)
                raise
            ctx["query"] = R.log_query(request.user, kind, asked, ans)
            ctx["answer"] = ans
        elif q["patient_id"]:
            ctx["studies"] = R.studies_of_patient(q["patient_id"])
            R.log_query(request.user, "patient", {"patient": "（已哈希 / hashed）", "found": len(ctx["studies"])},
                        R.Answer(bool(ctx["studies"]), None, None, None,
                                 [(f"找到 {len(ctx['studies'])} 个检查", f"{len(ctx['studies'])} studies found")]))
    except R.RecognitionInputError as e:
        ctx["error"] = _error_text(e)
    return render(request, "recognition/desk.html", ctx)


@login_required
@require_POST
def decide(request):
    from huren.recognition.decisions import record

    uid = request.POST.get("study_instance_uid", "")
    reason = ReExamReason.objects.filter(code=request.POST.get("reason", ""), active=True).first()
    accepted = request.POST.get("accepted") == "yes"
    try:
        d = record(request.user, study_instance_uid=uid, accepted=accepted, reason=reason,
                   note=request.POST.get("note", "")[:2000], exam_code=request.POST.get("exam_code", ""))
    except (R.RecognitionInputError, ValidationError, PermissionDenied) as e:
        msg = _error_text(e) if isinstance(e, R.RecognitionInputError) else (
            "；".join(sum(e.message_dict.values(), [])) if isinstance(e, ValidationError) and hasattr(e, "message_dict")
            else str(e))
        messages.error(request, msg)
        return redirect(f"{request.build_absolute_uri('/recognition/')}?study_instance_uid={uid}")
    messages.success(request, bilingual("已记录接诊决定", "decision recorded"))
    return redirect("recognition:explain", pk=d.query_id)


@login_required
def explain(request, pk: int):
    """A one-page explanation for the patient (print stylesheet), from the logged answer."""
    query = get_object_or_404(RecognitionQuery.objects.for_user(request.user), pk=pk)
    decision = ClinicianDecision.objects.for_user(request.user).filter(query=query).select_related("reason").first()
    return render(request, "recognition/explain.html", {"query": query, "decision": decision,
                                                         "device": query.device, "today": timezone.localdate()})


@login_required
def rates(request):
    from huren.recognition.decisions import acceptance_rates

    qs = ClinicianDecision.objects.for_user(request.user)
    return render(request, "recognition/rates.html", {"nav": "recognition", "rates": acceptance_rates(qs),
                                                       "recent": qs.select_related("origin", "reason")[:50]})


@login_required
@require_POST
def device_action(request, pk: int):
    from huren.recognition.actions import act

    device = get_object_or_404(Device.objects.for_user(request.user), pk=pk)
    try:
        act(device, request.user, request.POST.get("action", ""), request.POST.get("reason", ""))
        messages.success(request, bilingual("已记录", "recorded"))
    except ValidationError as e:
        messages.error(request, "；".join(sum(e.message_dict.values(), [])))
    except PermissionDenied as e:
        messages.error(request, str(e))
    return redirect("web:device", pk=device.pk)


@login_required
def reasons_page(request):
    """The QC centre edits the re-examination reasons (others read them)."""
    may_edit = has_role(request.user, QC_ADMIN, EVALUATOR)
    if request.method == "POST":
        if not may_edit:
            raise PermissionDenied
        code = (request.POST.get("code") or "").strip()
        zh, en = (request.POST.get("label_zh") or "").strip(), (request.POST.get("label_en") or "").strip()
        from django.utils.text import slugify

        if not slugify(code) or not zh or not en:
            messages.error(request, "请填写代码、中文和英文 / give a code, a Chinese and an English label")
        else:
            r, _ = ReExamReason.objects.get_or_create(code=slugify(code), defaults={"label_zh": zh, "label_en": en})
            r.label_zh, r.label_en, r.active = zh, en, request.POST.get("active") == "on"
            r.save()
            messages.success(request, bilingual("已保存", "saved"))
        return redirect("recognition:reasons")
    active_reasons()
    return render(request, "recognition/reasons.html", {"nav": "recognition", "reasons": ReExamReason.objects.all(),
                                                         "may_edit": may_edit})


# ---------------------------------------------------------------- public, no login
def verify(request, code: str):
    from huren.recognition.verification import decision_for_code, public_facts

    d = decision_for_code(code)
    if d is None:
        return render(request, "recognition/verify.html", {"facts": None, "code": code}, status=404)
    return render(request, "recognition/verify.html", {"facts": public_facts(d), "code": code})


def verify_qr(request, code: str, fmt: str):
    from huren.recognition.verification import decision_for_code, qr_png, qr_svg

    d = decision_for_code(code)
    if d is None:
        raise Http404
    if fmt == "svg":
        return HttpResponse(qr_svg(d, request), content_type="image/svg+xml")
    return HttpResponse(qr_png(d, request), content_type="image/png")


def published(request):
    from huren.recognition.published import qualified_rows, xlsx

    day = timezone.localdate()
    rows = qualified_rows(day)
    if request.GET.get("format") == "xlsx":
        resp = HttpResponse(xlsx(rows, day), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        resp["Content-Disposition"] = f'attachment; filename="huren-qualified-{day}.xlsx"'
        return resp
    return render(request, "recognition/published.html", {"rows": rows, "day": day})

"""The assessment workflow: a hospital creates and submits; a QC-centre evaluator reviews
item by item (override with a reason) and decides. The rules are the workflow service's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from huren.accounts.roles import EVALUATOR, has_role
from huren.assessment import workflow
from huren.assessment.models import Assessment
from huren.web.forms_assessment import AssessmentCreateForm, DecisionForm, ReviewForm
from huren.web.i18n import bilingual, split_bilingual
from huren.web.views.device import scoped_device


def _scoped(user, pk: int) -> Assessment:
    return get_object_or_404(Assessment.objects.for_user(user).select_related("device__department__institution"), pk=pk)


def _say(request, exc) -> None:
    msgs = exc.messages if isinstance(exc, ValidationError) else [str(exc) or _("Not allowed.")]
    for m in msgs:
        messages.error(request, bilingual(*split_bilingual(m)))


PAGE_SIZE = 50


@login_required
def assessment_list(request):
    qs = Assessment.objects.for_user(request.user).select_related("device__department__institution", "decision")
    state = request.GET.get("state", "")
    if state in Assessment.State.values:
        qs = qs.filter(state=state)
    q = request.GET.get("q", "").strip()
    if q:
        qs = qs.filter(Q(device__name__icontains=q) | Q(device__serial_number__icontains=q)
                       | Q(device__department__institution__name__icontains=q))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "web/assessment_list.html", {
        "nav": "assessments", "page": page, "state": state, "states": Assessment.State.choices, "q": q})


@login_required
def assessment_create(request, pk: int):
    device = scoped_device(request.user, pk)
    form = AssessmentCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            a = workflow.create(device, request.user, note=form.cleaned_data["note"])
        except (PermissionDenied, ValidationError) as e:
            _say(request, e)
            return redirect("web:device", pk=device.pk)
        messages.success(request, _("A draft assessment has been created with today's verdicts."))
        return redirect("web:assessment", pk=a.pk)
    return render(request, "web/assessment_create.html", {"nav": "assessments", "device": device, "form": form})


def _detail_context(request, a: Assessment, decision_form=None):
    final = workflow.final_verdicts(a)
    reviews = list(a.reviews.select_related("reviewer").order_by("-reviewed_at", "-id"))
    is_evaluator = has_role(request.user, EVALUATOR)
    if decision_form is None:
        # the rectification list names items by title, the failing ones ticked
        decision_form = DecisionForm(
            items=[(e["item"], f'{e["item"]} {bilingual(e.get("title_zh", ""), e.get("title_en", ""))}') for e in final],
            initial={"rectification_items": [e["item"] for e in final if e["verdict"] in ("fail", "overdue")]})
    tally = {v: sum(1 for e in final if e["verdict"] == v) for v in ("pass", "fail", "missing", "overdue", "not_applicable")}
    tally["overridden"] = sum(1 for e in final if e.get("override_reason"))
    return {
        "tally": tally,
        "nav": "assessments", "a": a, "final": final, "reviews": reviews,
        "can_review": is_evaluator and a.state == Assessment.State.SUBMITTED,
        "can_submit": a.state == Assessment.State.DRAFT,
        "decision_form": decision_form,
        "decision": getattr(a, "decision", None) if a.state == Assessment.State.DECIDED else None,
    }


@login_required
def assessment_detail(request, pk: int):
    a = _scoped(request.user, pk)
    return render(request, "web/assessment.html", _detail_context(request, a))


@login_required
@require_POST
def assessment_submit(request, pk: int):
    a = _scoped(request.user, pk)
    try:
        workflow.submit(a, request.user)
        messages.success(request, _("The assessment has been submitted to the QC centre."))
    except (PermissionDenied, ValidationError) as e:
        _say(request, e)
    return redirect("web:assessment", pk=a.pk)


@login_required
@require_POST
def assessment_review(request, pk: int):
    a = _scoped(request.user, pk)
    form = ReviewForm(request.POST)
    if form.is_valid():
        try:
            workflow.review(a, request.user, form.cleaned_data["item"], verdict=form.cleaned_data["verdict"],
                            reason=form.cleaned_data["reason"])
            messages.success(request, _("Review of %(item)s recorded.") % {"item": form.cleaned_data["item"]})
        except (PermissionDenied, ValidationError) as e:
            _say(request, e)
    else:
        for errs in form.errors.values():
            for m in errs:
                messages.error(request, m)
    anchor = "".join(c for c in request.POST.get("item", "") if c.isalnum() or c == "-")
    return redirect(reverse("web:assessment", args=[a.pk]) + f"#item-{anchor}")


@login_required
@require_POST
def assessment_accept_rest(request, pk: int):
    """Accept the derived verdict of every item not reviewed yet (one review each, as if
    accepted one by one: QATrack+ users' most asked-for review feature)."""
    a = _scoped(request.user, pk)
    done = 0
    try:
        for e in workflow.final_verdicts(a):
            if not e.get("review_id"):
                workflow.review(a, request.user, e["item"])
                done += 1
        messages.success(request, _("%(n)d items accepted as derived.") % {"n": done})
    except (PermissionDenied, ValidationError) as e:
        _say(request, e)
    return redirect("web:assessment", pk=a.pk)


@login_required
def assessment_decide(request, pk: int):
    a = _scoped(request.user, pk)
    if request.method != "POST":
        return redirect("web:assessment", pk=a.pk)
    form = DecisionForm(request.POST, items=[e["item"] for e in a.snapshot])
    if form.is_valid():
        d = form.cleaned_data
        try:
            workflow.decide(a, request.user, d["outcome"], valid_until=d["valid_until"],
                            rectification_items=d["rectification_items"],
                            rectification_deadline=d["rectification_deadline"], comment=d["comment"])
            messages.success(request, _("The decision has been recorded."))
            return redirect("web:assessment", pk=a.pk)
        except PermissionDenied as e:
            _say(request, e)
        except ValidationError as e:
            form.add_service_errors(e)
    return render(request, "web/assessment.html", _detail_context(request, a, decision_form=form), status=400)

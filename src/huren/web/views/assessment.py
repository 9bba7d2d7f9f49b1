"""The assessment workflow: a hospital creates and submits; a QC-centre evaluator reviews
every item on one sheet, saved once (an override needs a reason), and decides after a
summary to confirm. The rules are the workflow service's."""

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
from huren.web.evidence_view import evidence_links
from huren.web.forms_assessment import AssessmentCreateForm, DecisionForm, ReviewSheetForm
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


def _detail_context(request, a: Assessment, decision_form=None, sheet=None):
    final = workflow.final_verdicts(a)
    reviews = list(a.reviews.select_related("reviewer__profile").order_by("-reviewed_at", "-id"))
    can_review = has_role(request.user, EVALUATOR) and a.state == Assessment.State.SUBMITTED
    if decision_form is None:
        decision_form = _decision_form(final)
    if can_review and sheet is None:
        sheet = ReviewSheetForm(final=final)
    links = evidence_links(a.device, final)
    return {
        "tally": _tally(final), "nav": "assessments", "a": a, "reviews": reviews,
        # one row per item: its entry, its evidence links and (for the evaluator) its review fields
        "rows": [(e, links.get(e["item"], []), cell) for e, cell in (sheet.rows() if can_review else [(e, None) for e in final])],
        "sheet": sheet, "can_review": can_review,
        "can_submit": a.state == Assessment.State.DRAFT,
        "decision_form": decision_form,
        "decision": getattr(a, "decision", None) if a.state == Assessment.State.DECIDED else None,
    }


def _decision_form(final, data=None) -> DecisionForm:
    """The decision form; the rectification list names items by title, the failing and overdue ones ticked."""
    return DecisionForm(data, items=_titled(final),
                        initial={"rectification_items": [e["item"] for e in final if e["verdict"] in ("fail", "overdue")]})


def _titled(final) -> list[tuple[str, str]]:
    return [(e["item"], f'{e["item"]} {bilingual(e.get("title_zh", ""), e.get("title_en", ""))}') for e in final]


def _tally(final) -> dict:
    """The summary shown before an irreversible step: items per final verdict, how many were
    overridden and how many are not reviewed yet."""
    tally = {v: sum(1 for e in final if e["verdict"] == v) for v in ("pass", "fail", "missing", "overdue", "not_applicable")}
    tally["overridden"] = sum(1 for e in final if e.get("override_reason"))
    tally["unreviewed"] = sum(1 for e in final if not e.get("review_id"))
    return tally


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
    """The review sheet: every item's verdict and reason posted at once, recorded all or none
    (``workflow.review_many``, one review per changed item as the service records each)."""
    a = _scoped(request.user, pk)
    sheet = ReviewSheetForm(request.POST, final=workflow.final_verdicts(a))
    if sheet.is_valid():
        try:
            done = workflow.review_many(a, request.user, sheet.changes())
        except PermissionDenied as e:
            _say(request, e)
            return redirect("web:assessment", pk=a.pk)
        except ValidationError as e:
            if "state" in e.message_dict:  # decided meanwhile: there is no sheet to show the error on
                _say(request, e)
                return redirect("web:assessment", pk=a.pk)
            sheet.add_service_errors(e)
        else:
            overridden = sum(1 for r in done if r.overridden)
            messages.success(request, _("%(n)d reviews recorded, %(o)d of them overriding the derived verdict.") % {
                "n": len(done), "o": overridden})
            return redirect(reverse("web:assessment", args=[a.pk]) + "#decision")
    return render(request, "web/assessment.html", _detail_context(request, a, sheet=sheet), status=400)


@login_required
def assessment_decide(request, pk: int):
    """A decision in two steps: the form is checked by the workflow and the summary shown to
    confirm (``confirmed`` absent); only the confirmed post records it."""
    a = _scoped(request.user, pk)
    if request.method != "POST":
        return redirect("web:assessment", pk=a.pk)
    final = workflow.final_verdicts(a)
    form = _decision_form(final, request.POST)
    if form.is_valid():
        d = form.cleaned_data
        args = dict(valid_until=d["valid_until"], rectification_items=d["rectification_items"],
                    rectification_deadline=d["rectification_deadline"], comment=d["comment"])
        try:
            if request.POST.get("confirmed") != "yes":
                workflow.check_decision(a, request.user, d["outcome"], **args)
                titles = dict(_titled(final))
                return render(request, "web/assessment_confirm.html", {
                    "nav": "assessments", "a": a, "tally": _tally(final), "form": form, "d": d,
                    "rectify": [titles[i] for i in d["rectification_items"]] if d["outcome"] == "rectify" else []})
            workflow.decide(a, request.user, d["outcome"], **args)
            messages.success(request, _("The decision has been recorded."))
            return redirect("web:assessment", pk=a.pk)
        except PermissionDenied as e:
            _say(request, e)
        except ValidationError as e:
            form.add_service_errors(e)
    return render(request, "web/assessment.html", _detail_context(request, a, decision_form=form), status=400)

"""The QC centre's image-quality pages: the rules in force with their versions (upload: the
centre's qc_admin; everybody may read them) and the sampling rules (list, create, edit, draw now:
the centre's qc_admin). Every change is in the audit log (the models are audited; each step also
gets an action entry saying what was done)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from huren.accounts import audit
from huren.accounts.roles import QC_ADMIN, has_role, is_centre_user
from huren.iq import RulesError
from huren.iq.names import check_label, check_names
from huren.web.i18n import bilingual, is_chinese

from .forms import RulesUploadForm, SamplingRuleForm
from .models import RulesVersion, SamplingRule
from .rules import in_force, upload


def centre_admin(user) -> bool:
    """A qc_admin of a QC centre (a hospital user given the group is not one)."""
    if not (has_role(user, QC_ADMIN) and is_centre_user(user)):
        return False
    prof = getattr(user, "profile", None)
    return user.is_superuser or (prof is not None and prof.institution is not None and prof.institution.kind == "qc_centre")


def _fmt(v) -> str:
    if isinstance(v, list):
        return "[" + ", ".join(_fmt(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{" + ", ".join(f"{str(k).replace('_', ' ')} = {_fmt(x)}" for k, x in v.items()) + "}"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{v}"'
    return f"{v:g}" if isinstance(v, float) else str(v)


def rule_title(dotted: str) -> str:
    """A rule table's name as people read it: ``dr.exposure_index`` → "DR · 曝光指数 EI"."""
    zh = is_chinese()
    parts = []
    for seg in dotted.split("."):
        if seg in ("ct", "dr", "mr"):
            parts.append(seg.upper())
        elif seg in check_names():
            parts.append(check_label(seg, zh))
        else:
            parts.append(seg.replace("_", " "))
    return " · ".join(parts)


def rule_rows(data: dict) -> list[dict]:
    """The rule file as rows: one per table that states its source (its figures, the source, and
    whether the source marks an ASSUMPTION); nested tables without a source are figures."""
    rows = []

    def table(name: str, d: dict):
        figures, subs = [], []
        for k, v in d.items():
            if k == "source":
                continue
            if isinstance(v, dict) and "source" in v:
                subs.append((f"{name}.{k}", v))
            else:
                figures.append((k, _fmt(v)))
        src = str(d.get("source", ""))
        rows.append({"name": name, "title": rule_title(name), "source": src, "assumption": "ASSUMPTION" in src.upper(),
                     "figures": [(k, k.replace("_", " "), v) for k, v in figures]})
        for n, v in subs:
            table(n, v)

    for k, v in data.items():
        if k in ("schema", "name", "items") or not isinstance(v, dict):
            continue
        table(k, v)
    return rows


@login_required
def rules_page(request):
    can_upload = centre_admin(request.user)
    form = RulesUploadForm()
    status = 200
    if request.method == "POST":
        if not can_upload:
            raise PermissionDenied
        form = RulesUploadForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                v = upload(form.cleaned_data["file"], user=request.user, note=form.cleaned_data["note"])
            except RulesError as e:
                form.add_error("file", f"{e.reason_zh} / {e.reason_en}")
            else:
                audit.record_action(v, f"image-quality rules version {v.sha256[:12]} put in force", user=request.user)
                messages.success(request, _("The rules version is in force."))
                return redirect("iq-rules")
        status = 400
    force = in_force()
    zh = is_chinese()
    items = [{"check": check_label(c, zh), "items": per}
             for c, per in (force.rules.data.get("items") or {}).items()]
    return render(request, "imagequality/rules.html", {
        "nav": "iq", "force": force, "rows": rule_rows(force.rules.data), "items": items,
        "versions": RulesVersion.objects.select_related("uploaded_by")[:50], "form": form, "can_upload": can_upload,
    }, status=status)


@login_required
def rules_text(request, pk: int):
    from django.http import HttpResponse

    v = get_object_or_404(RulesVersion, pk=pk)
    return HttpResponse(v.text, content_type="text/plain; charset=utf-8")


def rule_label(rule: SamplingRule) -> str:
    return str(rule.device) if rule.device_id else bilingual(f"全部 {rule.modality} 设备", f"every {rule.modality} device")


@login_required
def sampling_rules(request):
    if not centre_admin(request.user):
        raise PermissionDenied
    form = SamplingRuleForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            with audit.acting_as(request.user):
                rule = form.save(commit=False)
                rule.created_by = request.user
                rule.save()
            audit.record_action(rule, "sampling rule created", user=request.user)
            messages.success(request, _("Sampling rule saved."))
            return redirect("iq-sampling")
    rules = list(SamplingRule.objects.select_related("device__department__institution").order_by("-active", "-id"))
    for r in rules:
        r.label = rule_label(r)
    return render(request, "imagequality/sampling_rules.html", {"nav": "iq", "form": form, "rules": rules},
                  status=400 if form.errors else 200)


@login_required
def sampling_rule_edit(request, pk: int):
    if not centre_admin(request.user):
        raise PermissionDenied
    rule = get_object_or_404(SamplingRule, pk=pk)
    rule.label = rule_label(rule)
    form = SamplingRuleForm(request.POST or None, instance=rule)
    if request.method == "POST" and form.is_valid():
        with audit.acting_as(request.user):
            form.save()
        audit.record_action(rule, "sampling rule changed", user=request.user)
        messages.success(request, _("Sampling rule saved."))
        return redirect("iq-sampling")
    return render(request, "imagequality/sampling_rule_edit.html", {"nav": "iq", "form": form, "rule": rule},
                  status=400 if form.errors else 200)

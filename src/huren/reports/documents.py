"""The assessment report and the qualification certificate as PDF (Django templates →
:func:`huren.reports.pdf.render_pdf`). Everything shown comes from the assessment's frozen
snapshot, its reviews and its decision; nothing is judged again here."""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import timezone, translation

from huren.assessment.models import Assessment, Decision
from huren.assessment.verdicts import VERDICT_ZH, current_catalog
from huren.assessment.workflow import final_verdicts
from huren.reports.pdf import render_pdf
from huren.reports.verification import qr_data_uri, verification_url_for
from huren.standard.catalog import CatalogError, load_catalog
from huren.web.evidence_view import MODELS, summarise

KIND_ZH = {"measurement": "测量", "log": "日常记录", "check": "核查", "document": "文档"}
OUTCOME_ZH = {"qualified": "合格（予以互认）", "rectify": "限期整改", "not_qualified": "不合格"}


def person(user) -> str:
    if user is None:
        return "—"
    p = getattr(user, "profile", None)
    return (getattr(p, "display_name", "") or user.get_full_name() or user.get_username())


def catalog_for(key: str):
    cur = current_catalog()
    if cur.key == key:
        return cur
    try:
        return load_catalog(key.split("@")[0])
    except CatalogError:
        return cur


def _evidence_lines(entries: list[dict], catalog) -> dict[str, list[str]]:
    """Per item, one line per evidence record it rests on (daily logs summed up in one line)."""
    wanted: dict[str, set[int]] = {k: set() for k in MODELS}
    for e in entries:
        for k, ids in (e.get("evidence") or {}).items():
            if k in wanted:
                wanted[k].update(ids)
    loaded = {k: {r.pk: r for r in MODELS[k].objects.filter(pk__in=ids)} for k, ids in wanted.items() if ids}
    out: dict[str, list[str]] = {}
    for e in entries:
        item = catalog[e["item"]] if e["item"] in catalog else None
        lines = []
        for k, ids in (e.get("evidence") or {}).items():
            rows = sorted((loaded.get(k, {}).get(i) for i in ids if i in loaded.get(k, {})),
                          key=lambda r: (r.performed_on, r.recorded_at))
            if k not in MODELS:
                lines.append(f"登记信息 {k}：{len(ids)} 条（#{', #'.join(map(str, ids[:8]))}{'…' if len(ids) > 8 else ''}）")
            elif not rows:
                lines.append(f"{KIND_ZH[k]}：{len(ids)} 条记录已不可读 / records not found")
            elif k == "log":
                last = rows[-1]
                lines.append(f"日常记录 {len(rows)} 天（{rows[0].performed_on} 至 {last.performed_on}）；最近：{summarise(k, last, item)}")
            else:
                lines += [f"{KIND_ZH[k]} #{r.pk} {r.performed_on}：{summarise(k, r, item)}" for r in rows[-5:]]
                if len(rows) > 5:
                    lines.append(f"（另有 {len(rows) - 5} 条较早的{KIND_ZH[k]}）")
        out[e["item"]] = lines
    return out


def assessment_context(a: Assessment) -> dict:
    decision = Decision.objects.filter(assessment=a).select_related("decided_by__profile").first()
    entries = decision.snapshot if decision else final_verdicts(a)
    catalog = catalog_for(a.catalog_key)
    ev = _evidence_lines(entries, catalog)
    reviews = list(a.reviews.select_related("reviewer__profile").order_by("reviewed_at", "id"))
    rows, counts = [], {}
    for e in entries:
        item = catalog[e["item"]] if e["item"] in catalog else None
        v = e.get("verdict", "missing")
        counts[v] = counts.get(v, 0) + 1
        derived = e.get("derived", v)
        rows.append({
            "id": e["item"], "title": e.get("title_zh") or (item.title_zh if item else ""),
            "title_en": e.get("title_en", ""), "section": e.get("section", ""),
            "criterion": (item.criterion_zh or item.text_zh) if item else "（目录中无此条目）",
            "period": item.period_zh if item else "",
            "verdict": v, "verdict_zh": VERDICT_ZH.get(v, v), "derived": derived, "derived_zh": VERDICT_ZH.get(derived, derived),
            "overridden": derived != v, "override_reason": e.get("override_reason", ""),
            "reason": e.get("reason_zh", ""), "evidence": ev.get(e["item"], []),
            "no_evidence": not e.get("evidence"), "required": e.get("required", True),
        })
    overrides = [r for r in reviews if r.overridden]
    return {
        "a": a, "device": a.device, "institution": a.device.department.institution, "decision": decision,
        "outcome_zh": OUTCOME_ZH.get(decision.outcome, decision.outcome) if decision else "",
        "rows": rows, "counts": [(VERDICT_ZH.get(k, k), n) for k, n in sorted(counts.items())],
        "n_missing": counts.get("missing", 0), "overrides": overrides, "catalog": catalog,
        "prepared_by": person(a.created_by), "submitted_by": person(a.submitted_by),
        "reviewers": sorted({person(r.reviewer) for r in reviews}), "decided_by": person(decision.decided_by) if decision else "",
        "generated_at": timezone.localtime(), "css_class": {k: k for k in VERDICT_ZH},
    }


def assessment_pdf(a: Assessment) -> bytes:
    with translation.override("zh-hans"):
        html = render_to_string("reports/pdf/assessment.html", assessment_context(a))
    return render_pdf(html)


def certificate_context(d: Decision) -> dict:
    url = verification_url_for(d)
    return {
        "d": d, "device": d.device, "institution": d.device.department.institution, "catalog": catalog_for(d.catalog_key),
        "outcome_zh": OUTCOME_ZH.get(d.outcome, d.outcome), "decided_by": person(d.decided_by),
        "verification_url": url, "qr": qr_data_uri(url) if url else None,
        "n_items": len(d.snapshot), "n_pass": sum(1 for e in d.snapshot if e.get("verdict") in ("pass", "not_applicable")),
        "number": f"HR-{d.decided_at:%Y}-{d.pk:06d}",
    }


def certificate_pdf(d: Decision) -> bytes:
    with translation.override("zh-hans"):
        html = render_to_string("reports/pdf/certificate.html", certificate_context(d))
    return render_pdf(html)

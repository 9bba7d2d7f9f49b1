"""Template helpers: verdict and status badges, reasons in the user's language."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from huren.web.i18n import bilingual, is_chinese

register = template.Library()

# One word for one thing (docs glossary): the verdicts of an item and of a measurement.
VERDICT_LABELS = {
    "pass": _("pass"),
    "fail": _("fail"),
    "missing": _("missing evidence"),
    "overdue": _("overdue"),
    "not_applicable": _("not applicable"),
    "info": _("for information"),
    "not_evaluable": _("not evaluable"),
}

# A device's qualification status now (huren.assessment.status).
STATUS_LABELS = {
    "qualified": _("qualified"),
    "at_risk": _("at risk"),
    "not_qualified": _("not qualified"),
    "never_assessed": _("never assessed"),
}
# The evaluator's decision (glossary: 评估结论).
OUTCOME_LABELS = {
    "qualified": _("qualified"),
    "rectify": _("rectification required"),
    "not_qualified": _("not qualified"),
}


@register.simple_tag
def device_status_badge(status):
    v = str(status)
    return format_html('<span class="badge q-{}" data-status="{}">{}</span>', v, v, STATUS_LABELS.get(v, v))


@register.simple_tag
def outcome_badge(outcome):
    v = str(outcome)
    return format_html('<span class="badge q-{}">{}</span>', v, OUTCOME_LABELS.get(v, v))


@register.simple_tag
def reasons(pairs):
    """A list of (zh, en) reason pairs, in the user's language, joined."""
    sep = "；" if is_chinese() else "; "
    return sep.join(bilingual(z, e) for z, e in (pairs or []))


@register.simple_tag
def verdict_badge(verdict):
    v = str(verdict or "missing")
    return format_html('<span class="badge v-{}" data-verdict="{}">{}</span>', v, v, VERDICT_LABELS.get(v, v))


@register.simple_tag
def status_badge(value, label=None):
    return format_html('<span class="badge s-{}">{}</span>', value, label if label is not None else value)


@register.simple_tag
def reason(obj, prefix="reason"):
    """``obj.<prefix>_zh`` or ``obj.<prefix>_en`` (attributes or dict keys) in the user's language."""
    get = obj.get if isinstance(obj, dict) else (lambda k, d="": getattr(obj, k, d))
    return bilingual(get(f"{prefix}_zh", "") or "", get(f"{prefix}_en", "") or "")


@register.filter
def get_item(mapping, key):
    try:
        return mapping.get(key)
    except AttributeError:
        return None


@register.simple_tag
def metric_label(name):
    """A metric's label in the user's language (``metrics.toml``); its internal name only as a tooltip."""
    from huren.standard.catalog import metrics

    m = metrics().get(name)
    if m is None:
        return name
    return format_html('<span title="{}">{}</span>', name, m.label_zh if is_chinese() else m.label_en)


@register.filter
def figure(value):
    """A measured value as people write it (at most 4 significant decimals: 67.4924 not 67.492419)."""
    from huren.standard.criteria import _fmt

    return _fmt(value) if value is not None else "—"


@register.simple_tag
def demo_logins():
    """The demo logins, on a demo installation only (``settings.HUREN_DEMO``, set by ``serve --demo``)."""
    from django.conf import settings

    if not getattr(settings, "HUREN_DEMO", False):
        return []
    from huren.web.demo_info import demo_logins as logins

    return logins()


@register.simple_tag(takes_context=True)
def page_url(context, number):
    """The current page's URL with ``page`` set to ``number`` (filters and search kept)."""
    q = context["request"].GET.copy()
    q["page"] = number
    return "?" + q.urlencode()


# An item's evidence kinds (the catalog's ``kinds`` codes) as people call them.
KIND_LABELS = {
    "measure": _("measurement"),
    "log": _("daily log"),
    "check": _("checklist"),
    "doc": _("document"),
    "image": _("image-quality evaluation"),
}


@register.simple_tag
def item_kinds(item):
    """An item's evidence kinds in the user's language, joined ("测量、文件")."""
    sep = "、" if is_chinese() else ", "
    return sep.join(str(KIND_LABELS.get(k, k)) for k in getattr(item, "kinds", ()) or ())


@register.simple_tag
def item_reference(item):
    """An item's reference standard: the catalog's ``seed`` (the standard's own text) as this
    standard's title; the other parts (national standards, the maker's papers) as written."""
    from huren.assessment.verdicts import current_catalog

    parts = [p.strip() for p in str(getattr(item, "reference", "") or "").split(";") if p.strip()]
    title = ""
    if "seed" in parts:
        std = current_catalog()
        title = (std.title_zh if is_chinese() else std.title_en) or str(_("this standard"))
    return ("；" if is_chinese() else "; ").join(title if p == "seed" else p for p in parts)


@register.filter
def method_name(code):
    """An analysis method's name in the user's language (``standard/methods.toml``)."""
    from huren.standard.methods import method_label

    return method_label(str(code or ""), is_chinese())


@register.filter
def person(user):
    """The name people know someone by (``accounts.names.name_of``)."""
    from huren.accounts.names import name_of

    return name_of(user)


@register.filter
def rule_source(text):
    """An automatic check's rule as stored (English: "… (source: seed: 包含完整…)"), the
    standard's own text named "this standard", not "seed" (the page marks the rule lang="en")."""
    import re

    return re.sub(r"\bseed\b", "this standard", str(text or ""))

"""Template helpers: verdict and status badges, reasons in the user's language."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from huren.web.i18n import bilingual

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

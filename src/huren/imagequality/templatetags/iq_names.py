"""``{{ c.check_name|check_label }}`` and ``{{ codes|check_labels }}``: a check's name in the
page's language (Chinese first), from huren.iq's names table — never the bare code."""

from __future__ import annotations

from django import template

from huren.iq.names import check_label as _label
from huren.web.i18n import is_chinese

register = template.Library()


@register.filter
def check_label(code) -> str:
    return _label(str(code or ""), is_chinese())


@register.filter
def check_labels(codes) -> str:
    sep = "、" if is_chinese() else ", "
    return sep.join(_label(str(c), is_chinese()) for c in (codes or []))

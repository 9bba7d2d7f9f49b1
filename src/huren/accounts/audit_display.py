"""The audit log as people read it (the admin's list and entry pages): the record type by its
name ("测量" / "measurement", not ``evidence.measurement``), the person by the name people know
them by, metric keys and method codes by their names, figures rounded, and the changed fields
one per line instead of a JSON document."""

from __future__ import annotations

import re
from functools import lru_cache

from django.apps import apps
from django.utils.translation import get_language, gettext_lazy as _

ISO_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}")
LONG_FIGURE = re.compile(r"(?<![\w.])-?\d+\.\d{4,}(?![\d.])")


def _zh() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def record_type(label: str) -> str:
    """``app.model`` as the model's name in the user's language."""
    try:
        return str(apps.get_model(label)._meta.verbose_name)
    except (LookupError, ValueError):
        return label


@lru_cache(maxsize=1)
def _codes() -> re.Pattern:
    from huren.standard import metrics
    from huren.standard.methods import method_names

    words = set(metrics()) | {k for k in method_names() if "-" in k or "_" in k or any(c.isdigit() for c in k)}
    return re.compile(r"(?<![\w-])(" + "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)) + r")(?![\w-])")


def readable(text: str) -> str:
    """A stored description ("MR-EQ-PERF piu = 84.1106 % …") with metric keys and method
    codes named in the user's language and long figures rounded."""
    from huren.standard import metrics
    from huren.standard.criteria import _fmt
    from huren.standard.methods import method_label

    zh = _zh()

    def name(m):
        k = m.group(1)
        reg = metrics().get(k)
        if reg is not None:
            return reg.label_zh if zh else reg.label_en
        return method_label(k, zh)

    text = _codes().sub(name, str(text or ""))
    return LONG_FIGURE.sub(lambda m: _fmt(float(m.group(0))), text)


def person(entry) -> str:
    from huren.accounts.names import name_of

    return name_of(entry.user) if entry.user_id else (entry.username or "—")


def _value(v, field=None) -> str:
    from huren.standard.criteria import _fmt
    from huren.standard.methods import method_label

    if field is not None and v not in (None, ""):
        if getattr(field, "choices", None):
            return str(dict(field.flatchoices).get(v, v))
        if field.name == "method":
            return method_label(str(v), _zh())

    if v is None or v == "":
        return "—"
    if isinstance(v, dict):
        return str(_("(structured data, %(n)d fields)") % {"n": len(v)})
    if isinstance(v, list):
        if all(isinstance(x, (int, float, str)) for x in v) and len(v) <= 6:
            return "、".join(_value(x) for x in v) if _zh() else ", ".join(_value(x) for x in v)
        return str(_("(a list of %(n)d entries)") % {"n": len(v)})
    if isinstance(v, bool):
        return str(_("yes") if v else _("no"))
    if isinstance(v, float):
        return _fmt(v)
    if isinstance(v, str) and ISO_TIME.match(v):
        return v[:16].replace("T", " ")  # to the minute, as every page writes times
    return readable(str(v))


def changes_lines(entry) -> list[tuple[str, str, str]]:
    """(field's name, old, new) for each changed field of the entry."""
    try:
        model = apps.get_model(entry.model)
    except (LookupError, ValueError):
        model = None
    out = []
    for field, pair in (entry.changes or {}).items():
        old, new = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
        f = None
        if model is not None:
            for name in (field, field.removesuffix("_id")):
                try:
                    f = model._meta.get_field(name)
                    break
                except Exception:  # noqa: BLE001 — a field since removed
                    continue
        label = str(f.verbose_name) if f is not None and hasattr(f, "verbose_name") else field
        if f is not None and f.name != field:
            f = None  # an _id column: the value is a key, not the field's own value
        out.append((label, _value(old, f), _value(new, f)))
    return out


def record_text(entry) -> str:
    """The entry's record as stored, readable; a user by the name people know them by."""
    if entry.model == "auth.user":
        from django.contrib.auth import get_user_model

        from huren.accounts.names import name_of

        u = get_user_model().objects.filter(pk=entry.object_id).select_related("profile").first()
        if u is not None:
            return name_of(u)
    text = readable(entry.object_repr)
    # a login name in a stored description ("评分表 1 3 evaluator"): the person's name
    names = dict(get_user_model_names())
    if names:
        pat = re.compile(r"(?<![\w-])(" + "|".join(re.escape(u) for u in sorted(names, key=len, reverse=True)) + r")(?![\w-])")
        text = pat.sub(lambda m: names[m.group(1)], text)
    return text


def get_user_model_names() -> list[tuple[str, str]]:
    """(login name, display name) of the users whose profile names them otherwise."""
    from huren.accounts.models import Profile

    return [(u, n) for u, n in Profile.objects.exclude(display_name="").values_list("user__username", "display_name") if u != n]

"""Small helpers for text that comes in two languages from the core (reason_zh / reason_en)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import get_language, override


def is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def bilingual(zh: str, en: str) -> str:
    """The reason in the user's language (Chinese by default), falling back to the other."""
    return (zh or en) if is_chinese() else (en or zh)


def _has_cjk(s: str) -> bool:
    return any("\u3000" <= ch <= "\u9fff" for ch in s)


def split_bilingual(message) -> tuple[str, str]:
    """A core message written "中文 / English" as (zh, en); any other message as itself twice."""
    s = str(message)
    if " / " in s:
        zh, en = s.split(" / ", 1)
        if _has_cjk(zh) and not _has_cjk(en):
            return zh.strip(), en.strip()
    return s, s


def in_both(message, params=None) -> str:
    """``message`` (a lazily translated string, e.g. one of Django's own form messages, with
    its ``params``) as "中文 / English": rendered once under Chinese and once under English,
    so that a field's message reads the same whatever the page's language, as the API's do.
    A message already "中文 / English", or a plain string, is returned as it is."""

    def render():
        return str(message % params) if params else str(message)

    if not isinstance(message, Promise):
        return render()
    with override("zh-hans"):
        zh = render()
    with override("en"):
        en = render()
    return zh if zh == en else f"{zh} / {en}"


class BilingualFieldsForm:
    """Form mixin: every error on the form in both languages (see :func:`in_both`), Django's
    own field messages (a required field, a malformed number or date, too long a text, an
    unknown choice) included; the rest of the page keeps following the user's language.

    The errors are rewritten once the form has validated: Django keeps each as a
    ValidationError with its lazy message and its parameters until it is shown, so each can
    still be rendered in the other language (plural forms included)."""

    def full_clean(self):
        super().full_clean()
        for errors in (self._errors or {}).values():
            errors.data = [ValidationError(in_both(e.message, e.params), code=e.code)
                           if isinstance(e, ValidationError) else e for e in errors.data]

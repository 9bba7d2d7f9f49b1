"""Small helpers for text that comes in two languages from the core (reason_zh / reason_en)."""

from __future__ import annotations

import copy

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


def in_both(message) -> str:
    """``message`` (a lazily translated string, e.g. one of Django's own form messages) as
    "中文 / English": rendered once under Chinese and once under English, so that a field's
    message reads the same whatever the page's language, as the API's do."""
    s = str(message)
    if split_bilingual(s)[0] != split_bilingual(s)[1]:
        return s  # already "中文 / English"
    with override("zh-hans"):
        zh = str(message)
    with override("en"):
        en = str(message)
    return zh if zh == en else f"{zh} / {en}"


def bilingual_field_messages(field) -> None:
    """Make every message ``field`` can give (its error messages and its validators') "中文 / English".

    The messages stay templates ("%(limit_value)s" ...): Django fills them in later. A
    validator is replaced by a copy, since a form's fields share their validators."""
    if getattr(field, "_huren_bilingual", False):
        return
    field.error_messages = {k: in_both(v) for k, v in field.error_messages.items()}
    validators = []
    for v in field.validators:
        if isinstance(getattr(v, "message", None), (str, Promise)):
            v = copy.copy(v)
            v.message = in_both(v.message)
        validators.append(v)
    field.validators = validators
    field._huren_bilingual = True


class BilingualFieldsForm:
    """Form mixin: every field's own messages in both languages (see :func:`bilingual_field_messages`).

    Applied when the form validates, since some forms add their fields after ``__init__``."""

    def full_clean(self):
        for f in self.fields.values():
            bilingual_field_messages(f)
        super().full_clean()

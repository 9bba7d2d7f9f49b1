"""Small helpers for text that comes in two languages from the core (reason_zh / reason_en)."""

from __future__ import annotations

from django.utils.translation import get_language


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

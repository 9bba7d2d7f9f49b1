"""Small helpers for text that comes in two languages from the core (reason_zh / reason_en)."""

from __future__ import annotations

from django.utils.translation import get_language


def is_chinese() -> bool:
    return (get_language() or "zh-hans").lower().startswith("zh")


def bilingual(zh: str, en: str) -> str:
    """The reason in the user's language (Chinese by default), falling back to the other."""
    return (zh or en) if is_chinese() else (en or zh)

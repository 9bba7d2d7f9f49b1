"""The analysis methods' names in each language (``methods.toml``): a measurement's
``method`` is a code (``acr-psg``, ``ws519-central-roi``); pages show its name."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def method_names() -> dict[str, tuple[str, str]]:
    """code → (Chinese name, English name)."""
    data = tomllib.loads(resources.files("huren.standard").joinpath("methods.toml").read_text("utf-8"))
    return {k: (v["zh"], v["en"]) for k, v in data.items()}


def method_label(code: str, zh: bool = True) -> str:
    """The method's name in one language; a code not in the table (a method typed by a
    person, e.g. "wire" in a note) is shown as it was written."""
    if not code:
        return ""
    names = method_names().get(code)
    return (names[0] if zh else names[1]) if names else code

"""The automatic checks' names in each language (``check_names.toml``)."""

from __future__ import annotations

import tomllib
from functools import lru_cache
from importlib import resources


@lru_cache(maxsize=1)
def check_names() -> dict[str, tuple[str, str]]:
    data = tomllib.loads(resources.files("huren.iq").joinpath("check_names.toml").read_text("utf-8"))
    return {k: (v["zh"], v["en"]) for k, v in data.items()}


def check_label(code: str, zh: bool = True) -> str:
    names = check_names().get(code)
    return (names[0] if zh else names[1]) if names else code

"""People's names of the automatic checks (Chinese, English), from ``rules/check-names.toml``.

Pages show these names, never the codes; the codes stay the stable names of the CLI, the JSON
document and the API. A code missing from the table (an older or foreign result) is shown as it is.
"""

from __future__ import annotations

import tomllib
from functools import cache
from importlib import resources


@cache
def check_names() -> dict[str, dict[str, str]]:
    """check code → {"zh": …, "en": …}."""
    text = resources.files("huren.iq.rules").joinpath("check-names.toml").read_text(encoding="utf-8")
    return {k: {"zh": v["zh"], "en": v["en"]} for k, v in tomllib.loads(text)["names"].items()}


def check_label(code: str, zh: bool = True) -> str:
    """The check's name in Chinese (default) or English; the code itself when the table lacks it."""
    n = check_names().get(code)
    return (n["zh"] if zh else n["en"]) if n else code

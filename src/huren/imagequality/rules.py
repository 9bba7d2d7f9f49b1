"""The image-quality rules in force: the latest active uploaded version, else huren.iq's own file."""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from importlib import resources

from huren.iq import Rules, RulesError, load_rules, rules_from_dict

from .models import RulesVersion


@dataclass
class RulesInForce:
    rules: Rules
    text: str
    sha256: str
    version: RulesVersion | None  # None: the file shipped with huren.iq


_cache: dict[str, Rules] = {}


def shipped_text() -> str:
    return resources.files("huren.iq.rules").joinpath("taiyuan-trial.toml").read_text(encoding="utf-8")


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse(text: str) -> Rules:
    """Rules from a TOML text; :class:`RulesError` (bilingual) when unusable."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"规则文件不是有效的 TOML：{e}", f"the rule file is not valid TOML: {e}") from None
    return rules_from_dict(data, str(data.get("name") or "rules"))


def in_force() -> RulesInForce:
    v = RulesVersion.objects.filter(active=True).order_by("-id").first()
    text = v.text if v is not None else shipped_text()
    sha = v.sha256 if v is not None else digest(text)
    rules = _cache.get(sha)
    if rules is None:
        rules = parse(text) if v is not None else load_rules()
        _cache[sha] = rules
    return RulesInForce(rules, text, sha, v)


def upload(text: str, *, user, note: str = "") -> RulesVersion:
    """Store a new rules version and put it in force (RulesError when it is unusable)."""
    rules = parse(text)
    sha = digest(text)
    existing = RulesVersion.objects.filter(sha256=sha).first()
    RulesVersion.objects.filter(active=True).exclude(sha256=sha).update(active=False)
    if existing is not None:
        if not existing.active:
            existing.active = True
            existing.save(update_fields=["active"])
        return existing
    return RulesVersion.objects.create(name=rules.name[:100], text=text, sha256=sha, note=note[:200], uploaded_by=user)


def item_of_check() -> dict[tuple[str, str], str]:
    """(check, modality) → catalog item, from the rules in force."""
    out = {}
    for check, per in (in_force().rules.data.get("items") or {}).items():
        for modality, item in (per or {}).items():
            out[(check, modality)] = item
    return out


def automatic_items() -> set[str]:
    """The catalog items some automatic check answers."""
    return set(item_of_check().values())

"""Loading the rule file (TOML): thresholds, protocol tables and words, each with its source."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

RULES_SCHEMA = "huren.iq.rules/1"
DEFAULT_RULES = "taiyuan-trial"
MODALITIES = ("CT", "MR", "DR")


class RulesError(ValueError):
    """A rule file that cannot be used, with the reason in Chinese and English."""

    def __init__(self, reason_zh: str, reason_en: str):
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass
class Rules:
    """A loaded rule file. ``data`` is the parsed TOML; use :meth:`section` and :meth:`source`."""

    data: dict
    name: str
    path: str | None = None
    _cache: dict = field(default_factory=dict, repr=False)

    def section(self, dotted: str) -> dict:
        d: Any = self.data
        for part in dotted.split("."):
            if not isinstance(d, dict) or part not in d:
                raise RulesError(f"规则文件缺少 [{dotted}]", f"the rule file has no [{dotted}]")
            d = d[part]
        return d

    def source(self, dotted: str) -> str:
        """The `source` of a table, or of its nearest parent that gives one."""
        parts = dotted.split(".")
        while parts:
            try:
                s = self.section(".".join(parts)).get("source")
            except (RulesError, AttributeError):
                s = None
            if s:
                return str(s)
            parts.pop()
        return ""

    def item(self, check: str, modality: str) -> str | None:
        return self.data.get("items", {}).get(check, {}).get(modality)

    def by_body_part(self, dotted: str, body_part: str | None):
        """A table's entry for the body part, else its DEFAULT (and which was used)."""
        sec = self.section(dotted)
        if body_part and body_part in sec:
            return sec[body_part], body_part
        return sec.get("DEFAULT"), "DEFAULT"

    def to_dict(self) -> dict:
        return self.data


def _require(data: dict, dotted: str, kind, where: str) -> None:
    d: Any = data
    for part in dotted.split("."):
        if not isinstance(d, dict) or part not in d:
            raise RulesError(f"{where}：缺少 {dotted}", f"{where}: {dotted} is missing")
        d = d[part]
    if kind is not None and not isinstance(d, kind):
        raise RulesError(f"{where}：{dotted} 类型错误", f"{where}: {dotted} has the wrong type ({type(d).__name__})")


def _range_ok(v) -> bool:
    return (isinstance(v, list) and len(v) == 2 and all(isinstance(x, (int, float)) for x in v) and v[0] <= v[1])


def validate(data: dict, where: str = "rules") -> None:
    """Raise :class:`RulesError` when the rule data lack something the checks need."""
    if data.get("schema") != RULES_SCHEMA:
        raise RulesError(f"{where}：schema 应为 {RULES_SCHEMA}", f"{where}: schema must be {RULES_SCHEMA!r}")
    for key, kind in (("items", dict), ("body_parts", dict), ("common.required_attributes", list),
                      ("common.identity_attributes", list), ("ct.matrix.min_px", (int, float)),
                      ("ct.centring.max_offset_percent", (int, float)), ("ct.fov.DEFAULT", list),
                      ("ct.thickness.DEFAULT", dict), ("ct.geometry.missing_ratio", (int, float)),
                      ("ct.phases.enhanced_words", list), ("dr.deviation_index.min", (int, float)),
                      ("dr.deviation_index.max", (int, float)), ("dr.exposure_index.DEFAULT", list),
                      ("mr.weightings.order", list), ("mr.orientation.axial", list), ("mr.protocols.DEFAULT", list), ("mr.limits.DEFAULT", dict),
                      ("sampling.pixel_images_per_series", int)):
        _require(data, key, kind, where)
    for bp, r in data["ct"]["fov"].items():
        if bp != "source" and not _range_ok(r):
            raise RulesError(f"{where}：ct.fov.{bp} 应为 [最小, 最大]", f"{where}: ct.fov.{bp} must be [min, max]")
    for bp, r in data["dr"]["exposure_index"].items():
        if bp != "source" and not _range_ok(r):
            raise RulesError(f"{where}：dr.exposure_index.{bp} 应为 [最小, 最大]",
                             f"{where}: dr.exposure_index.{bp} must be [min, max]")
    if data["dr"]["deviation_index"]["min"] > data["dr"]["deviation_index"]["max"]:
        raise RulesError(f"{where}：dr.deviation_index 最小值大于最大值", f"{where}: dr.deviation_index min > max")
    for w in data["mr"]["weightings"]["order"]:
        if w not in data["mr"]["weightings"]:
            raise RulesError(f"{where}：mr.weightings 缺少 {w}", f"{where}: mr.weightings has no table for {w}")
    for bp, seqs in data["mr"]["protocols"].items():
        if bp == "source":
            continue
        if not isinstance(seqs, list):
            raise RulesError(f"{where}：mr.protocols.{bp} 应为列表", f"{where}: mr.protocols.{bp} must be a list")
        for s in seqs:
            if not isinstance(s, dict) or "weighting" not in s or "name" not in s:
                raise RulesError(f"{where}：mr.protocols.{bp} 的每项需有 name 与 weighting",
                                 f"{where}: every entry of mr.protocols.{bp} needs name and weighting")
            if s["weighting"] not in data["mr"]["weightings"]:
                raise RulesError(f"{where}：mr.protocols.{bp} 使用了未定义的权重 {s['weighting']}",
                                 f"{where}: mr.protocols.{bp} uses an undefined weighting {s['weighting']!r}")
    for check, items in data["items"].items():
        if not isinstance(items, dict) or any(m not in MODALITIES for m in items):
            raise RulesError(f"{where}：items.{check} 应为 {{CT/MR/DR = 条目}}",
                             f"{where}: items.{check} must map CT/MR/DR to a catalog item")


def load_rules(path: str | Path | None = None) -> Rules:
    """Load and check a rule file (default: the package's ``taiyuan-trial.toml``); a name without
    a suffix is taken from the package. Raises :class:`RulesError` (bilingual) when it is unusable."""
    if path is None or (isinstance(path, str) and not path.endswith(".toml") and "/" not in path):
        name = path or DEFAULT_RULES
        ref = resources.files("huren.iq.rules").joinpath(f"{name}.toml")
        if not ref.is_file():
            raise RulesError(f"没有名为 {name} 的规则文件", f"no rule file named {name!r}")
        text, where = ref.read_text(encoding="utf-8"), f"{name}.toml"
    else:
        p = Path(path)
        where = str(p)
        try:
            text = p.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise RulesError(f"无法读取规则文件 {p}：{e}", f"cannot read the rule file {p}: {e}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise RulesError(f"规则文件 {where} 不是有效的 TOML：{e}", f"the rule file {where} is not valid TOML: {e}") from None
    validate(data, where)
    return Rules(data=data, name=str(data.get("name") or where), path=None if path is None else str(path))


def rules_from_dict(data: dict, name: str | None = None) -> Rules:
    """A :class:`Rules` from already-parsed data (e.g. an edited copy stored by the service)."""
    validate(data, name or "rules")
    return Rules(data=data, name=name or str(data.get("name") or "rules"))

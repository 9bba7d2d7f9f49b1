"""Load a standard's catalog (one TOML file per standard version) and judge results by it.

A catalog file lives in ``huren/standard/catalogs/``; adding a second standard version
is adding a file. Each ``[[item]]`` names a requirement of the standard and holds its
criteria (``[[item.criteria]]``), one per metric and test type, in the language of
:mod:`huren.standard.criteria`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from huren.standard.criteria import TEST_TYPES, Criterion, CriterionError, criterion_from_dict

DEFAULT_STANDARD = "taiyuan-trial"
MODALITIES = ("DR", "CT", "MR")
SECTIONS = ("equipment", "qc_test", "exam_preparation", "image_quality")
EVIDENCE_KINDS = ("measure", "log", "check", "doc", "image")


class CatalogError(ValueError):
    """A catalog file is malformed."""


@dataclass(frozen=True)
class Metric:
    name: str
    label_zh: str
    label_en: str
    unit: str


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    """The metric registry (``metrics.toml``): label and unit of every metric name."""
    data = tomllib.loads(resources.files("huren.standard").joinpath("metrics.toml").read_text("utf-8"))
    return {k: Metric(k, v["label_zh"], v["label_en"], v.get("unit", "")) for k, v in data.items()}


@dataclass(frozen=True)
class Item:
    """One requirement (评估条目) of the standard."""

    id: str
    modality: str
    section: str
    kinds: tuple[str, ...]
    text_zh: str
    text_en: str
    title_zh: str = ""
    title_en: str = ""
    criterion_zh: str = ""
    criterion_en: str = ""
    reference: str = ""
    period_days: int | None = None
    period_zh: str = ""
    period_en: str = ""
    test_types: tuple[str, ...] = ()
    default_test_type: str | None = None
    criteria: tuple[Criterion, ...] = ()
    checklist: tuple[str, ...] = ()
    checklist_zh: tuple[str, ...] = ()
    required: bool = True
    notes: str = ""

    def criteria_for(self, metric: str) -> list[Criterion]:
        return [c for c in self.criteria if c.metric == metric]

    def criterion(
        self,
        metric: str,
        test_type: str | None = None,
        method: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> Criterion | None:
        """The criterion judging ``metric`` under ``test_type`` (the item's default if None).

        A criterion without a test type applies to every test type. Returns None when
        the catalog has no criterion for the metric (the measurement is then ``info``).
        """
        tt = test_type or self.default_test_type
        cands = [c for c in self.criteria if c.metric == metric and c.applies(method, details)]
        exact = [c for c in cands if c.test_type == tt]
        if exact:
            return exact[0]
        general = [c for c in cands if c.test_type is None]
        return general[0] if general else None

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "modality": self.modality,
            "section": self.section,
            "kinds": list(self.kinds),
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "text_zh": self.text_zh,
            "text_en": self.text_en,
            "criterion_zh": self.criterion_zh,
            "criterion_en": self.criterion_en,
            "reference": self.reference,
            "period_days": self.period_days,
            "test_types": list(self.test_types),
            "default_test_type": self.default_test_type,
            "criteria": [c.to_dict() | {"metric": c.metric} for c in self.criteria],
            "checklist": list(self.checklist),
            "checklist_zh": list(self.checklist_zh),
            "required": self.required,
        }


@dataclass(frozen=True)
class Catalog:
    """A standard version: its identity and its items, in the order of the standard."""

    id: str
    version: str
    title_zh: str
    title_en: str
    issued_by: str
    items: dict[str, Item] = field(default_factory=dict)
    source: str = ""

    @property
    def key(self) -> str:
        """``id@version``: what a decision records as the catalog it used."""
        return f"{self.id}@{self.version}"

    def __getitem__(self, item_id: str) -> Item:
        try:
            return self.items[item_id]
        except KeyError:
            raise KeyError(f"no item {item_id!r} in catalog {self.key}") from None

    def __contains__(self, item_id: str) -> bool:
        return item_id in self.items

    def for_modality(self, modality: str) -> list[Item]:
        return [i for i in self.items.values() if i.modality == modality]

    def criterion(self, item_id: str, metric: str, test_type: str | None = None, method: str | None = None,
                  details: Mapping[str, Any] | None = None) -> Criterion | None:
        return self[item_id].criterion(metric, test_type, method, details)

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "version": self.version,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "issued_by": self.issued_by,
            "items": [i.to_dict() for i in self.items.values()],
        }


def _parse(data: Mapping[str, Any], source: str) -> Catalog:
    reg = metrics()
    try:
        head = data["standard"]
    except KeyError:
        raise CatalogError(f"{source}: no [standard] table") from None
    items: dict[str, Item] = {}
    for raw in data.get("item", []):
        raw = dict(raw)
        iid = raw.get("id")
        if not iid:
            raise CatalogError(f"{source}: an item has no id")
        if iid in items:
            raise CatalogError(f"{source}: item {iid} appears twice")
        if raw.get("modality") not in MODALITIES:
            raise CatalogError(f"{source}: {iid}: modality {raw.get('modality')!r} not one of {MODALITIES}")
        if raw.get("section") not in SECTIONS:
            raise CatalogError(f"{source}: {iid}: section {raw.get('section')!r} not one of {SECTIONS}")
        kinds = tuple(raw.pop("kinds", ()))
        bad = [k for k in kinds if k not in EVIDENCE_KINDS]
        if not kinds or bad:
            raise CatalogError(f"{source}: {iid}: evidence kinds {kinds} invalid")
        crits = []
        for c in raw.pop("criteria", []):
            m = c.get("metric")
            if m not in reg:
                raise CatalogError(f"{source}: {iid}: metric {m!r} is not in metrics.toml")
            try:
                crits.append(criterion_from_dict(c, label_zh=reg[m].label_zh, label_en=reg[m].label_en, unit=reg[m].unit))
            except (CriterionError, TypeError) as e:
                raise CatalogError(f"{source}: {iid}: {e}") from None
        tts = tuple(raw.pop("test_types", ()))
        if any(t not in TEST_TYPES for t in tts):
            raise CatalogError(f"{source}: {iid}: test types {tts} invalid")
        for key in ("checklist", "checklist_zh"):
            if key in raw:
                raw[key] = tuple(raw[key])
        try:
            items[iid] = Item(kinds=kinds, criteria=tuple(crits), test_types=tts, **raw)
        except TypeError as e:
            raise CatalogError(f"{source}: {iid}: {e}") from None
    return Catalog(
        id=head["id"],
        version=str(head["version"]),
        title_zh=head.get("title_zh", ""),
        title_en=head.get("title_en", ""),
        issued_by=head.get("issued_by", ""),
        items=items,
        source=source,
    )


def available() -> list[str]:
    """Names of the catalogs shipped with huren."""
    root = resources.files("huren.standard").joinpath("catalogs")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_catalog(name_or_path: str | Path | None = None) -> Catalog:
    """Load a shipped catalog by name (default: the Taiyuan trial standard) or a file."""
    if name_or_path is None:
        name_or_path = DEFAULT_STANDARD
    p = Path(name_or_path)
    if p.suffix == ".toml" and p.exists():
        return _parse(tomllib.loads(p.read_text("utf-8")), str(p))
    return _cached(str(name_or_path))


@lru_cache(maxsize=8)
def _cached(name: str) -> Catalog:
    res = resources.files("huren.standard").joinpath("catalogs", f"{name}.toml")
    if not res.is_file():
        raise CatalogError(f"no catalog named {name!r}; available: {', '.join(available())}")
    return _parse(tomllib.loads(res.read_text("utf-8")), f"catalogs/{name}.toml")


def judge(
    result,
    catalog: Catalog | None = None,
    *,
    test_type: str | None = None,
    baselines: Mapping[str, float] | None = None,
    on: dt.date | None = None,
):
    """Attach the catalog's criterion and verdict to every measurement of ``result``.

    ``baselines`` maps ``metric`` (or ``ITEM:metric``) to a recorded baseline value.
    A measurement's own ``details['nominal']`` is the reference of a ``nominal``
    criterion that has no fixed nominal. Returns ``result`` (changed in place).
    """
    catalog = catalog or load_catalog()
    baselines = baselines or {}
    for m in result.measurements:
        if m.item not in catalog:
            m.verdict, m.criterion = "info", None
            continue
        tt = m.test_type or test_type or catalog[m.item].default_test_type
        crit = catalog.criterion(m.item, m.metric, tt, m.method, m.details)
        m.test_type = tt
        if crit is None:
            m.verdict, m.criterion, m.reason_zh, m.reason_en = "info", None, None, None
            continue
        baseline = baselines.get(f"{m.item}:{m.metric}", baselines.get(m.metric))
        j = crit.evaluate(m.value, reference=m.details.get("nominal"), baseline=baseline, details=m.details, on=on)
        m.criterion = crit.to_dict()
        verdict = j.verdict
        if verdict in ("missing", "overdue", "not_applicable"):
            # a result only knows pass / fail / info / not_evaluable
            verdict = "not_evaluable"
        m.verdict, m.reason_zh, m.reason_en = verdict, j.reason_zh, j.reason_en
        if baseline is not None:
            m.details.setdefault("baseline", baseline)
    return result


def judge_value(
    item_id: str,
    metric: str,
    value: Any,
    *,
    catalog: Catalog | None = None,
    test_type: str | None = None,
    method: str | None = None,
    reference: float | None = None,
    baseline: float | None = None,
    details: Mapping[str, Any] | None = None,
    on: dt.date | None = None,
):
    """Judge one value of ``metric`` for ``item_id``; None if the catalog has no criterion."""
    catalog = catalog or load_catalog()
    crit = catalog.criterion(item_id, metric, test_type, method, details)
    if crit is None:
        return None
    return crit.evaluate(value, reference=reference, baseline=baseline, details=details, on=on)


def iter_criteria(catalog: Catalog) -> Iterable[tuple[Item, Criterion]]:
    for item in catalog.items.values():
        for c in item.criteria:
            yield item, c

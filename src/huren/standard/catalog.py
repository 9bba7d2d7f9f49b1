"""Load a standard's catalog (one TOML file per standard version) and judge results by it.

A catalog file lives in ``huren/standard/catalogs/``; adding a second standard version
is adding a file. Each ``[[item]]`` names a requirement of the standard and holds its
criteria (``[[item.criteria]]``), one per metric and test type, in the language of
:mod:`huren.standard.criteria`.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from collections import Counter
from dataclasses import dataclass, field, replace
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping

from huren.standard.criteria import TEST_TYPES, Criterion, CriterionError, Judgement, criterion_from_dict

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
    # a few metrics are reported in another unit under one item (MTF: lp/cm for CT and MR,
    # lp/mm for DR, as docs/measurements.md says)
    item_units: tuple[tuple[str, str], ...] = ()

    def unit_for(self, item_id: str | None = None) -> str:
        """The unit of this metric under ``item_id``."""
        return dict(self.item_units).get(item_id or "", self.unit)


@lru_cache(maxsize=1)
def metrics() -> dict[str, Metric]:
    """The metric registry (``metrics.toml``): label and unit of every metric name."""
    data = tomllib.loads(resources.files("huren.standard").joinpath("metrics.toml").read_text("utf-8"))
    return {
        k: Metric(k, v["label_zh"], v["label_en"], v.get("unit", ""), tuple(sorted(v.get("item_units", {}).items())))
        for k, v in data.items()
    }


def unit_for(metric: str, item_id: str | None = None) -> str:
    """The unit a value of ``metric`` carries under ``item_id`` (KeyError if unknown)."""
    return metrics()[metric].unit_for(item_id)


def _probe(c: Criterion) -> float:
    """A value of ``c.when_key`` inside the criterion's window."""
    if c.when_min is not None:
        return c.when_min
    if c.when_max is not None:
        return c.when_max - 1e-9
    return 0.0


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
    # metrics recorded under the item for information only (no criterion judges them):
    # the catalog's ``metrics = [...]``
    info_metrics: tuple[str, ...] = ()
    # set from the catalog's [recording] table: a document alone may satisfy the item
    document_alone: bool = False

    @property
    def metrics(self) -> tuple[str, ...]:
        """Every metric a measurement under this item may carry: its criteria's, then its informational ones."""
        out = dict.fromkeys(c.metric for c in self.criteria)
        out.update(dict.fromkeys(self.info_metrics))
        return tuple(out)

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

    def missing_details(
        self,
        metric: str,
        test_type: str | None = None,
        method: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> list[str]:
        """Details a measurement lacks for a criterion of ``metric`` to apply.

        Non-empty only when no criterion applies but one would, given the detail
        (e.g. ``field_strength_t`` for the ACR PIU, ``maker`` / ``nyquist_lp_mm`` for
        the DR limiting resolution): the measurement is then not judged for want of
        data rather than recorded as information.
        """
        if self.criterion(metric, test_type, method, details) is not None:
            return []
        tt = test_type or self.default_test_type
        details = details or {}
        keys = []
        for c in self.criteria:
            if (c.metric == metric and c.test_type in (tt, None) and c.when_key
                    and details.get(c.when_key) is None and c.applies(method, {**details, c.when_key: _probe(c)})):
                if c.when_key not in keys:
                    keys.append(c.when_key)
        return keys

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
            "metrics": list(self.metrics),
            "checklist": list(self.checklist),
            "checklist_zh": list(self.checklist_zh),
            "required": self.required,
            "period_zh": self.period_zh,
            "period_en": self.period_en,
            "notes": self.notes,
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
    recording: "Recording | None" = None

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


_ITEM_FIELDS = (set(Item.__dataclass_fields__) - {"info_metrics", "document_alone"}) | {"criteria", "metrics"}


def _criterion_key(c: Criterion) -> tuple:
    """What makes two criteria of an item compete for the same measurement."""
    return (c.metric, c.test_type, c.method, c.when_key, c.when_min, c.when_max)


def _parse_item(raw: Mapping[str, Any], source: str, seen: Mapping[str, Item]) -> Item:
    reg = metrics()
    raw = dict(raw)
    iid = raw.get("id")
    if not iid or not isinstance(iid, str):
        raise CatalogError(f"{source}: an item has no id")
    where = f"{source}: {iid}"
    if iid in seen:
        raise CatalogError(f"{where}: item id appears twice")
    unknown = set(raw) - _ITEM_FIELDS
    if unknown:
        raise CatalogError(f"{where}: unknown fields {sorted(unknown)}")
    if raw.get("modality") not in MODALITIES:
        raise CatalogError(f"{where}: modality {raw.get('modality')!r} not one of {MODALITIES}")
    if raw.get("section") not in SECTIONS:
        raise CatalogError(f"{where}: section {raw.get('section')!r} not one of {SECTIONS}")
    for key in ("text_zh", "text_en"):
        if not isinstance(raw.get(key), str) or not raw[key].strip():
            raise CatalogError(f"{where}: {key} is missing or empty")
    kinds = tuple(raw.pop("kinds", ()))
    bad = [k for k in kinds if k not in EVIDENCE_KINDS]
    if not kinds or bad:
        raise CatalogError(f"{where}: evidence kinds {list(kinds)} invalid; each must be one of {EVIDENCE_KINDS}")
    tts = tuple(raw.pop("test_types", ()))
    if any(t not in TEST_TYPES for t in tts):
        raise CatalogError(f"{where}: test types {list(tts)} invalid; each must be one of {TEST_TYPES}")
    dtt = raw.get("default_test_type")
    if dtt is not None and dtt not in tts:
        raise CatalogError(f"{where}: default_test_type {dtt!r} is not one of the item's test_types {list(tts)}")
    period = raw.get("period_days")
    if period is not None and (isinstance(period, bool) or not isinstance(period, int) or period < 0):
        raise CatalogError(f"{where}: period_days must be a whole number of days ≥ 0, not {period!r}")
    crits: list[Criterion] = []
    for c in raw.pop("criteria", []):
        m = c.get("metric")
        if m not in reg:
            raise CatalogError(f"{where}: metric {m!r} is not in metrics.toml")
        try:
            crit = criterion_from_dict(c, label_zh=reg[m].label_zh, label_en=reg[m].label_en, unit=reg[m].unit_for(iid))
        except (CriterionError, TypeError) as e:
            raise CatalogError(f"{where}: {e}") from None
        if crit.test_type is not None and crit.test_type not in tts:
            raise CatalogError(f"{where}: criterion for {m} has test type {crit.test_type!r}, "
                               f"which is not one of the item's test_types {list(tts)}")
        clash = [o for o in crits if _criterion_key(o) == _criterion_key(crit)]
        if clash:
            raise CatalogError(f"{where}: two criteria for metric {m!r} and test type "
                               f"{crit.test_type or 'all'} apply to the same measurements")
        crits.append(crit)
    info = raw.pop("metrics", [])
    if not isinstance(info, list) or not all(isinstance(m, str) for m in info):
        raise CatalogError(f"{where}: metrics must be a list of metric names, not {info!r}")
    unknown_metrics = [m for m in info if m not in reg]
    if unknown_metrics:
        raise CatalogError(f"{where}: metrics {unknown_metrics} are not in metrics.toml")
    if len(set(info)) != len(info):
        raise CatalogError(f"{where}: a metric appears twice in metrics {info}")
    for key in ("checklist", "checklist_zh"):
        if key in raw:
            raw[key] = tuple(raw[key])
    if len(raw.get("checklist", ())) != len(raw.get("checklist_zh", ())):
        raise CatalogError(f"{where}: checklist and checklist_zh differ in length")
    try:
        return Item(kinds=kinds, criteria=tuple(crits), test_types=tts, info_metrics=tuple(info), **raw)
    except TypeError as e:
        raise CatalogError(f"{where}: {e}") from None


def _parse(data: Mapping[str, Any], source: str) -> Catalog:
    head = data.get("standard")
    if not isinstance(head, Mapping):
        raise CatalogError(f"{source}: no [standard] table")
    for key in ("id", "version"):
        if not head.get(key):
            raise CatalogError(f"{source}: [standard] has no {key}")
    unknown = set(data) - {"standard", "item", "recognition", "recording", "image_quality_verdicts"}
    if unknown:
        raise CatalogError(f"{source}: unknown top-level tables {sorted(unknown)} (items are [[item]])")
    items: dict[str, Item] = {}
    for raw in data.get("item", []):
        item = _parse_item(raw, source, items)
        items[item.id] = item
    if not items:
        raise CatalogError(f"{source}: the catalog has no [[item]]")
    recording = parse_recording(data.get("recording", {}), items, source)
    items = {k: replace(v, document_alone=k in recording.document_alone) for k, v in items.items()}
    return Catalog(
        id=head["id"],
        version=str(head["version"]),
        title_zh=head.get("title_zh", ""),
        title_en=head.get("title_en", ""),
        issued_by=head.get("issued_by", ""),
        items=items,
        source=source,
        recording=recording,
    )


def _loads(text: str, source: str) -> Catalog:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise CatalogError(f"{source}: not valid TOML: {e}") from None
    return _parse(data, source)


def available() -> list[str]:
    """Names of the catalogs shipped with huren."""
    root = resources.files("huren.standard").joinpath("catalogs")
    return sorted(p.name[:-5] for p in root.iterdir() if p.name.endswith(".toml"))


def load_catalog(name_or_path: str | Path | None = None) -> Catalog:
    """Load a shipped catalog by name (default: the Taiyuan trial standard) or a file."""
    if name_or_path is None:
        name_or_path = DEFAULT_STANDARD
    p = Path(name_or_path)
    if p.suffix == ".toml":
        try:
            text = p.read_text("utf-8")
        except (OSError, UnicodeDecodeError) as e:
            raise CatalogError(f"{p}: cannot read the catalog file: {e}") from None
        return _loads(text, str(p))
    return _cached(str(name_or_path))


@lru_cache(maxsize=8)
def _cached(name: str) -> Catalog:
    res = resources.files("huren.standard").joinpath("catalogs", f"{name}.toml")
    if not res.is_file():
        raise CatalogError(f"no catalog named {name!r}; available: {', '.join(available())}")
    return _loads(res.read_text("utf-8"), f"catalogs/{name}.toml")


def baseline_key(item: str, metric: str, method: str | None, seen: Counter) -> str:
    """``ITEM:metric:method#n``: the n-th (from 1) measurement of that item, metric and method.

    ``seen`` counts the keys already given out, so calling this for each measurement of a
    result in order numbers repeated measurements (one per series) the same way in the
    baseline run and in the run judged against it.
    """
    base = f"{item}:{metric}:{method or ''}"
    seen[base] += 1
    return f"{base}#{seen[base]}"


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
    # The device's field strength selects field-dependent criteria (ACR PIU, spokes)
    # when the analysis did not copy it into the measurement's details.
    device = getattr(result, "device", None)
    device_ctx = {}
    if device is not None and getattr(device, "field_strength_t", None) is not None:
        device_ctx["field_strength_t"] = device.field_strength_t
    # the n-th measurement of an item, metric and method is judged against the n-th of the
    # baseline run when the baselines carry such keys (see huren.analysis.read_baselines)
    seen: Counter = Counter()
    occurrence = {id(m): baseline_key(m.item, m.metric, m.method, seen) for m in result.measurements}
    for m in result.measurements:
        if m.item not in catalog:
            m.verdict, m.criterion = "info", None
            continue
        tt = m.test_type or test_type or catalog[m.item].default_test_type
        ctx = {**device_ctx, **(m.details or {})}
        crit = catalog.criterion(m.item, m.metric, tt, m.method, ctx)
        m.test_type = tt
        if crit is None:
            lacking = catalog[m.item].missing_details(m.metric, tt, m.method, ctx)
            if lacking:
                j = _lacking(m.metric, lacking)
                m.verdict, m.criterion, m.reason_zh, m.reason_en = "not_evaluable", None, j.reason_zh, j.reason_en
            else:
                m.verdict, m.criterion, m.reason_zh, m.reason_en = "info", None, None, None
            continue
        baseline = baselines.get(occurrence[id(m)], baselines.get(f"{m.item}:{m.metric}", baselines.get(m.metric)))
        j = crit.evaluate(m.value, reference=ctx.get("nominal"), baseline=baseline, details=ctx, on=on)
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
    """Judge one value of ``metric`` for ``item_id``.

    None if the catalog has no criterion for it (the value is information only); a
    ``missing`` judgement naming the detail when a criterion needs one that is not
    given (the field strength, the maker's value).
    """
    catalog = catalog or load_catalog()
    crit = catalog.criterion(item_id, metric, test_type, method, details)
    if crit is None:
        lacking = catalog[item_id].missing_details(metric, test_type, method, details)
        return _lacking(metric, lacking) if lacking else None
    return crit.evaluate(value, reference=reference, baseline=baseline, details=details, on=on)


def _lacking(metric: str, keys: list[str]) -> Judgement:
    m = metrics().get(metric)
    zh, en = (m.label_zh, m.label_en) if m else (metric, metric)
    names = " / ".join(keys)
    return Judgement("missing", f"{zh}：缺少 {names}，无法选择判定标准",
                     f"{en}: {names} not given, so no criterion can be chosen")


def iter_criteria(catalog: Catalog) -> Iterable[tuple[Item, Criterion]]:
    for item in catalog.items.values():
        for c in item.criteria:
            yield item, c


# ----------------------------------------------------------------- recognition rules
@dataclass(frozen=True)
class ExamItem:
    """A recognisable examination item (``[[recognition.exam]]``)."""

    code: str
    modality: str
    title_zh: str
    title_en: str
    body_parts: tuple[str, ...]
    words: tuple[str, ...]
    validity_days: int

    def matches(self, modality: str, body_part: str = "", description: str = "") -> bool:
        if modality != self.modality:
            return False
        bp = "".join(ch for ch in (body_part or "").upper() if ch.isalnum())
        if bp and bp in self.body_parts:
            return True
        text = (description or "").casefold()
        return bool(text) and any(w.casefold() in text for w in self.words)


@dataclass(frozen=True)
class RecognitionRules:
    """How qualification becomes recognition (``[recognition]`` of a catalog file)."""

    on_fail: str
    on_overdue: str
    on_missing: str
    overdue_grace_days: int
    rectify_grants: str
    warn_items: frozenset[str]
    suspend_items: frozenset[str]
    exams: tuple[ExamItem, ...]
    reasons: tuple[tuple[str, str, str], ...]  # (code, zh, en)

    def effect(self, item_id: str, verdict: str) -> str | None:
        """"suspend", "warn" or None for a required item worse than at its decision."""
        base = {"fail": self.on_fail, "overdue": self.on_overdue, "missing": self.on_missing}.get(verdict)
        if base is None:
            return None
        if item_id in self.suspend_items:
            return "suspend"
        if item_id in self.warn_items:
            return "warn"
        return base

    def exams_for(self, modality: str, body_part: str = "", description: str = "") -> list[ExamItem]:
        return [e for e in self.exams if e.matches(modality, body_part, description)]


_EFFECTS = ("suspend", "warn")
RECTIFY_GRANTS = ("none", "after_retest", "full")


def parse_recognition_rules(data: Mapping[str, Any], source: str, item_ids: Iterable[str] = ()) -> RecognitionRules:
    raw = data.get("recognition")
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{source}: no [recognition] table")
    where = f"{source}: [recognition]"
    known = set(item_ids)
    for key in ("on_fail", "on_overdue", "on_missing"):
        if raw.get(key) not in _EFFECTS:
            raise CatalogError(f"{where}: {key} must be one of {_EFFECTS}, not {raw.get(key)!r}")
    grace = raw.get("overdue_grace_days")
    if isinstance(grace, bool) or not isinstance(grace, int) or grace < 0:
        raise CatalogError(f"{where}: overdue_grace_days must be a whole number of days ≥ 0, not {grace!r}")
    if raw.get("rectify_grants") not in RECTIFY_GRANTS:
        raise CatalogError(f"{where}: rectify_grants must be one of {RECTIFY_GRANTS}, not {raw.get('rectify_grants')!r}")
    lists = {}
    for key in ("warn_items", "suspend_items"):
        v = raw.get(key, [])
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise CatalogError(f"{where}: {key} must be a list of item ids")
        if known and set(v) - known:
            raise CatalogError(f"{where}: {key} names unknown items {sorted(set(v) - known)}")
        lists[key] = frozenset(v)
    both = lists["warn_items"] & lists["suspend_items"]
    if both:
        raise CatalogError(f"{where}: items both warn and suspend: {sorted(both)}")
    exams, codes = [], set()
    for e in raw.get("exam", []):
        code = e.get("code")
        if not code or code in codes:
            raise CatalogError(f"{where}: an exam item has no code or a code used twice ({code!r})")
        codes.add(code)
        if e.get("modality") not in MODALITIES:
            raise CatalogError(f"{where}: exam {code}: modality {e.get('modality')!r} not one of {MODALITIES}")
        days = e.get("validity_days")
        if isinstance(days, bool) or not isinstance(days, int) or days < 1:
            raise CatalogError(f"{where}: exam {code}: validity_days must be a whole number ≥ 1, not {days!r}")
        unknown = set(e) - {"code", "modality", "title_zh", "title_en", "body_parts", "words", "validity_days"}
        if unknown:
            raise CatalogError(f"{where}: exam {code}: unknown fields {sorted(unknown)}")
        exams.append(ExamItem(code, e["modality"], e.get("title_zh", code), e.get("title_en", code),
                              tuple(str(b).upper() for b in e.get("body_parts", [])),
                              tuple(e.get("words", [])), days))
    reasons, rcodes = [], set()
    for r in raw.get("reason", []):
        code = r.get("code")
        if not code or code in rcodes or not r.get("zh") or not r.get("en"):
            raise CatalogError(f"{where}: a reason needs a unique code, zh and en ({code!r})")
        rcodes.add(code)
        reasons.append((code, r["zh"], r["en"]))
    return RecognitionRules(raw["on_fail"], raw["on_overdue"], raw["on_missing"], grace, raw["rectify_grants"],
                            lists["warn_items"], lists["suspend_items"], tuple(exams), tuple(reasons))


def recognition_rules(catalog: Catalog | None = None) -> RecognitionRules:
    """The recognition rules of ``catalog`` (default: the standard in its shipped file)."""
    catalog = catalog or load_catalog()
    return _rules_cached(catalog.source, tuple(catalog.items))


@lru_cache(maxsize=8)
def _rules_cached(source: str, item_ids: tuple[str, ...]) -> RecognitionRules:
    if source.startswith("catalogs/"):
        text = resources.files("huren.standard").joinpath(*source.split("/")).read_text("utf-8")
    else:
        text = Path(source).read_text("utf-8")
    return parse_recognition_rules(tomllib.loads(text), source, item_ids)
# ----------------------------------------------------------------------- who records what
RECORD_KINDS = ("measurement", "log", "check", "document", "shielding")
ROLE_NAMES = ("qc_admin", "evaluator", "hospital_manager", "technologist")  # huren.accounts.roles


@dataclass(frozen=True)
class RecordingRule:
    """Who may record one class of evidence. A rule matches a record when every matcher it
    gives matches (``kinds``: the record's kind; ``sections``, ``items``, ``metrics``: the
    record's catalog items and metric); ``roles`` are the roles allowed."""

    roles: tuple[str, ...]
    kinds: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    items: tuple[str, ...] = ()
    metrics: tuple[str, ...] = ()
    why_zh: str = ""
    why_en: str = ""

    def matches(self, kind: str, items: Iterable[Item], metric: str | None) -> bool:
        items = list(items)
        if self.kinds and kind not in self.kinds:
            return False
        if self.metrics and metric not in self.metrics:
            return False
        if self.items and not any(i.id in self.items for i in items):
            return False
        if self.sections and not any(i.section in self.sections for i in items):
            return False
        return True


@dataclass(frozen=True)
class Recording:
    """The catalog's ``[recording]`` table: who may record what, and which items a document
    alone can satisfy (every other item naming metrics needs the figures)."""

    rules: tuple[RecordingRule, ...] = ()
    document_alone: frozenset[str] = frozenset()

    def allowed_roles(self, kind: str, items: Iterable[Item] = (), metric: str | None = None):
        """(roles, rule) of every rule matching the record, intersected; ``(None, None)`` when no rule
        matches (anyone with write access may record it)."""
        items = list(items)
        roles, first = None, None
        for r in self.rules:
            if r.matches(kind, items, metric):
                roles = set(r.roles) if roles is None else roles & set(r.roles)
                first = first or r
        return roles, first


def _strs(v, where: str, key: str, allowed: Iterable[str] | None = None) -> tuple[str, ...]:
    if v is None:
        return ()
    if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
        raise CatalogError(f"{where}: {key} must be a list of names, not {v!r}")
    if allowed is not None:
        bad = [x for x in v if x not in set(allowed)]
        if bad:
            raise CatalogError(f"{where}: {key} {bad} unknown")
    return tuple(v)


def parse_recording(raw: Mapping[str, Any], items: Mapping[str, Item], source: str) -> Recording:
    """Parse and check the ``[recording]`` table (see the catalog's comment block)."""
    where = f"{source}: [recording]"
    if not isinstance(raw, Mapping):
        raise CatalogError(f"{where} must be a table")
    unknown = set(raw) - {"document_alone", "rule"}
    if unknown:
        raise CatalogError(f"{where}: unknown keys {sorted(unknown)}")
    alone = _strs(raw.get("document_alone", []), where, "document_alone", items)
    not_doc = [i for i in alone if "doc" not in items[i].kinds]
    if not_doc:
        raise CatalogError(f"{where}: document_alone names items without the doc kind: {not_doc}")
    rules = []
    for n, r in enumerate(raw.get("rule", []), 1):
        w = f"{where} rule {n}"
        bad = set(r) - {"roles", "kinds", "sections", "items", "metrics", "why_zh", "why_en"}
        if bad:
            raise CatalogError(f"{w}: unknown keys {sorted(bad)}")
        roles = _strs(r.get("roles"), w, "roles", ROLE_NAMES)
        if not roles:
            raise CatalogError(f"{w}: names no roles")
        rules.append(RecordingRule(
            roles=roles, kinds=_strs(r.get("kinds"), w, "kinds", RECORD_KINDS),
            sections=_strs(r.get("sections"), w, "sections", SECTIONS), items=_strs(r.get("items"), w, "items", items),
            metrics=_strs(r.get("metrics"), w, "metrics", metrics()),
            why_zh=str(r.get("why_zh", "")), why_en=str(r.get("why_en", ""))))
    return Recording(tuple(rules), frozenset(alone))


# ------------------------------------------------------------- image-quality verdicts (issue 8)
IQ_VERDICT_KEYS = {"source", "window_days", "grades", "pass_points", "automatic_min_pass_rate",
                   "automatic_min_studies", "expert_min_pass_share", "expert_min_sheets", "sampling"}


def image_quality_verdicts(catalog: Catalog | None = None) -> dict:
    """The catalog's ``[image_quality_verdicts]`` table (how an IQ item's verdict combines the
    automatic checks' pass rate and the experts' grades of the sample), checked. Raises
    :class:`CatalogError` when it is absent or malformed."""
    source = (catalog.source if catalog is not None else f"catalogs/{DEFAULT_STANDARD}.toml") or ""
    return _iq_verdicts(source)


@lru_cache(maxsize=8)
def _iq_verdicts(source: str) -> dict:
    if source.startswith("catalogs/"):
        text = resources.files("huren.standard").joinpath(*source.split("/")).read_text("utf-8")
    else:
        text = Path(source).read_text("utf-8")
    t = tomllib.loads(text).get("image_quality_verdicts")
    if not isinstance(t, Mapping):
        raise CatalogError(f"{source}: no [image_quality_verdicts] table")
    unknown = set(t) - IQ_VERDICT_KEYS
    missing = IQ_VERDICT_KEYS - set(t) - {"source"}
    if unknown or missing:
        raise CatalogError(f"{source}: [image_quality_verdicts] unknown {sorted(unknown)}, missing {sorted(missing)}")
    grades = t["grades"]
    if not grades or any(set(g) != {"points", "zh", "en"} for g in grades):
        raise CatalogError(f"{source}: [image_quality_verdicts] grades need points, zh and en")
    points = [g["points"] for g in grades]
    if t["pass_points"] not in points:
        raise CatalogError(f"{source}: [image_quality_verdicts] pass_points is not one of the grades' points")
    for k in ("automatic_min_pass_rate", "expert_min_pass_share"):
        if not 0 <= float(t[k]) <= 1:
            raise CatalogError(f"{source}: [image_quality_verdicts] {k} must be between 0 and 1")
    s = t["sampling"]
    if not isinstance(s, Mapping) or int(s.get("per_period", 0)) < 1 or s.get("period") not in ("month", "quarter"):
        raise CatalogError(f"{source}: [image_quality_verdicts.sampling] needs per_period ≥ 1 and period month|quarter")
    return dict(t)

"""The criterion language of the catalog, and its evaluation.

Every form the Taiyuan standard and the national standards it cites use is one
``kind`` of :class:`Criterion`:

``range``
    closed or open bounds with a unit: ``18–24 °C``, ``≤ 5.0 %``, ``> 5.0 lp/cm``.
``deviation``
    ``|value − reference| ≤ tolerance``, where the reference is a ``nominal`` value
    (fixed in the catalog or supplied with the measurement, e.g. the nominal slice
    thickness) or a recorded ``baseline``; the tolerance is absolute, relative (%),
    or both combined by the larger or the smaller, and may depend on the size of the
    reference (``tiers``: ±1 mm above 2 mm, ±50 % from 1 to 2 mm, ±0.5 mm below 1 mm).
``ratio``
    ``value / reference ≥ min`` (or ``≤ max``): ≥ 90 % of the maker's value.
``bool``
    yes/no: the answer must be yes (or no, with ``expect = false``).
``all_present``
    every name of ``required`` is present, and in date where an expiry is given.
``log_gap``
    a daily log whose longest gap, up to the day of judgement, is at most
    ``max_gap_days``.
``within_period``
    the last time it was done is within ``period_days`` of the day of judgement.

Evaluation returns a :class:`Judgement` whose reason, in Chinese and English,
names the figures: ``CT值(水) 7.2 HU 超出 ±6 HU``.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

KINDS = ("range", "deviation", "ratio", "bool", "all_present", "log_gap", "within_period")
TEST_TYPES = ("acceptance", "status", "stability")

PASS, FAIL, MISSING, OVERDUE, NOT_EVALUABLE = "pass", "fail", "missing", "overdue", "not_evaluable"


class CriterionError(ValueError):
    """A catalog criterion is malformed."""


@dataclass(frozen=True)
class Tier:
    """A tolerance that applies when the reference lies in ``[ref_min, ref_max)``."""

    ref_min: float | None = None
    ref_max: float | None = None
    ref_min_inclusive: bool = True
    ref_max_inclusive: bool = False
    tolerance_abs: float | None = None
    tolerance_rel_percent: float | None = None

    def applies(self, ref: float) -> bool:
        if self.ref_min is not None:
            if ref < self.ref_min or (ref == self.ref_min and not self.ref_min_inclusive):
                return False
        if self.ref_max is not None:
            if ref > self.ref_max or (ref == self.ref_max and not self.ref_max_inclusive):
                return False
        return True


@dataclass(frozen=True)
class Judgement:
    verdict: str
    reason_zh: str
    reason_en: str


def _fmt(x: Any) -> str:
    """A number as people write it: no trailing zeros; one decimal from 100, two from 1,
    three significant digits below 1 (0.996, 0.0164)."""
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return str(x)
    if float(x).is_integer():
        return str(int(x))
    if abs(x) >= 100:
        s = f"{x:.1f}"
    elif abs(x) >= 1:
        s = f"{x:.2f}"
    else:
        s = f"{x:.3g}"
    return s.rstrip("0").rstrip(".") if "." in s else s


def _fmt_against(x: Any, *limits: Any) -> str:
    """``x`` as :func:`_fmt` writes it, with more digits where the rounded figure would read
    as one of ``limits`` it is not (0.9499 against 0.95: "0.9499", not "0.95")."""
    s = _fmt(x)
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        for lim in limits:
            if isinstance(lim, (int, float)) and lim != x and s == _fmt(lim):
                return f"{x:.6g}"
    return s


def _bounds_text(lo, lo_inclusive: bool, hi, hi_inclusive: bool, u: str, zh: bool) -> str:
    """``≥ 1 mm 且 ≤ 2 mm``: an interval's bounds as people write them."""
    cond = []
    if lo is not None:
        cond.append(f"{'≥' if lo_inclusive else '>'} {_fmt(lo)}{u}")
    if hi is not None:
        cond.append(f"{'≤' if hi_inclusive else '<'} {_fmt(hi)}{u}")
    return (" 且 " if zh else " and ").join(cond)


def _unit(u: str) -> str:
    if not u:
        return ""
    return u if u in ("%", "°C", "°") else f" {u}"


# How a condition on a measurement detail reads: detail key → (zh, en, unit).
_WHEN_NAMES = {"field_strength_t": ("场强", "field strength", "T")}


@dataclass(frozen=True)
class Criterion:
    """One machine-checkable criterion for one metric and test type."""

    metric: str
    kind: str
    unit: str = ""
    test_type: str | None = None
    label_zh: str = ""
    label_en: str = ""
    # range / ratio bounds
    min: float | None = None
    max: float | None = None
    min_inclusive: bool = True
    max_inclusive: bool = True
    # deviation / ratio reference
    reference: str | None = None  # "nominal" | "baseline" | "detail:<key>"
    nominal: float | None = None
    tolerance_abs: float | None = None
    tolerance_rel_percent: float | None = None
    combine: str = "max"  # how abs and rel tolerances combine: the larger or the smaller
    tiers: tuple[Tier, ...] = ()
    # bool
    expect: bool = True
    # all_present
    required: tuple[str, ...] = ()
    required_zh: tuple[str, ...] = ()
    # log_gap / within_period
    max_gap_days: int | None = None
    period_days: int | None = None
    # applicability: only for this analysis method, and only when a measurement
    # detail (e.g. field_strength_t) lies in [when_min, when_max)
    method: str | None = None
    when_key: str | None = None
    when_min: float | None = None
    when_max: float | None = None
    note_zh: str = ""
    note_en: str = ""

    def applies(self, method: str | None = None, details: Mapping[str, Any] | None = None) -> bool:
        """Whether this criterion judges a measurement of ``method`` with ``details``."""
        if self.method is not None and method is not None and self.method != method:
            return False
        if self.when_key is not None:
            v = (details or {}).get(self.when_key)
            if v is None or isinstance(v, bool):
                return False
            if self.when_min is None and self.when_max is None:
                return True  # the detail's presence is the condition (e.g. a maker's value)
            try:
                v = float(v)
            except (TypeError, ValueError):
                return False
            if self.when_min is not None and v < self.when_min:
                return False
            if self.when_max is not None and v >= self.when_max:
                return False
        return True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise CriterionError(f"{self.metric}: unknown criterion kind {self.kind!r}; known kinds: {', '.join(KINDS)}")
        for key in ("min", "max", "nominal", "tolerance_abs", "tolerance_rel_percent", "when_min", "when_max"):
            v = getattr(self, key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, (int, float))):
                raise CriterionError(f"{self.metric}: {key} must be a number, not {v!r}")
        for key in ("tolerance_abs", "tolerance_rel_percent"):
            v = getattr(self, key)
            if v is not None and v < 0:
                raise CriterionError(f"{self.metric}: {key} must not be negative ({v})")
        for key in ("max_gap_days", "period_days"):
            v = getattr(self, key)
            if v is not None and (isinstance(v, bool) or not isinstance(v, int) or v < 0):
                raise CriterionError(f"{self.metric}: {key} must be a whole number of days ≥ 0, not {v!r}")
        if self.combine not in ("max", "min"):
            raise CriterionError(f"{self.metric}: combine must be 'max' or 'min', not {self.combine!r}")
        if self.min is not None and self.max is not None and self.min > self.max:
            raise CriterionError(f"{self.metric}: min {self.min} is above max {self.max}")
        if self.required_zh and len(self.required_zh) != len(self.required):
            raise CriterionError(f"{self.metric}: required_zh has {len(self.required_zh)} names, required has {len(self.required)}")
        if self.test_type is not None and self.test_type not in TEST_TYPES:
            raise CriterionError(f"{self.metric}: unknown test type {self.test_type!r}")
        if self.kind == "range" and self.min is None and self.max is None:
            raise CriterionError(f"{self.metric}: a range needs min or max")
        if self.kind == "deviation":
            if self.reference not in ("nominal", "baseline") and not str(self.reference).startswith("detail:"):
                raise CriterionError(f"{self.metric}: a deviation needs reference nominal, baseline or detail:<key>")
            if self.tolerance_abs is None and self.tolerance_rel_percent is None and not self.tiers:
                raise CriterionError(f"{self.metric}: a deviation needs a tolerance")
        if self.kind == "ratio" and self.min is None and self.max is None:
            raise CriterionError(f"{self.metric}: a ratio needs min or max")
        if self.kind == "all_present" and not self.required:
            raise CriterionError(f"{self.metric}: all_present needs a required list")
        if self.kind == "log_gap" and self.max_gap_days is None:
            raise CriterionError(f"{self.metric}: log_gap needs max_gap_days")
        if self.kind == "within_period" and self.period_days is None:
            raise CriterionError(f"{self.metric}: within_period needs period_days")

    # ------------------------------------------------------------------ text
    def _tol_text(self, tol_abs: float | None, tol_rel: float | None, lang: str) -> str:
        u = _unit(self.unit)
        parts = []
        if tol_abs is not None:
            parts.append(f"±{_fmt(tol_abs)}{u}")
        if tol_rel is not None:
            parts.append(f"±{_fmt(tol_rel)}%")
        if len(parts) == 2:
            if lang == "zh":
                return f"{parts[0]} 或 {parts[1]}（取{'较大' if self.combine == 'max' else '较小'}者）"
            return f"{parts[0]} or {parts[1]} (whichever is {'larger' if self.combine == 'max' else 'smaller'})"
        return parts[0]

    def _ref_name(self, lang: str) -> str:
        if self.reference == "baseline":
            return "基线值" if lang == "zh" else "baseline"
        if self.reference == "nominal":
            if self.nominal is not None:
                return f"{_fmt(self.nominal)}{_unit(self.unit)}".strip()
            return "标称值" if lang == "zh" else "nominal"
        key = str(self.reference).split(":", 1)[-1]
        if key.startswith("nominal"):
            return "标称值" if lang == "zh" else "nominal"
        names = {
            "zh": {"nyquist_lp_mm": "奈奎斯特频率", "maker": "厂家标称值", "maker_lp_mm": "厂家标称值"},
            "en": {"nyquist_lp_mm": "Nyquist frequency", "maker": "maker's value", "maker_lp_mm": "maker's value"},
        }
        return names[lang].get(key, key)

    def text(self, lang: str = "zh") -> str:
        """The criterion as a person writes it, in ``zh`` or ``en``, with its condition."""
        return self._core_text(lang) + self._when_text(lang)

    def _when_text(self, lang: str) -> str:
        """``（场强 < 2.5 T）``: the window of ``when_key`` this criterion applies in."""
        if self.when_key is None or (self.when_min is None and self.when_max is None):
            return ""
        zh = lang == "zh"
        name_zh, name_en, unit = _WHEN_NAMES.get(self.when_key, (self.when_key, self.when_key, ""))
        joined = _bounds_text(self.when_min, True, self.when_max, False, f" {unit}" if unit else "", zh)
        return f"（{name_zh} {joined}）" if zh else f" ({name_en} {joined})"

    def _core_text(self, lang: str) -> str:
        zh = lang == "zh"
        u = _unit(self.unit)
        k = self.kind
        if k == "range":
            lo, hi = self.min, self.max
            if lo is not None and hi is not None:
                if self.min_inclusive and self.max_inclusive:
                    return f"{_fmt(lo)}–{_fmt(hi)}{u}"
                lb = "≥" if self.min_inclusive else ">"
                ub = "≤" if self.max_inclusive else "<"
                return f"{lb} {_fmt(lo)}{u}{'，且' if zh else ' and'} {ub} {_fmt(hi)}{u}"
            if lo is not None:
                return f"{'≥' if self.min_inclusive else '>'} {_fmt(lo)}{u}"
            return f"{'≤' if self.max_inclusive else '<'} {_fmt(hi)}{u}"
        if k == "deviation":
            ref = self._ref_name(lang)
            if self.tiers:
                bits = []
                for t in self.tiers:
                    c = _bounds_text(t.ref_min, t.ref_min_inclusive, t.ref_max, t.ref_max_inclusive, u, zh)
                    tol = self._tol_text(t.tolerance_abs, t.tolerance_rel_percent, lang)
                    bits.append(f"{ref} {c}：{tol}" if zh else f"{tol} for {ref} {c}")
                return "；".join(bits) if zh else "; ".join(bits)
            tol = self._tol_text(self.tolerance_abs, self.tolerance_rel_percent, lang)
            if self.reference == "nominal" and self.nominal is not None:
                if self.nominal == 0:
                    return f"{tol}{'内' if zh else ''}"
                return f"{ref} {tol}{'内' if zh else ''}"
            return f"{ref}{tol}{'内' if zh else ''}" if zh else f"{ref} {tol}"
        if k == "ratio":
            ref = self._ref_name(lang)
            if self.min is not None:
                return f"≥ {ref}的 {_fmt(self.min * 100)}%" if zh else f"≥ {_fmt(self.min * 100)}% of the {ref}"
            return f"≤ {ref}的 {_fmt(self.max * 100)}%" if zh else f"≤ {_fmt(self.max * 100)}% of the {ref}"
        if k == "bool":
            if zh:
                return "是" if self.expect else "否"
            return "yes" if self.expect else "no"
        if k == "all_present":
            names = self.required_zh if (zh and self.required_zh) else self.required
            return ("各项齐全：" if zh else "each present: ") + ("、" if zh else ", ").join(names)
        if k == "log_gap":
            if zh:
                return f"每日记录，间断不超过 {self.max_gap_days} 天"
            return f"daily entries, no gap longer than {self.max_gap_days} day{'s' if self.max_gap_days != 1 else ''}"
        if k == "within_period":
            return f"最近一次在 {self.period_days} 天内" if zh else f"last done within {self.period_days} days"
        raise AssertionError(k)

    def to_dict(self) -> dict:
        """The criterion as it appears in a result (``{"text": ..., "min": ...}``)."""
        d: dict[str, Any] = {"text": self.text("zh"), "text_en": self.text("en"), "kind": self.kind}
        for key in ("min", "max", "nominal", "tolerance_abs", "tolerance_rel_percent", "reference",
                    "max_gap_days", "period_days"):
            v = getattr(self, key)
            if v is not None:
                d[key] = v
        if self.kind == "range":
            d["min_inclusive"], d["max_inclusive"] = self.min_inclusive, self.max_inclusive
        if self.test_type:
            d["test_type"] = self.test_type
        if self.unit:
            d["unit"] = self.unit
        if self.tiers:
            d["tiers"] = [t.__dict__ for t in self.tiers]
        if self.required:
            d["required"] = list(self.required)
        if self.required_zh:
            d["required_zh"] = list(self.required_zh)
        if self.kind == "bool":
            d["expect"] = self.expect
        for key in ("method", "when_key", "when_min", "when_max", "note_zh", "note_en"):
            v = getattr(self, key)
            if v not in (None, ""):
                d[key] = v
        return d

    # ------------------------------------------------------------- evaluate
    def _label(self, lang: str) -> str:
        return (self.label_zh if lang == "zh" else self.label_en) or self.metric

    def _j(self, verdict: str, zh: str, en: str) -> Judgement:
        return Judgement(verdict, f"{self._label('zh')} {zh}", f"{self._label('en')} {en}")

    def evaluate(
        self,
        value: Any,
        *,
        reference: float | None = None,
        baseline: float | None = None,
        details: Mapping[str, Any] | None = None,
        on: dt.date | None = None,
    ) -> Judgement:
        """Judge ``value`` (in ``self.unit``) against this criterion.

        ``reference`` is the nominal value when the catalog has none (e.g. the
        nominal slice thickness from the header); ``baseline`` the recorded
        baseline; ``details`` supplies ``detail:<key>`` references; ``on`` is the
        day of judgement for log and period criteria (today by default).
        """
        k = self.kind
        if value is None:
            return Judgement(MISSING, f"{self._label('zh')} 无数据", f"{self._label('en')}: no data")
        if k == "range":
            return self._eval_range(value)
        if k == "deviation":
            return self._eval_deviation(value, reference, baseline, details)
        if k == "ratio":
            return self._eval_ratio(value, reference, baseline, details)
        if k == "bool":
            return self._eval_bool(value)
        if k == "all_present":
            return self._eval_all_present(value, on)
        if k == "log_gap":
            return self._eval_log_gap(value, on)
        if k == "within_period":
            return self._eval_period(value, on)
        raise AssertionError(k)

    def _number(self, value: Any) -> float | None:
        if isinstance(value, bool):
            return None
        try:
            v = float(value)
        except (TypeError, ValueError):
            return None
        return None if math.isnan(v) else v

    def _not_number(self, value: Any) -> Judgement:
        return Judgement(
            NOT_EVALUABLE,
            f"{self._label('zh')} 的值 {value!r} 不是数值",
            f"{self._label('en')} value {value!r} is not a number",
        )

    def _eval_range(self, value: Any) -> Judgement:
        v = self._number(value)
        if v is None:
            return self._not_number(value)
        u = _unit(self.unit)
        ok = True
        if self.min is not None:
            ok &= v > self.min or (self.min_inclusive and v == self.min)
        if self.max is not None:
            ok &= v < self.max or (self.max_inclusive and v == self.max)
        crit_zh, crit_en = self.text("zh"), self.text("en")
        shown = _fmt_against(v, self.min, self.max)
        if ok:
            return self._j(PASS, f"{shown}{u} 符合 {crit_zh}", f"{shown}{u} meets {crit_en}")
        return self._j(FAIL, f"{shown}{u} 不符合 {crit_zh}", f"{shown}{u} fails {crit_en}")

    def _resolve_ref(self, reference, baseline, details) -> tuple[float | None, str, str]:
        if self.reference == "baseline":
            return (self._number(baseline) if baseline is not None else None, "基线值", "baseline")
        if self.reference == "nominal":
            ref = self.nominal if self.nominal is not None else reference
            return (self._number(ref) if ref is not None else None, "标称值", "nominal")
        key = str(self.reference).split(":", 1)[-1]
        raw = (details or {}).get(key, reference)
        return (self._number(raw) if raw is not None else None, self._ref_name("zh"), self._ref_name("en"))

    def tolerance_for(self, ref: float) -> float | None:
        """The absolute tolerance (in ``unit``) that applies around ``ref``."""
        tol_abs, tol_rel = self.tolerance_abs, self.tolerance_rel_percent
        if self.tiers:
            for t in self.tiers:
                if t.applies(ref):
                    tol_abs, tol_rel = t.tolerance_abs, t.tolerance_rel_percent
                    break
            else:
                return None
        cands = []
        if tol_abs is not None:
            cands.append(tol_abs)
        if tol_rel is not None:
            cands.append(abs(ref) * tol_rel / 100.0)
        if not cands:
            return None
        return max(cands) if self.combine == "max" else min(cands)

    def _eval_deviation(self, value, reference, baseline, details) -> Judgement:
        v = self._number(value)
        if v is None:
            return self._not_number(value)
        ref, rzh, ren = self._resolve_ref(reference, baseline, details)
        if ref is None:
            return Judgement(
                MISSING,
                f"{self._label('zh')} {_fmt(v)}{_unit(self.unit)}：缺少{rzh}，无法判定",
                f"{self._label('en')} {_fmt(v)}{_unit(self.unit)}: no {ren} recorded, cannot judge",
            )
        tol = self.tolerance_for(ref)
        if tol is None:
            return Judgement(
                NOT_EVALUABLE,
                f"{self._label('zh')}：{rzh} {_fmt(ref)}{_unit(self.unit)} 不在标准规定的范围内",
                f"{self._label('en')}: {ren} {_fmt(ref)}{_unit(self.unit)} is outside the ranges the standard covers",
            )
        dev = v - ref
        u = _unit(self.unit)
        # Round the deviation to 1e-9 so that 6.000000001 from float arithmetic is a boundary.
        ok = round(abs(dev), 9) <= tol
        sign = "+" if dev >= 0 else "−"
        dz = f"{_fmt(v)}{u}（{rzh} {_fmt(ref)}{u}，偏差 {sign}{_fmt(abs(dev))}{u}）"
        de = f"{_fmt(v)}{u} ({ren} {_fmt(ref)}{u}, deviation {sign}{_fmt(abs(dev))}{u})"
        tz = te = f"±{_fmt(tol)}{u}"
        if self.tiers or self.tolerance_rel_percent is not None:
            # a tolerance computed from a percentage: say where it came from
            tz, te = f"{tz}（{self.text('zh')}）", f"{te} ({self.text('en')})"
        if ok:
            return self._j(PASS, f"{dz} 在 {tz} 内", f"{de} within {te}")
        return self._j(FAIL, f"{dz} 超出 {tz}", f"{de} outside {te}")

    def _eval_ratio(self, value, reference, baseline, details) -> Judgement:
        v = self._number(value)
        if v is None:
            return self._not_number(value)
        ref, rzh, ren = self._resolve_ref(reference, baseline, details)
        if ref is None or ref == 0:
            return Judgement(
                MISSING,
                f"{self._label('zh')} {_fmt(v)}{_unit(self.unit)}：缺少{rzh}，无法判定",
                f"{self._label('en')} {_fmt(v)}{_unit(self.unit)}: no {ren}, cannot judge",
            )
        r = v / ref
        ok = True
        if self.min is not None:
            ok &= round(r, 9) >= self.min
        if self.max is not None:
            ok &= round(r, 9) <= self.max
        u = _unit(self.unit)
        zh = f"{_fmt(v)}{u} 为{rzh} {_fmt(ref)}{u} 的 {_fmt(r * 100)}%"
        en = f"{_fmt(v)}{u} is {_fmt(r * 100)}% of the {ren} {_fmt(ref)}{u}"
        if ok:
            return self._j(PASS, f"{zh}，符合 {self.text('zh')}", f"{en}, meets {self.text('en')}")
        return self._j(FAIL, f"{zh}，不符合 {self.text('zh')}", f"{en}, fails {self.text('en')}")

    def _eval_bool(self, value) -> Judgement:
        if isinstance(value, str):
            low = value.strip().lower()
            if low in ("n/a", "na", "not_applicable", "不适用"):
                return Judgement("not_applicable", f"{self._label('zh')}：不适用", f"{self._label('en')}: not applicable")
            if low in ("yes", "y", "true", "1", "是"):
                value = True
            elif low in ("no", "n", "false", "0", "否"):
                value = False
        if not isinstance(value, bool):
            return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：答案 {value!r} 不是 是/否", f"{self._label('en')}: answer {value!r} is not yes/no")
        if value == self.expect:
            return self._j(PASS, f"为“{'是' if value else '否'}”", f"is {'yes' if value else 'no'}")
        return self._j(FAIL, f"为“{'是' if value else '否'}”，要求“{self.text('zh')}”", f"is {'yes' if value else 'no'}, required {self.text('en')}")

    def _eval_all_present(self, value, on) -> Judgement:
        """``value``: the names present, or a mapping of name → expiry date (or None).

        An item whose expiry date lies before the day of judgement counts as expired.
        """
        on = on or dt.date.today()
        if isinstance(value, str):
            value = [value]
        if isinstance(value, Mapping):
            present = dict(value)
        else:
            try:
                present = {str(v): None for v in value}
            except TypeError:
                return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：{value!r} 不是名称列表",
                                 f"{self._label('en')}: {value!r} is not a list of names")
        missing, expired, dated = [], [], False
        for i, name in enumerate(self.required):
            if name not in present:
                missing.append(i)
                continue
            raw = present[name]
            if raw is None:
                continue
            exp = _as_date(raw)
            if exp is None:
                return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：{name} 的有效期 {raw!r} 不是日期",
                                 f"{self._label('en')}: expiry {raw!r} of {name} is not a date")
            dated = True
            if exp < on:
                expired.append(i)
        zh_names = self.required_zh or self.required

        def names(idx, zh):
            src = zh_names if zh else self.required
            return ("、" if zh else ", ").join(src[i] for i in idx)

        if not missing and not expired:
            n = len(self.required)
            if dated:
                return self._j(PASS, f"{n} 项齐全且在有效期内", f"all {n} present and in date")
            return self._j(PASS, f"{n} 项齐全", f"all {n} present")
        zh, en = [], []
        if missing:
            zh.append(f"缺少：{names(missing, True)}")
            en.append(f"missing: {names(missing, False)}")
        if expired:
            zh.append(f"已过期：{names(expired, True)}")
            en.append(f"expired: {names(expired, False)}")
        return self._j(FAIL, "；".join(zh), "; ".join(en))

    def _eval_log_gap(self, value: Iterable, on) -> Judgement:
        """``value``: the dates (dates, datetimes or ISO strings) of the log's entries.

        A gap is the number of days without an entry between two entries, or after the
        last entry up to the day before judgement (today's entry may still come).
        """
        on = on or dt.date.today()
        if isinstance(value, (str, dt.date)):
            value = [value]
        try:
            parsed = [(_as_date(d), d) for d in value]
        except TypeError:
            return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：{value!r} 不是日期列表",
                             f"{self._label('en')}: {value!r} is not a list of dates")
        bad = [raw for d, raw in parsed if d is None]
        if bad:
            return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：{bad[0]!r} 不是日期",
                             f"{self._label('en')}: {bad[0]!r} is not a date")
        days = sorted({d for d, _ in parsed if d <= on})
        if not days:
            return Judgement(MISSING, f"{self._label('zh')}：无记录", f"{self._label('en')}: no entries")
        worst, where = 0, None
        for a, b in zip(days, days[1:]):
            g = (b - a).days - 1
            if g > worst:
                worst, where = g, (a, b)
        tail = (on - days[-1]).days - 1
        if tail > worst:
            worst, where = tail, (days[-1], on)
        if worst <= self.max_gap_days:
            return self._j(PASS, f"共 {len(days)} 条，最长间断 {worst} 天，不超过 {self.max_gap_days} 天",
                           f"{len(days)} entries, longest gap {worst} day(s), at most {self.max_gap_days}")
        a, b = where
        # A log that simply stopped is overdue (it can be caught up); a hole inside it fails.
        verdict = OVERDUE if b == on and tail == worst else FAIL
        return self._j(
            verdict,
            f"{a.isoformat()} 至 {b.isoformat()} 间断 {worst} 天，超过 {self.max_gap_days} 天",
            f"gap of {worst} days between {a.isoformat()} and {b.isoformat()}, more than {self.max_gap_days}",
        )

    def _eval_period(self, value, on) -> Judgement:
        """``value``: the date the thing was last done."""
        on = on or dt.date.today()
        last = _as_date(value)
        if last is None:
            return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：日期 {value!r} 无效", f"{self._label('en')}: invalid date {value!r}")
        if last > on:
            return Judgement(NOT_EVALUABLE, f"{self._label('zh')}：日期 {last.isoformat()} 晚于评估日 {on.isoformat()}",
                             f"{self._label('en')}: date {last.isoformat()} is after the day of judgement {on.isoformat()}")
        age = (on - last).days
        due = last + dt.timedelta(days=self.period_days)
        if age <= self.period_days:
            return self._j(PASS, f"{last.isoformat()}，周期 {self.period_days} 天，{due.isoformat()} 前有效",
                           f"{last.isoformat()}, period {self.period_days} days, due {due.isoformat()}")
        return self._j(OVERDUE, f"{last.isoformat()}，周期 {self.period_days} 天，已于 {due.isoformat()} 逾期",
                       f"{last.isoformat()}, period {self.period_days} days, overdue since {due.isoformat()}")


def _as_date(x: Any) -> dt.date | None:
    """A date from a date, a datetime or an ISO string; None if it is none of them."""
    if isinstance(x, dt.datetime):
        return x.date()
    if isinstance(x, dt.date):
        return x
    if isinstance(x, str):
        try:
            return dt.date.fromisoformat(x.strip()[:10])
        except ValueError:
            return None
    return None


def criterion_from_dict(d: Mapping[str, Any], *, label_zh: str = "", label_en: str = "", unit: str = "") -> Criterion:
    """Build a criterion from its catalog (TOML) form."""
    d = dict(d)
    known = set(Criterion.__dataclass_fields__)
    unknown = set(d) - known
    if unknown:
        raise CriterionError(f"{d.get('metric')}: unknown criterion fields {sorted(unknown)}")
    for key in ("metric", "kind"):
        if not d.get(key):
            raise CriterionError(f"a criterion needs a {key} ({d.get('metric') or 'no metric'})")
    tier_fields = set(Tier.__dataclass_fields__)
    tiers = []
    for t in d.pop("tiers", ()):
        if not isinstance(t, Mapping) or set(t) - tier_fields:
            raise CriterionError(f"{d['metric']}: a tier may hold only {sorted(tier_fields)}, not {t!r}")
        if t.get("tolerance_abs") is None and t.get("tolerance_rel_percent") is None:
            raise CriterionError(f"{d['metric']}: a tier needs tolerance_abs or tolerance_rel_percent: {dict(t)!r}")
        tiers.append(Tier(**t))
    tiers = tuple(tiers)
    for key in ("required", "required_zh"):
        if key in d:
            d[key] = tuple(d[key])
    d.setdefault("label_zh", label_zh)
    d.setdefault("label_en", label_en)
    d.setdefault("unit", unit)
    return Criterion(tiers=tiers, **d)


__all__ = ["Criterion", "CriterionError", "Judgement", "Tier", "criterion_from_dict", "KINDS", "TEST_TYPES"]

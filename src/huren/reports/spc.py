"""Control limits and run rules (Western Electric / Nelson) on a series of values. Pure
Python; the rules and the baseline period are data (``spc_rules.toml``)."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Sequence


@dataclass(frozen=True)
class Rule:
    id: str
    kind: str  # beyond | run | trend | alternating
    count: int
    name_zh: str
    name_en: str
    of: int = 1
    sigma: float = 0.0


@dataclass(frozen=True)
class Rules:
    baseline_points: int
    min_baseline_points: int
    rules: tuple[Rule, ...]


@lru_cache(maxsize=1)
def load_rules() -> Rules:
    data = tomllib.loads(resources.files(__package__).joinpath("spc_rules.toml").read_text("utf-8"))
    rules = tuple(Rule(r["id"], r["kind"], int(r["count"]), r["name_zh"], r["name_en"], int(r.get("of", 1)),
                       float(r.get("sigma", 0))) for r in data["rule"])
    return Rules(int(data["baseline_points"]), int(data["min_baseline_points"]), rules)


@dataclass
class Limits:
    mean: float
    sigma: float
    n: int

    def at(self, k: float) -> float:
        return self.mean + k * self.sigma


@dataclass
class Violation:
    rule: Rule
    points: list[int]  # indices of the points that make it (the last one is where it is seen)


@dataclass
class Analysis:
    limits: Limits | None
    violations: list[Violation] = field(default_factory=list)

    def flagged(self) -> dict[int, list[Rule]]:
        out: dict[int, dict[str, Rule]] = {}
        for v in self.violations:
            for i in v.points:
                out.setdefault(i, {})[v.rule.id] = v.rule
        return {i: list(rs.values()) for i, rs in out.items()}


def control_limits(values: Sequence[float], baseline_points: int | None = None, min_points: int | None = None) -> Limits | None:
    """Mean and sample standard deviation of the first ``baseline_points`` values; None when
    fewer than ``min_points`` or when they do not vary (σ = 0 gives no zones)."""
    r = load_rules()
    n = baseline_points or r.baseline_points
    base = [float(v) for v in values[:n]]
    if len(base) < (min_points or r.min_baseline_points):
        return None
    # Phase I: a baseline value itself beyond ±3σ of the others is left out and the limits
    # computed again (at most three passes), so one outlier does not widen them.
    for _ in range(3):
        mean = sum(base) / len(base)
        sd = math.sqrt(sum((v - mean) ** 2 for v in base) / (len(base) - 1))
        if sd == 0:
            return None
        kept = [v for v in base if abs(v - mean) <= 3 * sd]
        if len(kept) == len(base) or len(kept) < (min_points or r.min_baseline_points):
            break
        base = kept
    return Limits(mean, sd, len(base))


def _beyond(rule: Rule, z: list[float]) -> list[list[int]]:
    hits = []
    for end in range(len(z)):
        start = end - rule.of + 1
        if start < 0:
            continue
        win = range(start, end + 1)
        for sign in (1, -1):
            pts = [i for i in win if sign * z[i] > rule.sigma]
            # the window's last point must be one of them: each violation is reported where it completes
            if len(pts) >= rule.count and end in pts:
                hits.append(pts)
    return hits


def _runs(rule: Rule, z: list[float]) -> list[list[int]]:
    hits, run, side = [], [], 0
    for i, v in enumerate(z):
        s = (v > 0) - (v < 0)
        if s != 0 and s == side:
            run.append(i)
        else:
            run, side = ([i], s) if s != 0 else ([], 0)
        if len(run) >= rule.count:
            hits.append(run[-rule.count:])
    return hits


def _trend(rule: Rule, x: list[float]) -> list[list[int]]:
    hits, run, direction = [], [0] if x else [], 0
    for i in range(1, len(x)):
        d = (x[i] > x[i - 1]) - (x[i] < x[i - 1])
        if d != 0 and d == direction:
            run.append(i)
        else:
            run, direction = ([i - 1, i], d) if d != 0 else ([i], 0)
        if direction and len(run) >= rule.count:
            hits.append(run[-rule.count:])
    return hits


def _alternating(rule: Rule, x: list[float]) -> list[list[int]]:
    hits, run, last = [], [0] if x else [], 0
    for i in range(1, len(x)):
        d = (x[i] > x[i - 1]) - (x[i] < x[i - 1])
        if d != 0 and d == -last:
            run.append(i)
        else:
            run = [i - 1, i] if d != 0 else [i]
        last = d
        if len(run) >= rule.count:
            hits.append(run[-rule.count:])
    return hits


def analyse(values: Sequence[float], limits: Limits | None = None, rules: Sequence[Rule] | None = None) -> Analysis:
    """Apply every rule to ``values``; the zone rules need ``limits`` (from the baseline when None)."""
    x = [float(v) for v in values]
    limits = limits if limits is not None else control_limits(x)
    out = Analysis(limits)
    if limits is None:
        return out
    z = [(v - limits.mean) / limits.sigma for v in x]
    for rule in rules or load_rules().rules:
        if rule.kind == "beyond":
            hits = _beyond(rule, z)
        elif rule.kind == "run":
            hits = _runs(rule, z)
        elif rule.kind == "trend":
            hits = _trend(rule, x)
        elif rule.kind == "alternating":
            hits = _alternating(rule, x)
        else:
            raise ValueError(f"unknown rule kind {rule.kind!r}")
        out.violations.extend(_episodes(rule, hits))
    return out


def _episodes(rule: Rule, hits: list[list[int]]) -> list[Violation]:
    """Overlapping hits of one rule are one episode (a run of 30 points on one side is one
    violation, not 24); its points are their union, its last point where it ended."""
    out: list[Violation] = []
    seen: set[int] = set()
    for pts in hits:  # in order of their last point
        if out and pts[0] <= out[-1].points[-1]:
            new = [i for i in pts if i not in seen]
            seen.update(new)
            out[-1].points.extend(new)
            if any(a > b for a, b in zip(new, new[1:])) or (new and new[0] < out[-1].points[-len(new) - 1]):
                out[-1].points.sort()
        else:
            seen = set(pts)
            out.append(Violation(rule, list(pts)))
    return out

"""A trend / control chart as inline SVG (server-rendered, no script, no CDN). Pure Python.

Draws the values (a line and a dot per point), the criterion's limits (red), the recorded
baseline (blue), the control-chart centre and ±3σ limits of the baseline period (grey,
dashed), and marks the points a run rule flags (orange ring, with the rule names in a
tooltip). Labels are text, so the browser's Chinese fonts render them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from html import escape

from huren.reports.spc import Analysis

W, H = 880, 300
L, R, T, B = 64, 150, 16, 36


@dataclass
class ChartData:
    key: str
    label_zh: str
    label_en: str
    unit: str
    points: list[tuple[dt.date, float]]
    crit_lo: float | None = None
    crit_hi: float | None = None
    baseline: float | None = None
    analysis: Analysis | None = None
    notes: list[str] = field(default_factory=list)


def _g(v: float) -> str:
    from huren.standard.criteria import _fmt

    return _fmt(round(v, 6) + 0.0)  # as figures are written everywhere; no -2e-18 for a mean of zero


def _said(zh: str, en: str) -> str:
    """A line's label in the page's language."""
    from django.utils.translation import get_language

    return zh if (get_language() or "zh-hans").lower().startswith("zh") else en


def _ticks(lo: float, hi: float, n: int = 5) -> list[float]:
    import math

    span = hi - lo or 1.0
    step = 10 ** math.floor(math.log10(span / n))
    for m in (1, 2, 2.5, 5, 10):
        if span / (step * m) <= n:
            step *= m
            break
    first = math.ceil(lo / step) * step
    out, v = [], first
    while v <= hi + 1e-9 * span:
        out.append(round(v, 10))
        v += step
    return out


def render_svg(c: ChartData) -> str:
    if not c.points:
        return ""
    xs = [p[0].toordinal() for p in c.points]
    ys = [p[1] for p in c.points]
    lim = c.analysis.limits if c.analysis else None
    extra = [v for v in (c.crit_lo, c.crit_hi, c.baseline) if v is not None]
    if lim:
        extra += [lim.at(-3), lim.at(3)]
    lo, hi = min(ys + extra), max(ys + extra)
    pad = (hi - lo) * 0.08 or abs(hi) * 0.05 or 1.0
    lo, hi = lo - pad, hi + pad
    x0, x1 = min(xs), max(xs)
    xspan = (x1 - x0) or 1

    def px(o):
        return L + (o - x0) / xspan * (W - L - R) if x1 != x0 else L + (W - L - R) / 2

    def py(v):
        return T + (hi - v) / (hi - lo) * (H - T - B)

    title = _said(c.label_zh, c.label_en) + (f"（{c.unit}）" if c.unit else "")
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" class="trend-chart" viewBox="0 0 {W} {H}" width="100%" '
           f'role="img" aria-label="{escape(title)}" data-metric="{escape(c.key)}" data-points="{len(ys)}">',
           f'<title>{escape(title)}</title>',
           f'<rect x="{L}" y="{T}" width="{W - L - R}" height="{H - T - B}" fill="#fff" stroke="#bbb"/>']
    for t in _ticks(lo, hi):
        y = py(t)
        out.append(f'<line x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" stroke="#eee"/>'
                   f'<text x="{L - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_g(t)}</text>')
    # x labels: at most 8 dates
    n = len(c.points)
    # x labels: at most 7 dates evenly spaced in time (not by index: dates may be irregular)
    for o in sorted({round(x0 + i * (x1 - x0) / 6) for i in range(7)} if x1 > x0 else {x0}):
        out.append(f'<text x="{px(o):.1f}" y="{H - B + 16}" text-anchor="middle" font-size="11">'
                   f'{dt.date.fromordinal(o).isoformat()}</text>')

    labels: list[list] = []  # [y, colour, text]: spread apart after all lines are drawn

    def hline(v, colour, label, dash="", cls=""):
        y = py(v)
        out.append(f'<line class="{cls}" data-value="{_g(v)}" x1="{L}" x2="{W - R}" y1="{y:.1f}" y2="{y:.1f}" '
                   f'stroke="{colour}" stroke-width="1.3"{f" stroke-dasharray={chr(34)}{dash}{chr(34)}" if dash else ""}/>')
        labels.append([y + 4, colour, f"{escape(label)} {_g(v)}"])

    if lim:
        hline(lim.mean, "#555", _said("均值", "mean"), "4 3", "centre")
        hline(lim.at(3), "#777", "+3σ UCL", "6 3", "ucl")
        hline(lim.at(-3), "#777", "−3σ LCL", "6 3", "lcl")
    if c.crit_lo is not None:
        hline(c.crit_lo, "#c62828", _said("判据下限", "min"), "", "crit-lo")
    if c.crit_hi is not None:
        hline(c.crit_hi, "#c62828", _said("判据上限", "max"), "", "crit-hi")
    if c.baseline is not None:
        hline(c.baseline, "#1565c0", _said("基线", "baseline"), "2 2", "baseline")
    labels.sort()
    for k in range(1, len(labels)):  # at least 13 px between labels
        labels[k][0] = max(labels[k][0], labels[k - 1][0] + 13)
    for y, colour, text in labels:
        out.append(f'<text x="{W - R + 4}" y="{y:.1f}" font-size="11" fill="{colour}">{text}</text>')
    pts = " ".join(f"{px(x):.1f},{py(y):.1f}" for x, y in zip(xs, ys))
    out.append(f'<polyline fill="none" stroke="#2e7d32" stroke-width="1.2" points="{pts}"/>')
    flagged = c.analysis.flagged() if c.analysis else {}
    dots = n <= 400  # a dot per point up to 400 points; beyond that the line and the flagged points
    if not dots and flagged:
        # a long series: the flagged points as one path of rings (no tooltip per point)
        rings = "".join(f"M{px(xs[i]) - 5:.1f},{py(ys[i]):.1f}a5,5 0 1,0 10,0a5,5 0 1,0 -10,0" for i in sorted(flagged))
        names = "；".join(sorted({f"{r.name_zh} / {r.name_en}" for rs in flagged.values() for r in rs}))
        out.append(f'<path class="flags" data-flagged="{len(flagged)}" d="{rings}" fill="none" stroke="#ef6c00" '
                   f'stroke-width="2"><title>{escape(names)}</title></path>')
        flagged = {}
    for i, ((d, y), x) in enumerate(zip(c.points, xs)):
        rules = flagged.get(i)
        if rules:
            names = "；".join(f"{r.name_zh} / {r.name_en}" for r in rules)
            out.append(f'<circle class="flag" cx="{px(x):.1f}" cy="{py(y):.1f}" r="5" fill="none" stroke="#ef6c00" stroke-width="2">'
                       f'<title>{d} {_g(y)} — {escape(names)}</title></circle>')
        elif dots:
            out.append(f'<circle class="pt" cx="{px(x):.1f}" cy="{py(y):.1f}" r="2.2" fill="#2e7d32"><title>{d} {_g(y)}</title></circle>')
    out.append("</svg>")
    return "".join(out)

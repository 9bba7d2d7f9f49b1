"""Slice geometry of a stack: positions along the slice normal → order, gaps, duplicates, misplaced slices.

Works from Image Position / Orientation (Patient) only. With gantry tilt the positions step along
the table axis while the normal is tilted: the distance along the normal is still regular, so the
stack is sorted and judged by it; an in-plane offset from the line through the stack is judged
separately. Variable spacing (zones of different spacing) is handled by comparing each gap with
the gaps on *both* sides of it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from huren.iq.reading import Slice


@dataclass
class StackGeometry:
    usable: list[Slice]  # sorted along the normal
    excluded: list[dict] = field(default_factory=list)  # images left out (other orientation, localiser, no position)
    d: np.ndarray | None = None  # positions along the normal (mm)
    gaps: np.ndarray | None = None
    spacing_mm: float | None = None  # median gap
    spacings: list[float] = field(default_factory=list)  # distinct spacing zones (rounded)
    missing: list[dict] = field(default_factory=list)
    duplicates: list[dict] = field(default_factory=list)
    misplaced: list[dict] = field(default_factory=list)
    misordered: list[str] = field(default_factory=list)
    order_evaluable: bool = True
    misordered_count: int = 0
    tilt_deg: float = 0.0


def _key(o) -> tuple:
    return tuple(round(x, 3) for x in o)


def _line_residuals(d: np.ndarray, pos: np.ndarray, use: np.ndarray | None = None) -> np.ndarray:
    """Distance of each position from the straight line fitted (position against d) through ``use``."""
    use = np.ones(len(d), bool) if use is None else use
    fit = np.stack([np.polyval(np.polyfit(d[use], pos[use, k], 1), d) for k in range(3)], axis=1)
    return np.linalg.norm(pos - fit, axis=1)


def _lis_len(seq: list[int]) -> int:
    import bisect

    tails: list[int] = []
    for x in seq:
        i = bisect.bisect_left(tails, x)
        if i == len(tails):
            tails.append(x)
        else:
            tails[i] = x
    return len(tails)


def _local(gaps: np.ndarray, i: int, side: int, k: int = 3) -> float | None:
    if side < 0:
        g = gaps[max(0, i - k):i]
    else:
        g = gaps[i + 1:i + 1 + k]
    g = g[g > 1e-6]
    return float(np.median(g)) if len(g) else None


def analyse_stack(slices: list[Slice], *, missing_ratio=1.5, duplicate_mm=0.01, misplaced_ratio=0.2,
                  misplaced_mm=1.0) -> StackGeometry:
    excluded = []
    cands = []
    for s in slices:
        if s.is_localiser:
            excluded.append({"sop_instance_uid": s.sop_instance_uid, "why": "localiser"})
        elif s.position is None or s.orientation is None:
            excluded.append({"sop_instance_uid": s.sop_instance_uid, "why": "no position or orientation"})
        else:
            cands.append(s)
    if cands:
        main = Counter(_key(s.orientation) for s in cands).most_common(1)[0][0]
        usable = []
        for s in cands:
            if np.allclose(s.orientation, main, atol=0.02):
                usable.append(s)
            else:
                excluded.append({"sop_instance_uid": s.sop_instance_uid, "why": "other orientation"})
    else:
        usable = []
    g = StackGeometry(usable=usable, excluded=excluded)
    if len(usable) < 3:
        return g
    n = usable[0].normal
    pos = np.array([s.position for s in usable])
    d = pos @ n
    order = np.argsort(d, kind="stable")
    usable = [usable[i] for i in order]
    d, pos = d[order], pos[order]
    g.usable, g.d = usable, d
    gaps = np.diff(d)
    g.gaps = gaps
    pos_gaps = gaps[gaps > duplicate_mm]
    g.spacing_mm = float(np.median(pos_gaps)) if len(pos_gaps) else 0.0
    g.spacings = sorted({round(float(x), 2) for x in pos_gaps if abs(x - g.spacing_mm) > 0.05 * g.spacing_mm}
                        | {round(g.spacing_mm, 2)})
    # the step direction (table axis): tilt between it and the normal
    step = np.median(np.diff(pos, axis=0), axis=0)
    if np.linalg.norm(step) > 0:
        u = step / np.linalg.norm(step)
        g.tilt_deg = float(np.degrees(np.arccos(min(1.0, abs(float(u @ n))))))
    else:
        u = n
    # duplicates: same place twice
    for i, gap in enumerate(gaps):
        if gap <= duplicate_mm:
            g.duplicates.append({"sop_instance_uids": [usable[i].sop_instance_uid, usable[i + 1].sop_instance_uid],
                                 "position_mm": round(float(d[i]), 3)})
    # missing: a gap larger than missing_ratio × the spacing on both sides
    flagged_pair: set[int] = set()
    for i, gap in enumerate(gaps):
        if gap <= duplicate_mm:
            continue
        left, right = _local(gaps, i, -1), _local(gaps, i, +1)
        # a misplaced slice: this gap and the next deviate in opposite directions, making up for each other
        if i + 1 < len(gaps) and i not in flagged_pair:
            ref_l, ref_r = left, _local(gaps, i + 1, +1)
            ref = ref_l if ref_r is None else ref_r if ref_l is None else (ref_l + ref_r) / 2 if ref_l and ref_r else None
            if ref and ref_l and ref_r and abs(ref_l - ref_r) < 0.1 * ref:
                a, b = gap / ref, gaps[i + 1] / ref
                if abs(a - 1) > misplaced_ratio and abs(b - 1) > misplaced_ratio and (a - 1) * (b - 1) < 0 \
                        and abs(a + b - 2) < misplaced_ratio and gaps[i + 1] > duplicate_mm:
                    s = usable[i + 1]
                    g.misplaced.append({"sop_instance_uid": s.sop_instance_uid, "why": "off the slice grid",
                                        "offset_mm": round(float((a - 1) * ref), 3)})
                    flagged_pair.update({i, i + 1})
                    continue
        if i in flagged_pair:
            continue
        refs = [r for r in (left, right) if r]
        if refs and all(gap > missing_ratio * r for r in refs):
            ref = min(refs)
            g.missing.append({"after_sop_instance_uid": usable[i].sop_instance_uid,
                              "before_sop_instance_uid": usable[i + 1].sop_instance_uid,
                              "gap_mm": round(float(gap), 3), "count": max(1, int(round(gap / ref)) - 1)})
    # the spacing zones from the regular gaps only (not those explained as missing or misplaced slices)
    irregular = {i for i in flagged_pair}
    for m in g.missing:
        irregular.update(i for i in range(len(usable) - 1) if usable[i].sop_instance_uid == m["after_sop_instance_uid"])
    regular = np.array([x for i, x in enumerate(gaps) if i not in irregular and x > duplicate_mm])
    if len(regular):
        g.spacing_mm = float(np.median(regular))
        g.spacings = sorted({round(float(x), 2) for x in regular if abs(x - g.spacing_mm) > 0.05 * g.spacing_mm}
                            | {round(g.spacing_mm, 2)})
    # in-plane misplacement: the distance of each position from the line through the stack
    off = _line_residuals(d, pos)
    good = off <= misplaced_mm
    if good.sum() >= 3 and not good.all():
        off = _line_residuals(d, pos, good)
    for i in np.where(off > misplaced_mm)[0]:
        g.misplaced.append({"sop_instance_uid": usable[i].sop_instance_uid, "why": "shifted in plane",
                            "offset_mm": round(float(off[i]), 3)})
    # order: instance numbers monotonic along the normal
    inst = [s.instance_number for s in usable]
    if any(x is None for x in inst) or len(set(inst)) < len(inst):
        g.order_evaluable = False
    else:
        inc, dec = _lis_len(inst), _lis_len([-x for x in inst])
        if max(inc, dec) < len(inst):
            seq = inst if inc >= dec else [-x for x in inst]
            # name the out-of-place images: those not on one longest monotonic run (greedy approximation)
            med = np.array(seq)
            rank = np.argsort(np.argsort(med))
            g.misordered = [usable[i].sop_instance_uid for i in range(len(seq)) if rank[i] != i]
            g.misordered_count = len(inst) - max(inc, dec)
    return g

"""The IQ items' verdict parts (called from :func:`huren.assessment.verdicts.judge_item`).

An image-quality item (section ``image_quality``) is judged from both sources over the
catalog's ``[image_quality_verdicts]`` window ending on the day judged: the automatic pass rate
(share of the device's evaluated studies whose checks naming the item all passed, among those
where one could be judged) and the experts' grades of sampled studies (share of current score
sheets grading the item at ``pass_points`` or better). A typed ``expert_score`` stays evidence
but no longer passes the item alone: the expert part is missing without submitted sheets.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from huren.accounts.names import name_of
from huren.standard.catalog import image_quality_verdicts

from .models import CheckResult, Evaluation, ScoreSheet


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


@dataclass
class ItemFigures:
    """The two sources of one IQ item for a device over the window ending on ``on``."""

    item: str
    start: dt.date
    on: dt.date
    automatic: bool                 # some automatic check answers the item
    evaluations: list[int] = field(default_factory=list)   # latest finished evaluation per study
    judged: list[int] = field(default_factory=list)        # of those, the ones where the item was judged
    passed: list[int] = field(default_factory=list)
    sheets: list = field(default_factory=list)             # current score sheets grading the item
    good: list = field(default_factory=list)               # of those, at pass_points or better

    @property
    def rate(self) -> float | None:
        return len(self.passed) / len(self.judged) if self.judged else None

    @property
    def share(self) -> float | None:
        return len(self.good) / len(self.sheets) if self.sheets else None


def item_figures(item_id: str, device, on: dt.date) -> ItemFigures:
    """Automatic pass rate and expert grades of ``item_id`` for ``device`` (the verdict's figures)."""
    return items_figures([item_id], device, on)[item_id]


def items_figures(item_ids: list[str], device, on: dt.date) -> dict[str, ItemFigures]:
    """:func:`item_figures` of several items of one device at once (the same figures, four queries)."""
    from .rules import automatic_items

    start = on - dt.timedelta(days=int(image_quality_verdicts()["window_days"]) - 1)
    auto = automatic_items()
    return _figures(item_ids, on, auto, *_rows(device, start, on, [i for i in item_ids if i in auto]))


def _rows(device, start: dt.date | None, on: dt.date, auto_items: list[str]):
    """The device's finished evaluations (study, evaluation, day the study was last received),
    the results of the automatic items' checks, and the current score sheets, of the studies
    received from ``start`` (None: ever) through ``on``."""
    from django.utils import timezone

    window = {"study__last_received_at__date__lte": on}
    if start is not None:
        window["study__last_received_at__date__gte"] = start
    evals, results = [], {}
    if auto_items:
        evals = [(sid, eid, timezone.localdate(at)) for sid, eid, at in
                 Evaluation.objects.filter(study__device=device, status=Evaluation.Status.DONE, **window)
                 .order_by("id").values_list("study_id", "id", "study__last_received_at")]
        for item, eid, r in CheckResult.objects.filter(evaluation_id__in=[e for _, e, _ in evals], item__in=auto_items
                                                       ).values_list("item", "evaluation_id", "result"):
            results.setdefault((item, eid), set()).add(r)
    sheets = list(ScoreSheet.objects.filter(study__device=device, submitted_at__date__lte=on, superseded_by__isnull=True, **window)
                  .select_related("expert", "study").order_by("id"))
    return evals, results, sheets


def _figures(item_ids, on: dt.date, auto: set, evals, results, sheets) -> dict[str, ItemFigures]:
    """The figures of the window ending on ``on`` from rows read for that window or a longer span."""
    from django.utils import timezone

    cfg = image_quality_verdicts()
    start = on - dt.timedelta(days=int(cfg["window_days"]) - 1)
    out = {i: ItemFigures(i, start, on, i in auto) for i in item_ids}
    latest = {}
    for sid, eid, day in evals:  # by evaluation id: the latest per study wins
        if start <= day <= on:
            latest[sid] = eid
    evaluations = sorted(latest.values())
    for item in (i for i in item_ids if i in auto):
        f = out[item]
        f.evaluations = evaluations
        for eid in evaluations:
            rs = results.get((item, eid), ())
            if "fail" in rs or "pass" in rs:
                f.judged.append(eid)
                if "fail" not in rs:
                    f.passed.append(eid)
    current = [s for s in sheets if timezone.localdate(s.submitted_at) <= on
               and start <= timezone.localdate(s.study.last_received_at) <= on]
    for item, f in out.items():
        f.sheets = [s for s in current if item in (s.grades or {})]
        f.good = [s for s in f.sheets if int(s.grades[item]) >= int(cfg["pass_points"])]
    return out


class FiguresHistory:
    """The IQ figures of a device for many days from rows read once (what the state history
    judges years with); ``on(day)`` equals :func:`items_figures` of that day."""

    def __init__(self, device, item_ids: list[str], through: dt.date) -> None:
        from .rules import automatic_items

        self.item_ids, self.auto = list(item_ids), automatic_items()
        self.rows = _rows(device, None, through, [i for i in item_ids if i in self.auto]) if item_ids else ([], {}, [])

    def on(self, day: dt.date) -> dict[str, ItemFigures]:
        return _figures(self.item_ids, day, self.auto, *self.rows) if self.item_ids else {}


def iq_parts(item, ev, parts: list, part_cls, verdicts: dict) -> list:
    """``parts`` (the typed evidence's parts) plus the automatic and expert parts of the item."""
    PASS, FAIL, MISSING = verdicts["pass"], verdicts["fail"], verdicts["missing"]
    cfg = image_quality_verdicts()
    out = [p for p in parts if not (p.kind in ("measure", "image") and p.absent)]
    iq = getattr(ev, "iq", None)
    f = iq[item.id] if iq and item.id in iq else item_figures(item.id, ev.device, ev.on)
    start = f.start
    if f.automatic:
        judged, passed = len(f.judged), len(f.passed)
        need = int(cfg["automatic_min_studies"])
        if judged < need:
            out.append(part_cls("image", MISSING, [(f"自动检查：{start} 以来可判定的检查 {judged} 例，少于 {need} 例",
                                                    f"automatic checks: {judged} judged studies since {start}, fewer than {need}")]))
        else:
            rate, floor = f.rate, float(cfg["automatic_min_pass_rate"])
            v = PASS if rate >= floor else FAIL
            out.append(part_cls("image", v, [(f"自动检查：{start} 以来 {judged} 例中 {passed} 例通过（{_pct(rate)}，要求 ≥ {_pct(floor)}）",
                                              f"automatic checks: {passed} of {judged} studies since {start} passed "
                                              f"({_pct(rate)}, ≥ {_pct(floor)} required)")],
                                {"iq_evaluation": f.evaluations}))
    sheets = f.sheets
    need = int(cfg["expert_min_sheets"])
    if len(sheets) < need:
        out.append(part_cls("image", MISSING, [(f"专家评分表：{start} 以来 {len(sheets)} 份，少于 {need} 份（单独录入的专家评分不再足以判定合格）",
                                                f"expert score sheets: {len(sheets)} since {start}, fewer than {need} "
                                                f"(a typed expert score alone no longer passes)")]))
    else:
        good = len(f.good)
        share, floor = f.share, float(cfg["expert_min_pass_share"])
        experts = sorted({name_of(s.expert) for s in sheets})
        out.append(part_cls("image", PASS if share >= floor else FAIL,
                            [(f"专家评分：{len(sheets)} 份中 {good} 份为乙级及以上（{_pct(share)}，要求 ≥ {_pct(floor)}；专家 {', '.join(experts)}）",
                              f"expert grades: {good} of {len(sheets)} sheets at 乙 or better ({_pct(share)}, ≥ {_pct(floor)} "
                              f"required; experts {', '.join(experts)})")],
                            {"iq_score_sheet": [s.pk for s in sheets]}))
    return out

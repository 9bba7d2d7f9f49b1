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

from huren.accounts.names import name_of
from huren.standard.catalog import image_quality_verdicts

from .models import CheckResult, Evaluation, ScoreSheet


def _pct(x: float) -> str:
    return f"{100 * x:.0f} %"


def iq_parts(item, ev, parts: list, part_cls, verdicts: dict) -> list:
    """``parts`` (the typed evidence's parts) plus the automatic and expert parts of the item."""
    PASS, FAIL, MISSING = verdicts["pass"], verdicts["fail"], verdicts["missing"]
    cfg = image_quality_verdicts()
    start = ev.on - dt.timedelta(days=int(cfg["window_days"]) - 1)
    out = [p for p in parts if not (p.kind in ("measure", "image") and p.absent)]
    from .rules import automatic_items

    if item.id in automatic_items():
        latest = {}
        for e in (Evaluation.objects.filter(study__device=ev.device, status=Evaluation.Status.DONE,
                                            study__last_received_at__date__gte=start,
                                            study__last_received_at__date__lte=ev.on).order_by("id")):
            latest[e.study_id] = e.pk
        judged, passed, failed_ids = 0, 0, []
        rows = CheckResult.objects.filter(evaluation_id__in=latest.values(), item=item.id).values_list(
            "evaluation_id", "result")
        per: dict[int, set] = {}
        for eid, r in rows:
            per.setdefault(eid, set()).add(r)
        for eid, rs in per.items():
            if "fail" in rs:
                judged += 1
                failed_ids.append(eid)
            elif "pass" in rs:
                judged += 1
                passed += 1
        need = int(cfg["automatic_min_studies"])
        if judged < need:
            out.append(part_cls("image", MISSING, [(f"自动检查：{start} 以来可判定的检查 {judged} 例，少于 {need} 例",
                                                    f"automatic checks: {judged} judged studies since {start}, fewer than {need}")]))
        else:
            rate, floor = passed / judged, float(cfg["automatic_min_pass_rate"])
            v = PASS if rate >= floor else FAIL
            out.append(part_cls("image", v, [(f"自动检查：{start} 以来 {judged} 例中 {passed} 例通过（{_pct(rate)}，要求 ≥ {_pct(floor)}）",
                                              f"automatic checks: {passed} of {judged} studies since {start} passed "
                                              f"({_pct(rate)}, ≥ {_pct(floor)} required)")],
                                {"iq_evaluation": sorted(latest.values())}))
    sheets = [s for s in ScoreSheet.objects.filter(study__device=ev.device, submitted_at__date__lte=ev.on,
                                                   study__last_received_at__date__gte=start,
                                                   superseded_by__isnull=True).order_by("id")
              if item.id in (s.grades or {})]
    need = int(cfg["expert_min_sheets"])
    if len(sheets) < need:
        out.append(part_cls("image", MISSING, [(f"专家评分表：{start} 以来 {len(sheets)} 份，少于 {need} 份（单独录入的专家评分不再足以判定合格）",
                                                f"expert score sheets: {len(sheets)} since {start}, fewer than {need} "
                                                f"(a typed expert score alone no longer passes)")]))
    else:
        good = sum(1 for s in sheets if int(s.grades[item.id]) >= int(cfg["pass_points"]))
        share, floor = good / len(sheets), float(cfg["expert_min_pass_share"])
        experts = sorted({name_of(s.expert) for s in sheets})
        out.append(part_cls("image", PASS if share >= floor else FAIL,
                            [(f"专家评分：{len(sheets)} 份中 {good} 份为乙级及以上（{_pct(share)}，要求 ≥ {_pct(floor)}；专家 {', '.join(experts)}）",
                              f"expert grades: {good} of {len(sheets)} sheets at 乙 or better ({_pct(share)}, ≥ {_pct(floor)} "
                              f"required; experts {', '.join(experts)})")],
                            {"iq_score_sheet": [s.pk for s in sheets]}))
    return out

"""Drawing the studies experts score: N studies per device and period (month or quarter) from
the studies the device's institution sent in that period, stratified by body part with
proportional allocation (largest remainder), with a recorded seed so the draw is reproducible,
and assigned round-robin to the QC centre's evaluators (never to a hospital user).

:func:`draw_sample` is used by the QC-centre page (button 抽样) and ``huren iq_sample``.
"""

from __future__ import annotations

import datetime as dt
import random
import secrets
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction

from huren.accounts.audit import acting_as
from huren.accounts.roles import EVALUATOR
from huren.registry.models import Device, Institution
from huren.studies.models import Study

from .models import Sample, SampleStudy, SamplingRule

NO_BODY_PART = ""  # stratum of studies whose header names no body part


class SamplingError(ValueError):
    """A draw that cannot be made; ``zh`` and ``en`` say why."""

    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def period_of(day: dt.date, period: str) -> tuple[dt.date, dt.date]:
    """The month or quarter containing ``day``: (first day, last day)."""
    if period == SamplingRule.Period.MONTH:
        start = day.replace(day=1)
        months = 1
    elif period == SamplingRule.Period.QUARTER:
        start = dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        months = 3
    else:
        raise SamplingError(f"未知的抽样周期：{period}", f"unknown sampling period: {period}")
    m = start.month - 1 + months
    end = dt.date(start.year + m // 12, m % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def allocate(sizes: dict[str, int], n: int) -> dict[str, int]:
    """Proportional allocation of ``n`` draws over strata of the given sizes (largest remainder;
    ties broken by stratum name), never more than a stratum holds."""
    total = sum(sizes.values())
    n = min(n, total)
    if n <= 0:
        return {k: 0 for k in sizes}
    quota = {k: n * s / total for k, s in sizes.items()}
    out = {k: int(q) for k, q in quota.items()}
    order = sorted(sizes, key=lambda k: (-(quota[k] - out[k]), k))
    i = 0
    while sum(out.values()) < n:
        k = order[i % len(order)]
        if out[k] < sizes[k]:
            out[k] += 1
        i += 1
    return out


def centre_evaluators():
    """Active users with the evaluator role whose institution is a QC centre, by id."""
    return list(get_user_model().objects.filter(
        is_active=True, groups__name=EVALUATOR, profile__institution__kind=Institution.Kind.QC_CENTRE,
    ).distinct().order_by("id"))


def rule_devices(rule: SamplingRule) -> list[Device]:
    if rule.device_id:
        return [rule.device]
    return list(Device.objects.filter(modality=rule.modality).order_by("id"))


@dataclass
class Draw:
    sample: Sample
    created: bool


def _population(device: Device, start: dt.date, end: dt.date):
    return Study.objects.filter(device=device, first_received_at__date__gte=start,
                                first_received_at__date__lte=end).order_by("id")


def draw_for_device(rule: SamplingRule, device: Device, day: dt.date, *, seed: int | None = None,
                    user=None) -> Draw:
    """Draw (once) the sample of ``device`` for the period of ``rule`` containing ``day``. A
    second call for the same period returns the sample already drawn."""
    start, end = period_of(day, rule.period)
    existing = Sample.objects.filter(rule=rule, device=device, period_start=start).first()
    if existing is not None:
        return Draw(existing, False)
    experts = centre_evaluators()
    if not experts:
        raise SamplingError("质控中心没有评价专家（evaluator），无法分配抽样检查",
                            "the QC centre has no evaluator to assign the sampled studies to")
    seed = secrets.randbits(62) if seed is None else int(seed)
    studies = list(_population(device, start, end).values_list("id", "body_part"))
    strata: dict[str, list[int]] = {}
    for sid, bp in studies:
        key = (bp or NO_BODY_PART).strip().upper() if rule.stratify_by_body_part else NO_BODY_PART
        strata.setdefault(key, []).append(sid)
    counts = allocate({k: len(v) for k, v in strata.items()}, rule.per_period)
    rng = random.Random(seed)
    chosen: list[tuple[str, int]] = []
    for key in sorted(strata):
        chosen += [(key, sid) for sid in sorted(rng.sample(sorted(strata[key]), counts[key]))]
    method = ("proportional stratified by body part, largest remainder; random.Random(seed).sample per stratum"
              if rule.stratify_by_body_part else "simple random; random.Random(seed).sample")
    # Round-robin continues from the expert with the fewest assignments so far.
    load = {e.id: SampleStudy.objects.filter(expert=e).count() for e in experts}
    experts.sort(key=lambda e: (load[e.id], e.id))
    with transaction.atomic(), acting_as(user):
        sample = Sample.objects.create(
            rule=rule, device=device, period_start=start, period_end=end, seed=seed, population=len(studies),
            strata={k: {"received": len(strata[k]), "drawn": counts[k]} for k in sorted(strata)},
            method=method, drawn_by=user)
        SampleStudy.objects.bulk_create([
            SampleStudy(sample=sample, study_id=sid, stratum=key, expert=experts[i % len(experts)])
            for i, (key, sid) in enumerate(chosen)])
    return Draw(sample, True)


def draw_sample(rule: SamplingRule, day: dt.date, *, seed: int | None = None, user=None) -> list[Draw]:
    """Draw the period's sample of every device of ``rule`` (one device, or each of its modality)."""
    if not rule.active:
        raise SamplingError("该抽样规则已停用", "the sampling rule is not active")
    return [draw_for_device(rule, d, day, seed=seed, user=user) for d in rule_devices(rule)]

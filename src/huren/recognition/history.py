"""A device's recognition state, day by day, and its stored history.

:func:`state_on` computes the state of one day from the decisions, the QC centre's manual
actions, the device's verdicts that day and the catalog's recognition rules
(:func:`huren.standard.catalog.recognition_rules`). The history (:class:`StateSpan` rows)
is that state run-length encoded from the device's first decision or action to the last
day computed. Writes never recompute: the receivers in :mod:`huren.recognition.signals`
only mark the history stale from the first day the change can touch (evidence counts from
the day it was recorded, as :func:`huren.assessment.verdicts.gather` reads it); a read
(:func:`ensure_history`) recomputes from there, or from the start when the catalog changed.
So an answer for a past date reads a stored interval and never recomputes verdicts.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from huren.assessment.models import Decision
from huren.assessment.status import decision_on
from huren.assessment.verdicts import (
    FAIL, MISSING, NA, OVERDUE, PASS, RANK, VERDICT_ZH, EvidenceHistory, current_catalog, device_verdicts, judge_all,
)
from huren.recognition.models import QualificationAction, StateHorizon, StateSpan
from huren.standard.catalog import recognition_rules

QUALIFIED, AT_RISK, SUSPENDED, RECTIFYING = "qualified", "at_risk", "suspended", "rectifying"
NOT_QUALIFIED, EXPIRED, REVOKED, RETIRED, NEVER = "not_qualified", "expired", "revoked", "retired", "never_assessed"
STATE_ZH = {QUALIFIED: "合格", AT_RISK: "合格（存在风险）", SUSPENDED: "暂停互认", RECTIFYING: "限期整改中",
            NOT_QUALIFIED: "不合格", EXPIRED: "资格已到期", REVOKED: "资格已撤销", RETIRED: "已停用",
            NEVER: "未评估"}
STATE_EN = {QUALIFIED: "qualified", AT_RISK: "qualified, at risk", SUSPENDED: "recognition suspended",
            RECTIFYING: "under rectification", NOT_QUALIFIED: "not qualified", EXPIRED: "qualification expired",
            REVOKED: "qualification revoked", RETIRED: "out of service", NEVER: "never assessed"}
RECOGNISED_STATES = (QUALIFIED, AT_RISK)


@dataclass
class DayState:
    state: str
    decision_id: int | None = None
    items: list[str] = field(default_factory=list)
    reasons: list[list[str]] = field(default_factory=list)  # [[zh, en], …]

    @property
    def recognised(self) -> bool:
        return self.state in RECOGNISED_STATES

    def key(self) -> tuple:
        return (self.state, self.decision_id, tuple(self.items))


def _end_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def state_on(device, day: dt.date, *, catalog=None, rules=None, actions=None, decisions=None, evidence=None) -> DayState:
    """The device's recognition state at the end of ``day`` (``decisions``: the device's
    decisions in order, ``evidence``: an :class:`EvidenceHistory` — both read once when many
    days are judged)."""
    catalog = catalog or current_catalog()
    rules = rules or recognition_rules(catalog)
    end = _end_of(day)
    acts = [a for a in (actions if actions is not None else
                        QualificationAction.objects.filter(device=device).order_by("at", "id")) if a.at < end]
    service = [a for a in acts if a.action in ("retire", "return")]
    if service and service[-1].action == "retire":
        a = service[-1]
        return DayState(RETIRED, reasons=[[f"设备已于 {timezone.localdate(a.at)} 停用", f"out of service since {timezone.localdate(a.at)}"]])
    if decisions is None:
        d = decision_on(device, day)
    else:
        d = next((x for x in reversed(decisions) if x.decided_at < end), None)
    manual = [a for a in acts if a.action in ("suspend", "reinstate", "revoke") and (d is None or a.at > d.decided_at)]
    last = manual[-1] if manual else None
    if d is None:
        return DayState(NEVER, reasons=[["检查日期前尚无评估结论", "no decision by this date"]])
    if last is not None and last.action == "revoke":
        return DayState(REVOKED, d.pk, reasons=[[f"质控中心于 {timezone.localdate(last.at)} 撤销资格：{last.reason}",
                                               f"revoked by the QC centre on {timezone.localdate(last.at)}: {last.reason}"]])
    if last is not None and last.action == "suspend":
        return DayState(SUSPENDED, d.pk, ["manual"], [[f"质控中心于 {timezone.localdate(last.at)} 暂停资格：{last.reason}",
                                                      f"suspended by the QC centre on {timezone.localdate(last.at)}: {last.reason}"]])
    if d.outcome == Decision.Outcome.NOT_QUALIFIED:
        return DayState(NOT_QUALIFIED, d.pk, reasons=[[f"{timezone.localdate(d.decided_at)} 评估结论：不合格",
                                                     f"decided not qualified on {timezone.localdate(d.decided_at)}"]])
    if d.valid_until is not None and d.valid_until < day:
        return DayState(EXPIRED, d.pk, reasons=[[f"资格已于 {d.valid_until} 到期", f"qualification expired on {d.valid_until}"]])
    rectify = d.outcome == Decision.Outcome.RECTIFY
    if rectify:
        if d.rectification_deadline and d.rectification_deadline < day:
            return DayState(NOT_QUALIFIED, d.pk, reasons=[[f"整改期限 {d.rectification_deadline} 已过，未重新评估",
                                                         f"rectification deadline {d.rectification_deadline} passed without a new decision"]])
        if rules.rectify_grants == "none":
            return DayState(RECTIFYING, d.pk, list(d.rectification_items),
                            [[f"限期整改：{'、'.join(d.rectification_items)}", f"rectification required: {', '.join(d.rectification_items)}"]])
    verdicts = {v.item: v for v in (device_verdicts(device, on=day, catalog=catalog) if evidence is None
                                    else judge_all(evidence.on(day), catalog))}
    if rectify and rules.rectify_grants == "after_retest":
        open_items = [i for i in d.rectification_items if getattr(verdicts.get(i), "verdict", MISSING) not in (PASS, NA)]
        if open_items:
            return DayState(RECTIFYING, d.pk, open_items,
                            [[f"限期整改（期限 {d.rectification_deadline}）：{'、'.join(open_items)} 尚未复测合格",
                              f"rectification by {d.rectification_deadline}: {', '.join(open_items)} not yet re-tested as passing"]])
    then = {e["item"]: e.get("derived", e.get("verdict")) for e in d.snapshot}
    suspend, warn, reasons = [], [], []
    for v in verdicts.values():
        if not v.required:
            continue
        before = then.get(v.item, PASS)
        if not (RANK[v.verdict] > RANK.get(before, RANK[PASS]) and RANK[v.verdict] > RANK[PASS]):
            continue
        effect = rules.effect(v.item, v.verdict)
        if effect == "suspend" and v.verdict == OVERDUE:
            item = catalog[v.item] if v.item in catalog else None
            late_since = (v.last_done + dt.timedelta(days=item.period_days)
                          if item is not None and item.period_days and v.last_done else None)
            if late_since is not None and (day - late_since).days <= rules.overdue_grace_days:
                effect = "warn"
        (suspend if effect == "suspend" else warn).append(v.item)
        reasons.append([f"{v.item} {VERDICT_ZH[v.verdict]}：{v.reason_zh}", f"{v.item} {v.verdict}: {v.reason_en}"])
    if suspend:
        return DayState(SUSPENDED, d.pk, sorted(suspend), reasons)
    if rectify:
        reasons.insert(0, [f"限期整改项已复测合格（期限 {d.rectification_deadline}）",
                           f"rectification items re-tested as passing (deadline {d.rectification_deadline})"])
    if warn or rectify:
        return DayState(AT_RISK, d.pk, sorted(warn), reasons)
    until = f"，有效期至 {d.valid_until}" if d.valid_until else ""
    return DayState(QUALIFIED, d.pk, [], [[f"{timezone.localdate(d.decided_at)} 评估合格{until}",
                                          f"qualified on {timezone.localdate(d.decided_at)}"
                                          + (f", valid until {d.valid_until}" if d.valid_until else "")]])


def history_start(device) -> dt.date | None:
    """The first day with a decision or an action; before it a device was never assessed."""
    days = []
    d = Decision.objects.filter(device=device).order_by("decided_at").values_list("decided_at", flat=True).first()
    if d is not None:
        days.append(timezone.localdate(d))
    a = QualificationAction.objects.filter(device=device).order_by("at").values_list("at", flat=True).first()
    if a is not None:
        days.append(timezone.localdate(a))
    return min(days) if days else None


def compute_spans(device, start: dt.date, through: dt.date, *, catalog=None, previous: StateSpan | None = None,
                  read_once: bool = True) -> list[StateSpan]:
    """The spans of ``start``..``through`` (unsaved), continuing ``previous`` when the first day
    has its state. ``read_once``: the decisions and evidence are read once for all the days
    (:class:`EvidenceHistory`); False reads them day by day as a single day's answer does
    (what :func:`recompute_from_scratch` does, so the tests compare two independent readings)."""
    catalog = catalog or current_catalog()
    rules = recognition_rules(catalog)
    actions = list(QualificationAction.objects.filter(device=device).order_by("at", "id"))
    decisions = list(Decision.objects.filter(device=device).order_by("decided_at", "id")) if read_once else None
    evidence = EvidenceHistory(device, through) if read_once else None
    spans: list[StateSpan] = []
    cur, cur_key = previous, None
    if previous is not None:
        cur_key = (previous.state, previous.decision_id, tuple(previous.items))
    day = start
    while day <= through:
        s = state_on(device, day, catalog=catalog, rules=rules, actions=actions, decisions=decisions, evidence=evidence)
        if cur is not None and s.key() == cur_key and cur.end == day - dt.timedelta(days=1):
            cur.end = day
        else:
            cur = StateSpan(device=device, start=day, end=day, state=s.state, recognised=s.recognised,
                            decision_id=s.decision_id, items=list(s.items), reasons=s.reasons)
            cur_key = s.key()
            spans.append(cur)
        day += dt.timedelta(days=1)
    return spans


def recompute_from_scratch(device, through: dt.date | None = None, *, catalog=None) -> list[tuple]:
    """The history as tuples, computed without the stored one (what the tests compare)."""
    through = through or timezone.localdate()
    start = history_start(device)
    if start is None or start > through:
        return []
    return [_as_tuple(s) for s in compute_spans(device, start, through, catalog=catalog, read_once=False)]


def _as_tuple(s: StateSpan) -> tuple:
    return (s.start, s.end, s.state, s.recognised, s.decision_id, tuple(s.items))


def stored(device) -> list[tuple]:
    return [_as_tuple(s) for s in StateSpan.objects.filter(device=device).order_by("start")]


def mark_dirty(device_id: int, day: dt.date) -> None:
    """A change takes effect on ``day``: the stored history is stale from it (cheap; no recompute)."""
    h = StateHorizon.objects.filter(device_id=device_id)
    for hz in h.only("id", "dirty_from"):
        if hz.dirty_from is None or day < hz.dirty_from:
            StateHorizon.objects.filter(pk=hz.pk).update(dirty_from=day)


def mark_all_dirty() -> None:
    """The catalog (or anything that applies to every day) changed: rebuild each history on its next read."""
    StateHorizon.objects.update(catalog_key="")


def _delete(qs) -> None:
    # derived rows: no per-row signals (and no audit entries) for a rewrite of the history
    qs._raw_delete(qs.db)


def ensure_history(device, through: dt.date | None = None) -> StateHorizon | None:
    """Bring the device's stored history up to date through ``through`` (today). The usual
    case — nothing changed since it was computed — costs one indexed read."""
    through = through or timezone.localdate()
    catalog = current_catalog()
    rel = type(device).state_horizon.related
    if rel.is_cached(device):  # read with the device (select_related("state_horizon"))
        hz = rel.get_cached_value(device)
    else:
        hz = StateHorizon.objects.filter(device=device).first()
    if (hz is not None and hz.dirty_from is None and hz.through is not None and hz.through >= through
            and hz.catalog_key == catalog.key):
        return hz
    return _rebuild(device, through, catalog)


@transaction.atomic
def _rebuild(device, through: dt.date, catalog) -> StateHorizon:
    hz, _ = StateHorizon.objects.select_for_update().get_or_create(device=device)
    start = history_start(device)
    full = hz.catalog_key != catalog.key or hz.start != start
    if start is None:
        _delete(StateSpan.objects.filter(device=device))
        StateHorizon.objects.filter(pk=hz.pk).update(start=None, through=through, dirty_from=None, catalog_key=catalog.key)
        return hz
    if full:
        since = start
    else:
        since = min(d for d in (hz.dirty_from, (hz.through or start - dt.timedelta(days=1)) + dt.timedelta(days=1)) if d)
    since = max(since, start)
    if since > through and not full:
        return hz
    _delete(StateSpan.objects.filter(device=device, start__gte=since))
    previous = StateSpan.objects.filter(device=device, start__lt=since).order_by("-start").first()
    if previous is not None and previous.end >= since:
        previous.end = since - dt.timedelta(days=1)
    spans = compute_spans(device, since, max(through, since), catalog=catalog, previous=previous)
    if previous is not None:
        StateSpan.objects.filter(pk=previous.pk).update(end=previous.end)
    StateSpan.objects.bulk_create([s for s in spans if s.pk is None])
    StateHorizon.objects.filter(pk=hz.pk).update(start=start, through=max(through, since), dirty_from=None,
                                                 catalog_key=catalog.key)
    return hz


UNREAD = object()  # no span was read with the device


def span_on(device, day: dt.date, known=UNREAD) -> StateSpan | None:
    """The stored interval holding ``day`` (after bringing the history up to date).
    ``known``: the span (or ``None``) read in the same query as the device and its horizon
    (:func:`huren.recognition.services.find_study`); it is the answer unless the horizon
    was stale and the history had to be rebuilt."""
    rel = type(device).state_horizon.related
    read_with = rel.get_cached_value(device) if rel.is_cached(device) else None
    hz = ensure_history(device, max(day, timezone.localdate()))
    if known is not UNREAD and read_with is not None and hz is read_with:
        return known
    return (StateSpan.objects.filter(device=device, start__lte=day, end__gte=day)
            .select_related("decision__verification").first())


def state_for(device, day: dt.date, known=UNREAD) -> DayState:
    """The state on ``day`` from the stored history (``never_assessed`` before it starts)."""
    s = span_on(device, day, known)
    if s is None:
        return DayState(NEVER, reasons=[["检查日期前尚无评估结论", "no decision by this date"]])
    out = DayState(s.state, s.decision_id, list(s.items), [list(r) for r in s.reasons])
    out.decision = s.decision  # the Decision row, read with the span
    return out

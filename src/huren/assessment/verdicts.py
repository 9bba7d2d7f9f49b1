"""Derived verdicts: every catalog item of a device's modality judged from the device's
current evidence and the catalog. The ONE place where evidence meets criteria.

For each item the evidence of each of its kinds is judged:

* **measure / image** — the latest current measurement of each (metric, test type) is
  judged by the catalog criterion (``Item.criterion``) with its conditions and baseline (a
  stability test without one takes the latest acceptance or status test's value);
  ``lead_equivalence_mm`` of ``*-SHIELD`` and ``*-PPE`` items also comes from the register
  (shielding measurements of the device's rooms, the department's protective equipment).
* **log** — the range/bool criteria of log metrics over the last ``HUREN_LOG_WINDOW_DAYS``
  days (every out-of-range day counts; the helium fall per day is derived from the series),
  ``log_gap`` over the entry dates inside the window, ``within_period`` on the last day a
  periodic task (backup, maintenance…) was ticked; an item without criteria needs entries.
* **check** — the latest answer to each checklist question (or to the whole item): any
  "no" fails, all "not applicable" is not applicable, an unanswered question is missing.
  ``all_present`` criteria read the register (coils, accessories and drugs with expiry,
  protective equipment).
* **doc** — the latest document naming the item: expired (``valid_until``) is overdue.

The item's ``period_days`` makes its latest measurement, answer or undated document overdue
when older (for an item with a daily log, the log's gap criterion carries the period). Kinds with no evidence at all are left out when another kind has evidence (the
standard lists alternatives: "check, doc"); with no evidence of any kind the item is
``missing``; a document alone stands only for the items the catalog's ``[recording]
document_alone`` names. The item's verdict is the worst of the rest: fail > overdue > missing > pass >
not_applicable. Reasons are in Chinese and English and name the figures.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Iterable

from django.conf import settings
from django.utils import timezone

from huren.evidence.logfields import BY_DATE_METRIC, BY_METRIC, LOG_FIELDS, RATE_METRICS
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.registry.models import (
    COIL_NAMES, ROOM_NAMES, Accessory, Coil, ProtectiveEquipment, Room, ShieldingMeasurement,
)
from huren.standard import Catalog, Item, load_catalog, metrics
from huren.standard.criteria import _fmt

PASS, FAIL, MISSING, OVERDUE, NA = "pass", "fail", "missing", "overdue", "not_applicable"
RANK = {NA: 0, PASS: 1, MISSING: 2, OVERDUE: 3, FAIL: 4}
VERDICT_ZH = {PASS: "合格", FAIL: "不合格", MISSING: "缺少证据", OVERDUE: "逾期", NA: "不适用"}
KIND_ZH = {"measure": "测量", "image": "图像", "log": "日常记录", "check": "核查", "doc": "文档"}


def worst(verdicts: Iterable[str]) -> str:
    vs = list(verdicts)
    return max(vs, key=RANK.__getitem__) if vs else MISSING


@dataclass
class Part:
    """The judgement of one kind of evidence for one item."""

    kind: str
    verdict: str
    reasons: list[tuple[str, str]] = field(default_factory=list)
    evidence: dict[str, list[int]] = field(default_factory=dict)
    absent: bool = False
    last: dt.date | None = None


@dataclass
class ItemVerdict:
    item: str
    title_zh: str
    title_en: str
    section: str
    kinds: tuple[str, ...]
    required: bool
    verdict: str
    reasons: list[tuple[str, str]]
    evidence: dict[str, list[int]]
    last_done: dt.date | None = None

    @property
    def reason_zh(self) -> str:
        return "；".join(z for z, _ in self.reasons)

    @property
    def reason_en(self) -> str:
        return "; ".join(e for _, e in self.reasons)

    def to_dict(self) -> dict:
        return {
            "item": self.item,
            "title_zh": self.title_zh,
            "title_en": self.title_en,
            "section": self.section,
            "kinds": list(self.kinds),
            "required": self.required,
            "verdict": self.verdict,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "evidence": self.evidence,
            "last_done": self.last_done.isoformat() if self.last_done else None,
        }


def _latest_key(r):
    return (r.performed_on, r.recorded_at, r.pk)


@dataclass
class Evidence:
    """A device's current evidence as of a day, and its register entries."""

    device: object
    on: dt.date
    window_start: dt.date
    measurements: list
    logs: list
    checks: list
    documents: list
    register: dict  # all_present metric -> ({name: expiry or None}, {evidence key: [ids]})
    ppe: list
    shielding: list
    last_done: dict  # date metric (last_backup_date…) -> (date, log id)
    iq: dict | None = None  # IQ item -> its figures of the day, when read ahead (EvidenceHistory)


def gather(device, on: dt.date) -> Evidence:
    """Collect the device's evidence recorded by the end of ``on`` and current on that day."""
    cutoff = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
    window = int(getattr(settings, "HUREN_LOG_WINDOW_DAYS", 30))
    start = on - dt.timedelta(days=window - 1)

    def current(model):
        # recorded by the end of ``on``, and not corrected by a record made by then
        return (model.objects.for_device(device).filter(recorded_at__lt=cutoff, performed_on__lte=on)
                .exclude(superseded_by__recorded_at__lt=cutoff))

    def rows(model, **extra):
        return list(current(model).filter(**extra).order_by("performed_on", "recorded_at", "id"))

    logs = rows(DailyLog, performed_on__gte=start - dt.timedelta(days=1))
    # the last entry before the window lets a gap that began before it be measured
    before = current(DailyLog).filter(performed_on__lt=start - dt.timedelta(days=1)).order_by(
        "-performed_on", "-recorded_at", "-id").first()
    if before is not None:
        logs.insert(0, before)
    # the last day each periodic task (backup, maintenance…) was ticked, however long ago
    last_done = {}
    for lf in LOG_FIELDS:
        if lf.date_metric:
            hit = current(DailyLog).filter(**{lf.field: True}).order_by("-performed_on", "-recorded_at", "-id").values_list(
                "performed_on", "pk").first()
            if hit is not None:
                last_done[lf.date_metric] = hit

    register, ppe = _register(device)
    return Evidence(
        device=device, on=on, window_start=start,
        measurements=rows(Measurement), logs=logs, checks=rows(ChecklistAnswer), documents=rows(Document),
        register=register, ppe=ppe, shielding=_latest_per_place(_shielding(device).filter(measured_on__lte=on)),
        last_done=last_done,
    )


def _register(device) -> tuple[dict, list]:
    """The register entries of the device (as they are now: register entries carry no dates)."""
    register: dict = {}

    def add(metric, key, names, expiry, pk):
        present, ids = register.setdefault(metric, ({}, {}))
        for name in names:
            # with several units of one kind, the latest expiry counts
            cur = present.get(name, "absent")
            if cur == "absent" or (cur is not None and (expiry is None or expiry > cur)):
                present[name] = expiry
        ids.setdefault(key, []).append(pk)

    for c in Coil.objects.filter(device=device, in_service=True):
        add("coils_present", "coil", COIL_NAMES.get(c.kind, (c.kind,)), None, c.pk)
    for a in Accessory.objects.filter(department_id=device.department_id, in_service=True):
        if a.device_id in (None, device.pk):
            add("emergency_kit", "accessory", (a.kind,), a.expiry_date, a.pk)
    for r in Room.objects.filter(department_id=device.department_id):
        add("rooms_present", "room", ROOM_NAMES.get(r.kind, ()), None, r.pk)
    ppe = list(ProtectiveEquipment.objects.filter(department_id=device.department_id, in_service=True))
    for p in ppe:
        add("ppe_items", "ppe", (p.kind,), None, p.pk)
    return register, ppe


def _shielding(device):
    rooms = [device.room_id] if device.room_id else list(
        Room.objects.filter(department_id=device.department_id, kind=Room.Kind.EXAM).values_list("id", flat=True))
    return (ShieldingMeasurement.objects.filter(room_id__in=rooms).select_related("room")
            .order_by("room_id", "position", "label", "-measured_on", "-id"))


def _latest_per_place(shielding) -> list:
    latest: dict = {}
    for s in shielding:  # ordered by place, newest first
        latest.setdefault((s.room_id, s.position, s.label), s)
    return list(latest.values())


class EvidenceHistory:
    """A device's evidence read once for many days: ``on(day)`` is what :func:`gather` returns
    for that day (the same rows, in the same order), without a query. The state history
    (:mod:`huren.recognition.history`) judges every day of years with it."""

    def __init__(self, device, through: dt.date) -> None:
        from django.db.models import F

        self.device = device

        def load(model):
            return list(model.objects.for_device(device).filter(performed_on__lte=through)
                        .annotate(corrected_at=F("superseded_by__recorded_at"))
                        .order_by("performed_on", "recorded_at", "id"))

        self.measurements, self.logs, self.checks, self.documents = (
            load(Measurement), load(DailyLog), load(ChecklistAnswer), load(Document))
        self.log_days = [r.performed_on for r in self.logs]
        self.register, self.ppe = _register(device)
        self.shielding = list(_shielding(device).filter(measured_on__lte=through))
        self.window = int(getattr(settings, "HUREN_LOG_WINDOW_DAYS", 30))
        from huren.imagequality.verdicts import FiguresHistory

        iq_items = [i.id for i in current_catalog().for_modality(device.modality) if i.section == "image_quality"]
        self.iq = FiguresHistory(device, iq_items, through)

    @staticmethod
    def _current(r, on: dt.date, cutoff) -> bool:
        return r.recorded_at < cutoff and r.performed_on <= on and not (
            r.corrected_at is not None and r.corrected_at < cutoff)

    def on(self, on: dt.date) -> Evidence:
        import bisect

        cutoff = timezone.make_aware(dt.datetime.combine(on + dt.timedelta(days=1), dt.time.min))
        start = on - dt.timedelta(days=self.window - 1)
        cur = self._current

        def rows(all_rows):
            return [r for r in all_rows if r.performed_on <= on and cur(r, on, cutoff)]

        lo = bisect.bisect_left(self.log_days, start - dt.timedelta(days=1))
        hi = bisect.bisect_right(self.log_days, on)
        logs = [r for r in self.logs[lo:hi] if cur(r, on, cutoff)]
        before = next((r for r in reversed(self.logs[:lo]) if cur(r, on, cutoff)), None)
        if before is not None:
            logs.insert(0, before)
        last_done = {}
        for lf in LOG_FIELDS:
            if lf.date_metric:
                hit = next((r for r in reversed(self.logs[:hi]) if getattr(r, lf.field) is True and cur(r, on, cutoff)), None)
                if hit is not None:
                    last_done[lf.date_metric] = (hit.performed_on, hit.pk)
        return Evidence(
            device=self.device, on=on, window_start=start,
            measurements=rows(self.measurements), logs=logs, checks=rows(self.checks), documents=rows(self.documents),
            register=self.register, ppe=self.ppe, shielding=_latest_per_place(s for s in self.shielding if s.measured_on <= on),
            last_done=last_done, iq=self.iq.on(on),
        )


# ----------------------------------------------------------------------------- parts
def _period_part(kind: str, item: Item, last: dt.date | None, on: dt.date) -> Part | None:
    if item.period_days is None or last is None:
        return None
    due = last + dt.timedelta(days=item.period_days)
    if (on - last).days <= item.period_days:
        return None
    return Part(kind, OVERDUE, [(f"{KIND_ZH.get(kind, kind)}最近一次 {last}，已于 {due} 逾期（周期 {item.period_days} 天）",
                                 f"last {kind} on {last}, overdue since {due} (period {item.period_days} days)")])


def _details(device, conditions: dict) -> dict:
    d = dict(conditions or {})
    if device.field_strength_t and "field_strength_t" not in d:
        d["field_strength_t"] = device.field_strength_t
    return d


def _measure_part(item: Item, ev: Evidence) -> Part:
    ms = [m for m in ev.measurements if m.item == item.id]
    latest: dict = {}
    for m in ms:
        key = (m.metric, m.test_type, m.method)
        if key not in latest or _latest_key(m) > _latest_key(latest[key]):
            latest[key] = m
    # every figure of the latest one's analysis run counts (an ACR run's six lengths, each slice)
    run = lambda m: (m.conditions or {}).get("analysis_run")  # noqa: E731
    chosen = [m for m in ms if m is latest[(m.metric, m.test_type, m.method)] or (
        run(m) is not None and run(m) == run(latest[(m.metric, m.test_type, m.method)]))]
    verdicts, reasons, ids = [], [], []
    for m in sorted(chosen, key=lambda m: (m.metric, m.test_type, m.method)):
        ids.append(m.pk)
        details = _details(ev.device, m.conditions)
        crit = item.criterion(m.metric, m.test_type or None, m.method or None, details)
        lacking = item.missing_details(m.metric, m.test_type or None, m.method or None, details) if crit is None else []
        if lacking:
            verdicts.append(MISSING)
            zh, en = _named(m)
            reasons.append((f"{zh}：缺少 {', '.join(lacking)}，无法判定",
                            f"{en}: {', '.join(lacking)} not recorded, cannot judge"))
            continue
        if crit is None:
            verdicts.append(PASS)
            zh, en = _named(m)
            reasons.append((f"{zh}（{m.performed_on}）已记录，本条目无判定标准",
                            f"{en} ({m.performed_on}) recorded; no criterion for it"))
            continue
        baseline, base_from = _baseline(m, ms, crit)
        if base_from is not None:
            ids.append(base_from.pk)
        j = crit.evaluate(_value_for(crit, m), reference=details.get("nominal"), baseline=baseline, details=details,
                          on=ev.on)
        v = j.verdict if j.verdict in RANK else MISSING
        verdicts.append(v)
        src_zh = f"；基线取自 {base_from.performed_on} {TEST_TYPE_ZH[base_from.test_type]}" if base_from else ""
        src_en = f"; baseline from the {base_from.test_type} test of {base_from.performed_on}" if base_from else ""
        reasons.append((f"{j.reason_zh}（{m.performed_on}{src_zh}）", f"{j.reason_en} ({m.performed_on}{src_en})"))
    # register values stand for typed measurements of lead equivalence
    reg = _register_lead(item, ev)
    if reg is not None:
        verdicts += reg.verdicts
        reasons += reg.reasons
    if not verdicts:
        return Part("measure", MISSING, [("无测量结果", "no measurement")], absent=True)
    last = max((m.performed_on for m in ms), default=None)
    evidence = {"measurement": ids}
    if reg is not None:
        evidence.update(reg.evidence)
        last = max([d for d in (last, reg.last) if d], default=None)
    return Part("measure", worst(verdicts), _fail_first(verdicts, reasons), evidence, last=last)


def _named(m) -> tuple[str, str]:
    """A measurement as a reason names it: the metric's label (metrics.toml), value and unit."""
    reg = metrics().get(m.metric)
    u = f" {m.unit}" if m.unit else ""
    return (f"{reg.label_zh if reg else m.metric} {_fmt(m.value)}{u}", f"{reg.label_en if reg else m.metric} {_fmt(m.value)}{u}")


TEST_TYPE_ZH = {"acceptance": "验收检测", "status": "状态检测", "stability": "稳定性检测"}


def _baseline(m, ms: list, crit):
    """The baseline a stability test is judged against: the one typed with it, else the value
    of the latest acceptance or status test of the same metric and method done on or before
    it (WS 519-2019 / WS 76-2020: the baseline is set by the acceptance or status test).
    Returns (value, the measurement it came from or None)."""
    if m.baseline is not None or crit.reference != "baseline":
        return m.baseline, None
    earlier = [b for b in ms if b.metric == m.metric and b.method == m.method and b.pk != m.pk
               and b.test_type in ("acceptance", "status") and b.performed_on <= m.performed_on]
    if not earlier:
        return None, None
    b = max(earlier, key=_latest_key)
    return b.value, b


def _value_for(crit, m):
    """A measurement's value in the form its criterion reads: a yes/no as 1/0, a list of
    names present in ``conditions['present']``."""
    if crit.kind == "all_present":
        return m.conditions.get("present", [])
    if crit.kind == "bool":
        return bool(m.value)
    return m.value


def _fail_first(verdicts, reasons):
    """Reasons of the worst judgements first, so that a summary shows the cause."""
    order = sorted(range(len(verdicts)), key=lambda i: -RANK[verdicts[i]])
    return [reasons[i] for i in order]


@dataclass
class _Reg:
    verdicts: list
    reasons: list
    evidence: dict
    last: dt.date | None


def _register_lead(item: Item, ev: Evidence) -> _Reg | None:
    crits = item.criteria_for("lead_equivalence_mm")
    if not crits:
        return None
    if item.id.endswith("-SHIELD"):
        rows = [(f"{s.room.name} {s.get_position_display()} {s.label}".strip(), float(s.lead_equivalence_mm),
                 s.pk, s.measured_on) for s in ev.shielding]
        key = "shielding"
    elif item.id.endswith("-PPE"):
        rows = [(p.get_kind_display(), float(p.lead_equivalence_mm), p.pk, p.checked_on) for p in ev.ppe]
        key = "ppe"
    else:
        return None
    if not rows:
        return None
    vs, rs = [], []
    crit = crits[0]
    for name, value, _pk, _d in rows:
        j = crit.evaluate(value, on=ev.on)
        vs.append(j.verdict if j.verdict in RANK else MISSING)
        rs.append((f"{name}：{j.reason_zh}", f"{name}: {j.reason_en}"))
    return _Reg(vs, rs, {key: [r[2] for r in rows]}, max((r[3] for r in rows if r[3]), default=None))


def _log_part(item: Item, ev: Evidence) -> Part:
    logs = ev.logs
    in_window = [lg for lg in logs if lg.performed_on >= ev.window_start]
    ids = [lg.pk for lg in in_window]
    if not item.criteria:
        if not in_window:
            return Part("log", MISSING, [(f"{ev.window_start} 以来无日常记录", f"no log entries since {ev.window_start}")],
                        absent=not logs)
        return Part("log", PASS, [(f"{ev.window_start} 以来共 {len(in_window)} 条记录",
                                   f"{len(in_window)} entries since {ev.window_start}")], {"log": ids},
                    last=in_window[-1].performed_on)
    verdicts, reasons, used = [], [], False
    for crit in item.criteria:
        lf = BY_METRIC.get(crit.metric)
        if crit.kind == "log_gap":
            # the dates of every entry (a day logged at all counts as a day logged); an entry
            # before the window stands at its edge, so only the part of a gap inside the
            # window counts
            edge = ev.window_start - dt.timedelta(days=1)
            dates = [max(lg.performed_on, edge) for lg in logs]
            j = crit.evaluate(dates, on=ev.on)
            used = used or bool(dates)
            verdicts.append(j.verdict if j.verdict in RANK else MISSING)
            reasons.append((j.reason_zh, j.reason_en))
            continue
        if crit.kind == "within_period":
            if crit.metric not in BY_DATE_METRIC:
                continue
            if crit.metric not in ev.last_done:
                verdicts.append(MISSING)
                reasons.append((f"{crit.label_zh or crit.metric}：无记录", f"{crit.label_en or crit.metric}: never recorded"))
                continue
            j = crit.evaluate(ev.last_done[crit.metric][0], on=ev.on)
            used = True
            verdicts.append(j.verdict if j.verdict in RANK else MISSING)
            reasons.append((j.reason_zh, j.reason_en))
            continue
        if crit.metric in RATE_METRICS:
            src = RATE_METRICS[crit.metric]
            series = [(lg.performed_on, getattr(lg, src), lg.pk) for lg in logs if getattr(lg, src) is not None]
            values = [(b[0], round((a[1] - b[1]) / max(1, (b[0] - a[0]).days), 6), b[2])
                      for a, b in zip(series, series[1:]) if b[0] >= ev.window_start]
            if values:
                used = True
                verdicts.append(_judge_series(crit, values, ev, reasons))
            continue
        if lf is None:
            # a metric the daily log does not record (e.g. a checklist answer): judged elsewhere
            continue
        values = [(lg.performed_on, getattr(lg, lf.field), lg.pk) for lg in in_window if getattr(lg, lf.field) is not None]
        if not values:
            verdicts.append(MISSING)
            reasons.append((f"{crit.label_zh or crit.metric}：{ev.window_start} 以来无记录",
                            f"{crit.label_en or crit.metric}: no entries since {ev.window_start}"))
            continue
        used = True
        verdicts.append(_judge_series(crit, values, ev, reasons))
    if not verdicts:
        return Part("log", MISSING, [("无可判定的日常记录项", "no log metric to judge")], absent=True)
    if not used:
        return Part("log", MISSING, reasons, absent=not logs)
    return Part("log", worst(verdicts), _fail_first(verdicts, reasons), {"log": ids},
                last=in_window[-1].performed_on if in_window else None)


def _judge_series(crit, values, ev: Evidence, reasons: list) -> str:
    """Judge each day's value; every day out of range counts, the latest is named."""
    bad = []
    for day, value, _pk in values:
        j = crit.evaluate(value, on=ev.on)
        if j.verdict in (FAIL, "not_evaluable"):
            bad.append((day, j))
    if bad:
        day, j = bad[-1]
        reasons.append((f"{ev.window_start} 以来 {len(values)} 天中 {len(bad)} 天不符合；最近 {day}：{j.reason_zh}",
                        f"{len(bad)} of {len(values)} days since {ev.window_start} not met; latest {day}: {j.reason_en}"))
        return FAIL
    label_zh, label_en = crit.label_zh or crit.metric, crit.label_en or crit.metric
    if crit.kind == "bool":
        reasons.append((f"{label_zh} {ev.window_start} 以来 {len(values)} 天均为“{crit.text('zh')}”",
                        f"{label_en}: {crit.text('en')} on all {len(values)} days since {ev.window_start}"))
        return PASS
    nums = [v for _, v, _ in values]
    u = crit.unit if crit.unit in ("%", "°C", "") else f" {crit.unit}"
    reasons.append((f"{label_zh} {ev.window_start} 以来 {len(values)} 天均符合 {crit.text('zh')}（{_fmt(min(nums))}–{_fmt(max(nums))}{u}）",
                    f"{label_en}: all {len(values)} days since {ev.window_start} meet {crit.text('en')} "
                    f"({_fmt(min(nums))}–{_fmt(max(nums))}{u})"))
    return PASS


def _check_part(item: Item, ev: Evidence) -> Part:
    answers = [a for a in ev.checks if a.item == item.id]
    reg = _register_presence(item, ev)
    if not answers and reg is None:
        return Part("check", MISSING, [("未核查", "not checked")], absent=True)
    verdicts, reasons, evidence = [], [], {}
    last = None
    if answers:
        keys = [str(i + 1) for i in range(len(item.checklist))] or [""]
        whole = max((a for a in answers if a.question == ""), key=_latest_key, default=None)
        crit = next((c for c in item.criteria if c.kind == "bool"), None)
        expect = crit.expect if crit is not None else True
        used, unanswered, noes, nas = [], [], [], []
        for k in keys:
            own = max((a for a in answers if a.question == k), key=_latest_key, default=None)
            a = own if own is not None and (whole is None or _latest_key(own) >= _latest_key(whole)) else whole
            if a is None:
                unanswered.append(k)
                continue
            used.append(a)
            if a.answer == ChecklistAnswer.Answer.NOT_APPLICABLE:
                nas.append(k)
            elif (a.answer == ChecklistAnswer.Answer.YES) != expect:
                noes.append((k, a))
        evidence["check"] = sorted({a.pk for a in used})
        last = max((a.performed_on for a in used), default=None)
        zh_q = item.checklist_zh or item.checklist

        def qname(k, zh):
            if not k:
                return "本条目" if zh else "the item"
            i = int(k) - 1
            src = zh_q if zh else item.checklist
            return f"第{k}项（{src[i]}）" if zh else f"question {k} ({src[i]})"

        if noes:
            verdicts.append(FAIL)
            reasons.append(("；".join(f"{qname(k, True)}：{'否' if expect else '是'}" + (f"（{a.note}）" if a.note else "")
                                     for k, a in noes),
                            "; ".join(f"{qname(k, False)}: {'no' if expect else 'yes'}" + (f" ({a.note})" if a.note else "")
                                      for k, a in noes)))
        if unanswered:
            verdicts.append(MISSING)
            reasons.append(("未回答：" + "、".join(qname(k, True) for k in unanswered),
                            "unanswered: " + ", ".join(qname(k, False) for k in unanswered)))
        if not noes and not unanswered:
            if len(nas) == len(keys):
                verdicts.append(NA)
                reasons.append(("核查：不适用", "checked: not applicable"))
            else:
                verdicts.append(PASS)
                reasons.append((f"核查 {len(keys) - len(nas)} 项均为“{'是' if expect else '否'}”（{last}）",
                                f"all {len(keys) - len(nas)} checks {'yes' if expect else 'no'} ({last})"))
    if reg is not None:
        verdicts += reg.verdicts
        reasons += reg.reasons
        evidence.update(reg.evidence)
    return Part("check", worst(verdicts), _fail_first(verdicts, reasons), evidence, last=last)


def _register_presence(item: Item, ev: Evidence) -> _Reg | None:
    """``all_present`` criteria answered by the register (rooms, coils, emergency kit, PPE);
    None when the register holds nothing for them (that is missing evidence, not a fail)."""
    vs, rs, evidence = [], [], {}
    for crit in item.criteria:
        if crit.kind != "all_present" or crit.metric not in ev.register:
            continue
        present, ids = ev.register[crit.metric]
        j = crit.evaluate(present, on=ev.on)
        vs.append(j.verdict if j.verdict in RANK else MISSING)
        rs.append((j.reason_zh, j.reason_en))
        evidence.update(ids)
    if not vs:
        return None
    return _Reg(vs, rs, evidence, None)


def _doc_part(item: Item, ev: Evidence) -> Part:
    docs = [d for d in ev.documents if item.id in (d.items or [])]
    if not docs:
        return Part("doc", MISSING, [("无文档", "no document")], absent=True)
    d = max(docs, key=_latest_key)
    if d.valid_until is not None and d.valid_until < ev.on:
        return Part("doc", OVERDUE, [(f"文档“{d.title}”已于 {d.valid_until} 过期", f"document '{d.title}' expired on {d.valid_until}")],
                    {"document": [d.pk]}, last=None)
    period = next((c for c in item.criteria if c.kind == "within_period"), None)
    if period is not None:
        j = period.evaluate(d.performed_on, on=ev.on)
        return Part("doc", j.verdict if j.verdict in RANK else MISSING, [(f"“{d.title}”：{j.reason_zh}", f"'{d.title}': {j.reason_en}")],
                    {"document": [d.pk]})
    until = f"，有效期至 {d.valid_until}" if d.valid_until else ""
    until_en = f", valid until {d.valid_until}" if d.valid_until else ""
    return Part("doc", PASS, [(f"文档“{d.title}”（{d.issuing_body or '—'}，{d.performed_on}{until}）",
                               f"document '{d.title}' ({d.issuing_body or '—'}, {d.performed_on}{until_en})")],
                {"document": [d.pk]}, last=d.performed_on if d.valid_until is None else None)


PARTS = {"measure": _measure_part, "image": _measure_part, "log": _log_part, "check": _check_part, "doc": _doc_part}


def judge_item(item: Item, ev: Evidence) -> ItemVerdict:
    """The verdict of one catalog item from gathered evidence."""
    parts: list[Part] = []
    seen = set()
    kinds = item.kinds + (("check",) if item.checklist and "check" not in item.kinds else ())
    # The item's period belongs to its log when it has one (daily entries), else to the
    # periodic test, check or report.
    if "log" in kinds:
        periodic = set() if any(c.kind == "log_gap" for c in item.criteria) else {"log"}
    else:
        periodic = {"measure", "check", "doc"}
    for kind in kinds:
        fn = PARTS[kind]
        if fn in seen:
            continue
        seen.add(fn)
        part = fn(item, ev)
        parts.append(part)
        late = _period_part(part.kind, item, part.last, ev.on) if not part.absent and part.kind in periodic else None
        if late is not None:
            parts.append(late)
    if item.section == "image_quality":  # issue 8: automatic checks and expert sheets, not a typed score alone
        from huren.imagequality.verdicts import iq_parts
        parts = iq_parts(item, ev, parts, Part, {"pass": PASS, "fail": FAIL, "missing": MISSING})
    present = [p for p in parts if not p.absent]
    if present and all(p.kind == "doc" for p in present) and not item.document_alone:
        present = parts  # a document backs the figures, it does not replace them (catalog [recording])
    evidence: dict[str, list[int]] = {}
    for p in present:
        for k, ids in p.evidence.items():
            evidence.setdefault(k, []).extend(i for i in ids if i not in evidence.get(k, []))
    if not present:
        kinds = "、".join(KIND_ZH.get(k, k) for k in item.kinds)
        verdict, reasons = MISSING, [(f"缺少证据（{kinds}）", f"no evidence ({', '.join(item.kinds)})")]
    else:
        verdict = worst(p.verdict for p in present)
        reasons = [r for p in sorted(present, key=lambda p: -RANK[p.verdict]) for r in p.reasons]
    last = max((p.last for p in present if p.last), default=None)
    return ItemVerdict(item.id, item.title_zh or item.text_zh, item.title_en or item.text_en, item.section, item.kinds,
                       item.required, verdict, reasons, evidence, last)


def current_catalog() -> Catalog:
    """The catalog in force: ``settings.HUREN_CATALOG`` (a shipped name or a file), else the default."""
    return load_catalog(getattr(settings, "HUREN_CATALOG", None) or None)


def device_verdicts(device, *, on: dt.date | None = None, catalog: Catalog | None = None) -> list[ItemVerdict]:
    """Every catalog item of ``device``'s modality with its verdict on day ``on`` (today)."""
    catalog = catalog or current_catalog()
    on = on or timezone.localdate()
    return judge_all(gather(device, on), catalog)


def judge_all(ev: Evidence, catalog: Catalog) -> list[ItemVerdict]:
    """Every catalog item of the device's modality judged on evidence gathered for one day."""
    return [judge_item(item, ev) for item in catalog.for_modality(ev.device.modality)]


def summary(verdicts: list[ItemVerdict]) -> dict[str, int]:
    out = {v: 0 for v in RANK}
    for v in verdicts:
        out[v.verdict] += 1
    return out

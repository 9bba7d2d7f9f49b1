"""A device's qualification status now (or on a day): qualified, at_risk, not_qualified or
never_assessed, with reasons.

The status starts from the latest decision. A qualified device is ``at_risk`` as soon as a
required item's verdict today is worse than the verdict derived when it was decided (a log
out of range, a test overdue, evidence gone), or while a rectification is open; it is
``not_qualified`` when the decision says so, its validity has ended or a rectification
deadline has passed.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.utils import timezone

from huren.assessment.models import Decision
from huren.assessment.verdicts import RANK, VERDICT_ZH, ItemVerdict, device_verdicts

QUALIFIED, AT_RISK, NOT_QUALIFIED, NEVER_ASSESSED = "qualified", "at_risk", "not_qualified", "never_assessed"
STATUS_ZH = {QUALIFIED: "合格", AT_RISK: "存在风险", NOT_QUALIFIED: "不合格", NEVER_ASSESSED: "未评估"}


@dataclass
class Status:
    status: str
    reasons: list[tuple[str, str]] = field(default_factory=list)
    decision: Decision | None = None
    items_at_risk: list[str] = field(default_factory=list)
    verdicts: list[ItemVerdict] | None = None

    @property
    def valid_until(self):
        return self.decision.valid_until if self.decision else None

    def to_dict(self) -> dict:
        d = self.decision
        return {
            "status": self.status,
            "status_zh": STATUS_ZH[self.status],
            "reasons": [{"zh": z, "en": e} for z, e in self.reasons],
            "items_at_risk": self.items_at_risk,
            "decision": None if d is None else {
                "id": d.pk, "outcome": d.outcome, "decided_at": d.decided_at.isoformat(),
                "valid_from": d.valid_from.isoformat(), "valid_until": d.valid_until.isoformat() if d.valid_until else None,
                "catalog_key": d.catalog_key,
                "rectification_items": d.rectification_items,
                "rectification_deadline": d.rectification_deadline.isoformat() if d.rectification_deadline else None,
            },
        }


def decision_on(device, day: dt.date) -> Decision | None:
    """The latest decision about ``device`` made by the end of ``day``."""
    end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))
    return Decision.objects.filter(device=device, decided_at__lt=end).order_by("-decided_at", "-id").first()


def device_status(device, *, on: dt.date | None = None, verdicts: list[ItemVerdict] | None = None) -> Status:
    on = on or timezone.localdate()
    d = decision_on(device, on)
    if d is None:
        return Status(NEVER_ASSESSED, [("尚未作出评估结论", "no decision yet")])
    if d.outcome == Decision.Outcome.NOT_QUALIFIED:
        return Status(NOT_QUALIFIED, [(f"{d.decided_at.date()} 评估结论：不合格", f"decided not qualified on {d.decided_at.date()}")], d)
    if d.valid_until is not None and d.valid_until < on:
        return Status(NOT_QUALIFIED, [(f"资格已于 {d.valid_until} 到期", f"qualification expired on {d.valid_until}")], d)
    if d.outcome == Decision.Outcome.RECTIFY and d.rectification_deadline and d.rectification_deadline < on:
        return Status(NOT_QUALIFIED, [(f"整改期限 {d.rectification_deadline} 已过，未重新评估",
                                       f"rectification deadline {d.rectification_deadline} passed without a new assessment")], d)
    verdicts = verdicts if verdicts is not None else device_verdicts(device, on=on)
    then = {e["item"]: e.get("derived", e.get("verdict")) for e in d.snapshot}
    reasons, at_risk = [], []
    if d.outcome == Decision.Outcome.RECTIFY:
        items = "、".join(d.rectification_items)
        reasons.append((f"限期整改：{items}，期限 {d.rectification_deadline}",
                        f"rectification required: {', '.join(d.rectification_items)}, by {d.rectification_deadline}"))
    for v in verdicts:
        if not v.required:
            continue
        before = then.get(v.item, "pass")
        if RANK[v.verdict] > RANK.get(before, RANK["pass"]) and RANK[v.verdict] > RANK["pass"]:
            at_risk.append(v.item)
            reasons.append((f"{v.item} {VERDICT_ZH[v.verdict]}：{v.reason_zh}", f"{v.item} {v.verdict}: {v.reason_en}"))
    status = AT_RISK if (at_risk or d.outcome == Decision.Outcome.RECTIFY) else QUALIFIED
    if status == QUALIFIED:
        until = f"，有效期至 {d.valid_until}" if d.valid_until else ""
        reasons.append((f"{d.decided_at.date()} 评估合格{until}", f"qualified on {d.decided_at.date()}"
                        + (f", valid until {d.valid_until}" if d.valid_until else "")))
    return Status(status, reasons, d, at_risk, verdicts)

"""The QC centre's manual actions on a device's qualification: suspend, reinstate, revoke.
Only an evaluator, within scope, with a written reason; each is audited and marks the
device's state history stale from its day (see :mod:`huren.recognition.signals`)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from huren.accounts import audit
from huren.accounts.roles import EVALUATOR, has_role
from huren.accounts.scope import can_see
from huren.recognition.models import QualificationAction

MANUAL = ("suspend", "reinstate", "revoke")


@transaction.atomic
def act(device, user, action: str, reason: str, *, at: dt.datetime | None = None) -> QualificationAction:
    if not has_role(user, EVALUATOR) or not can_see(user, device):
        raise PermissionDenied("只有质控中心评审专家可以暂停、恢复或撤销资格 / "
                               "only a QC-centre evaluator may suspend, reinstate or revoke a qualification")
    if action not in MANUAL:
        raise ValidationError({"action": f"无效的操作 {action} / invalid action {action}"})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": "须写明理由 / a reason is required"})
    if not device.decisions.exists():
        raise ValidationError({"action": "该设备尚无评估结论 / the device has no decision yet"})
    last = (QualificationAction.objects.filter(device=device, action__in=MANUAL).order_by("-at", "-id").first())
    if action == "reinstate" and (last is None or last.action != "suspend"):
        raise ValidationError({"action": "设备未被暂停，无需恢复 / the device is not suspended"})
    a = QualificationAction.objects.create(device=device, action=action, reason=reason, by=user,
                                           at=at or timezone.now())
    audit.record_action(a, f"{action}: {reason}"[:300], user=user)
    return a

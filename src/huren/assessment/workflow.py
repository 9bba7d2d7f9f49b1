"""The assessment workflow: a hospital creates and submits an assessment of a device; a
QC-centre evaluator reviews it item by item (overriding a verdict only with a written
reason) and decides. Each step checks the actor's role and scope, and is audited.

Errors are Django ``ValidationError`` (field → bilingual message) or ``PermissionDenied``.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from huren.accounts import audit
from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, has_role
from huren.accounts.scope import can_see
from huren.assessment.models import Assessment, Decision, ItemReview
from huren.assessment.verdicts import NA, PASS, current_catalog, device_verdicts

MAY_SUBMIT = (HOSPITAL_MANAGER, QC_ADMIN)
NOT_EVALUATOR = "只有质控中心评审专家可以评审和作出结论 / only a QC-centre evaluator may review and decide"


def _require(user, obj, *roles, message: str) -> None:
    if not has_role(user, *roles):
        raise PermissionDenied(message)
    if not can_see(user, obj):
        raise PermissionDenied("无权访问该记录 / not allowed for this record")


def _snapshot(device, on: dt.date, catalog) -> list[dict]:
    return [v.to_dict() for v in device_verdicts(device, on=on, catalog=catalog)]


def _now(at: dt.datetime | None) -> dt.datetime:
    # ``at`` lets the demo data write a plausible history; the API never passes it.
    return at or timezone.now()


def create(device, user, *, note: str = "", catalog=None, at: dt.datetime | None = None) -> Assessment:
    """A draft assessment of ``device`` with its verdicts as of now."""
    _require(user, device, *MAY_SUBMIT, message="只有医院管理员或质控中心管理员可以发起评估 / "
                                                  "only a hospital manager or QC-centre administrator may start an assessment")
    catalog = catalog or current_catalog()
    now = _now(at)
    return Assessment.objects.create(device=device, catalog_key=catalog.key, as_of=now, created_at=now,
                                     snapshot=_snapshot(device, timezone.localdate(now), catalog), created_by=user,
                                     note=note)


@transaction.atomic
def submit(assessment: Assessment, user, *, catalog=None, at: dt.datetime | None = None) -> Assessment:
    """Refresh the verdicts to now and freeze them for review."""
    a = Assessment.objects.select_for_update().get(pk=assessment.pk)
    _require(user, a, *MAY_SUBMIT, message="只有医院管理员或质控中心管理员可以提交评估 / "
                                             "only a hospital manager or QC-centre administrator may submit")
    if a.state != Assessment.State.DRAFT:
        raise ValidationError({"state": "评估已提交 / the assessment is already submitted"})
    catalog = catalog or current_catalog()
    now = _now(at)
    a.catalog_key = catalog.key
    a.as_of = now
    a.snapshot = _snapshot(a.device, timezone.localdate(now), catalog)
    a.state = Assessment.State.SUBMITTED
    a.submitted_by, a.submitted_at = user, now
    a.save()
    audit.record_action(a, "submitted", user=user)
    return a


def review(assessment: Assessment, user, item: str, *, verdict: str | None = None, reason: str = "",
           at: dt.datetime | None = None) -> ItemReview:
    """Record an evaluator's review of one item: accept the derived verdict (``verdict`` None
    or equal) or override it, which needs ``reason``."""
    _require(user, assessment, EVALUATOR, message=NOT_EVALUATOR)
    if assessment.state != Assessment.State.SUBMITTED:
        raise ValidationError({"state": "只能评审已提交且未作结论的评估 / only a submitted, undecided assessment can be reviewed"})
    entry = assessment.item(item)
    if entry is None:
        raise ValidationError({"item": f"评估中没有条目 {item} / no item {item} in this assessment"})
    derived = entry["verdict"]
    verdict = verdict or derived
    valid = {c for c, _ in ItemReview._meta.get_field("verdict").choices}
    if verdict not in valid:
        raise ValidationError({"verdict": f"无效的判定结果 {verdict} / invalid verdict {verdict}"})
    if verdict != derived and not (reason or "").strip():
        raise ValidationError({"reason": "改判须写明理由 / overriding a verdict requires a written reason"})
    return ItemReview.objects.create(assessment=assessment, item=item, derived_verdict=derived, verdict=verdict,
                                     reason=reason.strip(), reviewer=user, reviewed_at=_now(at))


def review_many(assessment: Assessment, user, reviews, *, at: dt.datetime | None = None) -> list[ItemReview]:
    """Record several items' reviews at once (the web page's review sheet), each exactly as
    :func:`review` records it, all or none: ``reviews`` is ``(item, verdict or None, reason)``
    per item. When any is refused nothing is recorded and one ``ValidationError`` names every
    refused item's field as ``<field>-<item>`` (``reason-CT-EQ-ENV-T``); a refusal of the
    whole (the state) keeps its own field."""
    _require(user, assessment, EVALUATOR, message=NOT_EVALUATOR)
    if assessment.state != Assessment.State.SUBMITTED:
        raise ValidationError({"state": "只能评审已提交且未作结论的评估 / only a submitted, undecided assessment can be reviewed"})
    errors: dict[str, list[str]] = {}
    done: list[ItemReview] = []
    with transaction.atomic():
        for item, verdict, reason in reviews:
            try:
                with transaction.atomic():
                    done.append(review(assessment, user, item, verdict=verdict, reason=reason, at=at))
            except ValidationError as e:
                for field, msgs in e.message_dict.items():
                    errors.setdefault(f"{field}-{item}", []).extend(msgs)
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationError(errors)
    return done


def accept_remaining(assessment: Assessment, user, *, at: dt.datetime | None = None) -> list[ItemReview]:
    """Accept the derived verdict of every item not reviewed yet (bulk review: an evaluator
    overrides the few items that need it, then accepts the rest at once)."""
    _require(user, assessment, EVALUATOR, message=NOT_EVALUATOR)
    done = set(assessment.reviews.values_list("item", flat=True))
    return [review(assessment, user, e["item"], at=at) for e in assessment.snapshot if e["item"] not in done]


def final_verdicts(assessment: Assessment) -> list[dict]:
    """The snapshot with each item's latest review applied."""
    from huren.accounts.names import name_of

    latest: dict[str, ItemReview] = {}
    for r in assessment.reviews.select_related("reviewer__profile").order_by("reviewed_at", "id"):
        latest[r.item] = r
    out = []
    for e in assessment.snapshot:
        r = latest.get(e["item"])
        d = dict(e, derived=e["verdict"])
        if r is not None:
            d.update(verdict=r.verdict, review_id=r.pk, reviewed_by=r.reviewer.get_username(),
                     reviewer_name=name_of(r.reviewer),
                     override_reason=r.reason if r.overridden else "")
        out.append(d)
    return out


def check_decision(assessment: Assessment, user, outcome: str, *, valid_until: dt.date | None = None,
                   rectification_items: list[str] | None = None, rectification_deadline: dt.date | None = None,
                   comment: str = "", at: dt.datetime | None = None) -> list[dict]:
    """What :func:`decide` checks before it records anything: raises ``PermissionDenied`` or a
    ``ValidationError`` (field → bilingual message) as ``decide`` would; returns the final
    verdicts the decision would keep. The web page calls it to show a summary to confirm."""
    _require(user, assessment, EVALUATOR, message=NOT_EVALUATOR)
    if assessment.state != Assessment.State.SUBMITTED:
        raise ValidationError({"state": "只能对已提交且未作结论的评估作出结论 / only a submitted, undecided assessment can be decided"})
    today = timezone.localdate(_now(at))
    final = final_verdicts(assessment)
    errors: dict[str, str] = {}
    if outcome not in Decision.Outcome.values:
        errors["outcome"] = f"无效的结论 {outcome} / invalid decision {outcome}"
    items = list(rectification_items or [])
    known = {e["item"] for e in final}
    if outcome == Decision.Outcome.QUALIFIED:
        bad = [e["item"] for e in final if e.get("required", True) and e["verdict"] not in (PASS, NA)]
        if bad:
            errors["outcome"] = (f"以下必备条目未合格，不能判定合格：{'、'.join(bad)} / "
                                 f"cannot qualify while required items do not pass: {', '.join(bad)}")
        if valid_until is None or valid_until <= today:
            errors["valid_until"] = "合格结论须给出将来的有效期 / a qualified decision needs a valid-until date in the future"
    elif outcome == Decision.Outcome.RECTIFY:
        if not items:
            errors["rectification_items"] = "须列出整改项 / list the items to rectify"
        elif set(items) - known:
            errors["rectification_items"] = (f"评估中没有这些条目：{', '.join(sorted(set(items) - known))} / "
                                             f"items not in this assessment: {', '.join(sorted(set(items) - known))}")
        if rectification_deadline is None or rectification_deadline <= today:
            errors["rectification_deadline"] = "须给出将来的整改期限 / give a rectification deadline in the future"
        if valid_until is not None and valid_until <= today:
            errors["valid_until"] = "有效期须在将来 / valid until must be in the future"
    elif outcome == Decision.Outcome.NOT_QUALIFIED and not (comment or "").strip():
        errors["comment"] = "不合格结论须写明理由 / a not-qualified decision needs a written reason"
    if errors:
        raise ValidationError(errors)
    return final


@transaction.atomic
def decide(assessment: Assessment, user, outcome: str, *, valid_until: dt.date | None = None,
           rectification_items: list[str] | None = None, rectification_deadline: dt.date | None = None,
           comment: str = "", at: dt.datetime | None = None) -> Decision:
    """The evaluator's decision. ``qualified`` needs every required item to pass (after
    overrides) and a ``valid_until`` in the future; ``rectify`` needs the items to rectify
    and a deadline; the final verdicts and the catalog version are kept with it
    (:func:`check_decision` says what is checked)."""
    a = Assessment.objects.select_for_update().get(pk=assessment.pk)
    items = list(rectification_items or [])
    final = check_decision(a, user, outcome, valid_until=valid_until, rectification_items=items,
                           rectification_deadline=rectification_deadline, comment=comment, at=at)
    now = _now(at)
    d = Decision.objects.create(
        assessment=a, device=a.device, outcome=outcome, decided_by=user, decided_at=now, valid_from=timezone.localdate(now),
        valid_until=valid_until if outcome != Decision.Outcome.NOT_QUALIFIED else None,
        rectification_items=items if outcome == Decision.Outcome.RECTIFY else [],
        rectification_deadline=rectification_deadline if outcome == Decision.Outcome.RECTIFY else None,
        comment=comment.strip(), catalog_key=a.catalog_key, snapshot=final,
    )
    a.state = Assessment.State.DECIDED
    a.save()
    audit.record_action(d, f"decided {outcome}", user=user)
    return d

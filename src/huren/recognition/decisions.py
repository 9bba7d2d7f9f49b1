"""The receiving doctor's decision about an earlier study, and the QC centre's report of
them (acceptance rates by originating hospital, examination item and reason)."""

from __future__ import annotations

from collections import defaultdict

from django.core.exceptions import PermissionDenied, ValidationError

from huren.accounts import audit
from huren.accounts.roles import CLINICIAN, HOSPITAL_MANAGER, QC_ADMIN, TECHNOLOGIST, has_role
from huren.recognition import services as R
from huren.recognition.models import ClinicianDecision

MAY_DECIDE = (CLINICIAN, HOSPITAL_MANAGER, TECHNOLOGIST, QC_ADMIN)


def record(user, *, study_instance_uid: str = "", accession_number: str = "", accepted: bool, reason=None,
           note: str = "", exam_code: str = "") -> ClinicianDecision:
    """Record accept / not accept for a registered study; the answer is asked again (and
    logged) so the decision keeps what huren said at that moment."""
    if not has_role(user, *MAY_DECIDE):
        raise PermissionDenied("无权记录接诊决定 / not allowed to record a receiving decision")
    profile = getattr(user, "profile", None)
    if profile is None or profile.institution_id is None:
        raise PermissionDenied("用户未关联医疗机构 / the user belongs to no institution")
    asked = {"study_instance_uid": study_instance_uid, "accession_number": accession_number}
    kind = "study_uid" if study_instance_uid else "accession"
    try:
        ans = R.recognise_study(study_instance_uid=study_instance_uid or None, accession_number=accession_number or None)
    except R.RecognitionInputError as e:
        R.log_query(user, kind, asked, error=e)
        raise
    q = R.log_query(user, kind, asked, ans)
    if ans.study is None:
        raise R.RecognitionInputError("study", "huren 未收到该检查，无法记录决定", "huren has not received this study: nothing to decide on")
    codes = [i.code for i in ans.items if i.code]
    if exam_code and exam_code not in codes:
        raise ValidationError({"exam_code": f"该检查不含项目 {exam_code} / the study has no item {exam_code}"})
    item = next((i for i in ans.items if i.code == exam_code), None) if exam_code else (ans.items[0] if ans.items else None)
    st = ans.study
    d = ClinicianDecision(
        institution_id=profile.institution_id, decided_by=user, study=st, study_instance_uid=st.study_instance_uid,
        accession_number=st.accession_number, device=ans.device,
        origin=ans.device.department.institution if ans.device is not None else None,
        exam_code=item.code if item is not None else "", recognised=bool(item.recognised) if item is not None else False,
        accepted=bool(accepted), reason=None if accepted else reason, note=(note or "").strip(), query=q)
    d.full_clean(exclude=["study", "query", "origin", "device", "decided_by", "institution"])
    d.save()
    audit.record_action(d, "accepted" if accepted else f"not accepted: {getattr(reason, 'code', '')}", user=user)
    return d


def acceptance_rates(qs) -> dict:
    """Counts and acceptance rates by originating hospital, item and reason."""
    rows = list(qs.select_related("origin", "reason").values_list(
        "origin__name", "exam_code", "accepted", "reason__code", "reason__label_zh", "recognised"))

    def group(key):
        acc = defaultdict(lambda: [0, 0])
        for r in rows:
            k = key(r)
            acc[k][0] += 1
            acc[k][1] += 1 if r[2] else 0
        return [{"key": k or "—", "decisions": n, "accepted": a, "rate": round(a / n, 4) if n else None}
                for k, (n, a) in sorted(acc.items(), key=lambda kv: (-kv[1][0], str(kv[0])))]

    not_acc = defaultdict(int)
    labels = {}
    for r in rows:
        if not r[2]:
            not_acc[r[3] or "—"] += 1
            labels[r[3] or "—"] = r[4] or "—"
    total, accepted = len(rows), sum(1 for r in rows if r[2])
    return {
        "decisions": total, "accepted": accepted, "rate": round(accepted / total, 4) if total else None,
        "recognised": sum(1 for r in rows if r[5]),
        "by_hospital": group(lambda r: r[0]), "by_item": group(lambda r: r[1]),
        "by_reason": [{"key": k, "label_zh": labels[k], "decisions": n} for k, n in
                      sorted(not_acc.items(), key=lambda kv: -kv[1])],
    }

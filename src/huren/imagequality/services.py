"""Running huren.iq on a stored study and reading its results back.

:func:`study_iq_problems` is the interface other apps (recognition) use: the failed checks of
a study's latest finished evaluation as (Chinese, English) reasons, or None when the study has
not been evaluated.
"""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone

from huren.dicomnode.models import DicomSeries
from huren.dicomnode.storage import series_files
from huren.iq.names import check_label

from .models import CheckResult, Evaluation, SeriesResult
from .rules import in_force

log = logging.getLogger(__name__)

MAX_TEXT = 4000


def clinical_series(study) -> list[DicomSeries]:
    """The study's series that are not phantom QC series (the node decided by words and content)."""
    return list(study.series.filter(phantom_decided_by=DicomSeries.Decision.NEITHER).order_by("id"))


def _fail(ev: Evaluation, zh: str, en: str) -> Evaluation:
    ev.status = Evaluation.Status.FAILED
    ev.error_zh, ev.error_en = zh[:MAX_TEXT], en[:MAX_TEXT]
    ev.finished_at = timezone.now()
    ev.save(update_fields=["status", "outcome", "error_zh", "error_en", "finished_at", *RULES_FIELDS])
    return ev


RULES_FIELDS = ("rules_name", "rules_sha256", "rules_version")


def _name_rules(ev: Evaluation, force) -> None:
    """The rules the run applies, named on the run before it starts (a failed run names them too)."""
    ev.rules_name, ev.rules_sha256, ev.rules_version = (force.rules.name or "")[:100], force.sha256, force.version


def _jsonable(v):
    if v is None or isinstance(v, (bool, int, str)):
        return v
    if isinstance(v, float):
        return v if v == v and abs(v) != float("inf") else None
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


def run_evaluation(ev: Evaluation) -> Evaluation:
    """Run the automatic checks on the study's stored clinical series and store the results.
    Any failure is recorded on the run (bilingual), never raised."""
    from huren.iq import evaluate_study

    study = ev.study
    try:
        force = in_force()
        _name_rules(ev, force)
        series = clinical_series(study)
        if not series:
            ev.outcome = Evaluation.Outcome.NOT_EVALUABLE
            return _fail(ev, "该检查没有临床序列（均为质控模体序列），不作图像质量评价",
                         "the study has no clinical series (all are phantom QC series); not evaluated")
        by_uid = {s.series_instance_uid: s for s in series}
        paths = [p for s in series for p in series_files(s)]
        if not paths:
            return _fail(ev, "该检查没有可读取的已存储图像", "the study has no stored readable images")
        result = evaluate_study(paths, rules=force.rules)
    except Exception as e:  # noqa: BLE001  the node keeps running; the reason is kept and the run retried
        log.exception("image-quality evaluation %s of study %s failed", ev.pk, study.study_instance_uid)
        return _fail(ev, f"自动评价出错：{type(e).__name__}: {e}", f"the automatic evaluation failed: {type(e).__name__}: {e}")
    try:
        with transaction.atomic():
            _store(ev, result, force, by_uid)
    except Exception as e:  # noqa: BLE001
        log.exception("storing image-quality evaluation %s failed", ev.pk)
        return _fail(ev, f"无法保存评价结果：{type(e).__name__}: {e}", f"the results could not be stored: {type(e).__name__}: {e}")
    return ev


def _outcome(results: list[str]) -> str:
    if "fail" in results:
        return Evaluation.Outcome.FAIL
    if "pass" in results:
        return Evaluation.Outcome.PASS
    return Evaluation.Outcome.NOT_EVALUABLE


def _store(ev: Evaluation, result, force, by_uid: dict) -> None:
    per_series: dict[str, list[str]] = {}
    for c in result.checks:
        per_series.setdefault(c.series_instance_uid or "", []).append(c.result)
    rows = {}
    for s in result.series:
        rows[s.series_instance_uid] = SeriesResult.objects.create(
            evaluation=ev, series=by_uid.get(s.series_instance_uid), series_instance_uid=s.series_instance_uid[:64],
            series_number=s.series_number, description=(s.description or "")[:200], modality=(s.modality or "")[:16],
            images=s.images, role=(s.role or "")[:16], plane=(s.plane or "")[:16], weighting=(s.weighting or "")[:16],
            phase=(s.phase or "")[:16], outcome=_outcome(per_series.get(s.series_instance_uid, [])),
            details=_jsonable({k: v for k, v in s.to_dict().items()
                               if k not in ("series_instance_uid", "description", "modality", "images")}))
    CheckResult.objects.bulk_create([
        CheckResult(evaluation=ev, check_name=c.check[:40], item=(c.item or "")[:40], result=c.result, value=_jsonable(c.value),
                    unit=(c.unit or "")[:32], rule=c.rule or "", series_instance_uid=(c.series_instance_uid or "")[:64],
                    series_result=rows.get(c.series_instance_uid or ""), sop_instance_uids=list(c.sop_instance_uids or []),
                    reason_zh=c.reason_zh or "", reason_en=c.reason_en or "", details=_jsonable(c.details or {}))
        for c in result.checks])
    results = [c.result for c in result.checks]
    ev.status = Evaluation.Status.DONE
    ev.outcome = _outcome(results)
    ev.checks_passed, ev.checks_failed = results.count("pass"), results.count("fail")
    ev.checks_not_evaluable = results.count("not_evaluable")
    ev.failed_checks = sorted({c.check for c in result.checks if c.result == "fail"})
    ev.images, ev.pixel_images_read = result.images, result.pixel_images_read
    ev.body_part = (result.body_part or "")[:64]
    ev.body_part_decided_by = (result.body_part_decided_by or "")[:32]
    ev.errors = _jsonable(list(result.errors))[:200]
    _name_rules(ev, force)
    if not result.checks:
        ev.error_zh = "；".join(e.get("reason_zh", "") for e in result.errors[:5]) or "未能进行任何检查"
        ev.error_en = "; ".join(e.get("reason_en", "") for e in result.errors[:5]) or "no check could be run"
    ev.finished_at = timezone.now()
    ev.save()


def latest_evaluation(study) -> Evaluation | None:
    """The study's latest finished (done) evaluation."""
    return study.iq_evaluations.filter(status=Evaluation.Status.DONE).order_by("-id").first()


def study_iq_problems(study) -> list[tuple[str, str]] | None:
    """The failed automatic checks of the study's latest evaluation, as (zh, en) reasons (each
    naming its check and catalog item); ``[]`` when none failed; None when not evaluated."""
    if hasattr(study, "latest_iq_id"):  # read with the study (the recognition question's one read)
        ev_id, failed = study.latest_iq_id, study.latest_iq_failed
    else:
        ev = latest_evaluation(study)
        ev_id, failed = (ev.pk, ev.checks_failed) if ev is not None else (None, 0)
    if ev_id is None:
        return None
    out = []
    if not failed:
        return out
    for c in CheckResult.objects.filter(evaluation_id=ev_id, result=CheckResult.Result.FAIL).order_by("id"):
        zh, en = check_label(c.check_name, True), check_label(c.check_name, False)
        where = f"（{c.item}）" if c.item else ""
        out.append((f"{zh}{where}：{c.reason_zh}", f"{en}{f' ({c.item})' if c.item else ''}: {c.reason_en}"))
    return out

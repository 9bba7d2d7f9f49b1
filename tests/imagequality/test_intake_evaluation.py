"""End to end: a synthetic clinical study stored through the node → quiet period → the
automatic checks run in the background → results stored per check, series and study."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings
from django_tasks_db.models import DBTaskResult
from iqs_helpers import failed_and_retried, send

from huren.dicomnode.models import DicomSeries
from huren.dicomnode.tasks import check_series
from huren.imagequality.models import CheckResult, Evaluation, SeriesResult
from huren.imagequality.services import study_iq_problems
from huren.imagequality.tasks import evaluate_task
from huren.studies.models import Study
from huren.synth import clinical

DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_a_clean_ct_study_is_evaluated_once_quiet_and_its_checks_stored(site, immediate):
    study = clinical.ct_study(n_slices=12, seed=1)
    immediate(study, site.a.CT)
    s = Study.objects.get(study_instance_uid=study.study_instance_uid)
    assert s.device == site.a.CT
    ev = s.iq_evaluations.filter(status="done").latest("id")
    assert ev.outcome == "pass", list(ev.checks.filter(result="fail").values_list("check_name", "reason_en"))
    assert ev.rules_name == "taiyuan-trial" and len(ev.rules_sha256) == 64 and ev.images == 12
    names = set(ev.checks.values_list("check_name", flat=True))
    assert {"matrix", "slice_order", "missing_slices", "duplicate_slices", "slice_thickness", "centring"} <= names
    matrix = ev.checks.get(check_name="matrix")
    assert matrix.item == "CT-IQ-DISPLAY" and matrix.result == "pass" and matrix.rule and matrix.sop_instance_uids
    assert matrix.series_result is not None and matrix.series_result.series.study == s
    assert SeriesResult.objects.filter(evaluation=ev).count() == 1
    assert study_iq_problems(s) == []


def test_a_defective_study_names_its_failed_checks_for_other_apps(site, immediate):
    study = clinical.ct_study(n_slices=12, matrix=256, missing=(5,), seed=2)
    immediate(study, site.a.CT)
    s = Study.objects.get(study_instance_uid=study.study_instance_uid)
    ev = s.iq_evaluations.filter(status="done").latest("id")
    assert ev.outcome == "fail" and {"matrix", "missing_slices"} <= set(ev.failed_checks)
    problems = study_iq_problems(s)
    assert any(zh.startswith("矩阵（CT-IQ-DISPLAY）") for zh, _ in problems)
    assert any(en.startswith("Missing slices (CT-IQ-ORDER)") for _, en in problems)


def test_not_evaluated_is_none(site):
    from huren.studies.models import Study as S
    from django.utils import timezone

    s = S.objects.create(study_instance_uid="1.2.3", first_received_at=timezone.now(), last_received_at=timezone.now())
    assert study_iq_problems(s) is None


def test_a_phantom_study_is_not_evaluated(site, immediate, phantoms):
    import pydicom

    from huren.dicomnode.storage import store

    from types import SimpleNamespace

    dss = []
    for f in sorted((phantoms / "ct" / "CTP404_FOV150").glob("*.dcm"))[:2]:
        ds = pydicom.dcmread(f)
        ds.PatientName = "Phantom^QC"
        dss.append(ds)
    immediate(SimpleNamespace(datasets=dss), site.a.CT)
    assert DicomSeries.objects.exclude(phantom_decided_by="neither").exists()
    assert not Evaluation.objects.exists()


@override_settings(TASKS=DB_TASKS, HUREN_DICOM_SERIES_QUIET_SECONDS=30)
def test_one_deferred_evaluation_per_study_rescheduled_while_receiving(site, django_capture_on_commit_callbacks):
    study = clinical.ct_study(n_slices=6, seed=3)
    with django_capture_on_commit_callbacks(execute=True):
        send(study, site.a.CT)
    s = Study.objects.get(study_instance_uid=study.study_instance_uid)
    series = s.series.get()
    assert not Evaluation.objects.exists()  # nothing before the series is decided, nothing in the handler
    past = dt.timedelta(seconds=60)
    DicomSeries.objects.filter(pk=series.pk).update(last_received_at=series.last_received_at - past)
    Study.objects.filter(pk=s.pk).update(last_received_at=s.last_received_at - past)
    with django_capture_on_commit_callbacks(execute=True):
        check_series.call(series.pk)
    ev = Evaluation.objects.get()
    tasks = DBTaskResult.objects.filter(task_path="huren.imagequality.tasks.evaluate_task")
    assert ev.status == "queued" and tasks.count() == 1 and ev.task_id == str(tasks.get().id)
    # More images arrive: the study is receiving again; the task waits and re-schedules itself.
    Study.objects.filter(pk=s.pk).update(last_received_at=dt.datetime.now(dt.UTC))
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_task.call(ev.pk) == "waiting"
    assert tasks.count() == 2
    Study.objects.filter(pk=s.pk).update(last_received_at=s.last_received_at - past)
    with django_capture_on_commit_callbacks(execute=True):
        assert evaluate_task.call(ev.pk) == "done"
    ev.refresh_from_db()
    assert ev.status == "done" and ev.checks.exists() and Evaluation.objects.count() == 1


def test_a_failed_run_keeps_its_reason_and_is_retried(site, immediate, monkeypatch, settings):
    _, failed, retry = failed_and_retried(immediate, site.a.CT, monkeypatch, settings, seed=4)
    assert "MemoryError" in failed.error_en and "自动评价出错" in failed.error_zh
    assert retry.status == "done" and retry.attempt == 2 and retry.checks.exists()


def test_disabled_checks_leave_the_node_alone(site, immediate, settings):
    settings.HUREN_IQ_ENABLED = False
    immediate(clinical.ct_study(n_slices=4, seed=5), site.a.CT)
    assert not Evaluation.objects.exists() and Study.objects.count() == 1


def test_iq_item_verdict_needs_both_the_automatic_pass_rate_and_the_expert_sheets(site, immediate):
    from huren.assessment.verdicts import device_verdicts
    from huren.imagequality.models import ScoreSheet

    immediate(clinical.ct_study(n_slices=8, seed=6), site.a.CT)
    immediate(clinical.ct_study(n_slices=8, missing=(3,), seed=7), site.a.CT)
    by = {v.item: v for v in device_verdicts(site.a.CT)}
    order = by["CT-IQ-ORDER"]
    # automatic: 1 of 2 studies pass CT-IQ-ORDER (50 % < 90 %) → fail; no sheets → expert part missing
    assert order.verdict == "fail" and "1 of 2" in order.reason_en and "fewer than 1" in order.reason_en
    s1 = Study.objects.order_by("id").first()
    ScoreSheet.objects.create(study=s1, expert=site.evaluator, grades={"CT-IQ-ARTIFACT": 2}, overall=2)
    art = {v.item: v for v in device_verdicts(site.a.CT)}["CT-IQ-ARTIFACT"]
    assert "1 of 1 sheets" in art.reason_en and "evaluator" in art.reason_en
    assert art.evidence["iq_score_sheet"]
    sheet = ScoreSheet.objects.get()
    sheet.comment = "changed"
    from huren.imagequality.models import SheetImmutable
    with pytest.raises(SheetImmutable):
        sheet.save()

"""Each automatic image-quality evaluation, and each retry, leaves an audit entry naming the study,
the rules version (SHA-256) and the result counts, made by the system account of DICOM intake
(or by the person who asked for the run)."""

from __future__ import annotations

from django.test import override_settings
from iqs_helpers import IMMEDIATE, failed_and_retried

from huren.accounts.models import AuditEntry
from huren.accounts.names import name_of
from huren.dicomnode.evidence import SYSTEM_USERNAME
from huren.imagequality.tasks import request_evaluation
from huren.studies.models import Study
from huren.synth import clinical


def _entries(ev):
    return list(AuditEntry.objects.filter(model="imagequality.evaluation", object_id=str(ev.pk), action="action"))


def test_an_automatic_evaluation_is_audited_with_study_rules_and_counts(site, immediate):
    study = clinical.ct_study(n_slices=8, missing=(3,), seed=21)
    immediate(study, site.a.CT)
    s = Study.objects.get(study_instance_uid=study.study_instance_uid)
    ev = s.iq_evaluations.get()
    assert ev.status == "done" and ev.checks_failed >= 1 and ev.checks_passed >= 1 and ev.checks_not_evaluable >= 1
    [entry] = _entries(ev)
    assert entry.username == SYSTEM_USERNAME and name_of(entry.user) == "DICOM 接收（自动）"
    assert study.study_instance_uid in entry.note and "(automatic)" in entry.note
    assert f"sha256 {ev.rules_sha256[:16]}" in entry.note and len(ev.rules_sha256) == 64
    assert (f"{ev.checks_passed} passed, {ev.checks_failed} failed, {ev.checks_not_evaluable} not evaluable"
            in entry.note)
    ch = entry.changes
    assert ch["rules_sha256"] == [None, ev.rules_sha256] and ch["study_id"] == [None, s.pk]
    assert ch["checks_passed"][1] == ev.checks_passed and ch["checks_failed"][1] == ev.checks_failed
    assert ch["checks_not_evaluable"][1] == ev.checks_not_evaluable and "missing_slices" in ch["failed_checks"][1]
    assert entry.institution_id == site.a.institution.pk  # the hospital's own audit log shows it


def test_a_failed_run_and_its_retry_are_each_audited(site, immediate, monkeypatch, settings):
    _, failed, retry = failed_and_retried(immediate, site.a.CT, monkeypatch, settings, seed=22)
    [f_entry] = _entries(failed)
    [r_entry] = _entries(retry)
    assert f_entry.username == r_entry.username == SYSTEM_USERNAME
    assert ": failed" in f_entry.note and "no result" in f_entry.note and f"retried as evaluation {retry.pk}" in f_entry.note
    # the failed run names the rules it was running, and why it failed
    assert failed.rules_sha256 == retry.rules_sha256 and f"sha256 {failed.rules_sha256[:16]}" in f_entry.note
    assert "MemoryError" in f_entry.changes["error_en"][1]
    assert f"retry 1 of evaluation {failed.pk}" in r_entry.note and ": done" in r_entry.note
    assert r_entry.changes["attempt"] == [None, 2] and r_entry.changes["retry_of_id"] == [None, failed.pk]
    assert f"{retry.checks_passed} passed" in r_entry.note and retry.checks_passed > 0


def test_a_run_a_person_asked_for_is_audited_under_their_name(site, immediate, django_capture_on_commit_callbacks):
    study = clinical.ct_study(n_slices=6, seed=23)
    immediate(study, site.a.CT)
    s = Study.objects.get(study_instance_uid=study.study_instance_uid)
    with override_settings(TASKS=IMMEDIATE), django_capture_on_commit_callbacks(execute=True):
        again = request_evaluation(s, user=site.a.manager)
    again.refresh_from_db()
    assert again.status == "done"
    [entry] = _entries(again)
    assert entry.user == site.a.manager and "requested by a person" in entry.note
    assert len(AuditEntry.objects.filter(model="imagequality.evaluation", action="action")) == 2

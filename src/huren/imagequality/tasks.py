"""Background evaluation of clinical studies (Django's Tasks API, the pattern of
:mod:`huren.dicomnode.tasks`).

When a clinical series of a study has been decided (the node's completeness check found it
quiet and not a phantom), :func:`schedule_study_check` queues one evaluation of the study for
the end of the study's quiet period. The task re-schedules itself while the study still
receives or one of its series is undecided, so a study of many series costs a handful of
tasks; nothing runs in the C-STORE handler. A run that fails keeps its reason and is retried
(``HUREN_IQ_RETRIES`` times, ``HUREN_IQ_RETRY_SECONDS`` apart, doubling) as a new run.

Every run that ends (done or failed, first run or retry) leaves one audit entry: the study, the
rules version (SHA-256) and the result counts, made by the person who asked for the run or else
by the system account of automatic intake ("DICOM 接收（自动）").
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.tasks import default_task_backend, task
from django.utils import timezone

from huren.accounts import audit
from huren.dicomnode.evidence import system_user
from huren.dicomnode.models import DicomSeries
from huren.dicomnode.storage import quiet_period
from huren.studies.models import Study

from .models import Evaluation

log = logging.getLogger(__name__)

PENDING = (Evaluation.Status.QUEUED, Evaluation.Status.WAITING)


def enabled() -> bool:
    return bool(getattr(settings, "HUREN_IQ_ENABLED", True))


def _enqueue(evaluation_id: int, run_after=None) -> None:
    if run_after is not None and default_task_backend.supports_defer and run_after > timezone.now():
        result = evaluate_task.using(run_after=run_after).enqueue(evaluation_id)
    else:
        result = evaluate_task.enqueue(evaluation_id)
    Evaluation.objects.filter(pk=evaluation_id, task_id="").update(task_id=str(result.id)[:64])


def schedule_study_check(study_id: int, user=None) -> Evaluation | None:
    """Queue one evaluation of the study (none when one is already pending)."""
    if not enabled():
        return None
    with transaction.atomic():
        study = Study.objects.select_for_update().get(pk=study_id)
        pending = Evaluation.objects.filter(study=study, status__in=PENDING).order_by("-id").first()
        if pending is not None and pending.status == Evaluation.Status.QUEUED:
            return pending  # its check reads the study's last arrival when it runs
        if pending is not None:
            pending.status = Evaluation.Status.QUEUED
            pending.save(update_fields=["status"])
        else:
            pending = Evaluation.objects.create(study=study, queued_at=timezone.now(), requested_by=user)
        due = study.last_received_at + quiet_period()
        ev_id = pending.pk
        transaction.on_commit(lambda: _enqueue(ev_id, run_after=due))
    return pending


def request_evaluation(study: Study, user=None) -> Evaluation:
    """A person asks for the study to be evaluated again (e.g. after new rules)."""
    with transaction.atomic():
        ev = Evaluation.objects.create(study=study, queued_at=timezone.now(), requested_by=user)
        transaction.on_commit(lambda: _enqueue(ev.pk))
    return ev


@task()
def evaluate_task(evaluation_id: int) -> str:
    """Evaluate the study once it is quiet and all its series are decided."""
    ev = Evaluation.objects.select_related("requested_by").get(pk=evaluation_id)
    with audit.acting_as(ev.requested_by or system_user()):  # the audit log names who (or what) ran it
        return _evaluate(evaluation_id)


def _evaluate(evaluation_id: int) -> str:
    from .services import run_evaluation

    with transaction.atomic():
        ev = Evaluation.objects.select_for_update().select_related("study").get(pk=evaluation_id)
        if ev.status != Evaluation.Status.QUEUED:
            return ev.status
        study = ev.study
        can_wait = default_task_backend.supports_defer
        due = study.last_received_at + quiet_period()
        if due > timezone.now() and can_wait and ev.requested_by_id is None:
            transaction.on_commit(lambda: _enqueue(evaluation_id, run_after=due))
            return "waiting"
        if study.series.filter(status=DicomSeries.Status.RECEIVING).exists():
            if can_wait:
                later = timezone.now() + quiet_period()
                transaction.on_commit(lambda: _enqueue(evaluation_id, run_after=later))
            else:  # the series' own decision schedules the study again
                ev.status = Evaluation.Status.WAITING
                ev.save(update_fields=["status"])
            return "waiting"
        ev.status = Evaluation.Status.RUNNING
        ev.started_at = timezone.now()
        ev.save(update_fields=["status", "started_at"])
    ev = run_evaluation(ev)
    again = _retry(ev) if ev.status == Evaluation.Status.FAILED else None
    audit_run(ev, again)
    return ev.status


AUDITED_FIELDS = ("study_id", "status", "outcome", "attempt", "retry_of_id", "rules_name", "rules_sha256",
                  "checks_passed", "checks_failed", "checks_not_evaluable", "failed_checks", "images",
                  "pixel_images_read", "error_en")


def audit_run(ev: Evaluation, again: Evaluation | None = None) -> None:
    """The audit entry of a finished run: which study, which rules, how many checks passed,
    failed and could not be evaluated (and the retry queued after a failure)."""
    how = (f"retry {ev.attempt - 1} of evaluation {ev.retry_of_id}" if ev.retry_of_id
           else "requested by a person" if ev.requested_by_id else "automatic")
    counts = (f"{ev.checks_passed} passed, {ev.checks_failed} failed, {ev.checks_not_evaluable} not evaluable"
              if ev.status == Evaluation.Status.DONE else "no result")
    note = (f"image-quality evaluation of study {ev.study.study_instance_uid} ({how}): {ev.status}"
            f"{f' ({ev.outcome})' if ev.outcome else ''}; {counts}; rules {ev.rules_name or '-'} "
            f"sha256 {ev.rules_sha256[:16] or '-'}" + (f"; retried as evaluation {again.pk}" if again is not None else ""))
    changes = {f: [None, getattr(ev, f)] for f in AUDITED_FIELDS if getattr(ev, f) not in (None, "", [])}
    audit.record_action(ev, note, changes)


def _retry(ev: Evaluation) -> Evaluation | None:
    retries = int(getattr(settings, "HUREN_IQ_RETRIES", 2))
    if ev.attempt > retries:
        return None
    wait = float(getattr(settings, "HUREN_IQ_RETRY_SECONDS", 60)) * 2 ** (ev.attempt - 1)
    with transaction.atomic():
        again = Evaluation.objects.create(study=ev.study, queued_at=timezone.now(), attempt=ev.attempt + 1, retry_of=ev,
                                          requested_by=ev.requested_by)
        later = timezone.now() + timedelta(seconds=wait)
        transaction.on_commit(lambda: _enqueue(again.pk, run_after=later))
    return again

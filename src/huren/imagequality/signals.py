"""The one hook into DICOM intake: a series the node has decided is clinical (quiet, not a
phantom) schedules its study's evaluation, after the decision is committed. No code of
:mod:`huren.dicomnode` calls this app; the node's C-STORE handler never waits for it."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.dispatch import receiver

from huren.dicomnode.models import DicomSeries


@receiver(post_save, sender=DicomSeries, dispatch_uid="huren-iq-series-decided")
def series_decided(sender, instance: DicomSeries, created=False, update_fields=None, raw=False, **kwargs):
    if raw or created or instance.study_id is None or instance.status != DicomSeries.Status.NOT_PHANTOM:
        return
    if update_fields is not None and "status" not in update_fields:
        return
    study_id = instance.study_id

    def go():
        from .tasks import schedule_study_check

        schedule_study_check(study_id)

    transaction.on_commit(go)

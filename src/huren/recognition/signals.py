"""Keep the state history honest: every write path that can change a device's recognition
(evidence, decisions, manual actions, the register, a device leaving service) marks the
history stale from the first day it can touch. Recomputing waits for the next read
(:func:`huren.recognition.history.ensure_history`), so a write never fails or slows down
because of recognition."""

from __future__ import annotations

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone

from huren.assessment.models import Decision
from huren.evidence.models import ChecklistAnswer, DailyLog, Document, Measurement
from huren.recognition.history import mark_dirty
from huren.recognition.models import QualificationAction
from huren.registry.models import Accessory, Coil, Device, ProtectiveEquipment, Room, ShieldingMeasurement


def _evidence_saved(sender, instance, raw=False, **kwargs):
    if raw:
        return
    # gather() reads evidence recorded by the end of a day and performed by then
    day = max(instance.performed_on, timezone.localdate(instance.recorded_at))
    mark_dirty(instance.device_id, day)


for _model in (Measurement, DailyLog, ChecklistAnswer, Document):
    post_save.connect(_evidence_saved, sender=_model, dispatch_uid=f"recognition-evidence-{_model.__name__}")


@receiver(post_save, sender=Decision, dispatch_uid="recognition-decision")
def _decision_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(instance.device_id, timezone.localdate(instance.decided_at))


@receiver(post_save, sender=QualificationAction, dispatch_uid="recognition-action")
def _action_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        mark_dirty(instance.device_id, timezone.localdate(instance.at))


def _register_saved(sender, instance, raw=False, **kwargs):
    """The register has no dates of its own: a change counts from today, for the devices it serves."""
    if raw:
        return
    today = timezone.localdate()
    if getattr(instance, "device_id", None):
        ids = [instance.device_id]
    else:
        dept = getattr(instance, "department_id", None) or getattr(getattr(instance, "room", None), "department_id", None)
        ids = list(Device.objects.filter(department_id=dept).values_list("id", flat=True)) if dept else []
    for pk in ids:
        mark_dirty(pk, today)


for _model in (Coil, Accessory, Room, ProtectiveEquipment, ShieldingMeasurement):
    post_save.connect(_register_saved, sender=_model, dispatch_uid=f"recognition-register-{_model.__name__}")


@receiver(pre_save, sender=Device, dispatch_uid="recognition-device-pre")
def _device_pre(sender, instance, raw=False, **kwargs):
    instance._recognition_was_active = None
    if not raw and instance.pk is not None:
        instance._recognition_was_active = Device._base_manager.filter(pk=instance.pk).values_list(
            "active", flat=True).first()


@receiver(post_save, sender=Device, dispatch_uid="recognition-device-post")
def _device_post(sender, instance, created, raw=False, **kwargs):
    was = getattr(instance, "_recognition_was_active", None)
    if raw or created or was is None or was == instance.active:
        return
    from huren.accounts.audit import current_user

    QualificationAction.objects.create(
        device=instance, action="return" if instance.active else "retire", by=current_user(),
        reason="设备“在用”标记已更改 / the device's in-service flag was changed")

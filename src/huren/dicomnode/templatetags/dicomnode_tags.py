"""What the DICOM pages of ``huren.web`` show of the node's trust checks (one tag each)."""

from __future__ import annotations

from django import template

from huren.dicomnode.kerma import DR_MODALITIES, exposure_index
from huren.dicomnode.models import DicomObject, DicomSeries, UploadBatch
from huren.dicomnode.scope import series_for_user
from huren.dicomnode.storage import uid_collisions
from huren.dicomnode.trust import device_mismatches, may_confirm

register = template.Library()


@register.inclusion_tag("dicomnode/_held_queue.html", takes_context=True)
def held_queue(context):
    """The series waiting for a person, and the large uploads still being stored."""
    user = context["request"].user
    held = series_for_user(user).filter(status=DicomSeries.Status.HELD).order_by("last_received_at")[:100]
    from huren.dicomnode.views import _batches_for

    batches = _batches_for(user).exclude(status=UploadBatch.Status.DONE)[:20]
    return {"held": held, "may_confirm": may_confirm(user), "batches": batches, "request": context["request"]}


@register.inclusion_tag("dicomnode/_series_trust.html", takes_context=True)
def series_trust(context, series):
    """On the series page: why it is held (and the answer form), header contradictions, SOP UID
    collisions, and the kerma form of a DR series."""
    user = context["request"].user
    kerma_rows = []
    if series.modality in DR_MODALITIES:
        for o in series.dicom_objects.exclude(status=DicomObject.Status.INVALID).order_by("received_at", "id")[:200]:
            kerma_rows.append({"obj": o, "ei": exposure_index(o)})
    collisions = uid_collisions(series)
    return {
        "series": series, "request": context["request"], "csrf_token": context.get("csrf_token"),
        "may_confirm": may_confirm(user), "mismatches": device_mismatches(series),
        "collisions": collisions, "collision_images": sum(collisions.values()), "kerma_rows": kerma_rows,
    }


@register.simple_tag
def reason_pair(zh, en):
    """A (zh, en) pair in the user's language."""
    from huren.web.i18n import bilingual

    return bilingual(zh or "", en or "")

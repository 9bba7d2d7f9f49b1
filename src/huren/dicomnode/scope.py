"""Which received series a user may see: the registry's institution scope, plus, for the
QC centre, the series no registered device claims yet (so that someone can sort them out)."""

from __future__ import annotations

from django.db.models import Q

from huren.accounts.roles import is_centre_user
from huren.accounts.scope import institution_ids

from .models import DicomSeries


def series_for_user(user):
    qs = DicomSeries.objects.select_related("device__department__institution")
    ids = institution_ids(user)
    if ids is None:
        return qs
    visible = Q(device__department__institution__in=ids)
    if is_centre_user(user):
        visible |= Q(device__isnull=True)
    return qs.filter(visible)

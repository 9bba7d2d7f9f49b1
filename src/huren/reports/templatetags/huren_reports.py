"""Reminders and the notification count, for one-line inclusion in others' templates:
``{% load huren_reports %}{% device_reminders device %}`` (device page),
``{% my_reminders %}`` (the workbench: the user's devices; the QC centre: a summary per
institution), ``{% notification_count %}`` (header)."""

from __future__ import annotations

from django import template

from huren.accounts.roles import is_centre_user
from huren.registry.models import Device
from huren.reports.models import unread_count
from huren.reports.reminders import reminders_for

register = template.Library()


@register.inclusion_tag("reports/_device_reminders.html", takes_context=True)
def device_reminders(context, device):
    groups = reminders_for([device])
    return {"device": device, "items": groups[0].items if groups else [], "request": context.get("request")}


@register.inclusion_tag("reports/_my_reminders.html", takes_context=True)
def my_reminders(context):
    user = context["request"].user
    rows = context.get("rows")
    if rows is not None and all(hasattr(r, "device") for r in rows):
        devices = [r.device for r in rows]  # the dashboard's devices, already loaded and in scope
    else:
        devices = (Device.objects.for_user(user).filter(active=True)
                   .select_related("department__institution").order_by("department__institution__name", "name"))
    groups = [g for g in reminders_for(devices) if g.items]
    centre = is_centre_user(user)
    by_inst: dict = {}
    if centre:
        for g in groups:
            s = by_inst.setdefault(g.device.department.institution.name, {"due": 0, "expiring": 0, "missing_log": 0, "helium": 0})
            for r in g.items:
                s[r.kind] += 1
    return {"groups": groups, "centre": centre, "by_inst": sorted(by_inst.items())}


@register.inclusion_tag("reports/_notification_count.html", takes_context=True)
def notification_count(context):
    request = context.get("request")
    user = getattr(request, "user", None)
    n = unread_count(user) if user and user.is_authenticated else 0
    return {"n": n, "user": user}


@register.inclusion_tag("reports/_assessment_documents.html")
def assessment_documents(assessment, decision=None):
    """Links to the assessment report PDF and (for a qualified or rectify decision) the certificate."""
    return {"a": assessment, "decision": decision}


@register.inclusion_tag("reports/_run_documents.html")
def run_documents(run):
    """A link to the QC report PDF of an analysis run that has a result."""
    return {"run": run}

"""``{% recognition_section device %}``: the device page's recognition history and actions."""

from __future__ import annotations

from django import template

register = template.Library()


@register.inclusion_tag("recognition/_device_section.html", takes_context=True)
def recognition_section(context, device):
    from huren.accounts.roles import EVALUATOR, has_role
    from huren.recognition import history as H
    from huren.recognition.models import QualificationAction, StateSpan

    H.ensure_history(device)
    spans = list(StateSpan.objects.filter(device=device).order_by("-start")[:30])
    for s in spans:
        s.label_zh, s.label_en = H.STATE_ZH.get(s.state, s.state), H.STATE_EN.get(s.state, s.state)
    request = context.get("request")
    user = getattr(request, "user", None)
    return {"device": device, "spans": spans, "request": request, "csrf_token": context.get("csrf_token"),
            "actions": QualificationAction.objects.filter(device=device).select_related("by")[:20],
            "may_act": has_role(user, EVALUATOR) and device.decisions.exists()}

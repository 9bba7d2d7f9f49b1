"""``{% iq_items_section device on %}``: the image-quality section of the device page, the
assessment review and the decision — per IQ item of the device's modality the automatic pass
rate and the expert sheets over the verdict window ending on ``on``, with the studies and sheets
behind them. The figures are :func:`huren.imagequality.verdicts.item_figures`, the verdict's own."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone

from huren.accounts.roles import is_centre_user
from huren.web.i18n import bilingual

from ..models import Evaluation
from ..scoring import criteria
from ..verdicts import items_figures

register = template.Library()
EVIDENCE_SHOWN = 10  # links per source and item; the studies page (filtered) lists all


def _pct(x):
    return None if x is None else round(100 * x)


@register.inclusion_tag("imagequality/_iq_items.html", takes_context=True)
def iq_items_section(context, device, on=None):
    request = context.get("request")
    user = getattr(request, "user", None)
    centre = user is not None and is_centre_user(user)
    if isinstance(on, dt.datetime):
        on = timezone.localtime(on).date() if timezone.is_aware(on) else on.date()
    on = on or timezone.localdate()
    rows = []
    items = criteria(device.modality)
    figures = items_figures([it.id for it in items], device, on)
    failed_of = {it.id: [e for e in figures[it.id].judged if e not in set(figures[it.id].passed)][:EVIDENCE_SHOWN]
                 for it in items}
    studies = dict(Evaluation.objects.filter(pk__in={e for v in failed_of.values() for e in v})
                   .values_list("pk", "study_id"))
    for it in items:
        f, failed = figures[it.id], failed_of[it.id]
        rows.append({
            "item": it.id, "title": bilingual(it.title_zh, it.title_en), "f": f,
            "automatic": f.automatic, "judged": len(f.judged), "passed": len(f.passed), "rate": _pct(f.rate),
            "failed_studies": [studies[e] for e in failed if e in studies],
            "sheets": len(f.sheets), "good": len(f.good), "share": _pct(f.share),
            "sheet_links": [(s.sample_entry_id if centre else None, s.study_id, s.pk) for s in f.sheets[:EVIDENCE_SHOWN]],
        })
    start = rows[0]["f"].start if rows else on
    return {"rows": rows, "device": device, "start": start, "on": on}

"""``{% iq_pass_rates rows %}``: the QC-centre overview's image-quality block — automatic pass
rates per institution and device over the catalog's IQ verdict window, from the page's own device
rows and one aggregate query, cached for five minutes (each study counted once, by its latest finished evaluation)."""

from __future__ import annotations

import datetime as dt

import hashlib

from django import template
from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from huren.standard.catalog import image_quality_verdicts

from ..models import Evaluation

register = template.Library()
CACHE_SECONDS = 300  # the overview is reloaded often; the rates may lag new evaluations by this much


def _rate(p: int, f: int):
    return round(100 * p / (p + f)) if p + f else None


@register.inclusion_tag("imagequality/_qc_overview_iq.html")
def iq_pass_rates(rows):
    devices = [r.device for r in rows]
    days = int(image_quality_verdicts()["window_days"])
    since = timezone.now() - dt.timedelta(days=days)
    later = Evaluation.objects.filter(study=OuterRef("study"), status=Evaluation.Status.DONE, id__gt=OuterRef("id"))
    ids = sorted(d.pk for d in devices)
    key = "iq-overview-" + hashlib.sha256(f"{days}:{ids}".encode()).hexdigest()[:32]
    counts = cache.get(key) if ids else {}
    if counts is None:
        counts = {c["study__device_id"]: c for c in (
            Evaluation.objects.filter(status=Evaluation.Status.DONE, finished_at__gte=since,
                                      study__device_id__in=[d.pk for d in devices])
            .exclude(Exists(later)).values("study__device_id")
            .annotate(passed=Count("id", filter=Q(outcome=Evaluation.Outcome.PASS)),
                      failed=Count("id", filter=Q(outcome=Evaluation.Outcome.FAIL)),
                      not_evaluable=Count("id", filter=Q(outcome=Evaluation.Outcome.NOT_EVALUABLE))))}
        cache.set(key, counts, CACHE_SECONDS)
    per_device, per_inst = [], {}
    for d in devices:
        c = counts.get(d.pk, {"passed": 0, "failed": 0, "not_evaluable": 0})
        per_device.append({"device": d, **c, "rate": _rate(c["passed"], c["failed"])})
        s = per_inst.setdefault(d.department.institution, {"passed": 0, "failed": 0, "not_evaluable": 0})
        for k in s:
            s[k] += c[k]
    insts = [{"institution": i, **s, "rate": _rate(s["passed"], s["failed"])} for i, s in per_inst.items()]
    return {"days": days, "devices": [r for r in per_device if r["passed"] + r["failed"] + r["not_evaluable"]],
            "institutions": insts}

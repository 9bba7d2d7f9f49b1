"""The HR mark and the public verification of a decision (stable names: reports use them).

* :func:`hr_mark` — ``"HR" + the issuing hospital's code`` (the institution's ``code``;
  ``HR-<id>`` while a hospital has none, which the QC centre should fill in).
* :func:`verification_code` — the decision's public code (made on first use, kept forever).
* :func:`verification_path` / :func:`verification_url` — ``/v/<code>`` (relative), and the
  absolute URL from ``settings.HUREN_PUBLIC_URL`` or the request.
* :func:`qr_png` / :func:`qr_svg` — the QR code of the absolute URL (bytes), via segno.
* :func:`decision_for_code` — the decision a code verifies, or ``None``.
"""

from __future__ import annotations

import io

from django.conf import settings
from django.urls import reverse

__all__ = ["hr_mark", "verification_code", "verification_path", "verification_url", "qr_png", "qr_svg",
           "decision_for_code", "public_facts"]


def hr_mark(device_or_institution) -> str:
    inst = getattr(device_or_institution, "department", None)
    inst = inst.institution if inst is not None else device_or_institution
    code = "".join(ch for ch in (inst.code or "") if ch.isalnum())
    return f"HR{code}" if code else f"HR-{inst.pk}"


def verification_code(decision) -> str:
    from huren.recognition.models import VerificationCode

    rel = type(decision).verification.related
    if rel.is_cached(decision) and rel.get_cached_value(decision) is not None:  # read with the decision
        return rel.get_cached_value(decision).code
    vc, _ = VerificationCode.objects.get_or_create(decision=decision)
    return vc.code


def verification_path(code_or_decision) -> str:
    code = code_or_decision if isinstance(code_or_decision, str) else verification_code(code_or_decision)
    return reverse("recognition:verify", kwargs={"code": code})


def verification_url(code_or_decision, request=None) -> str:
    path = verification_path(code_or_decision)
    base = (getattr(settings, "HUREN_PUBLIC_URL", "") or "").rstrip("/")
    if base:
        return base + path
    if request is not None:
        return request.build_absolute_uri(path)
    return "http://127.0.0.1:8000" + path


def _qr(code_or_decision, request=None):
    import segno

    return segno.make(verification_url(code_or_decision, request), error="m")


def qr_png(code_or_decision, request=None, *, scale: int = 6) -> bytes:
    buf = io.BytesIO()
    _qr(code_or_decision, request).save(buf, kind="png", scale=scale, border=2)
    return buf.getvalue()


def qr_svg(code_or_decision, request=None, *, scale: int = 4) -> bytes:
    buf = io.BytesIO()
    _qr(code_or_decision, request).save(buf, kind="svg", scale=scale, border=2, xmldecl=False)
    return buf.getvalue()


def decision_for_code(code: str):
    from huren.recognition.models import VerificationCode

    vc = (VerificationCode.objects.filter(code=(code or "").strip().upper())
          .select_related("decision__device__department__institution").first())
    return vc.decision if vc is not None else None


def public_facts(decision) -> dict:
    """What the public page shows: device, institution, qualification dates, items, and the
    device's state today. Nothing about any patient or evidence."""
    from huren.assessment.verdicts import current_catalog
    from huren.recognition import history as H
    from huren.standard.catalog import recognition_rules
    from django.utils import timezone

    dev = decision.device
    inst = dev.department.institution
    today = timezone.localdate()
    current = dev.decisions.order_by("-decided_at", "-id").first()
    state = H.state_for(dev, today)
    exams = [e for e in recognition_rules(current_catalog()).exams if e.modality == dev.modality]
    return {
        "mark": hr_mark(dev), "code": verification_code(decision),
        "institution": inst.name, "institution_en": inst.name_en, "institution_code": inst.code,
        "device": dev.name, "modality": dev.modality, "manufacturer": dev.manufacturer, "model": dev.model_name,
        "outcome": decision.outcome,
        "outcome_label": {"qualified": "合格 / qualified", "rectify": "限期整改 / rectification required",
                          "not_qualified": "不合格 / not qualified"}.get(decision.outcome, decision.outcome),
        "decided_on": timezone.localdate(decision.decided_at),
        "valid_from": decision.valid_from, "valid_until": decision.valid_until,
        "superseded": current is not None and current.pk != decision.pk,
        "state": state.state, "state_zh": H.STATE_ZH[state.state], "state_en": H.STATE_EN[state.state],
        "recognised_today": state.recognised and current is not None and current.pk == decision.pk,
        "items": [{"code": e.code, "title_zh": e.title_zh, "title_en": e.title_en, "validity_days": e.validity_days}
                  for e in exams],
    }

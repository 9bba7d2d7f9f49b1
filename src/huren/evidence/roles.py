"""Who may record what: the ONE check behind every way evidence is recorded (the API's
serializers, which the web forms run too, and the register's shielding measurements).

The rules are data: the catalog's ``[recording]`` table (:class:`huren.standard.catalog.Recording`),
by evidence kind, catalog section, item and metric. Records made by the system itself
(DICOM analysis) do not pass through here.
"""

from __future__ import annotations

from django.utils import translation

from huren.accounts.roles import ROLES, roles_of
from huren.assessment.verdicts import current_catalog


def allowed_roles(kind: str, items=(), metric: str | None = None):
    """The roles allowed to record such a record and the rule that says so (``(None, None)``: no rule)."""
    catalog = current_catalog()
    if catalog.recording is None:
        return None, None
    found = [catalog[i] for i in items if i in catalog]
    return catalog.recording.allowed_roles(kind, found, metric)


def refusal(user, kind: str, items=(), metric: str | None = None) -> str | None:
    """A bilingual message when ``user`` may not record this, else None."""
    if getattr(user, "is_superuser", False):
        return None
    roles, rule = allowed_roles(kind, items, metric)
    if roles is None or roles_of(user) & roles:
        return None
    names_zh, names_en = _names(roles, "zh-hans", "、"), _names(roles, "en", ", ")
    return (f"无权录入：{rule.why_zh or '此类证据'}（可录入：{names_zh}） / "
            f"not allowed: {rule.why_en or 'this evidence is restricted'} (may record: {names_en})")


def _names(roles, lang: str, sep: str) -> str:
    with translation.override(lang):
        return sep.join(str(ROLES.get(r, r)) for r in sorted(roles))

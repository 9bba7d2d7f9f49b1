"""Keyed hashes of patient identifiers (HMAC-SHA256 with the installation's secret).

huren never stores a patient's name or ID in clear. It keeps ``patient_key(value)`` instead:
the same value gives the same key within one installation, so "the studies of patient ID
X" can be answered by hashing X again, while the table alone reveals nothing and cannot be
reversed by hashing guesses without the secret. The secret is ``HUREN_PATIENT_KEY`` when
set (so that several servers of one city share keys), else one derived from the
installation's ``SECRET_KEY``. Changing it orphans the keys already stored: they no longer
match any value typed in.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata

from django.conf import settings

KINDS = ("id", "name")


def _secret() -> bytes:
    explicit = getattr(settings, "HUREN_PATIENT_KEY", "") or ""
    if explicit:
        return explicit.encode("utf-8")
    # A key of its own, derived from the installation's secret: a leaked patient key says
    # nothing about the session-signing key, and the other way round.
    return hmac.new(settings.SECRET_KEY.encode("utf-8"), b"huren.studies.patient-key/1", hashlib.sha256).digest()


def normalise(value: str, kind: str = "id") -> str:
    """The form that is hashed. IDs: surrounding white space removed (IDs are otherwise
    compared exactly: hospitals' IDs are case-sensitive). Names: Unicode NFKC, case-folded,
    DICOM's ``^`` component separators and runs of spaces made one space (so ``ZHANG^SAN``,
    ``Zhang San`` and ``zhang^san^^`` are one name)."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    v = unicodedata.normalize("NFKC", str(value or "")).strip()
    if kind == "name":
        v = re.sub(r"[\s^=]+", " ", v.casefold()).strip()
    return v


def patient_key(value: str | None, kind: str = "id") -> str:
    """The keyed hash (64 hex digits) of a patient ID (``kind="id"``) or name (``"name"``);
    ``""`` for an empty value, so that "no ID" never matches another "no ID"."""
    v = normalise(value or "", kind)
    if not v:
        return ""
    return hmac.new(_secret(), f"{kind}:{v}".encode("utf-8"), hashlib.sha256).hexdigest()

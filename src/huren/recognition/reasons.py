"""The re-examination reasons: seeded from the catalog, then the QC centre's data."""

from __future__ import annotations


def seed_reasons(model=None) -> int:
    """Add the catalog's reasons that the table lacks (never overwrites the centre's edits)."""
    from huren.standard.catalog import load_catalog, recognition_rules

    if model is None:
        from huren.recognition.models import ReExamReason as model
    have = set(model.objects.values_list("code", flat=True))
    new = [model(code=c, label_zh=zh, label_en=en, order=i)
           for i, (c, zh, en) in enumerate(recognition_rules(load_catalog()).reasons) if c not in have]
    model.objects.bulk_create(new)
    return len(new)


def active_reasons():
    from huren.recognition.models import ReExamReason

    if not ReExamReason.objects.exists():
        seed_reasons()
    return list(ReExamReason.objects.filter(active=True))

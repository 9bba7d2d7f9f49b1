"""Expert score sheets: the criteria (the catalog's image-quality items of the study's
modality, 图像质量实时评价), who may score a sampled study, and submitting a sheet (immutable; a
correction supersedes the sheet in force)."""

from __future__ import annotations

from django.db import transaction

from huren.accounts.audit import acting_as
from huren.accounts.roles import QC_ADMIN, has_role, is_centre_user
from huren.standard.catalog import image_quality_verdicts, load_catalog

from .models import SampleStudy, ScoreSheet
from .services import latest_evaluation


class ScoringError(ValueError):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def criteria(modality: str) -> list:
    """The catalog's image-quality items of ``modality`` (DR-IQ-*, CT-IQ-*, MR-IQ-*), in order."""
    return [it for it in load_catalog().items.values() if it.modality == modality and it.section == "image_quality"]


def grade_scale() -> list[dict]:
    return sorted(image_quality_verdicts()["grades"], key=lambda g: -g["points"])


def may_score(user, entry: SampleStudy) -> bool:
    """Only the assigned QC-centre expert, or a QC-centre admin; never a hospital user."""
    if not getattr(user, "is_authenticated", False) or not is_centre_user(user):
        return False
    prof = getattr(user, "profile", None)
    if not user.is_superuser and (prof is None or prof.institution is None or prof.institution.kind != "qc_centre"):
        return False
    return entry.expert_id == user.id or has_role(user, QC_ADMIN)


def sheet_in_force(entry: SampleStudy) -> ScoreSheet | None:
    return entry.sheets.filter(superseded_by__isnull=True).order_by("-id").first()


def submit(entry: SampleStudy, user, grades: dict[str, int], overall: int, comment: str = "") -> ScoreSheet:
    """Create the sheet (superseding the one in force, if any). Raises ScoringError on bad input."""
    if not may_score(user, entry):
        raise ScoringError("无权为该检查评分", "you may not score this study")
    items = [it.id for it in criteria(entry.study.modality)]
    points = {g["points"] for g in grade_scale()}
    missing = [i for i in items if i not in grades]
    if missing:
        raise ScoringError("以下条目未评分：" + "、".join(missing), "not graded: " + ", ".join(missing))
    bad = [k for k, v in grades.items() if k not in items or v not in points]
    if bad or overall not in points:
        raise ScoringError("评分不在等级范围内", "a grade is not on the scale")
    with transaction.atomic(), acting_as(user):
        prev = sheet_in_force(entry)
        return ScoreSheet.objects.create(study=entry.study, sample_entry=entry, evaluation=latest_evaluation(entry.study),
                                         expert=user, grades={k: grades[k] for k in items}, overall=overall,
                                         comment=comment.strip()[:4000], supersedes=prev)

"""Expert score sheets: the rows (each criterion of the seed's 图像质量实时评价 chapter, from
``sheet_criteria.toml``, under the catalog's image-quality items of the study's modality), who
may score a sampled study, and submitting a sheet (immutable; a correction supersedes the sheet
in force)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

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


@dataclass(frozen=True)
class Criterion:
    """One graded row of the sheet: a criterion of the seed's chapter and the item it belongs to."""

    key: str
    item: str
    number: str
    text_zh: str
    text_en: str
    checks: tuple[str, ...] | None  # None: every automatic check of the item

    @property
    def modality(self) -> str:
        return self.item.split("-", 1)[0]


@cache
def _sheet_table() -> tuple[Criterion, ...]:
    text = resources.files("huren.imagequality").joinpath("sheet_criteria.toml").read_text(encoding="utf-8")
    return tuple(Criterion(c["key"], c["item"], c["number"], c["text_zh"], c["text_en"],
                           tuple(c["checks"]) if "checks" in c else None)
                 for c in tomllib.loads(text)["criterion"])


def sheet_criteria(modality: str) -> list[Criterion]:
    """The score sheet's rows for ``modality``: each criterion of the seed's 图像质量实时评价 chapter."""
    return [c for c in _sheet_table() if c.modality == modality]


def item_grades(modality: str, grades: dict[str, int]) -> dict[str, int]:
    """Row grades → the stored grades: every row, plus each catalog item the lowest of its rows
    (an item of one row is that row)."""
    out: dict[str, int] = {}
    for c in sheet_criteria(modality):
        out[c.key] = grades[c.key]
        out[c.item] = min(out.get(c.item, grades[c.key]), grades[c.key])
    return out


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
    modality = entry.study.modality
    items = [c.key for c in sheet_criteria(modality)]
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
                                         expert=user, grades=item_grades(modality, grades), overall=overall,
                                         comment=comment.strip()[:4000], supersedes=prev)

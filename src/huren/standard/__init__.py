"""The assessment standard as data: catalog files, the criterion language, judging."""

from huren.standard.catalog import (
    Catalog,
    CatalogError,
    Item,
    available,
    judge,
    judge_value,
    load_catalog,
    metrics,
    unit_for,
)
from huren.standard.criteria import Criterion, CriterionError, Judgement

__all__ = [
    "Catalog", "CatalogError", "Criterion", "CriterionError", "Item", "Judgement",
    "available", "judge", "judge_value", "load_catalog", "metrics", "unit_for",
]

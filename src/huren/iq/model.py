"""Result types of the image-quality checks (schema ``huren.iq/1``)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from huren.result import _clean

SCHEMA = "huren.iq/1"
RESULTS = ("pass", "fail", "not_evaluable")


@dataclass
class CheckResult:
    """One automatic check on one series (or on the whole study when ``series_instance_uid`` is None).

    ``result`` is ``pass``, ``fail`` or ``not_evaluable``; ``value``/``unit`` the figure measured;
    ``rule`` the text of the rule applied (with its source); ``sop_instance_uids`` the images looked
    at (pixel data or header); ``details`` what else was found (JSON-able).
    """

    check: str
    item: str | None
    result: str
    value: Any = None
    unit: str | None = None
    series_instance_uid: str | None = None
    reason_zh: str = ""
    reason_en: str = ""
    rule: str = ""
    sop_instance_uids: list[str] = field(default_factory=list)
    details: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.result not in RESULTS:
            raise ValueError(f"result must be one of {RESULTS}, not {self.result!r}")

    def to_dict(self) -> dict:
        d = _clean(asdict(self))
        # the schema's keys are always present, even when empty
        for k in ("item", "value", "unit", "series_instance_uid"):
            d.setdefault(k, None)
        return d


@dataclass
class SeriesSummary:
    """What was found about one series: its role and what recognised it."""

    series_instance_uid: str
    series_number: int | None = None
    description: str = ""
    modality: str = ""
    images: int = 0
    role: str = "images"  # images | localiser | derived | non-image
    plane: str | None = None  # axial | sagittal | coronal | oblique
    weighting: str | None = None  # MR: T1, T2, FLAIR, DWI, …
    weighting_decided_by: str | None = None  # header | words | header+words | none
    fat_sat: bool | None = None
    phase: str | None = None  # CT: plain, arterial, portal, delayed, contrast
    phase_decided_by: str | None = None
    pixel_images_read: int = 0
    details: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return _clean(asdict(self))


@dataclass
class StudyEvaluation:
    """The automatic checks of one study."""

    study_instance_uid: str
    modality: str
    accession_number: str | None = None
    study_date: str | None = None
    body_part: str | None = None
    body_part_decided_by: str | None = None
    series: list[SeriesSummary] = field(default_factory=list)
    checks: list[CheckResult] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)  # {"path", "reason_zh", "reason_en"}
    images: int = 0
    pixel_images_read: int = 0
    rules_name: str | None = None

    @property
    def evaluated(self) -> bool:
        """True when at least one check could be judged (pass or fail)."""
        return any(c.result != "not_evaluable" for c in self.checks)

    def get(self, check: str, series_instance_uid: str | None = None) -> list[CheckResult]:
        return [c for c in self.checks if c.check == check
                and (series_instance_uid is None or c.series_instance_uid == series_instance_uid)]

    def result_of(self, check: str) -> str | None:
        """The study-level answer of a check over its series: fail if any failed, else pass if
        any passed, else not_evaluable; None when the check was not run."""
        rs = [c.result for c in self.get(check)]
        if not rs:
            return None
        return "fail" if "fail" in rs else "pass" if "pass" in rs else "not_evaluable"

    def to_dict(self) -> dict:
        d = {
            "study_instance_uid": self.study_instance_uid,
            "modality": self.modality,
            "accession_number": self.accession_number,
            "study_date": self.study_date,
            "body_part": self.body_part,
            "body_part_decided_by": self.body_part_decided_by,
            "images": self.images,
            "pixel_images_read": self.pixel_images_read,
            "rules": self.rules_name,
            "series": [s.to_dict() for s in self.series],
            "checks": [c.to_dict() for c in self.checks],
            "errors": list(self.errors),
        }
        return d


def document(studies: list[StudyEvaluation], **extra) -> dict:
    """The ``huren.iq/1`` document for a list of evaluated studies."""
    from huren import __version__

    return {"schema": SCHEMA, "huren_version": __version__, **extra, "studies": [s.to_dict() for s in studies]}


def dumps(studies: list[StudyEvaluation], **extra) -> str:
    return json.dumps(document(studies, **extra), ensure_ascii=False, indent=2)

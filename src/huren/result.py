"""The one result shape every analysis returns (``huren.result/1``).

See ``docs/measurements.md`` for the field list and the metric names. Analyses fill
measurements and errors; :func:`huren.standard.judge` then attaches the catalog's
criterion and verdict to each measurement, so no threshold lives in analysis code.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

from huren import __version__

SCHEMA = "huren.result/1"

VERDICTS = ("pass", "fail", "info", "not_evaluable")


def _clean(obj: Any) -> Any:
    """Drop ``None`` values and turn numpy scalars and tuples into JSON-able values."""
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items() if v is not None}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    if hasattr(obj, "item") and callable(obj.item) and getattr(obj, "shape", None) == ():
        obj = obj.item()
    if isinstance(obj, float):
        if math.isnan(obj) or math.isinf(obj):
            return None
        return round(obj, 6)
    return obj


@dataclass
class Roi:
    """A region of interest, in millimetres in the image plane.

    Positions are relative to the image centre, x to the right and y down.
    ``shape`` is ``circle`` (``radius_mm``), ``rect`` or ``ellipse`` (``size_mm`` =
    width, height) or ``line`` (``end_mm``). ``centre_px`` is the same centre in pixel
    (column, row) coordinates, for readers who work in pixels.
    """

    shape: str
    centre_mm: tuple[float, float]
    radius_mm: float | None = None
    size_mm: tuple[float, float] | None = None
    end_mm: tuple[float, float] | None = None
    centre_px: tuple[float, float] | None = None
    label: str | None = None

    def to_dict(self) -> dict:
        return _clean(asdict(self))


@dataclass
class InputRef:
    """One input file that a result rests on."""

    path: str
    sop_instance_uid: str | None = None
    series_instance_uid: str | None = None
    instance_number: int | None = None
    slice_position_mm: float | None = None

    def to_dict(self) -> dict:
        return _clean(asdict(self))


@dataclass
class DeviceInfo:
    """The device identity read from the DICOM header."""

    manufacturer: str | None = None
    model: str | None = None
    serial: str | None = None
    station: str | None = None
    field_strength_t: float | None = None
    software: str | None = None

    def to_dict(self) -> dict:
        return _clean(asdict(self))


@dataclass
class Measurement:
    """One measured quantity of one catalog item.

    ``value`` is in ``unit``; ``verdict`` is filled by :func:`huren.standard.judge`.
    ``provenance`` names the algorithm and version and the SOP Instance UIDs used.
    """

    item: str
    metric: str
    value: Any
    unit: str
    method: str | None = None
    test_type: str | None = None
    criterion: dict | None = None
    verdict: str = "info"
    reason_zh: str | None = None
    reason_en: str | None = None
    slice: int | None = None
    rois: list[Roi] = field(default_factory=list)
    details: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        d = {
            "item": self.item,
            "metric": self.metric,
            "value": self.value,
            "unit": self.unit,
            "method": self.method,
            "test_type": self.test_type,
            "criterion": self.criterion,
            "verdict": self.verdict,
            "reason_zh": self.reason_zh,
            "reason_en": self.reason_en,
            "slice": self.slice,
            "rois": [r.to_dict() for r in self.rois],
            "details": self.details,
            "provenance": self.provenance,
        }
        return _clean(d)


@dataclass
class InputError:
    """Why an input (or a test) could not be measured, in Chinese and English."""

    path: str
    reason_zh: str
    reason_en: str
    test: str | None = None

    def to_dict(self) -> dict:
        return _clean(asdict(self))


@dataclass
class Result:
    """The result of one analysis run: measurements plus the errors met on the way."""

    modality: str
    phantom: str | None = None
    inputs: list[InputRef] = field(default_factory=list)
    device: DeviceInfo = field(default_factory=DeviceInfo)
    measurements: list[Measurement] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    huren_version: str = __version__
    notes: list[dict] = field(default_factory=list)
    figures: dict[str, Any] = field(default_factory=dict, repr=False)

    # -- building -------------------------------------------------------
    def add(self, m: Measurement) -> Measurement:
        self.measurements.append(m)
        return m

    def error(self, path: str, reason_zh: str, reason_en: str, test: str | None = None) -> None:
        self.errors.append(InputError(str(path), reason_zh, reason_en, test))

    def note(self, zh: str, en: str) -> None:
        """A remark that is not an error (e.g. 'localiser ignored')."""
        self.notes.append({"zh": zh, "en": en})

    def merge(self, other: "Result") -> "Result":
        # an input is its UID *and* its file: anonymised exports may give every file one UID
        seen = {(i.sop_instance_uid, i.path) for i in self.inputs}
        self.inputs += [i for i in other.inputs if (i.sop_instance_uid, i.path) not in seen]
        self.measurements += other.measurements
        self.errors += other.errors
        self.notes += other.notes
        self.figures.update(other.figures)
        if self.phantom is None:
            self.phantom = other.phantom
        return self

    # -- reading --------------------------------------------------------
    def get(self, metric: str, item: str | None = None, method: str | None = None) -> Measurement:
        """The first measurement of ``metric`` (and ``item``/``method`` if given)."""
        for m in self.measurements:
            if m.metric == metric and (item is None or m.item == item) and (
                method is None or m.method == method
            ):
                return m
        raise KeyError(f"no measurement {metric!r} (item={item}, method={method})")

    def all(self, metric: str, method: str | None = None) -> list[Measurement]:
        return [m for m in self.measurements if m.metric == metric and (method is None or m.method == method)]

    def to_dict(self) -> dict:
        return _clean(
            {
                "schema": SCHEMA,
                "huren_version": self.huren_version,
                "modality": self.modality,
                "phantom": self.phantom,
                "inputs": [i.to_dict() for i in self.inputs],
                "device": self.device.to_dict(),
                "measurements": [m.to_dict() for m in self.measurements],
                "errors": [e.to_dict() for e in self.errors],
                "notes": self.notes,
            }
        )

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)

    @classmethod
    def from_dict(cls, d: dict) -> "Result":
        if d.get("schema") != SCHEMA:
            raise ValueError(f"not a {SCHEMA} document: schema={d.get('schema')!r}")
        ms = []
        for m in d.get("measurements", []):
            m = dict(m)
            rois = [Roi(**{**r, **{k: tuple(v) for k, v in r.items() if isinstance(v, list)}}) for r in m.pop("rois", [])]
            ms.append(Measurement(rois=rois, **m))
        return cls(
            modality=d["modality"],
            phantom=d.get("phantom"),
            inputs=[InputRef(**i) for i in d.get("inputs", [])],
            device=DeviceInfo(**d.get("device", {})),
            measurements=ms,
            errors=[InputError(**e) for e in d.get("errors", [])],
            huren_version=d.get("huren_version", __version__),
            notes=d.get("notes", []),
        )

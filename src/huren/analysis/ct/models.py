"""Catphan models as data: which modules each holds, where (mm from CTP404's centre), and the CTP404 insert set.

Used by the analysis (to tell the model from the module spacings found by content) and
by :mod:`huren.synth.ct` (to draw each model). Offsets are signed along the phantom's
axis as in pylinac's model tables (a scan may run either way: the analysis tries both
signs). Sources and certainty (see docs/ct.md):

* 503, 504, 600, 604 offsets of CTP528/CTP515/CTP486: pylinac 3.x model tables
  (``CatPhan503`` … ``CatPhan604``), which follow The Phantom Laboratory manuals.
* CTP591 (bead geometry, Catphan 600) at −32.5 mm: between CTP404 and CTP528 as in the
  Catphan 600 manual's module drawing; the exact figure is NOT verified against the
  manual here. The bead layout inside CTP591 (``CTP591``) is huren's own stand-in
  (two opposed bead ramps and a single bead), not the manual's drawing.
* Catphan 604 inserts: the 503/504/600 set plus 20 % and 50 % bone; their angular
  positions are not needed (inserts are assigned by CT number).
"""

from __future__ import annotations

MATERIALS_8 = ("air", "air", "pmp", "ldpe", "polystyrene", "acrylic", "delrin", "teflon")
MATERIALS_10 = MATERIALS_8 + ("bone20", "bone50")

# model → module → offset (mm) from CTP404's centre; "inserts" names the CTP404 layout
CATPHAN_MODELS: dict[str, dict] = {
    "catphan503": {"modules": {"ctp404": 0.0, "ctp528": -30.0, "ctp486": -110.0}, "inserts": MATERIALS_8},
    "catphan504": {"modules": {"ctp404": 0.0, "ctp528": 30.0, "ctp515": -30.0, "ctp486": -65.0}, "inserts": MATERIALS_8},
    "catphan600": {"modules": {"ctp404": 0.0, "ctp591": -32.5, "ctp528": -70.0, "ctp515": -110.0, "ctp486": -160.0},
                   "inserts": MATERIALS_8},
    "catphan604": {"modules": {"ctp404": 0.0, "ctp528": 40.0, "ctp515": -40.0, "ctp486": -80.0}, "inserts": MATERIALS_10},
}

# half-lengths (mm) of each module along z, as drawn by the synthetic phantoms
MODULE_HALF_LENGTH_MM = {"ctp404": 12.5, "ctp591": 12.5, "ctp528": 10.0, "ctp515": 20.0, "ctp486": 25.0}

# CTP591 stand-in layout, phantom frame (mm, x right, y down), z in mm from the module centre:
# two ramps of beads, 2 mm apart in-plane and 1 mm apart in z, running along y at x = ∓40 with
# opposite slopes (a tilt about x lengthens one and shortens the other), and one single bead at the
# centre. (The real module holds further beads, e.g. a finer ramp; their layout is not verified here and not modelled.)
CTP591 = {
    "ramps": [{"name": "left", "x_mm": -40.0, "axis": "y", "slope": 0.5, "pitch_mm": 2.0, "half_span_mm": 30.0},
              {"name": "right", "x_mm": 40.0, "axis": "y", "slope": -0.5, "pitch_mm": 2.0, "half_span_mm": 30.0}],
    "bead_mm": (0.0, 0.0),
}


def module_offset(model: str, module: str) -> float | None:
    """Offset (mm) of ``module`` from CTP404 in ``model``, or None if the model has no such module."""
    return CATPHAN_MODELS.get(model, {}).get("modules", {}).get(module)

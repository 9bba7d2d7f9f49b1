"""The web tests' world, plus evidence, a reviewed assessment and a decision for the reports."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.utils import timezone

from tests.web.conftest import PASSWORD, World, build_world, fast_passwords  # noqa: F401  (fixtures)

WATER = [0.4, -0.8, 1.1, 2.9]  # CT number of water on four days, 30 days apart (HU)


@dataclass
class Assessed:
    world: World
    assessment: object
    decision: object
    override_item: str
    override_reason: str


def add_measurements(device, user, values, *, start: dt.date, step_days: int = 30):
    from huren.evidence.models import Measurement

    out = []
    for k, v in enumerate(values):
        out.append(Measurement.objects.create(
            device=device, recorded_by=user, performed_on=start + dt.timedelta(days=k * step_days),
            item="CT-QC-HU-WATER", metric="ct_number_water", value=v, unit="HU", test_type="status", method="central-roi"))
    return out


def decide_all_pass(device, world, *, valid_days: int = 60, reason: str = "现场复核：记录齐全") -> tuple:
    """Create, submit, override every non-passing item to pass (with a reason) and decide qualified."""
    from huren.assessment import workflow

    a = workflow.create(device, world.users["manager_a"] if device == world.ct_a else world.users["qc_admin"])
    a = workflow.submit(a, world.users["qc_admin"])
    ev = world.users["evaluator"]
    first = None
    for e in a.snapshot:
        if e["verdict"] in ("pass", "not_applicable"):
            workflow.review(a, ev, e["item"])
        else:
            first = first or e["item"]
            workflow.review(a, ev, e["item"], verdict="pass", reason=reason)
    d = workflow.decide(a, ev, "qualified", valid_until=timezone.localdate() + dt.timedelta(days=valid_days))
    return a, d, first


@pytest.fixture
def world(db, fast_passwords):  # noqa: F811
    return build_world()


@pytest.fixture
def assessed(world) -> Assessed:
    today = timezone.localdate()
    add_measurements(world.ct_a, world.users["tech_a"], WATER, start=today - dt.timedelta(days=90))
    a, d, item = decide_all_pass(world.ct_a, world)
    return Assessed(world, a, d, item, "现场复核：记录齐全")


def pdf_text(data: bytes) -> str:
    import io

    from pypdf import PdfReader

    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)


def pdf_pages(data: bytes) -> int:
    import io

    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(data)).pages)


def render_pages(data: bytes, folder: Path, dpi: int = 50) -> list[Path]:
    """The PDF's pages as PNG (poppler's pdftoppm); the suite fails when poppler is absent."""
    exe = shutil.which("pdftoppm")
    assert exe, "pdftoppm (Debian poppler-utils) is needed to look at the PDF pages"
    src = folder / "doc.pdf"
    src.write_bytes(data)
    subprocess.run([exe, "-r", str(dpi), "-png", str(src), str(folder / "page")], check=True, timeout=120)
    return sorted(folder.glob("page*.png"))


def page_checks(png: Path, margin_px: int = 8) -> dict:
    """Ink in the page and in its outer margin strips (text cut off would reach the edge)."""
    import numpy as np
    from PIL import Image

    a = np.asarray(Image.open(png).convert("L"), dtype=np.uint8)
    ink = a < 200
    edge = np.concatenate([ink[:margin_px].ravel(), ink[-margin_px:].ravel(), ink[:, :margin_px].ravel(), ink[:, -margin_px:].ravel()])
    return {"ink": float(ink.mean()), "edge_ink": int(edge.sum()), "shape": a.shape}


def tofu_glyphs(data: bytes) -> list[tuple[int, str]]:
    """The characters drawn as tofu (a box for a glyph the font lacks): in WeasyPrint's PDFs
    text is shown with two-byte glyph ids, and a missing glyph is written as id 0 (.notdef) or
    0xFFFF. Returns (page number, font) for each such glyph."""
    import io

    from pypdf import PdfReader
    from pypdf.generic import ContentStream

    reader = PdfReader(io.BytesIO(data))
    found = []
    for n, page in enumerate(reader.pages, 1):
        fonts = {k: v.get_object() for k, v in (page["/Resources"].get("/Font") or {}).items()}
        font = None
        for operands, op in ContentStream(page.get_contents(), reader).operations:
            if op == b"Tf":
                font = fonts.get(operands[0])
                continue
            if op not in (b"Tj", b"TJ", b"'", b'"') or font is None or font.get("/Subtype") != "/Type0":
                continue
            parts = operands[0] if op == b"TJ" else operands[-1:]
            for s in parts:
                raw = getattr(s, "original_bytes", s if isinstance(s, bytes) else None)
                if raw is None:  # a kerning number of TJ
                    continue
                codes = [raw[i] << 8 | raw[i + 1] for i in range(0, len(raw) - 1, 2)]
                found += [(n, str(font.get("/BaseFont"))) for c in codes if c in (0, 0xFFFF)]
    return found

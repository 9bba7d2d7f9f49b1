"""PNG figures of the MR tests: the image with each test's ROIs, and the profiles along its lines."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Sequence

import numpy as np

from huren.analysis.core.profile import sampled_line
from huren.dicomio import Image
from huren.result import Result


def _test_name(m) -> str:
    alg = m.provenance.get("algorithm", m.metric)
    return alg.split(".")[-1].split("/")[0]


def _label(m) -> str:
    """``metric method value``, with hazen's way beside it where the analysis computed it too."""
    if not isinstance(m.value, (int, float)):
        return m.metric
    text = f"{m.metric} {m.method or ''} {m.value:.4g}"
    h = m.details.get("hazen_method") if isinstance(m.details, dict) else None
    if isinstance(h, dict):
        if isinstance(h.get("value"), (int, float)):
            text += f" (hazen's way {h['value']:.4g})"
        elif "x" in h:
            text += f" (hazen's way {h['x']}, {h['y']})"
    return text


def write(res: Result, images: Sequence[Image], folder: str | Path) -> list[Path]:
    """One PNG per test (``<test>.png``) in ``folder``; returns the paths written.

    Each figure shows the image the test used (windowed to its 1st–99th percentile)
    with every ROI drawn in mm-true size, and, for tests measured along lines
    (geometry, slice thickness), the profile along each line.
    """
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Circle, Ellipse, Rectangle

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    by_uid = {im.sop_instance_uid: im for im in images}
    groups: dict[str, list] = {}
    for m in res.measurements:
        uids = m.provenance.get("sop_instance_uids") or []
        if not uids or uids[0] not in by_uid:
            continue
        key = f"{_test_name(m)}_s{m.slice}" if m.slice else _test_name(m)
        groups.setdefault(key, []).append(m)
    written = []
    for key, ms in groups.items():
        im = by_uid[ms[0].provenance["sop_instance_uids"][0]]
        lines = [r for m in ms for r in m.rois if r.shape == "line"]
        fig, axes = plt.subplots(1, 2 if lines else 1, figsize=(12 if lines else 6, 6), squeeze=False)
        ax = axes[0][0]
        a = im.array
        lo, hi = np.percentile(a, [1, 99])
        ax.imshow(a, cmap="gray", vmin=lo, vmax=hi)
        sr, sc = im.spacing
        for m in ms:
            for r in m.rois:
                cx, cy = im.mm_to_px(*r.centre_mm)
                if r.shape == "circle" and r.radius_mm:
                    ax.add_patch(Circle((cx, cy), r.radius_mm / sc, fill=False, color="yellow", lw=1))
                elif r.shape == "rect" and r.size_mm:
                    w, h = r.size_mm[0] / sc, r.size_mm[1] / sr
                    ax.add_patch(Rectangle((cx - w / 2, cy - h / 2), w, h, fill=False, color="cyan", lw=1))
                elif r.shape == "ellipse" and r.size_mm:
                    ax.add_patch(Ellipse((cx, cy), r.size_mm[0] / sc, r.size_mm[1] / sr, fill=False, color="orange", lw=1))
                elif r.shape == "line" and r.end_mm:
                    ex, ey = im.mm_to_px(*r.end_mm)
                    ax.plot([cx, ex], [cy, ey], color="red", lw=1)
        title = "; ".join(_label(m) for m in ms[:3])
        ax.set_title(title, fontsize=8)
        ax.axis("off")
        if lines:
            pax = axes[0][1]
            for r in lines:
                (x0, y0), (x1, y1) = im.mm_to_px(*r.centre_mm), im.mm_to_px(*r.end_mm)
                # extend 10 mm beyond each end so the edges show
                L = float(np.hypot((x1 - x0) * sc, (y1 - y0) * sr)) or 1.0
                ux, uy = (x1 - x0) / L * 10, (y1 - y0) / L * 10
                d, v = sampled_line(a, (x0 - ux, y0 - uy), (x1 + ux, y1 + uy), step_px=0.25)
                pax.plot(d * sc - 10, v, label=r.label or "")
            pax.set_xlabel("mm along the line")
            pax.legend(fontsize=7)
        p = folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', key)}.png"
        fig.tight_layout()
        fig.savefig(p, dpi=80)
        plt.close(fig)
        written.append(p)
    return written

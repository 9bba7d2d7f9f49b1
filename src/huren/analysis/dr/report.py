"""PNG figures of the DR tests: the image with its ROIs and findings, plus curves (matplotlib, Agg)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

MAX_SIDE = 1024


def _display(values: np.ndarray) -> tuple[np.ndarray, int]:
    step = max(1, int(np.ceil(max(values.shape) / MAX_SIDE)))
    v = values[::step, ::step]
    return v, step


def _draw_rois(ax, image, rois, step, colour="tab:red"):
    from matplotlib.patches import Rectangle

    for r in rois:
        if r.centre_px is None:
            continue
        cx, cy = r.centre_px
        if r.size_mm:
            w, h = r.size_mm[0] / image.spacing[1], r.size_mm[1] / image.spacing[0]
            ax.add_patch(Rectangle(((cx - w / 2) / step, (cy - h / 2) / step), w / step, h / step, fill=False,
                                   edgecolor=colour, linewidth=1.2))
        if r.label:
            ax.text(cx / step, cy / step, r.label, color=colour, fontsize=6, ha="center", va="center")


def _image_axes(ax, fig_data, title):
    v, step = _display(fig_data["values"])
    lo, hi = np.percentile(v, [1, 99])
    ax.imshow(v, cmap="gray", vmin=lo, vmax=hi if hi > lo else lo + 1)
    ax.set_title(title, fontsize=8)
    ax.set_axis_off()
    _draw_rois(ax, fig_data["image"], fig_data.get("rois", []), step)
    from matplotlib.patches import Rectangle

    for a in fig_data.get("artifacts", [])[:200]:
        r0, c0, r1, c1 = a["bbox_px"]
        pad = 4 * step
        ax.add_patch(Rectangle(((c0 - pad) / step, (r0 - pad) / step), (c1 - c0 + 2 * pad) / step,
                               (r1 - r0 + 2 * pad) / step, fill=False, edgecolor="tab:orange", linewidth=1.0))
    return step


def write(figures: list[tuple[str, dict]], folder) -> list[Path]:
    """Write one PNG per (test, figure data); returns the paths."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out, seen = [], {}
    for key, data in figures:
        seen[key] = seen.get(key, 0) + 1
        name = key if seen[key] == 1 else f"{key}-{seen[key]}"
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", Path(str(data["image"].path).split("!")[-1]).stem)[:40]
        curve = "curve" in data or "fit" in data
        fig, axes = plt.subplots(1, 2 if curve else 1, figsize=(10 if curve else 5.5, 5), squeeze=False)
        ax = axes[0][0]
        if "values" in data:
            _image_axes(ax, data, f"{name}: {data['image'].path}")
        else:
            ax.set_axis_off()
        if "curve" in data:
            c = data["curve"]
            a2 = axes[0][1]
            a2.plot(c.freq, c.mtf, color="tab:blue")
            a2.axvline(data["nyquist"], color="grey", linestyle=":", label="Nyquist")
            for lvl in (0.5, 0.1):
                a2.axhline(lvl, color="tab:red", linewidth=0.6, linestyle="--")
            a2.set_xlabel("lp/mm")
            a2.set_ylabel("MTF")
            a2.set_ylim(0, 1.1)
            a2.legend(fontsize=7)
        if "fit" in data:
            a2 = axes[0][1]
            k, m, fit = data["kerma"], data["mean"], data["fit"]
            kk = np.linspace(min(k) * 0.9, max(k) * 1.05, 200)
            a2.plot(k, m, "o", color="tab:blue")
            a2.plot(kk, fit.to_pixel(kk), color="tab:red", label=f"{fit.model}: R²={fit.r2:.5f}")
            a2.set_xlabel("K (µGy)")
            a2.set_ylabel("mean pixel value")
            a2.legend(fontsize=7)
        fig.tight_layout()
        path = folder / f"dr-{name}-{stem}.png"
        fig.savefig(path, dpi=110)
        plt.close(fig)
        out.append(path)
    return out

"""PNG figures of a CT analysis: one per module, with ROIs, MTF curves and ramp profiles (matplotlib, Agg)."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.patches import Circle as CirclePatch  # noqa: E402

from huren.result import Result  # noqa: E402


def _show(ax, image, centre=None, half_mm=None, window=(-160, 240)):
    ax.imshow(image.array, cmap="gray", vmin=window[0], vmax=window[1])
    ax.set_axis_off()


def _rois(ax, image, measurements, colour="yellow"):
    px = image.spacing[1]
    drawn = set()  # several measurements share ROIs (e.g. the water centre): draw each once
    for m in measurements:
        for r in m.rois:
            if r.centre_px is None:
                continue
            key = (round(r.centre_px[0]), round(r.centre_px[1]), round(r.radius_mm or 0, 1), r.label)
            if key in drawn:
                continue
            drawn.add(key)
            if r.shape == "circle" and r.radius_mm:
                ax.add_patch(CirclePatch(r.centre_px, r.radius_mm / px, fill=False, color=colour, lw=0.8))
            if r.label and r.shape == "circle" and len(m.rois) <= 8:
                ax.annotate(r.label, r.centre_px, color=colour, fontsize=6)
        for r in m.rois:
            if r.shape == "line" and r.end_mm is not None:
                a = image.mm_to_px(*r.centre_mm)
                b = image.mm_to_px(*r.end_mm)
                ax.plot([a[0], b[0]], [a[1], b[1]], color="red", lw=1.2)


def write_report(res: Result, folder: str | Path) -> list[Path]:
    """Write ``<module>.png`` files into ``folder``; returns their paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for module, figs in res.figures.items():
        for i, fig in enumerate(figs):
            image = fig["image"]
            here = (image.sop_instance_uid, image.path if image.frame is None else f"{image.path}#{image.frame}")
            ms = [m for m in res.measurements
                  if here in zip(m.provenance.get("sop_instance_uids", []), m.provenance.get("files", []))]
            extra = [k for k in ("point_curve", "bar_curve", "curve", "edge_curve", "ramps") if fig.get(k)]
            ncols = 1 + len(extra)
            f, axes = plt.subplots(1, ncols, figsize=(5 * ncols, 5), squeeze=False)
            axes = axes[0]
            window = (-1100, 1500) if fig["kind"] in ("ctp404", "acr.m1", "ctp528", "acr.m4", "wire") else (-60, 60)
            if fig["kind"] == "ctp515":
                window = (60, 140)
            if fig["kind"] == "ctp591":
                window = (0, 400)  # beads a few hundred HU over the body
            _show(axes[0], image, window=window)
            _rois(axes[0], image, ms)
            axes[0].set_title(f"{module} — z = {image.z} mm", fontsize=9)
            j = 1
            for key in ("point_curve", "bar_curve", "curve", "edge_curve"):
                c = fig.get(key)
                if c is None:
                    continue
                ax = axes[j]
                j += 1
                ax.plot(c.freq * 10, c.mtf, "o-" if key == "bar_curve" else "-", ms=3)
                ax.axhline(0.5, color="grey", lw=0.5)
                ax.axhline(0.1, color="grey", lw=0.5)
                ax.set_xlim(0, min(float(c.freq.max()) * 10, 25))
                ax.set_ylim(0, max(1.1, float(c.mtf[c.freq * 10 <= 25].max()) * 1.05))
                ax.set_xlabel("lp/cm")
                ax.set_ylabel("MTF")
                ax.set_title({"point_curve": "MTF (bead)", "bar_curve": "MTF (bars)", "curve": "MTF (wire)",
                              "edge_curve": "MTF (Teflon edge)"}[key], fontsize=9)
            if fig.get("ramps"):
                ax = axes[j]
                for r in fig["ramps"]:
                    p = r["profile"]
                    ax.plot(p["s_mm"], p["profile"], label=f"{r['name']}: {r['thickness_mm']:.2f} mm")
                ax.set_xlabel("mm along ramp")
                ax.set_ylabel("HU")
                ax.legend(fontsize=7)
                pairs = [p for p in fig.get("pairs", []) if len(p["ramps"]) == 2 and p.get("tilt_deg") is not None]
                tilt = "; ".join(f"{'/'.join(p['ramps'])}: {p['thickness_mm']:.2f} mm, tilt {p['tilt_deg']:+.1f}°" for p in pairs)
                ax.set_title("slice-thickness ramps" + (f"\ntilt-corrected pairs — {tilt}" if tilt else ""), fontsize=8)
            f.tight_layout()
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", f"{module}{'' if len(figs) == 1 else f'_{i + 1}'}") + ".png"
            p = folder / name
            f.savefig(p, dpi=90)
            plt.close(f)
            out.append(p)
    return out

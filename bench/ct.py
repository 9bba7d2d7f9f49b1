"""CT benchmark: huren.analysis.ct against pylinac on the same synthetic Catphan 504 and ACR 464 series,
and on cone-beam Catphan 504 series (512² of 0.5 mm, 64 slices of 2.5 mm, cone-beam noise and shading).

Run with huren's own Python; pylinac runs in a Python of its own (it pins library versions, so it
lives in a separate virtualenv, never in huren's)::

    python3.12 -m venv /work/peers/pylinac && /work/peers/pylinac/bin/pip install pylinac
    PYTHONPATH=src .venv/bin/python bench/ct.py [--pylinac-python /work/peers/pylinac/bin/python] [--keep DIR] [--only cbct]

(or ``HUREN_PYLINAC_PYTHON=…``; without either, /work/peers/pylinac and ``../<worktree>-peers`` are tried).

This script installs nothing. Each (tool, phantom) run happens in fresh child processes, so that neither tool's
caches or imports help the other: one run for time, one (with tracemalloc) for
memory. In the child, the libraries are imported first;
then the clocks and ``tracemalloc`` cover reading the folder and analysing it. CPU
time (``time.process_time``) is the figure to compare on a busy machine; wall time
(``time.perf_counter``) is printed beside it. Our side reads with
``huren.analysis.ct.load_series`` (raw pixel data dropped once converted). Memory is reported two ways: the tracemalloc peak (Python and
numpy allocations made during the analysis) and the child's peak resident set size
(``VmHWM``, whole process including imported libraries). Without pylinac only
our side is run. Each tool's row says how many images it read, on how many its figures rest and
which modules it analysed: a speed ratio means nothing if one side analysed one slice.

The cone-beam series (``huren.synth.ct.catphan_cbct``): ``cbct-quiet`` (noise 10 HU, cupping 30 HU),
``cbct-cup40`` (noise 15 HU, cupping 40 HU), ``cbct`` (noise 20 HU, ramp-filtered with a
low cutoff plus 10 % of its variance as 2 mm blotches, cupping 35 HU centre-to-edge), ``cbct-shaded``
(noise 30 HU, cupping 35, a 20 HU left-right shading, three ring artefacts of 6–10 HU) and
``cbct-offset`` (noise 25 HU, cupping 40 HU, 30 % blotchy noise, the phantom rolled 4° and 9 mm
off-centre). Their truth for CT numbers includes the shading at each insert.

Agreement is judged where both tools measure the same thing: CT numbers (both on one HU slice, the
middle of the slices that show the inserts; pylinac the median of a 5 mm-radius ROI at the nominal
58.7 mm, huren the mean of a ROI of up to 5 mm radius centred on the insert, kept inside its flat core;
the air figure is the 12 o'clock hole for both; huren's 5-slice mean is printed as a secondary row and
not compared), slice thickness (both
FWHM × 0.42 of the 23° ramps), rod distance, noise. MTF differs in kind: pylinac's
CTP528 figure is a *relative* MTF (peak-to-valley contrast of each bar group divided
by that of the 1 lp/cm group), ours from the bars is an absolute MTF (each group's
first-harmonic amplitude over its own bar contrast) and ours from the bead is the
Fourier transform of the PSF; with a Gaussian PSF the 1 lp/cm group itself is already
attenuated by a few per cent, so pylinac's relative MTF50 runs a little high or low
depending on noise in its peak picking. pylinac's ACR bar figure is a relative
contrast of max − min inside 6 mm discs placed on the patterns; it needs the real
phantom's pattern geometry and is not comparable on the synthetic layout.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

CHILD = r"""
import json, sys, time, tracemalloc, warnings
warnings.simplefilter("ignore")
tool, phantom, folder, mode = sys.argv[1:5]
if tool == "pylinac":
    import pylinac
else:
    from huren.analysis.ct import analyze, load_series
info = {}
if mode == "memory":
    tracemalloc.start()
t0 = time.perf_counter()
c0 = time.process_time()
out = {}
if tool == "pylinac":
    if phantom.startswith(("catphan504", "cbct")):
        a = pylinac.CatPhan504(folder); a.analyze()
        r = a.results_data(as_dict=True)
        mods = [m for m in ("ctp404", "ctp486", "ctp528", "ctp515") if r.get(m)]
        info = {"images_read": r["num_images"], "modules": mods,
                "slices": {m: getattr(a, m).slice_num for m in mods},
                "hu_slice_z_mm": float(a.dicom_stack[a.ctp404.slice_num].z_position)}
        hu = r["ctp404"]["hu_rois"]
        names = {"Air": "air", "PMP": "pmp", "LDPE": "ldpe", "Poly": "polystyrene", "Acrylic": "acrylic",
                 "Delrin": "delrin", "Teflon": "teflon"}
        out = {f"ct_number_{v}": hu[k]["value"] for k, v in names.items()}
        out["slice_thickness"] = r["ctp404"]["measured_slice_thickness_mm"]
        out["geometric_distance"] = r["ctp404"]["avg_line_distance_mm"]
        mtf = {int(k): v for k, v in r["ctp528"]["mtf_lp_mm"].items()}
        out["mtf50[bars]"] = 10 * mtf[50]  # relative bar MTF (see the docstring)
        out["mtf10[bars]"] = 10 * mtf[10]
        out["noise_sd"] = r["ctp486"]["rois"]["Center"]["stdev"]
        out["low_contrast_seen"] = r["ctp515"]["num_rois_seen"]
    else:
        a = pylinac.ACRCT(folder); a.analyze()
        r = a.results_data(as_dict=True)
        info = {"images_read": len(a.dicom_stack), "modules": [m for m in ("ct_module", "uniformity_module",
                "low_contrast_module", "spatial_resolution_module") if r.get(m)]}
        rois = r["ct_module"]["rois"]
        out = {"ct_number_air": rois["Air"], "ct_number_ldpe": rois["Poly"], "ct_number_acrylic": rois["Acrylic"],
               "ct_number_bone": rois["Bone"], "ct_number_water_insert": rois["Water"],
               "noise_sd": r["uniformity_module"]["center_roi_stdev"],
               "geometric_distance": r["uniformity_module"]["bb_distance_mm"],
               "acr_cnr": r["low_contrast_module"]["cnr"]}
        try:
            out["mtf50[bars]"] = 10 * a.spatial_resolution_module.mtf.relative_resolution(50)
        except Exception:
            pass
else:
    images, errors = load_series([folder])
    res = analyze(images)
    info = {"images_read": len(images), "images_used": len(res.inputs), "modules": sorted(res.figures),
            "phantom": res.phantom, "errors": len(res.errors)}
    for m in res.measurements:
        key = f"{m.metric}[{m.method}]" if m.metric.startswith("mtf") or m.metric in out else m.metric
        out.setdefault(key, m.value)
        if m.metric.startswith("ct_number_") and "slab_mean_hu" in m.details:  # huren's secondary figure
            out[f"{m.metric}[slab, secondary]"] = m.details["slab_mean_hu"]
        if m.metric == "ct_number_air":
            info["hu_slice_z_mm"] = m.details.get("hu_slice_z_mm")
    if phantom == "acr-ct":
        ln = res.get("ct_number_linearity")
        out["ct_number_water_insert"] = ln.details.get("water_insert_hu")
        lcd = res.all("low_contrast_diameter", method="targets")
        if lcd:
            out["acr_cnr"] = lcd[0].details.get("acr_cnr_25mm")
seconds = time.perf_counter() - t0
cpu = time.process_time() - c0
peak = tracemalloc.get_traced_memory()[1] if mode == "memory" else None
# VmHWM (peak RSS of this process image); ru_maxrss would carry the parent's peak over the exec
rss = next(int(l.split()[1]) * 1024 for l in open("/proc/self/status") if l.startswith("VmHWM"))
print(json.dumps({"seconds": seconds, "cpu": cpu, "tracemalloc_peak": peak, "maxrss": rss, "metrics": out, "info": info}))
"""


def run_child(tool: str, phantom: str, folder: str, python: str = sys.executable) -> dict | None:
    """Two fresh processes of ``python``: one timed without tracemalloc (it slows allocation-heavy
    code), one with tracemalloc for the memory peak."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if tool == "pylinac":  # pylinac's Python must not see huren's sources or site
        env.pop("PYTHONPATH", None)
    out = {}
    for mode in ("time", "memory"):
        p = subprocess.run([python, "-c", CHILD, tool, phantom, folder, mode], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            print(f"  {tool} on {phantom} failed:\n{p.stderr[-2000:]}")
            return None
        r = json.loads(p.stdout.strip().splitlines()[-1])
        if mode == "time":
            out = r
        else:
            out["tracemalloc_peak"] = r["tracemalloc_peak"]
    return out


CBCT = {
    "cbct-quiet": {"noise_sd": 10.0, "cupping_hu": 30.0, "seed": 14},
    "cbct-cup40": {"noise_sd": 15.0, "cupping_hu": 40.0, "seed": 15},
    "cbct": {"seed": 11},
    "cbct-shaded": {"noise_sd": 30.0, "gradient_hu": 20.0, "rings": ((30.0, 10.0), (62.0, -8.0), (45.0, 6.0)), "seed": 12},
    "cbct-offset": {"noise_sd": 25.0, "cupping_hu": 40.0, "grain_fraction": 0.3, "rotation_deg": 4.0,
                    "offset_mm": (5.0, -8.0), "seed": 13},
}


def make_series(folder: Path, noise_sd: float = 4.0, only: str | None = None) -> dict[str, tuple[str, dict]]:
    """The synthetic full-phantom scans both tools read (pylinac wants ≥ 39 slices of the whole phantom)."""
    from huren.synth import ct as sct

    todo = []
    if only in (None, "ct"):
        todo += [("catphan504", lambda: sct.catphan504(z_range_mm=(-90, 55), slice_spacing_mm=2.5, thickness_mm=2.5,
                                                       psf_sigma_mm=0.6, noise_sd=noise_sd, seed=1)),
                 ("acr-ct", lambda: sct.acr464(z_range_mm=(-20, 120), slice_spacing_mm=2.5, thickness_mm=2.5,
                                               psf_sigma_mm=0.45, noise_sd=noise_sd, seed=1))]
    if only in (None, "cbct"):
        todo += [(name, lambda kw=kw: sct.catphan_cbct(**kw)) for name, kw in CBCT.items()]
    out = {}
    for name, make in todo:
        s = make()
        d = folder / name
        s.write(d)
        out[name] = (str(d), {**s.truth, "noise_sd": s.truth["noise_sd"]})
    return out


def pylinac_python(given: str | None) -> str | None:
    """The Python that has pylinac: ``--pylinac-python``, ``$HUREN_PYLINAC_PYTHON``, the peers venv
    beside this worktree, or this interpreter if it has pylinac itself; None when none has it."""
    cands = [given, os.environ.get("HUREN_PYLINAC_PYTHON"), "/work/peers/pylinac/bin/python",
             str(ROOT.parent / f"{ROOT.name}-peers" / "bin" / "python"), sys.executable]
    for c in cands:
        if c and Path(c).exists():
            p = subprocess.run([c, "-c", "import pylinac; print(pylinac.__version__)"], capture_output=True, text=True,
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
            if p.returncode == 0:
                return c
    return None


AGREE = [("CT numbers", lambda k: k.startswith("ct_number_") and k != "ct_number_water_insert" and "[" not in k),
         ("slice thickness", lambda k: k == "slice_thickness"), ("geometry", lambda k: k == "geometric_distance"),
         ("MTF (bars)", lambda k: k.startswith("mtf")), ("noise SD", lambda k: k == "noise_sd")]


def fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="write the synthetic series here and keep them")
    ap.add_argument("--noise", type=float, default=4.0, help="noise SD of the CT (not cone-beam) scans, HU (default 4)")
    ap.add_argument("--pylinac-python", help="a Python whose environment has pylinac (default: see pylinac_python)")
    ap.add_argument("--only", choices=("ct", "cbct"), help="only the fan-beam CT or only the cone-beam series")
    args = ap.parse_args(argv)
    py = pylinac_python(args.pylinac_python)
    have_pylinac = py is not None
    if not have_pylinac:
        print("pylinac is not installed in any Python given: only huren is timed (make a separate venv with pylinac)")
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="huren-bench-ct-"))
    series = make_series(tmp, args.noise, args.only)
    print(f"synthetic CT scans: noise SD {args.noise:g} HU (ramp-filtered), 2.5 mm slices every 2.5 mm; "
          f"cone-beam scans: see the docstring. pylinac: {py or '—'}")
    summary = []
    for phantom, (folder, truth) in series.items():
        ours = run_child("huren", phantom, folder)
        theirs = run_child("pylinac", phantom, folder, py) if have_pylinac else None
        n = len(list(Path(folder).glob("*.dcm")))
        print(f"\n== {phantom}: {n} slices in {folder}")
        for side, r in (("huren", ours), ("pylinac", theirs)):
            if r:
                i = r.get("info", {})
                used = f", figures from {i['images_used']}" if "images_used" in i else ""
                sl = f" (slices {i['slices']})" if i.get("slices") else ""
                if i.get("hu_slice_z_mm") is not None:
                    sl += f"; CT numbers on the slice at z = {i['hu_slice_z_mm']:g} mm"
                print(f"  {side}: read {i.get('images_read')} images{used}; modules analysed "
                      f"{len(i.get('modules', []))}: {', '.join(i.get('modules', []))}{sl}"
                      + (f"; phantom {i['phantom']}" if i.get("phantom") else ""))
        keys = list(dict.fromkeys([*(ours or {}).get("metrics", {}), *((theirs or {}).get("metrics", {}))]))
        print(f"  {'metric':<34} {'truth':>10} {'huren':>10} {'pylinac':>10} {'huren−pylinac':>14}")
        for k in keys:
            a = (ours or {}).get("metrics", {}).get(k)
            b = (theirs or {}).get("metrics", {}).get(k)
            t = truth.get(k.split("[")[0]) if not k.startswith("low_contrast") else None
            d = a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            print(f"  {k:<34} {fmt(t):>10} {fmt(a):>10} {fmt(b):>10} {fmt(d):>14}")
        if ours and theirs:
            row = {"series": phantom}
            for label, pick in AGREE:
                ds = [abs(ours["metrics"][k] - theirs["metrics"][k]) for k in keys if pick(k)
                      and isinstance(ours["metrics"].get(k), (int, float)) and isinstance(theirs["metrics"].get(k), (int, float))]
                row[label] = max(ds) if ds else None
            row["CPU pylinac/huren"] = theirs["cpu"] / ours["cpu"]
            summary.append(row)
        if ours:
            for key, label in (("cpu", "CPU time (process_time)"), ("seconds", "wall time (perf_counter)")):
                print(f"  {label}: huren {ours[key]:.3f} s", end="")
                if theirs:
                    print(f", pylinac {theirs[key]:.3f} s, pylinac/huren = {theirs[key] / ours[key]:.1f}×")
                else:
                    print()
            mb = 1024 * 1024
            print(f"  peak memory (tracemalloc, during analysis): huren {ours['tracemalloc_peak'] / mb:.1f} MB", end="")
            if theirs:
                print(f", pylinac {theirs['tracemalloc_peak'] / mb:.1f} MB, huren/pylinac = "
                      f"{ours['tracemalloc_peak'] / theirs['tracemalloc_peak']:.2f}")
            else:
                print()
            print(f"  peak RSS of the child process (VmHWM, incl. imports): huren {ours['maxrss'] / mb:.0f} MB", end="")
            if theirs:
                print(f", pylinac {theirs['maxrss'] / mb:.0f} MB, huren/pylinac = {ours['maxrss'] / theirs['maxrss']:.2f}")
            else:
                print()
    if summary:
        print("\n== agreement: largest |huren − pylinac| per kind, and the CPU-time ratio")
        cols = [label for label, _p in AGREE] + ["CPU pylinac/huren"]
        print("  " + f"{'series':<14}" + "".join(f"{c:>18}" for c in cols))
        for row in summary:
            print("  " + f"{row['series']:<14}" + "".join(f"{fmt(row[c]):>18}" for c in cols))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

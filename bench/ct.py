"""CT benchmark: huren.analysis.ct against pylinac on the same synthetic Catphan 504 and ACR 464 series.

Run in a virtualenv that has pylinac (the ``bench`` extra); this script installs nothing::

    PYTHONPATH=src /work/venv-pylinac/bin/python bench/ct.py [--keep DIR]

Each (tool, phantom) run happens in fresh child processes, so that neither tool's
caches or imports help the other: one run for time, one (with tracemalloc) for
memory. In the child, the libraries are imported first;
then the clocks and ``tracemalloc`` cover reading the folder and analysing it. CPU
time (``time.process_time``) is the figure to compare on a busy machine; wall time
(``time.perf_counter``) is printed beside it. Our side reads with
``huren.analysis.ct.load_series`` (raw pixel data dropped once converted). Memory is reported two ways: the tracemalloc peak (Python and
numpy allocations made during the analysis) and the child's peak resident set size
(``VmHWM``, whole process including imported libraries). Without pylinac only
our side is run.

Agreement is judged where both tools measure the same thing: CT numbers (pylinac
takes the median of a 5 mm ROI, we the mean of a 3.5 mm ROI), slice thickness (both
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
if mode == "memory":
    tracemalloc.start()
t0 = time.perf_counter()
c0 = time.process_time()
out = {}
if tool == "pylinac":
    if phantom == "catphan504":
        a = pylinac.CatPhan504(folder); a.analyze()
        r = a.results_data(as_dict=True)
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
    for m in res.measurements:
        key = f"{m.metric}[{m.method}]" if m.metric.startswith("mtf") or m.metric in out else m.metric
        out.setdefault(key, m.value)
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
print(json.dumps({"seconds": seconds, "cpu": cpu, "tracemalloc_peak": peak, "maxrss": rss, "metrics": out}))
"""


def run_child(tool: str, phantom: str, folder: str) -> dict | None:
    """Two fresh processes: one timed without tracemalloc (it slows allocation-heavy code),
    one with tracemalloc for the memory peak."""
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    out = {}
    for mode in ("time", "memory"):
        p = subprocess.run([sys.executable, "-c", CHILD, tool, phantom, folder, mode], capture_output=True, text=True, env=env)
        if p.returncode != 0:
            print(f"  {tool} on {phantom} failed:\n{p.stderr[-2000:]}")
            return None
        r = json.loads(p.stdout.strip().splitlines()[-1])
        if mode == "time":
            out = r
        else:
            out["tracemalloc_peak"] = r["tracemalloc_peak"]
    return out


def make_series(folder: Path, noise_sd: float = 4.0) -> dict[str, tuple[str, dict]]:
    """The synthetic full-phantom scans both tools read (pylinac wants ≥ 39 slices of the whole phantom)."""
    from huren.synth import ct as sct

    cp = sct.catphan504(z_range_mm=(-90, 55), slice_spacing_mm=2.5, thickness_mm=2.5, psf_sigma_mm=0.6,
                        noise_sd=noise_sd, seed=1)
    acr = sct.acr464(z_range_mm=(-20, 120), slice_spacing_mm=2.5, thickness_mm=2.5, psf_sigma_mm=0.45,
                     noise_sd=noise_sd, seed=1)
    out = {}
    for name, s in (("catphan504", cp), ("acr-ct", acr)):
        d = folder / name
        s.write(d)
        out[name] = (str(d), {**s.truth, "noise_sd": s.truth["noise_sd"]})
    return out


def fmt(v) -> str:
    if v is None:
        return "—"
    if isinstance(v, float):
        return f"{v:.3f}"
    return str(v)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--keep", help="write the synthetic series here and keep them")
    ap.add_argument("--noise", type=float, default=4.0, help="noise SD of the synthetic scans, HU (default 4)")
    args = ap.parse_args(argv)
    try:
        import pylinac  # noqa: F401

        have_pylinac = True
    except ImportError:
        have_pylinac = False
        print("pylinac is not installed here: only huren is timed (install the 'bench' extra in a separate venv)")
    tmp = Path(args.keep) if args.keep else Path(tempfile.mkdtemp(prefix="huren-bench-ct-"))
    series = make_series(tmp, args.noise)
    print(f"synthetic scans: noise SD {args.noise:g} HU (ramp-filtered), 2.5 mm slices every 2.5 mm")
    for phantom, (folder, truth) in series.items():
        ours = run_child("huren", phantom, folder)
        theirs = run_child("pylinac", phantom, folder) if have_pylinac else None
        n = len(list(Path(folder).glob("*.dcm")))
        print(f"\n== {phantom}: {n} slices in {folder}")
        keys = list(dict.fromkeys([*(ours or {}).get("metrics", {}), *((theirs or {}).get("metrics", {}))]))
        print(f"  {'metric':<34} {'truth':>10} {'huren':>10} {'pylinac':>10} {'huren−pylinac':>14}")
        for k in keys:
            a = (ours or {}).get("metrics", {}).get(k)
            b = (theirs or {}).get("metrics", {}).get(k)
            t = truth.get(k.split("[")[0]) if not k.startswith("low_contrast") else None
            d = a - b if isinstance(a, (int, float)) and isinstance(b, (int, float)) else None
            print(f"  {k:<34} {fmt(t):>10} {fmt(a):>10} {fmt(b):>10} {fmt(d):>14}")
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
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

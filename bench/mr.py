"""MR phantoms: huren against hazen on the same images — values, wall time, peak memory, images and tests.

hazen lives in a Python of its own (never the project's venv); huren's side runs in the
interpreter that runs this script, hazen's in ``--hazen-python`` (or ``$HUREN_HAZEN_PYTHON``;
without either /work/peers/hazen, ``../<worktree>-peers`` and ``../mr-real-peers`` are
tried, then this interpreter if it has hazen), e.g.::

    python3.12 -m venv /work/peers/hazen && /work/peers/hazen/bin/pip install hazen
    HUREN_SHARED=/work/shared PYTHONPATH=src .venv/bin/python bench/mr.py [--hazen-python /work/peers/hazen/bin/python]
        [--sets Siemens,GE] [--repeat 3] [--no-floods] [--no-slice-width] [--only-slice-width]

Three parts: the real ACR sets; 18 synthetic flood pairs (huren.synth.mr: cylinder,
sphere and bottle in the axial, coronal and sagittal planes, SNR 10 and 40, a known
shading) where hazen's ``snr`` and ``uniformity`` tasks, huren's flood analysis and the
truth stand side by side; and the MagNET slice-width object — the real 256² image, copies
of it resampled to 384² and 512², and synthetic objects of known slice width at 256²,
384² and 512² — with hazen's ``slice_width`` task on the same file, huren's analysis run
without ``--phantom`` (it must recognise the object) and the truth. Each part prints how
many images and tests each tool analysed.

Each side runs in its own fresh process per data set (so imports, caches and memory
do not leak from one to the other); the child reports the wall time of the analysis
proper (files read, every test run, results built — imports excluded) and its peak
resident memory. hazen runs its eight ACR tasks (SNR — by subtraction where a repeat
set exists, else by smoothing — uniformity, ghosting, geometric accuracy, slice
thickness, slice position, spatial resolution, object detectability); huren runs its
whole ACR analysis, which measures all of that and more (background SNR, the nine-ROI
uniformity, artifacts, edge MTF, resonance frequency). Ratios > 1 mean huren is faster
or smaller.

Where the two differ on purpose: huren's SNR ROIs and box filter are sized in mm
(hazen's in pixels), its lengths are half-level sub-pixel lengths (hazen counts
thresholded pixels), its slice thickness reads the ramps at half their mean signal (the
ACR guidance; hazen fits smoothed logistic curves and, in v1.x, leaves the lengths in
pixels), its slice-position difference takes each bar's own half-level end (hazen's
shift search can jump on equal bars), its low-contrast score is a statistical disc test
(hazen's thresholded blob search). For each of these but the low-contrast score huren
also computes hazen's way (its own re-implementation, ``details["hazen_method"]``);
the table prints it in the column "huren/hazen-way".
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DATA = Path(os.environ.get("HUREN_SHARED", Path(__file__).resolve().parents[2] / "shared")) / "data" / "phantoms" / "mr" / "acr"
SETS = ["Siemens", "GE", "PhilipsAchieva", "SiemensLargeSliceLocationDelta", "PhilipsSliceThicknessLineProfileLocalMinimaIssue"]
REPEAT = {"Siemens": "Siemens2"}


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _quiet_hazen() -> None:
    """Silence hazen's warnings and log (set before and after its import: it resets logging)."""
    import logging
    import warnings

    warnings.filterwarnings("ignore")
    logging.disable(logging.CRITICAL)


def _start(folder: Path) -> tuple[float, float, list[str]]:
    """(memory before the analysis MB, start time, the folder's files)."""
    return _peak_mb(), time.perf_counter(), sorted(str(p) for p in folder.iterdir() if p.is_file())


def child_hazen(folder: Path, second: Path | None) -> dict:
    _quiet_hazen()
    from hazenlib.tasks.acr_geometric_accuracy import ACRGeometricAccuracy
    from hazenlib.tasks.acr_ghosting import ACRGhosting
    from hazenlib.tasks.acr_object_detectability import ACRObjectDetectability
    from hazenlib.tasks.acr_slice_position import ACRSlicePosition
    from hazenlib.tasks.acr_slice_thickness import ACRSliceThickness
    from hazenlib.tasks.acr_snr import ACRSNR
    from hazenlib.tasks.acr_spatial_resolution import ACRSpatialResolution
    from hazenlib.tasks.acr_uniformity import ACRUniformity

    _quiet_hazen()
    base, t0, files = _start(folder)
    tasks = [(ACRSNR, {"subtract": str(second)} if second else {}), (ACRUniformity, {}), (ACRGhosting, {}),
             (ACRGeometricAccuracy, {}), (ACRSliceThickness, {}), (ACRSlicePosition, {}),
             (ACRSpatialResolution, {}), (ACRObjectDetectability, {})]
    values: dict[str, object] = {}
    for task, kw in tasks:
        try:
            r = task(input_data=files, report=False, **kw).run()
        except Exception as e:  # report hazen's own failure rather than stop the run
            values[task.__name__] = f"error: {e}"
            continue
        for m in r.measurements:
            if m.type != "measured" or not isinstance(m.value, (int, float)):
                continue
            values[f"{m.name}|{m.subtype}|{m.description}"] = float(m.value)
    done = sum(1 for t, _ in tasks if not str(values.get(t.__name__, "")).startswith("error"))
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "import_mb": base, "values": values,
            "images": len(files) + (len(list(second.iterdir())) if second else 0), "tests": done}


def child_huren(folder: Path, second: Path | None) -> dict:
    import huren.analysis.mr  # noqa: F401  (code loading is not analysis, as for hazen's imports above)
    import huren.standard  # noqa: F401
    from huren.analysis import AnalyzeOptions, analyze_paths
    from huren.dicomio import load_images

    base = _peak_mb()
    t0 = time.perf_counter()
    opts = AnalyzeOptions(phantom="acr")
    if second:
        opts.second = load_images([second])[0]
    res = analyze_paths([folder], opts)
    values: dict[str, object] = {}
    for m in res.measurements:
        key = "|".join(str(x) for x in (m.metric, m.method, m.details.get("slice", m.slice), m.details.get("direction")) if x not in (None, ""))
        values[key] = m.value
        h = m.details.get("hazen_method")
        if isinstance(h, dict):
            # our re-implementation of hazen's method; hazen's slice thickness is in pixel units
            values[key + "|hazen-method"] = h.get("value_in_pixel_units", h.get("value"))
        if m.metric == "low_contrast_spokes":
            for s, n in m.details["per_slice"].items():
                values[f"low_contrast_spokes|slice {s}"] = n
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "import_mb": base, "values": values,
            "images": len(res.inputs) + len(opts.second or []),
            "tests": len({m.provenance["algorithm"] for m in res.measurements}),
            "errors": [e.reason_en for e in res.errors]}


def child_hazen_flood(folder: Path) -> dict:
    """hazen's generic ``snr`` (subtraction on the pair, smoothing on each) and ``uniformity`` tasks."""
    _quiet_hazen()
    from hazenlib.tasks.snr import SNR
    from hazenlib.tasks.uniformity import Uniformity

    _quiet_hazen()
    base, t0, files = _start(folder)
    values: dict[str, object] = {}
    done = 0
    for task, inputs in ((SNR, files), (Uniformity, files[:1])):
        try:
            r = task(input_data=inputs, report=False).run()
        except Exception as e:  # hazen's own failure (e.g. a shape it cannot find) is a result too
            values[task.__name__] = f"error: {e}"
            continue
        done += 1
        for m in r.measurements:
            if m.type == "measured" and isinstance(m.value, (int, float)):
                values.setdefault(f"{m.name}|{m.subtype or ''}", float(m.value))
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "import_mb": base, "values": values,
            "images": len(files), "tests": done}


def child_huren_flood(folder: Path) -> dict:
    import huren.analysis.mr  # noqa: F401
    from huren.analysis import AnalyzeOptions, analyze_paths

    base = _peak_mb()
    t0 = time.perf_counter()
    res = analyze_paths([folder], AnalyzeOptions(phantom="flood"))
    values: dict[str, object] = {}
    for m in res.measurements:
        values.setdefault(f"{m.metric}|{m.method}", m.value)
        h = m.details.get("hazen_method")
        if isinstance(h, dict):
            values.setdefault(f"{m.metric}|{m.method}|hazen-method", h.get("value"))
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "import_mb": base, "values": values,
            "images": len(res.inputs), "tests": len({m.provenance["algorithm"] for m in res.measurements}),
            "errors": [e.reason_en for e in res.errors]}


FLOOD_PAIRS = [
    ("SNR subtraction", "SNR|subtraction", "snr|subtraction", "snr"),
    ("SNR smoothing (first image)", "SNR|smoothing", "snr|smoothing", "snr"),
    ("SNR background", None, "snr|background", "snr"),
    ("fractional uniformity H", "Uniformity|Horizontal", "fractional_uniformity_h|ipem", "fu_h"),
    ("fractional uniformity V", "Uniformity|Vertical", "fractional_uniformity_v|ipem", "fu_v"),
]


def flood_cases(folder: Path) -> list[tuple[str, Path, dict]]:
    """Synthetic flood pairs (huren.synth.mr) written into ``folder``: (name, pair folder, truth)."""
    from huren.synth.mr import FloodTruth, flood_uniformity_truth, write_flood

    shapes = {"cylinder": dict(shape="cylinder", diameter_mm=110.0, length_mm=220.0),
              "sphere": dict(shape="sphere", diameter_mm=160.0),
              "bottle": dict(shape="bottle", diameter_mm=120.0, length_mm=180.0, neck_mm=25.0)}
    out = []
    for shape, kw in shapes.items():
        for plane in ("axial", "coronal", "sagittal"):
            for snr in (10.0, 40.0):
                t = FloodTruth(signal=800.0, sigma=800.0 / snr, plane=plane, shading_per_mm=0.1 / 40, pe="COL",
                               offset_mm=(12.0, -9.0), manufacturer="SIEMENS", **kw)
                d = folder / f"{shape}-{plane}-snr{snr:.0f}"
                write_flood(d / "a.dcm", t, seed=11)
                write_flood(d / "b.dcm", t, seed=12)
                # IPEM: 160 mm profiles, or 85 % of the object's chord through the centre when shorter
                round_ = shape == "sphere" or plane == "axial"
                h_len = min(160.0, 0.85 * kw["diameter_mm"])
                v_len = h_len if round_ else min(160.0, 0.85 * kw.get("length_mm", kw["diameter_mm"]))
                fu = flood_uniformity_truth(t, h_len)
                out.append((d.name, d, {"snr": snr, "fu_h": fu["h"], "fu_v": flood_uniformity_truth(t, v_len)["v"]}))
    return out


def _best_of(folder: Path, kind: str, repeat: int, tot: dict) -> dict:
    """Each side ``repeat`` times on ``folder``; the fastest run of each, its time, images and tests added to ``tot``."""
    runs = {side: [run_child(side + kind, folder, None) for _ in range(repeat)] for side in ("hazen", "huren")}
    best = {side: min(rs, key=lambda r: r["seconds"]) for side, rs in runs.items()}
    for side in tot:
        tot[side][0] += best[side]["seconds"]
        tot[side][1] += best[side]["images"]
        tot[side][2] += best[side]["tests"]
    return best


def run_floods(repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="huren-bench-mr-") as tmp:
        cases = flood_cases(Path(tmp))
        print(f"\n== synthetic floods (huren.synth.mr): {len(cases)} pairs, truth beside both tools")
        print(f"{'case':26s} {'measure':28s} {'truth':>7s} {'hazen':>9s} {'huren':>9s} {'huren/hazen-way':>16s}")
        tot = {"hazen": [0.0, 0, 0], "huren": [0.0, 0, 0]}
        for name, d, truth in cases:
            best = _best_of(d, "-flood", repeat, tot)
            for label, hk, uk, tk in FLOOD_PAIRS:
                hv = _hz(best["hazen"]["values"], hk) if hk else None
                uv = best["huren"]["values"].get(uk)
                wv = best["huren"]["values"].get(uk + "|hazen-method")
                print(f"{name:26s} {label:28s} {truth[tk]:7.3f} {_fmt(hv):>9s} {_fmt(uv):>9s} {_fmt(wv):>16s}")
            herr = [v for v in best["hazen"]["values"].values() if isinstance(v, str)]
            if herr:
                print(f"{name:26s} hazen: {'; '.join(h[:90] for h in herr)}")
        for side, (sec, ims, tests) in tot.items():
            print(f"floods, {side}: {ims} images, {tests} tests run in all, {sec:.2f} s (best of {repeat} per pair)")


# (label, hazen key, huren key); keys are matched by prefix on hazen's side
PAIRS = [
    ("SNR subtraction", "SNR|subtraction|", "snr|subtraction|7"),
    # ours: ROIs and box filter sized in mm; hazen's way (in the last columns): sized in pixels
    ("SNR smoothing", "SNR|smoothing|", "snr|smoothing|7"),
    ("PIU %", "Uniformity|Integral uniformity|", "piu|acr|7"),
    ("PSG %", "Ghosting|signal ghosting|", "ghosting_percent|acr-psg|7"),
    ("slice 1 horizontal mm", "GeometricAccuracy|Slice 1 Horizontal distance|", "geometric_length|acr|1|horizontal"),
    ("slice 1 vertical mm", "GeometricAccuracy|Slice 1 Vertical distance|", "geometric_length|acr|1|vertical"),
    ("slice 5 horizontal mm", "GeometricAccuracy|Slice 5 Horizontal distance|", "geometric_length|acr|5|horizontal"),
    ("slice 5 vertical mm", "GeometricAccuracy|Slice 5 Vertical distance|", "geometric_length|acr|5|vertical"),
    ("slice 5 diagonal SE mm", "GeometricAccuracy|Slice 5 Diagonal SE distance|", "geometric_length|acr|5|diagonal_1"),
    ("slice 5 diagonal SW mm", "GeometricAccuracy|Slice 5 Diagonal SW distance|", "geometric_length|acr|5|diagonal_2"),
    # hazen's slice width is 0.2·a·b/(a + b) with the ramp lengths in pixels, not mm
    ("slice thickness (hazen: px units)", "SliceWidth|slice width|", "slice_thickness|acr-ramps|1"),
    ("slice position, slice 1 mm", "SlicePosition|length difference|Slice 1 ", "slice_position_difference|acr-wedges|1"),
    ("slice position, slice 11 mm", "SlicePosition|length difference|Slice 11 ", "slice_position_difference|acr-wedges|11"),
    ("resolved hole size mm", "SpatialResolution|Best|", "resolved_hole_size|acr-holes|1"),
    ("low-contrast spokes, total", "LowContrastObjectDetectability|total|", "low_contrast_spokes|acr-spokes"),
]


def _hz(values: dict, prefix: str):
    for k, v in values.items():
        if k.startswith(prefix) and isinstance(v, (int, float)):
            return v
    return None


def _fmt(v) -> str:
    return "—" if v is None else (f"{v:.3f}" if isinstance(v, float) else str(v))


def child_hazen_sw(folder: Path) -> dict:
    """hazen's ``slice_width`` task (the MagNET object) on each file of the folder."""
    import contextlib
    import io

    _quiet_hazen()
    from hazenlib.tasks.slice_width import SliceWidth

    _quiet_hazen()
    base, t0, files = _start(folder)
    values: dict[str, object] = {}
    done = 0
    for f in files:
        try:
            with contextlib.redirect_stdout(io.StringIO()):  # hazen prints its tracebacks
                r = SliceWidth(input_data=[f], report=False).run()
        except (Exception, SystemExit) as e:  # hazen exits when it cannot find its rods
            values["SliceWidth"] = f"error: {e}"
            continue
        got = {f"{m.subtype}|{m.description or ''}": m.value for m in r.measurements if m.type == "measured"}
        if "slice width|" in got:
            done += 1
        else:
            values["SliceWidth"] = "error: no slice width"
        for k, v in got.items():
            if isinstance(v, (int, float)):
                values[k] = float(v)
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "import_mb": base, "values": values,
            "images": len(files), "tests": done}


def child_huren_sw(folder: Path) -> dict:
    import huren.analysis.mr  # noqa: F401
    from huren.analysis import AnalyzeOptions, analyze_paths

    base = _peak_mb()
    t0 = time.perf_counter()
    res = analyze_paths([folder], AnalyzeOptions())  # no --phantom: the object is recognised by its content
    values: dict[str, object] = {"phantom": res.phantom}
    for m in res.measurements:
        if m.metric == "slice_thickness":
            values["slice width|"] = m.value
            values["tilt"] = m.details.get("tilt_deg")
        elif m.metric == "geometric_distortion_percent":
            values[f"distortion|{m.details['direction'].capitalize()}"] = m.value
        elif m.metric == "geometric_length" and m.method == "magnet-rods":
            values[m.details["direction"]] = m.value
    return {"seconds": time.perf_counter() - t0, "peak_mb": _peak_mb(), "import_mb": base, "values": values,
            "images": len(res.inputs), "tests": sum(1 for m in res.measurements if m.metric == "slice_thickness"),
            "errors": [e.reason_en for e in res.errors]}


def slice_width_cases(folder: Path) -> list[tuple[str, Path, dict]]:
    """The real MagNET slice-width image, copies resampled to 384² and 512², and synthetic objects of known truth."""
    from huren.synth.mr import SliceWidthTruth, resample_image, slice_width_truth, write_slice_width

    out = []
    real = DATA.parent / "magnet" / "slicewidth" / "SLICEWIDTH" / "ANNUALQA.MR.HEAD_GENERAL.tra.slice_width.IMA"
    if real.exists():
        for m in (256, 384, 512):
            d = folder / f"real-{m}"
            d.mkdir()
            if m == 256:
                (d / real.name).write_bytes(real.read_bytes())
            else:
                resample_image(real, d / f"sw{m}.dcm", m, order=3)
            # hazen's own reference for the 256² image (its MATLAB original); no truth for a real image
            out.append((d.name, d, {"slice width|": 5.48 if m == 256 else None}))
    cases = []
    for m, fov, snr, angle, tilt in ((256, 256.0, 50.0, 0.0, 0.0), (256, 256.0, 20.0, 3.0, 1.5), (384, 270.0, 50.0, -2.0, -1.0),
                                     (512, 256.0, 50.0, 0.0, 0.0), (512, 250.0, 20.0, 3.0, 1.5), (512, 250.0, 100.0, -4.0, 2.0)):
        cases.append((f"syn-{m}-snr{snr:.0f}-rot{angle:+.0f}-tilt{tilt:+.1f}",
                      SliceWidthTruth(matrix=m, fov_mm=fov, sigma=800.0 / snr, angle_deg=angle, tilt_deg=tilt)))
    # like the held-out 512² image: a rounded profile, strong one-sided shading, large values, gradients off by ±0.5 %
    cases.append(("syn-512-like-held-out", SliceWidthTruth(
        matrix=512, fov_mm=256.0, signal=6000.0, sigma=60.0, profile="gauss", shading=0.5, shading_slope_per_mm=0.002,
        scale=(1.006, 0.996), angle_deg=-0.5, tilt_deg=-1.0, offset_mm=(2.0, 4.0))))
    for k, (name, t) in enumerate(cases):
        tr = slice_width_truth(t)
        d = folder / name
        write_slice_width(d / "sw.dcm", t, seed=k)
        out.append((d.name, d, {"slice width|": tr["slice_width_mm"], "distortion|Horizontal": tr["distortion_h_percent"],
                                "distortion|Vertical": tr["distortion_v_percent"]}))
    return out


SW_PAIRS = [("slice width mm", "slice width|"), ("distortion H %", "distortion|Horizontal"), ("distortion V %", "distortion|Vertical")]


def run_slice_width(repeat: int) -> None:
    with tempfile.TemporaryDirectory(prefix="huren-bench-sw-") as tmp:
        cases = slice_width_cases(Path(tmp))
        print(f"\n== MagNET slice-width object: {len(cases)} images (real 256², resampled 384²/512², synthetic); "
              "huren without --phantom")
        print(f"{'case':34s} {'measure':16s} {'truth':>7s} {'hazen':>8s} {'huren':>8s} {'huren−hazen':>12s}")
        tot = {"hazen": [0.0, 0, 0], "huren": [0.0, 0, 0]}
        for name, d, truth in cases:
            best = _best_of(d, "-sw", repeat, tot)
            for label, k in SW_PAIRS:
                hv, uv = best["hazen"]["values"].get(k), best["huren"]["values"].get(k)
                dv = uv - hv if isinstance(hv, (int, float)) and isinstance(uv, (int, float)) else None
                print(f"{name:34s} {label:16s} {_fmt(truth.get(k)):>7s} {_fmt(hv):>8s} {_fmt(uv):>8s} {_fmt(dv):>12s}")
            herr = [v for v in best["hazen"]["values"].values() if isinstance(v, str)]
            if herr:
                print(f"{name:34s} hazen: {'; '.join(h[:90] for h in herr)}")
            if best["huren"]["values"].get("phantom") != "magnet-slice-width":
                print(f"{name:34s} huren did not recognise the object: {best['huren'].get('errors')}")
        for side, (sec, ims, tests) in tot.items():
            print(f"slice width, {side}: {ims} images, {tests} slice widths measured, {sec:.2f} s (best of {repeat} per image)")


HAZEN_PYTHON: str | None = None  # set by main(): the interpreter that runs hazen's children


def hazen_python(given: str | None) -> str | None:
    """The Python that has hazen: ``--hazen-python``, ``$HUREN_HAZEN_PYTHON``, a peers venv, or this
    interpreter if it has hazen itself; None when none has it (found, not imported: importing
    hazenlib writes a log file into the working folder)."""
    root = Path(__file__).resolve().parents[1]
    cands = [given, os.environ.get("HUREN_HAZEN_PYTHON"), "/work/peers/hazen/bin/python",
             str(root.parent / f"{root.name}-peers" / "bin" / "python"), str(root.parent / "mr-real-peers" / "bin" / "python"),
             sys.executable]
    for c in cands:
        if c and Path(c).exists():
            p = subprocess.run([c, "-c", "import importlib.util, sys; sys.exit(importlib.util.find_spec('hazenlib') is None)"],
                               capture_output=True, text=True, cwd=tempfile.gettempdir(),
                               env={k: v for k, v in os.environ.items() if k != "PYTHONPATH"})
            if p.returncode == 0:
                return c
    return None


def run_child(side: str, folder: Path, second: Path | None) -> dict:
    python = HAZEN_PYTHON if side.startswith("hazen") and HAZEN_PYTHON else sys.executable
    cmd = [python, str(Path(__file__).resolve()), "--child", side, "--folder", str(folder)]
    if second:
        cmd += ["--second", str(second)]
    env = dict(os.environ)
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1] / "src") + os.pathsep + env.get("PYTHONPATH", "")
    # hazen writes a log file into the working folder: keep it out of the worktree
    out = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False, cwd=tempfile.gettempdir())
    lines = [ln for ln in out.stdout.splitlines() if ln.startswith("{")]
    if out.returncode != 0 or not lines:
        raise RuntimeError(f"{side} on {folder.name} failed:\n{out.stderr[-2000:]}")
    return json.loads(lines[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--repeat", type=int, default=3, help="runs per side and set; the fastest counts")
    ap.add_argument("--child", choices=["hazen", "huren", "hazen-flood", "huren-flood", "hazen-sw", "huren-sw"])
    ap.add_argument("--floods", action=argparse.BooleanOptionalAction, default=True,
                    help="also compare the synthetic coronal/sagittal/axial floods (SNR, uniformity vs truth)")
    ap.add_argument("--slice-width", action=argparse.BooleanOptionalAction, default=True,
                    help="also compare the MagNET slice-width object (real 256², resampled 384²/512², synthetic)")
    ap.add_argument("--only-slice-width", action="store_true", help="run the slice-width part alone (one run per image)")
    ap.add_argument("--hazen-python", help="a Python whose environment has hazen (default: see hazen_python)")
    ap.add_argument("--folder")
    ap.add_argument("--second")
    a = ap.parse_args(argv)
    if a.child:
        if a.child.endswith("-sw"):
            fn = child_hazen_sw if a.child == "hazen-sw" else child_huren_sw
            print(json.dumps(fn(Path(a.folder)), default=str))
            return 0
        if a.child.endswith("-flood"):
            fn = child_hazen_flood if a.child == "hazen-flood" else child_huren_flood
            print(json.dumps(fn(Path(a.folder)), default=str))
            return 0
        fn = child_hazen if a.child == "hazen" else child_huren
        print(json.dumps(fn(Path(a.folder), Path(a.second) if a.second else None), default=str))
        return 0
    global HAZEN_PYTHON
    HAZEN_PYTHON = hazen_python(a.hazen_python)
    if HAZEN_PYTHON is None:
        print("no Python with hazen found (--hazen-python, $HUREN_HAZEN_PYTHON, /work/peers/hazen; "
              "pip install hazen in a separate venv); nothing to compare")
        return 1
    print(f"hazen runs in {HAZEN_PYTHON}, huren in {sys.executable}")
    if a.only_slice_width:
        run_slice_width(1)
        return 0
    tot = {"hazen": 0.0, "huren": 0.0}
    peak = {"hazen": 0.0, "huren": 0.0}
    counts = {"hazen": [0, 0], "huren": [0, 0]}
    for name in [n for n in a.sets.split(",") if n]:
        folder = DATA / name
        second = DATA / REPEAT[name] if name in REPEAT else None
        runs = {side: [run_child(side, folder, second) for _ in range(a.repeat)] for side in ("hazen", "huren")}
        best = {side: min(rs, key=lambda r: r["seconds"]) for side, rs in runs.items()}
        h, u = best["hazen"], best["huren"]
        print(f"\n== {name}" + (f" (+ {second.name} for subtraction SNR)" if second else ""))
        # "huren/hazen-way": our re-implementation of hazen's method on the same images
        print(f"{'measure':34s} {'hazen':>10s} {'huren':>10s} {'diff':>8s} {'huren/hazen-way':>16s} {'diff':>8s}")
        for label, hk, uk in PAIRS:
            hv, uv, wv = _hz(h["values"], hk), u["values"].get(uk), u["values"].get(uk + "|hazen-method")
            d = (uv - hv) if isinstance(hv, (int, float)) and isinstance(uv, (int, float)) else None
            dw = (wv - hv) if isinstance(hv, (int, float)) and isinstance(wv, (int, float)) else None
            print(f"{label:34s} {_fmt(hv):>10s} {_fmt(uv):>10s} {_fmt(d):>8s} {_fmt(wv):>16s} {_fmt(dw):>8s}")
        print(f"{'wall time s (best of %d)' % a.repeat:34s} {h['seconds']:10.3f} {u['seconds']:10.3f}  ratio hazen/huren {h['seconds'] / u['seconds']:.2f}")
        print(f"{'peak memory MB (whole process)':34s} {h['peak_mb']:10.1f} {u['peak_mb']:10.1f}  ratio {h['peak_mb'] / u['peak_mb']:.2f}")
        print(f"{'memory for the analysis MB':34s} {h['peak_mb'] - h['import_mb']:10.1f} {u['peak_mb'] - u['import_mb']:10.1f}")
        print(f"{'images / tests analysed':34s} {h['images']:>5d} / {h['tests']:<3d} {u['images']:>5d} / {u['tests']:<3d}")
        for side in tot:
            counts[side][0] += best[side]["images"]
            counts[side][1] += best[side]["tests"]
            tot[side] += best[side]["seconds"]
            peak[side] = max(peak[side], best[side]["peak_mb"])
    if tot["huren"]:
        print(f"\nall sets: hazen {tot['hazen']:.2f} s, huren {tot['huren']:.2f} s, speed ratio {tot['hazen'] / tot['huren']:.2f}×; "
              f"peak memory hazen {peak['hazen']:.0f} MB, huren {peak['huren']:.0f} MB, ratio {peak['hazen'] / peak['huren']:.2f}")
        print(f"analysed: hazen {counts['hazen'][0]} images, {counts['hazen'][1]} tests; "
              f"huren {counts['huren'][0]} images, {counts['huren'][1]} tests")
    if a.floods:
        run_floods(a.repeat)
    if a.slice_width:
        run_slice_width(1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Benchmark: the automatic image-quality checks of clinical studies (huren.iq).

1. A 500-image CT study (synthetic, 512 × 512, written to a temporary folder): wall time of
   ``evaluate_paths`` on the folder, median of ``--repeat`` runs, and how many images' pixel data
   were read; beside it, reading every file in full with ``huren.dicomio.load`` (what a
   header-and-all reading would cost). Target: < 2 s.
2. ``--studies`` (10,000) small studies (4-slice CT 128 × 128 and DR 256 × 256, made in memory with
   fresh UIDs) evaluated one after the other in one run: throughput and memory (tracemalloc's
   current and peak, and the process RSS) every 10 % — bounded when they stay flat.

    PYTHONPATH=src python bench/iq.py [--repeat 5] [--studies 10000] [--keep DIR]

The machine is shared (2 cores, other engineers' tests): figures are noisy; the load average is printed.
"""

from __future__ import annotations

import argparse
import copy
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def big_ct(folder: Path) -> int:
    from huren.synth import clinical

    st = clinical.ct_study(n_slices=500, spacing_mm=1.0, thickness_mm=1.0, base_images=2)
    st.write(folder)
    return len(st.datasets)


def bench_big(folder: Path, repeat: int) -> None:
    from huren.dicomio import load
    from huren.iq import evaluate_paths

    times, ev = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        [ev] = evaluate_paths([folder])
        times.append(time.perf_counter() - t)
    t = time.perf_counter()
    rep = load([folder])
    full = time.perf_counter() - t
    n = len(rep.datasets)
    del rep
    fails = sorted({c.check for c in ev.checks if c.result == "fail"})
    print(f"500-image CT study: evaluate median {statistics.median(times):.3f} s (min {min(times):.3f}, max "
          f"{max(times):.3f}, {repeat} runs); pixel data read for {ev.pixel_images_read} of {ev.images} images; "
          f"failed checks: {fails or 'none'}")
    print(f"  reference: reading all {n} files in full (huren.dicomio.load) {full:.3f} s "
          f"(ratio evaluate/load {statistics.median(times) / full:.2f})")


def small_templates():
    from huren.synth import clinical

    ct = clinical.ct_study(n_slices=4, matrix=128, pixel_mm=2.8, base_images=1).datasets
    dr = clinical.dr_image().datasets
    import numpy as np

    d = dr[0]
    a = d.pixel_array[::2, ::2].copy()  # 280 × 280
    d.Rows, d.Columns = a.shape
    d.ImagerPixelSpacing = [1.6, 1.6]
    d.PixelData = a.astype(np.uint16).tobytes()
    return ct, dr


def fresh(template):
    from pydicom.uid import generate_uid

    study = generate_uid()
    series = {}
    out = []
    for ds in template:
        # shallow: the pixel bytes are shared, and so are the elements — the template takes the new
        # UIDs too, so each copy must be used (evaluated, sent) before the next call
        d = copy.copy(ds)
        d.StudyInstanceUID = study
        d.SeriesInstanceUID = series.setdefault(str(ds.SeriesInstanceUID), generate_uid())
        d.SOPInstanceUID = generate_uid()
        out.append(d)
    return out


def bench_many(n: int) -> None:
    from huren.iq import evaluate_study

    ct, dr = small_templates()
    tracemalloc.start()
    t0 = time.perf_counter()
    base_rss = rss_mb()
    marks = []
    evaluated = 0
    for i in range(1, n + 1):
        ev = evaluate_study(fresh(ct if i % 2 else dr))
        evaluated += ev.evaluated
        del ev
        if i % max(1, n // 10) == 0:
            cur, peak = tracemalloc.get_traced_memory()
            marks.append((i, time.perf_counter() - t0, cur / 2**20, peak / 2**20, rss_mb()))
    tracemalloc.stop()
    print(f"{n} small studies (half CT 4 × 128², half DR 280²): {evaluated} evaluated, "
          f"{n / (time.perf_counter() - t0):.0f} studies/s")
    print("  studies   seconds   traced MiB (current / peak)   RSS MiB")
    for i, s, cur, peak, rss in marks:
        print(f"  {i:7d} {s:9.1f}   {cur:10.2f} / {peak:8.2f}          {rss:8.1f}")
    growth = marks[-1][2] - marks[0][2]
    print(f"  traced memory growth from the first to the last mark: {growth:+.2f} MiB; RSS "
          f"{marks[-1][4] - marks[0][4]:+.1f} MiB (start {base_rss:.0f} MiB)")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--studies", type=int, default=10_000)
    ap.add_argument("--keep", help="write the 500-image study here (and keep it)")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (shared machine: figures are noisy)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(args.keep) if args.keep else Path(tmp) / "ct500"
        folder.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        n = big_ct(folder)
        print(f"wrote {n} CT images in {time.perf_counter() - t:.1f} s")
        bench_big(folder, args.repeat)
    bench_many(args.studies)
    return 0


if __name__ == "__main__":
    sys.exit(main())

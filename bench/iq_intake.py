"""Intake throughput through the real DICOM Storage SCP with the clinical image-quality checks
enabled and disabled (HUREN_IQ_ENABLED), the same synthetic clinical studies each time.

    PYTHONPATH=src python bench/iq_intake.py [--runs 6] [--studies 16] [--ct-slices 40] [--quiet 1]

Each run starts the real background worker (``db_worker`` of django_tasks_db, a separate process,
as ``huren serve`` does) with HUREN_IQ_ENABLED=1 or 0, then sends ``--studies`` clinical studies
(cycling a Siemens-style CT 512² × ``--ct-slices``, a GE-style 5-series MR head, Philips- and
UIH-style DR chests; fresh UIDs for every study sent) with pynetdicom's SCU, one association per
study, one study after the other. With a quiet period of ``--quiet`` seconds
(HUREN_DICOM_SERIES_QUIET_SECONDS), the worker decides each series and — when enabled — evaluates
each study while the next ones are still arriving, so the checks compete with intake for the CPU
and the database as they would on a site. Runs alternate on/off in ABBA order (on, off, off, on, …)
so that a drift in the machine's load falls on both. Printed per run: objects/s (first C-STORE to
last release), the C-STORE times (p50/p99/max), how long after the last object the worker had
decided every series (and evaluated every study), and the evaluations stored for the run's studies;
then the median objects/s with and without the checks and their ratio (goal: with ≥ 90 % of
without). Exit status 1 when an 'on' run left a study unevaluated, an 'off' run evaluated one, or
the worker logged a traceback.

Uses a temporary HUREN_HOME (SQLite unless DATABASE_URL is set). The machine is shared (2 cores):
the load average is printed before and after.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

from dicom_scp import ROOT, setup, start_node  # noqa: E402  (bench/ is on sys.path when run as a script)
from iq import fresh  # noqa: E402

DRAIN_TIMEOUT_S = 120


def templates(ct_slices: int) -> list[tuple[str, list]]:
    """The studies of one run, in sending order (each sent with fresh UIDs)."""
    from huren.synth import clinical

    out = []
    for i, (kind, v) in enumerate((("CT", "Siemens"), ("MR", "GE"), ("DR", "Philips"), ("DR", "UIH"))):
        if kind == "CT":
            st = clinical.ct_study(n_slices=ct_slices, vendor=v, seed=i)
        elif kind == "MR":
            st = clinical.mr_study(body_part="HEAD", vendor=v, n_slices=5, seed=i)
        else:
            st = clinical.dr_image(vendor=v, seed=i)
        out.append((kind, [as_sent(ds) for ds in st.datasets]))
    return out


def as_sent(ds):
    """The dataset as a console's file holds it (read back from its bytes: encoded as its file meta says)."""
    import io

    import pydicom

    from huren.synth.ct import save

    buf = io.BytesIO()
    save(ds, buf)
    buf.seek(0)
    return pydicom.dcmread(buf)


def start_worker(enabled: bool, log: Path, nice: int = 0) -> subprocess.Popen:
    """``db_worker`` in its own process (``nice``: its CPU priority lowered by that much), its log
    (INFO: each task's state) in ``log``."""
    env = dict(os.environ, HUREN_IQ_ENABLED="1" if enabled else "0", HUREN_LOG_LEVEL="INFO",
               PYTHONPATH=os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]))
    with open(log, "wb") as out:
        p = subprocess.Popen([sys.executable, "-m", "django", "db_worker", "--interval", "0.2", "--no-startup-delay",
                              "--no-reload"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
                             preexec_fn=(lambda: os.nice(nice)) if nice else None)
    t0 = time.monotonic()
    while "Starting worker" not in log.read_text("utf-8", "replace"):
        if p.poll() is not None or time.monotonic() - t0 > 60:
            raise RuntimeError("the worker did not start:\n" + log.read_text("utf-8", "replace")[-2000:])
        time.sleep(0.1)
    return p


def stop_worker(p: subprocess.Popen) -> tuple[float, float]:
    """Stop the worker (it finishes its task); the CPU seconds it used (user + system) and its
    peak resident memory (MiB)."""
    try:
        os.kill(p.pid, signal.SIGTERM)  # not Popen.send_signal: its poll() would reap the process first
    except ProcessLookupError:
        pass
    deadline = time.monotonic() + 30
    while True:
        try:
            pid, _, usage = os.wait4(p.pid, os.WNOHANG)
        except ChildProcessError:  # already reaped
            return float("nan"), float("nan")
        if pid:
            p.returncode = 0  # reaped here, for its resource usage
            return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024
        if time.monotonic() > deadline:
            p.kill()
        time.sleep(0.05)


def drained(uids: list[str], enabled: bool) -> bool:
    from huren.dicomnode.models import DicomSeries
    from huren.imagequality.models import Evaluation

    undecided = DicomSeries.objects.filter(study_instance_uid__in=uids, status=DicomSeries.Status.RECEIVING).exists()
    if undecided or not enabled:
        return not undecided
    done = Evaluation.objects.filter(study__study_instance_uid__in=uids, status=Evaluation.Status.DONE)
    return done.values("study").distinct().count() == len(uids)


def one_run(port: int, studies: list[tuple[str, list]], n: int, enabled: bool, log: Path, nice: int = 0) -> dict:
    from django.conf import settings

    from huren.imagequality.models import Evaluation
    from huren.synth.scu import associate, contexts_for, send_all

    settings.HUREN_IQ_ENABLED = enabled  # the node's own process (the worker has it from its environment)
    uids: list[str] = []
    worker = start_worker(enabled, log, nice)
    try:
        objects, took = 0, []
        t0 = time.perf_counter()
        for i in range(n):  # one association per study, as a console sends
            # fresh UIDs (shallow copies sharing the pixel bytes, made as each study is sent)
            datasets = fresh(studies[i % len(studies)][1])
            uids.append(str(datasets[0].StudyInstanceUID))
            objects += len(datasets)
            assoc = associate(port, contexts_for(datasets), calling="MODALITY", called="BENCH")
            statuses, each = send_all(assoc, datasets)
            assoc.release()
            took += each
            assert set(statuses) == {0}, sorted({hex(s) for s in statuses})
        seconds = time.perf_counter() - t0
        t1 = time.perf_counter()
        while not drained(uids, enabled):
            if time.perf_counter() - t1 > DRAIN_TIMEOUT_S:
                raise RuntimeError("the worker did not finish in time")
            time.sleep(0.2)
        drain = time.perf_counter() - t1
    finally:
        worker_cpu, worker_rss = stop_worker(worker)
    evs = Evaluation.objects.filter(study__study_instance_uid__in=uids)
    done = evs.filter(status=Evaluation.Status.DONE)
    took.sort()
    return dict(enabled=enabled, objects=objects, seconds=seconds, rate=objects / seconds, worst=took[-1],
                worker_cpu=worker_cpu, worker_rss=worker_rss, p50=took[len(took) // 2], p99=took[min(len(took) - 1, int(len(took) * 0.99))], drain=drain,
                studies=len(uids), evaluations=evs.count(), done=done.count(),
                checks=sum(e.checks_passed + e.checks_failed + e.checks_not_evaluable for e in done),
                pixel_images=sum(e.pixel_images_read for e in done),
                tracebacks=log.read_text("utf-8", "replace").count("Traceback"))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=6, help="runs in all, alternating on/off (ABBA); default 6")
    ap.add_argument("--studies", type=int, default=16, help="studies per run (cycling CT, MR, DR, DR); default 16")
    ap.add_argument("--ct-slices", type=int, default=40)
    ap.add_argument("--quiet", type=float, default=1.0, help="HUREN_DICOM_SERIES_QUIET_SECONDS for the run; default 1")
    ap.add_argument("--worker-nice", type=int, default=int(os.environ.get("HUREN_WORKER_NICE", 10)),
                    help="the worker's lower CPU priority (nice +N); default as huren serve runs it (HUREN_WORKER_NICE, 10)")
    args = ap.parse_args()
    os.environ["HUREN_DICOM_SERIES_QUIET_SECONDS"] = str(args.quiet)
    os.environ.setdefault("HUREN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend")
    home = setup("huren-bench-iq-intake-")
    import django

    print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs (shared machine: figures are noisy); "
          f"database {django.db.connection.vendor}; HUREN_HOME {home}")
    t = time.perf_counter()
    studies = templates(args.ct_slices)
    per_run = sum(len(studies[i % len(studies)][1]) for i in range(args.studies))
    print(f"{args.studies} studies per run ({per_run} objects: CT {args.ct_slices} × 512², MR head 5 series × 5 × 256², "
          f"DR 560²), made in {time.perf_counter() - t:.1f} s; quiet period {args.quiet:g} s; worker nice +{args.worker_nice}")
    server, port = start_node()
    order = [(i // 2 + i) % 2 == 0 for i in range(args.runs)]  # on, off, off, on, on, off, …
    rows = []
    try:
        for i, enabled in enumerate(order):
            r = one_run(port, studies, args.studies, enabled, home / f"worker-{i + 1}.log", args.worker_nice)
            rows.append(r)
            print(f"  run {i + 1} checks {'on ' if enabled else 'off'}: {r['objects']} objects in {r['seconds']:.2f} s = "
                  f"{r['rate']:.1f} objects/s; C-STORE p50 {r['p50'] * 1000:.0f} / p99 {r['p99'] * 1000:.0f} / "
                  f"max {r['worst'] * 1000:.0f} ms; worker done {r['drain']:.1f} s after the last object, "
                  f"{r['worker_cpu']:.1f} CPU s, peak RSS {r['worker_rss']:.0f} MiB; "
                  f"evaluations stored {r['done']} done of {r['evaluations']} for {r['studies']} studies "
                  f"({r['checks']} checks, {r['pixel_images']} images' pixels read); worker tracebacks {r['tracebacks']}")
    finally:
        server.shutdown()
    on = [r["rate"] for r in rows if r["enabled"]]
    off = [r["rate"] for r in rows if not r["enabled"]]
    if on and off:
        ratio = statistics.median(on) / statistics.median(off)
        print(f"median objects/s: checks on {statistics.median(on):.1f} ({', '.join(f'{x:.1f}' for x in on)}), "
              f"off {statistics.median(off):.1f} ({', '.join(f'{x:.1f}' for x in off)}); on/off {ratio:.3f} "
              f"({'within' if ratio >= 0.9 else 'NOT within'} 10 %)")
        pairs = [rows[i]["rate"] / rows[i + 1]["rate"] if rows[i]["enabled"] else rows[i + 1]["rate"] / rows[i]["rate"]
                 for i in range(0, len(rows) - 1, 2)]
        print(f"on/off of each adjacent pair: {', '.join(f'{x:.3f}' for x in pairs)} (median {statistics.median(pairs):.3f}); "
              f"worker CPU s per run: on {statistics.median(r['worker_cpu'] for r in rows if r['enabled']):.1f}, "
              f"off {statistics.median(r['worker_cpu'] for r in rows if not r['enabled']):.1f} (medians)")
    ok_on = all(r["done"] == r["studies"] for r in rows if r["enabled"])
    ok_off = all(r["evaluations"] == 0 for r in rows if not r["enabled"])
    print(f"every study of the 'on' runs evaluated: {ok_on}; no evaluation in the 'off' runs: {ok_off}; "
          f"load average {os.getloadavg()[0]:.2f}")
    return 0 if ok_on and ok_off and not any(r["tracebacks"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())

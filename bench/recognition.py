"""Recognition query benchmark: 1,000,000 studies over 300 devices and 5 years in PostgreSQL,
served by ``huren serve`` (granian) on 127.0.0.1, 20 concurrent clients asking by accession number and by
Study Instance UID over HTTP. Prints p50/p99 latency, requests per second and EXPLAIN of the
study lookups (goal: p99 < 50 ms, index scans only).

    createdb -h 127.0.0.1 -U postgres recognition_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recognition_bench python bench/recognition.py [--studies N]

The loader gives each device a qualified decision five years ago, monthly CT numbers of water
on the CT devices (one in ten failing), builds each device's five-year state history with
huren's own builder (``ensure_history``, timed) and COPYs the studies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import os
import random
import statistics
import sys
import time
import urllib.error
import urllib.request

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")
sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "src"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.utils import timezone  # noqa: E402


def load(n_studies: int, n_devices: int, years: int) -> None:
    from rest_framework.authtoken.models import Token

    from huren.accounts.models import Profile
    from huren.assessment.models import Assessment, Decision
    from huren.recognition.models import StateSpan
    from huren.registry.models import Department, Device, Institution
    from huren.studies.models import Study
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    if Study.objects.count() >= n_studies:
        print(f"reusing {Study.objects.count()} studies")
        return
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("TRUNCATE studies_study, recognition_statespan, recognition_statehorizon, recognition_recognitionquery, evidence_measurement CASCADE")
    centre, _ = Institution.objects.get_or_create(name="质控中心 bench", kind="qc_centre")
    User = get_user_model()
    user, _ = User.objects.get_or_create(username="bench", defaults={"is_superuser": True})
    Profile.objects.get_or_create(user=user, defaults={"institution": centre})
    Token.objects.get_or_create(user=user, key="b" * 40)
    today = timezone.localdate()
    start = today - dt.timedelta(days=365 * years)
    devices = []
    for i in range(n_devices):
        h, _ = Institution.objects.get_or_create(name=f"医院{i // 3:03d}", defaults={"parent": centre, "code": f"1401{i // 3:03d}"})
        dept, _ = Department.objects.get_or_create(institution=h, name="放射科")
        mod = ("CT", "DR", "MR")[i % 3]
        dev, _ = Device.objects.get_or_create(manufacturer="M", serial_number=f"B{i:04d}", defaults={
            "department": dept, "name": f"{mod}-{i:03d}", "modality": mod, "model_name": "X",
            "field_strength_t": 1.5 if mod == "MR" else None, "station_name": f"ST{i:04d}"})
        if not dev.decisions.exists():
            decided = timezone.make_aware(dt.datetime.combine(start, dt.time(9)))
            a = Assessment.objects.create(device=dev, catalog_key="taiyuan-trial@2024.1", as_of=decided, snapshot=[],
                                          created_by=user, state="decided", created_at=decided)
            Decision.objects.create(assessment=a, device=dev, outcome="qualified", decided_by=user, decided_at=decided,
                                    valid_from=start, valid_until=today + dt.timedelta(days=365),
                                    catalog_key="taiyuan-trial@2024.1", snapshot=[])
        devices.append(dev)
    # history: five years built by huren's own builder from evidence (monthly CT numbers of
    # water on the CT devices, one in ten failing: a suspension until the next passing test)
    from huren.evidence.models import Measurement
    from huren.recognition import history as H

    rows = []
    for d in devices:
        if d.modality != "CT":
            continue
        for m in range(0, 365 * years, 30):
            day = start + dt.timedelta(days=m + 1)
            x = Measurement(device=d, department_id=d.department_id, recorded_by=user, performed_on=day, item="CT-QC-HU-WATER",
                            metric="ct_number_water", value=9.0 if (m // 30 + d.pk) % 10 == 0 else 1.0, unit="HU",
                            test_type="status")
            x.recorded_at = timezone.make_aware(dt.datetime.combine(day, dt.time(10)))
            rows.append(x)
    Measurement.objects.bulk_create(rows, batch_size=2000)
    print(f"registry: {n_devices} devices, {len(rows)} measurements in {time.perf_counter() - t0:.1f} s")
    t0 = time.perf_counter()
    for d in devices:
        H.ensure_history(d, today)
    n_spans = StateSpan.objects.count()
    print(f"state history of {n_devices} devices over {years} years built by huren (ensure_history): "
          f"{time.perf_counter() - t0:.1f} s, {n_spans} spans")
    t0 = time.perf_counter()
    rng = random.Random(1)
    parts = {"CT": "HEAD", "DR": "CHEST", "MR": "SPINE"}
    now = timezone.now().isoformat()
    batch = 100_000
    with connection.cursor() as c:
        for b0 in range(0, n_studies, batch):
            buf = io.StringIO()
            for k in range(b0, min(n_studies, b0 + batch)):
                d = devices[k % n_devices]
                day = start + dt.timedelta(days=rng.randrange(365 * years))
                buf.write(f"1.2.826.0.1.3680043.10.{k}\tA{k:08d}\t{day}\t{d.modality}\t[]\t{parts[d.modality]}\t\t[]\t\t{d.pk}"
                          f"\t\t\t\t1\t100\t{now}\t{now}\n")
            buf.seek(0)
            with c.cursor.copy("COPY studies_study (study_instance_uid, accession_number, study_date, modality, modalities,"
                               " body_part, study_description, series_descriptions, institution_name, device_id,"
                               " patient_id_key, patient_name_key, patient_sex, series_count, image_count,"
                               " first_received_at, last_received_at) FROM STDIN") as cp:
                cp.write(buf.getvalue())
        c.execute("ANALYZE studies_study")
    print(f"loaded {n_studies} studies by COPY in {time.perf_counter() - t0:.1f} s")


def explain() -> None:
    """EXPLAIN of the statements an answer runs: the joined read of the study by Study UID and
    by accession (``huren.recognition.services``), and the token read (``huren.api.auth``)."""
    from rest_framework.authtoken.models import Token

    from huren.api.auth import _token_read
    from huren.recognition import services as R

    q = R._study_read()
    with connection.cursor() as c:
        for label, sql, param in (
                ("study by Study Instance UID", q.sql("{s}.{study_instance_uid} = %s", 1), "1.2.826.0.1.3680043.10.123456"),
                ("study by accession number", q.sql("{s}.{accession_number} = %s", 2), "A00123456"),
                ("token, user and profile", _token_read(Token).sql("{t}.{key} = %s", 1), "b" * 40)):
            c.execute("EXPLAIN " + sql, [param])
            plan = [row for (row,) in c.fetchall()]
            scans = [line.strip() for line in plan if "Scan" in line]
            print(f"{label}: {len(scans)} scans, sequential scans: {sum('Seq Scan' in x for x in scans)}")
            for line in scans:
                print("   ", line)


def serve(port: int, processes: int, threads: int):
    """``huren serve`` as a site runs it (no DICOM node), in processes of its own: the clients
    must not share the server's GIL."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "src"))
    proc = subprocess.Popen([sys.executable, "-m", "huren.cli", "serve", "--no-dicom", "--host=127.0.0.1", f"--port={port}",
                             f"--processes={processes}", f"--threads={threads}"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v/ping", timeout=1)
        except urllib.error.HTTPError:
            time.sleep(1.0)  # 404: it answers; give the other web processes a moment
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("huren serve did not start")


def _urls(n_studies: int, n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(n):
        k = rng.randrange(n_studies)
        out.append("/api/recognition/?" + (f"accession_number=A{k:08d}" if rng.random() < 0.5
                                           else f"study_instance_uid=1.2.826.0.1.3680043.10.{k}"))
    return out


def _client(args) -> tuple[list[float], float]:
    """One client process: ``threads`` clients, each on its own keep-alive connection, asking
    its share of ``paths``; closed loop (next question when the answer came) or paced (each
    client asks every ``interval`` s, latency counted from when the question was due, so a
    slow answer is not hidden by a late question)."""
    import http.client
    import threading

    port, paths, threads, interval = args
    cpu0 = time.process_time()
    headers = {"Authorization": "Token " + "b" * 40}
    lat: list[float] = []
    lock = threading.Lock()

    def run(mine: list[str], offset: float):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        t_next = time.perf_counter() + offset
        out = []
        for p in mine:
            if interval:
                delay = t_next - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                t0 = t_next
                t_next += interval
            else:
                t0 = time.perf_counter()
            conn.request("GET", p, headers=headers)
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200 and b'"recognised":' in body and b'"items":' in body, body[:200]
            out.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            lat.extend(out)

    ts = [threading.Thread(target=run, args=(paths[i::threads], (interval or 0) * i / threads)) for i in range(threads)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    return lat, time.process_time() - cpu0


def _cpu_seconds() -> dict[int, tuple[str, float]]:
    """CPU time so far of each process of the server and of PostgreSQL (from /proc; Linux)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        group = "server" if ("huren.cli serve" in cmd or "huren_web" in cmd) else "postgres" if cmd.startswith("postgres") else None
        if group:
            out[int(pid)] = (group, (int(fields[11]) + int(fields[12])) / tick)
    return out


def _cpu_used(before: dict, after: dict) -> dict[str, float]:
    """CPU seconds used between two readings, by group (a process that ended in between is
    not counted: PostgreSQL closes a connection that is a minute old, so its figure is a floor)."""
    used = {"server": 0.0, "postgres": 0.0}
    for pid, (group, t) in after.items():
        used[group] += t - before.get(pid, (group, 0.0))[1]
    return used


def measure(port: int, n_studies: int, requests: int, clients: int, rate: float | None, procs: int = 2) -> dict:
    """``clients`` clients over ``procs`` client processes; ``rate`` None: closed loop, else
    the total questions per second (paced)."""
    from multiprocessing import Pool

    paths = _urls(n_studies, requests, 2)
    _client((port, _urls(n_studies, 40, 3), 4, None))  # warm up every server thread's connection
    per = clients // procs
    interval = clients / rate if rate else None
    cpu0, t0 = _cpu_seconds(), time.perf_counter()
    with Pool(procs) as pool:
        parts = pool.map(_client, [(port, paths[k::procs], per, interval) for k in range(procs)])
    wall, cpu1 = time.perf_counter() - t0, _cpu_seconds()
    lat = sorted(x for p, _ in parts for x in p)
    n = len(lat)
    cpu = {k: v / n * 1000 for k, v in _cpu_used(cpu0, cpu1).items()} | {"clients": sum(c for _, c in parts) / n * 1000}
    q = statistics.quantiles(lat, n=100)
    mode = f"paced at {rate:.0f} req/s" if rate else "closed loop"
    out = {"mode": mode, "n": len(lat), "p50": q[49] * 1000, "p99": q[98] * 1000, "rps": len(lat) / wall}
    print(f"  {clients} clients, {mode}: {len(lat)} requests, p50 {out['p50']:.1f} ms, p99 {out['p99']:.1f} ms, "
          f"{out['rps']:.0f} req/s (goal p99 < 50 ms)")
    print(f"    CPU per answer: server {cpu['server']:.2f} ms, PostgreSQL {cpu['postgres']:.2f} ms, "
          f"clients {cpu['clients']:.2f} ms")
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=1_000_000)
    ap.add_argument("--devices", type=int, default=300)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--processes", default="1,2", help="server processes to try, e.g. 1,2")
    ap.add_argument("--threads", type=int, default=2,
                    help="threads per server process (2: one answer is ~1.5 ms of Python, more threads only queue for the GIL)")
    ap.add_argument("--rates", default="50,100", help="paced runs: total questions per second")
    a = ap.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database of your own (createdb recognition_bench)")
    load(a.studies, a.devices, a.years)
    explain()
    connection.close()
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (clients and server on the same machine)")
    for procs in [int(x) for x in a.processes.split(",")]:
        proc = serve(a.port, procs, a.threads)
        try:
            print(f"huren serve --processes {procs} --threads {a.threads}:")
            measure(a.port, a.studies, a.requests, a.clients, None)
            for rate in [float(x) for x in a.rates.split(",") if x]:
                measure(a.port, a.studies, a.requests, a.clients, rate)
        finally:
            os.killpg(proc.pid, 15)
            proc.wait(30)
    print(f"load average at the end {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()

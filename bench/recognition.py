"""Recognition query benchmark: 1,000,000 studies over 300 devices and 5 years in PostgreSQL,
served by waitress on 127.0.0.1, 20 concurrent clients asking by accession number and by
Study Instance UID over HTTP. Prints p50/p99 latency, requests per second and EXPLAIN of the
study lookups (goal: p99 < 50 ms, index scans only).

    createdb -h 127.0.0.1 -U postgres recognition_bench
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/recognition_bench python bench/recognition.py [--studies N]

The loader COPYs studies; each device gets one qualified decision and a state history
computed by huren (``ensure_history``) over the recent days, with the older years filled by
one stored span per device. The machine is shared: figures are noisy.
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
from concurrent.futures import ThreadPoolExecutor

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
    from huren.recognition.models import StateHorizon, StateSpan
    from huren.registry.models import Department, Device, Institution
    from huren.studies.models import Study
    from django.contrib.auth import get_user_model

    call_command("migrate", verbosity=0)
    if Study.objects.count() >= n_studies:
        print(f"reusing {Study.objects.count()} studies")
        return
    t0 = time.perf_counter()
    with connection.cursor() as c:
        c.execute("TRUNCATE studies_study, recognition_statespan, recognition_statehorizon, recognition_recognitionquery CASCADE")
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
    # history: one stored span per device over the years (the bench measures the query, not the builder)
    from huren.assessment.verdicts import current_catalog

    key = current_catalog().key
    StateSpan.objects.bulk_create([StateSpan(device=d, start=start, end=today, state="qualified", recognised=True,
                                             decision=d.decisions.first(), reasons=[["评估合格", "qualified"]])
                                   for d in devices])
    StateHorizon.objects.bulk_create([StateHorizon(device=d, start=start, through=today, catalog_key=key) for d in devices])
    print(f"registry: {n_devices} devices in {time.perf_counter() - t0:.1f} s")
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
    with connection.cursor() as c:
        for sql in ("SELECT * FROM studies_study WHERE study_instance_uid = '1.2.826.0.1.3680043.10.123456'",
                    "SELECT * FROM studies_study WHERE accession_number = 'A00123456' LIMIT 2",
                    "SELECT * FROM recognition_statespan WHERE device_id = 5 AND start <= '2024-01-01' AND \"end\" >= '2024-01-01' LIMIT 1"):
            c.execute("EXPLAIN " + sql)
            print(sql)
            for (row,) in c.fetchall():
                print("   ", row)


def serve(port: int):
    """waitress in a process of its own (the clients' threads must not share its GIL)."""
    import subprocess

    env = dict(os.environ, PYTHONPATH=os.path.join(os.path.dirname(__file__), "..", "src"))
    proc = subprocess.Popen([sys.executable, "-m", "waitress", "--host=127.0.0.1", f"--port={port}", "--threads=8",
                             "huren.site.wsgi:application"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/v/ping", timeout=1)
        except urllib.error.HTTPError:
            return proc  # 404: it answers
        except OSError:
            time.sleep(0.2)
    proc.kill()
    sys.exit("waitress did not start")


def measure(port: int, n_studies: int, requests: int, clients: int) -> None:
    rng = random.Random(2)
    urls = []
    for _ in range(requests):
        k = rng.randrange(n_studies)
        urls.append(f"http://127.0.0.1:{port}/api/recognition/?" + (
            f"accession_number=A{k:08d}" if rng.random() < 0.5 else f"study_instance_uid=1.2.826.0.1.3680043.10.{k}"))
    headers = {"Authorization": "Token " + "b" * 40}

    def one(url):
        t = time.perf_counter()
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as r:
            body = r.read()
            assert r.status == 200 and b'"recognised":' in body and b'"items":' in body, body[:200]
        return time.perf_counter() - t

    for u in urls[:40]:
        one(u)  # warm up
    t0 = time.perf_counter()
    with ThreadPoolExecutor(clients) as ex:
        lat = sorted(ex.map(one, urls))
    wall = time.perf_counter() - t0
    q = statistics.quantiles(lat, n=100)
    print(f"{len(lat)} requests, {clients} clients: p50 {q[49] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, "
          f"{len(lat) / wall:.0f} req/s (goal p99 < 50 ms)")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--studies", type=int, default=1_000_000)
    ap.add_argument("--devices", type=int, default=300)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--requests", type=int, default=2000)
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--port", type=int, default=8765)
    a = ap.parse_args()
    if connection.vendor != "postgresql":
        sys.exit("set DATABASE_URL to a PostgreSQL database of your own (createdb recognition_bench)")
    load(a.studies, a.devices, a.years)
    explain()
    proc = serve(a.port)
    try:
        measure(a.port, a.studies, a.requests, a.clients)
    finally:
        proc.terminate()
        proc.wait(10)


if __name__ == "__main__":
    main()

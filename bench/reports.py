"""Reports: the assessment report PDF, a 5-year trend chart, and the daily digest for 300 devices.

    PYTHONPATH=src python bench/reports.py

A temporary HUREN_HOME (SQLite unless DATABASE_URL is set) is migrated and filled with
synthetic records (bulk inserts, no demo load). Targets (issue 10): the assessment report of
a device with 78 items and a year of evidence < 3 s; a chart of 5 years of daily values
< 300 ms; the daily digest for 300 devices < 30 s. The catalog's 78 items span three
modalities (a device has at most 28), so the 78-item case is an assessment whose snapshot
holds the verdicts of a CT, a DR and an MR device of one department, each with a year of
daily logs and a measurement of every measured metric every month.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import tempfile
import time

os.environ.setdefault("HUREN_HOME", tempfile.mkdtemp(prefix="huren-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402




def ms(f, repeat=3):
    """(median wall ms, median CPU ms of this process, result)."""
    times, cpu = [], []
    out = None
    for _ in range(repeat):
        t, c = time.perf_counter(), time.process_time()
        out = f()
        times.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return statistics.median(times), statistics.median(cpu), out


def world():
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from huren.accounts.models import Profile
    from huren.accounts.roles import EVALUATOR, HOSPITAL_MANAGER, QC_ADMIN, ensure_groups
    from huren.registry.models import Department, Device, Institution

    ensure_groups()
    User = get_user_model()
    centre = Institution.objects.create(name="质控中心（基准）", kind=Institution.Kind.QC_CENTRE)

    def user(name, role, inst):
        u = User.objects.create_user(username=name, email=f"{name}@bench.example")
        u.groups.add(Group.objects.get(name=role))
        Profile.objects.create(user=u, institution=inst, display_name=name)
        return u

    qc, ev = user("qc", QC_ADMIN, centre), user("ev", EVALUATOR, centre)
    return centre, qc, ev, User, Department, Device, Institution, user, HOSPITAL_MANAGER


def year_of_evidence(device, user, days: int, start: dt.date):
    from huren.assessment.verdicts import current_catalog
    from huren.evidence.models import DailyLog, Measurement

    logs = [DailyLog(device=device, department_id=device.department_id, recorded_by=user, performed_on=start + dt.timedelta(days=k),
                     temperature_c=22 + (k % 7) * 0.2, humidity_percent=50, helium_level_percent=80 - k * 0.01 if device.modality == "MR" else None,
                     chiller_water_temperature_c=15 + (k % 5) * 0.1 if device.modality == "MR" else None,
                     warm_up_done=True, startup_check_done=True, status_ok=True)
            for k in range(days)]
    DailyLog.objects.bulk_create(logs, batch_size=1000)
    rows = []
    for item in current_catalog().for_modality(device.modality):
        if not ({"measure", "image"} & set(item.kinds)):
            continue
        for c in item.criteria:
            if c.kind not in ("range", "deviation", "ratio"):
                continue
            value = c.nominal if c.nominal is not None else (c.min if c.min is not None else (c.max or 1.0))
            for mth in range(0, days, 30):
                rows.append(Measurement(device=device, department_id=device.department_id, recorded_by=user,
                                        performed_on=start + dt.timedelta(days=mth), item=item.id, metric=c.metric,
                                        value=float(value), unit=c.unit, test_type=c.test_type or "", baseline=float(value)))
    Measurement.objects.bulk_create(rows, batch_size=1000)
    return len(logs), len(rows)


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (shared machine: wall "
          f"times are inflated, CPU times of this process are the steadier figure)")
    centre, qc, ev, User, Department, Device, Institution, user, HM = world()
    today = timezone.localdate()
    from huren.assessment import workflow
    from huren.assessment.models import Assessment
    from huren.reports.documents import assessment_pdf

    # --- 1. assessment report: 78 items, a year of evidence
    h = Institution.objects.create(name="基准医院", kind=Institution.Kind.HOSPITAL, parent=centre)
    dep = Department.objects.create(institution=h, name="放射科")
    mgr = user("mgr0", HM, h)
    devs = {m: Device.objects.create(department=dep, name=f"{m}-1", modality=m, manufacturer="X", model_name="Y",
                                     serial_number=f"{m}-SN", field_strength_t=3.0 if m == "MR" else None) for m in ("CT", "DR", "MR")}
    n_logs = n_meas = 0
    for d in devs.values():
        a, b = year_of_evidence(d, mgr, 365, today - dt.timedelta(days=364))
        n_logs, n_meas = n_logs + a, n_meas + b
    t = time.perf_counter()
    snaps = [workflow.create(d, qc) for d in devs.values()]
    t_snap = (time.perf_counter() - t) * 1000
    big = Assessment.objects.create(device=devs["CT"], catalog_key=snaps[0].catalog_key, snapshot=sum((s.snapshot for s in snaps), []),
                                    created_by=qc)
    t = time.perf_counter()
    assessment_pdf(big)  # the first PDF of a process also loads WeasyPrint and the fonts
    t_first = (time.perf_counter() - t) * 1000
    med, best, pdf = ms(lambda: assessment_pdf(big))
    print(f"assessment report: {len(big.snapshot)} items, {n_logs} daily logs + {n_meas} measurements over a year: "
          f"PDF {len(pdf) / 1024:.0f} KiB in {med:.0f} ms wall, {best:.0f} ms CPU (medians of 3; target < 3000 ms); "
          f"the first of the process {t_first:.0f} ms; verdict snapshots of the three devices {t_snap:.0f} ms")
    med_ct, cpu_ct, _ = ms(lambda: assessment_pdf(snaps[0]))
    print(f"  one CT device's report ({len(snaps[0].snapshot)} items): {med_ct:.0f} ms wall, {cpu_ct:.0f} ms CPU")

    # --- 2. a chart of 5 years of daily values
    from django.test import Client

    from huren.reports.charts import device_charts
    from huren.reports.svgchart import render_svg

    mr5 = Device.objects.create(department=dep, name="MR-5y", modality="MR", manufacturer="X", model_name="Y", serial_number="MR5")
    year_of_evidence(mr5, mgr, 5 * 365 + 1, today - dt.timedelta(days=5 * 365))
    med, best, svg = ms(lambda: render_svg(device_charts(mr5, only="log:helium_level")[0]), repeat=5)
    print(f"one chart of 5 years of daily values (1826 points, helium level): {med:.0f} ms wall, {best:.0f} ms CPU (medians of 5; "
          f"target < 300 ms), SVG {len(svg) / 1024:.0f} KiB")
    c = Client()
    c.force_login(mgr)
    url = f"/reports/devices/{mr5.pk}/charts/"
    med, best, r = ms(lambda: c.get(url), repeat=3)
    n_charts = r.content.decode().count("<svg")
    print(f"  the whole chart page of that device ({n_charts} charts, every numeric metric, 5 years): {med:.0f} ms wall, {best:.0f} ms CPU "
          f"(status {r.status_code})")

    # --- 3. the daily digest for 300 devices
    from huren.registry.models import Device as D
    from huren.reports.digest import run_digest

    D.objects.filter(pk__in=[d.pk for d in devs.values()] + [mr5.pk]).update(active=False)
    mods = ("CT", "DR", "MR")
    for k in range(30):
        hk = Institution.objects.create(name=f"医院{k:02d}", kind=Institution.Kind.HOSPITAL, parent=centre)
        dk = Department.objects.create(institution=hk, name="放射科")
        mk = user(f"mgr{k + 1}", HM, hk)
        for j in range(10):
            d = D.objects.create(department=dk, name=f"{mods[j % 3]}-{k}-{j}", modality=mods[j % 3], manufacturer="X",
                                 model_name="Y", serial_number=f"S{k}-{j}")
            year_of_evidence(d, mk, 40, today - dt.timedelta(days=41))  # the last 40 days, not yesterday
    from django.core.cache import cache

    cache.clear()
    t, c = time.perf_counter(), time.process_time()
    res = run_digest()
    t_digest, c_digest = time.perf_counter() - t, time.process_time() - c
    print(f"daily digest: {res.devices} devices, {res.reminders} reminders, {res.emails} e-mails, "
          f"{res.notifications} notifications in {t_digest:.1f} s wall, {c_digest:.1f} s CPU (cold cache; target < 30 s)")
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")


if __name__ == "__main__":
    main()

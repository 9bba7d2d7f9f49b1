"""The pictures with the ROIs of a series page: what drawing them costs (once per run, in the
worker) and what the page costs with them (Django test client, no network).

    HUREN_SHARED=/work/shared PYTHONPATH=src python bench/series_pictures.py [repeats]

Real phantom series (CTP404, the CT water/wire constancy set, ACR MR from GE) are stored
through the upload path under a demo device and analysed; for each: the analysis, the drawing
of its pictures, their number and weight, and the series page (first request and median of
the rest, with the pictures kept; and the page when they must be drawn first).
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

R = int(sys.argv[1]) if len(sys.argv) > 1 else 5
os.environ.setdefault("HUREN_HOME", tempfile.mkdtemp(prefix="huren-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")
os.environ.setdefault("HUREN_TASKS_BACKEND", "django.tasks.backends.immediate.ImmediateBackend")
SHARED = Path(os.environ.get("HUREN_SHARED", Path(__file__).resolve().parents[2] / "shared"))

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402

SETS = {"CT": ["ct/CTP404_FOV150", "ct/Constancy13img"], "MR": ["mr/acr/GE"]}


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 0
    call_command("migrate", verbosity=0)
    call_command("huren_demo", stdout=open(os.devnull, "w"))
    from huren.dicomnode import pictures
    from huren.dicomnode.analysis import run_analysis
    from huren.dicomnode.models import AnalysisRun, DicomSeries
    from huren.dicomnode.storage import store_upload
    from huren.dicomnode.tasks import request_analysis
    from huren.registry.models import Device

    user = get_user_model().objects.get(username="evaluator")
    c = Client()
    c.force_login(user)
    for modality, folders in SETS.items():
        device = Device.objects.filter(modality=modality).order_by("pk").first()
        for folder in folders:
            before = set(DicomSeries.objects.values_list("pk", flat=True))
            for p in sorted((SHARED / "data" / "phantoms" / folder).glob("*.dcm")):
                store_upload(SimpleUploadedFile(p.name, p.read_bytes()), user=user, device=device)
            for series in DicomSeries.objects.exclude(pk__in=before):
                run = series.runs.first() or request_analysis(series, user=user)
                if run.status == AnalysisRun.Status.QUEUED:
                    run_analysis(run.pk)
                run.refresh_from_db()
                if not pictures.drawable(run):
                    continue
                t = time.perf_counter()
                data = pictures.draw(run)  # what the worker does after the analysis
                drawn = time.perf_counter() - t
                files = [pictures.folder(run) / n for n in data["pictures"]]
                t = time.perf_counter()
                previews = [pictures.preview_path(run, n) for n in data["pictures"]]  # what the page's images load
                t_prev = time.perf_counter() - t
                prev_kb = sum(f.stat().st_size for f in previews if f) / 1024
                url = reverse("web:dicom_series", args=[series.pk])
                times = []
                for _ in range(R):
                    t = time.perf_counter()
                    r = c.get(url)
                    times.append(time.perf_counter() - t)
                shutil.rmtree(pictures.folder(run))
                t = time.perf_counter()
                c.get(url)  # missing: drawn within this request (the immediate backend)
                lazy = time.perf_counter() - t
                print(f"{folder:<20} {run.measurement_count:3d} figures  {len(files):2d} pictures "
                      f"({sum(f.stat().st_size for f in files) / 1024:6.0f} kB; previews {prev_kb:5.0f} kB, made in {t_prev:4.2f} s)  "
                      f"drawn in {drawn:5.2f} s  "
                      f"page first {times[0] * 1000:6.1f} ms, then {statistics.median(times[1:] or times) * 1000:6.1f} ms, "
                      f"{len(r.content) / 1024:5.1f} kB; page that draws them {lazy:5.2f} s")


if __name__ == "__main__":
    main()

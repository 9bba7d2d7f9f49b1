"""Server-side time of every web page on the demo data (Django test client, no network).

    PYTHONPATH=src python bench/web_pages.py [repeats]

A temporary HUREN_HOME (SQLite unless DATABASE_URL is set) is migrated and filled with
``huren_demo``; each page is rendered ``repeats`` times and the median is printed.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time

R = int(sys.argv[1]) if len(sys.argv) > 1 else 5
os.environ.setdefault("HUREN_HOME", tempfile.mkdtemp(prefix="huren-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def timed(client, url) -> tuple[float, float, int, int]:
    """(first request, median of the rest) in ms, the status and the page's weight in bytes; the
    first is cold (no cached rows)."""
    times, status, size = [], 0, 0
    for _ in range(R):
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        status, size = r.status_code, len(r.content)
    return times[0] * 1000, statistics.median(times[1:] or times) * 1000, status, size


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    t = time.perf_counter()
    call_command("huren_demo", stdout=open(os.devnull, "w"))
    print(f"demo data loaded in {time.perf_counter() - t:.1f} s ({settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]})")
    from huren.assessment.models import Assessment
    from huren.registry.models import Device

    User = get_user_model()
    for username in ("a_tech", "evaluator"):
        c = Client()
        c.force_login(User.objects.get(username=username))
        devices = list(Device.objects.for_user(User.objects.get(username=username)).order_by("pk")[:3])
        urls = [reverse("web:home"), reverse("web:assessment_list"), reverse("web:dicom_list")]
        if username == "evaluator":
            urls.append(reverse("web:qc_overview"))
        for d in devices:
            urls += [reverse("web:device", args=[d.pk]), reverse("web:device_history", args=[d.pk]),
                     reverse("web:record_log", args=[d.pk])]
        a = Assessment.objects.first()
        if a is not None and username == "evaluator":
            urls.append(reverse("web:assessment", args=[a.pk]))
        for url in urls:
            cold, warm, status, size = timed(c, url)
            print(f"  {username:<10} {url:<28} {status}  first {cold:7.1f} ms   then {warm:7.1f} ms  {size:8d} bytes")


if __name__ == "__main__":
    main()

"""Platform timings on a fresh database: demo load, verdicts per device, API calls.

    HUREN_HOME=$(mktemp -d) PYTHONPATH=src python bench/platform_timings.py [--pg postgres://…]

Targets: demo < 10 s on SQLite; verdicts of one device < 100 ms; API list < 200 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time


def main() -> int:
    if "--pg" in sys.argv:
        os.environ["DATABASE_URL"] = sys.argv[sys.argv.index("--pg") + 1]
    os.environ.setdefault("HUREN_HOME", tempfile.mkdtemp(prefix="huren-bench-"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)
    from huren.assessment import demo

    if not demo.is_empty():
        print("database not empty; use a fresh HUREN_HOME or database")
        return 2
    t0 = time.perf_counter()
    demo.load()
    print(f"demo load: {time.perf_counter() - t0:.2f} s (target < 10 s)")

    from huren.assessment.status import device_status
    from huren.assessment.verdicts import device_verdicts
    from huren.registry.models import Device

    times = []
    for d in Device.objects.all():
        t0 = time.perf_counter()
        device_verdicts(d)
        device_status(d)
        times.append(time.perf_counter() - t0)
    print(f"verdicts + status per device: median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms over {len(times)} devices (target < 100 ms)")

    from django.contrib.auth import get_user_model
    from rest_framework.test import APIClient

    c = APIClient()
    c.force_authenticate(get_user_model().objects.get(username="a_tech"))
    for url in ("/api/devices/", "/api/logs/", "/api/audit/", "/api/devices/1/verdicts/", "/api/devices/1/status/"):
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            assert c.get(url).status_code == 200
            ts.append(time.perf_counter() - t0)
        print(f"GET {url:<28} median {statistics.median(ts) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The evaluator's review of a whole assessment: page time and weight, and the time to review
every item, on the demo data (Django test client, no network).

    PYTHONPATH=src python bench/assessment_review.py [repeats]

Two submitted assessments are reviewed: a demo CT device's own (its modality's items) and
one whose snapshot holds every item of the catalog (78), the longest page there can be.
For each: the page (first request, then the median of the rest) and its weight, the number
of SQL queries (before and after every item is reviewed), and the time to record one review per item — by the sheet (one POST
overriding a third of the items with a reason and accepting the rest) where the page has it,
else by one POST per item.
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
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.urls import reverse  # noqa: E402


def page(client, url) -> tuple[float, float, int, int, int]:
    times, size, status = [], 0, 0
    for _ in range(R):
        t = time.perf_counter()
        r = client.get(url)
        times.append(time.perf_counter() - t)
        size, status = len(r.content), r.status_code
    with CaptureQueriesContext(connection) as q:
        client.get(url)
    return times[0] * 1000, statistics.median(times[1:] or times) * 1000, size, len(q.captured_queries), status


def review_all(client, a) -> tuple[float, int]:
    """Review every item; (seconds, POSTs). A third overridden to 'fail' with a reason."""
    from huren.assessment import workflow

    final = workflow.final_verdicts(a)
    url = reverse("web:assessment_review", args=[a.pk])
    sheet = "verdict-" + final[0]["item"] in client.get(reverse("web:assessment", args=[a.pk])).content.decode()
    t = time.perf_counter()
    if sheet:
        data = {"accept_rest": "on"}
        for k, e in enumerate(final):
            data[f"verdict-{e['item']}"] = "fail" if k % 3 == 0 and e["verdict"] != "fail" else e["verdict"]
            data[f"reason-{e['item']}"] = "现场复核" if k % 3 == 0 else ""
        r = client.post(url, data)
        assert r.status_code == 302, r.status_code
        n = 1
    else:
        n = 0
        for k, e in enumerate(final):
            over = k % 3 == 0 and e["verdict"] != "fail"
            client.post(url, {"item": e["item"], "verdict": "fail" if over else e["verdict"], "reason": "现场复核" if over else ""})
            n += 1
    dt = time.perf_counter() - t
    assert a.reviews.values("item").distinct().count() == len(final)
    return dt, n


def main() -> None:
    setup_test_environment()
    settings.ALLOWED_HOSTS = ["testserver"]
    call_command("migrate", verbosity=0)
    call_command("huren_demo", stdout=open(os.devnull, "w"))
    from huren.assessment import workflow
    from huren.assessment.verdicts import current_catalog, gather, judge_item
    from huren.registry.models import Device

    User = get_user_model()
    ev, qc = User.objects.get(username="evaluator"), User.objects.get(username="qcadmin")
    device = Device.objects.filter(modality="CT").order_by("pk").first()
    own = workflow.submit(workflow.create(device, qc), qc)
    every = workflow.submit(workflow.create(device, qc), qc)
    catalog = current_catalog()
    evidence = gather(device, own.as_of.date())
    # a submitted assessment is archived: its snapshot is set in the table directly
    type(every).objects.filter(pk=every.pk).update(snapshot=[judge_item(i, evidence).to_dict() for i in catalog.items.values()])
    every.refresh_from_db()
    c = Client()
    c.force_login(ev)
    for a in (own, every):
        url = reverse("web:assessment", args=[a.pk])
        cold, warm, size, queries, status = page(c, url)
        secs, posts = review_all(c, a)
        _, reviewed, _, q_reviewed, _ = page(c, url)
        print(f"{len(a.snapshot):3d} items  {status}  first {cold:6.1f} ms  then {warm:6.1f} ms  {size:7d} bytes  "
              f"{queries:3d} queries  review of every item: {secs * 1000:7.1f} ms in {posts} POST(s); "
              f"then the page {reviewed:6.1f} ms, {q_reviewed} queries")


if __name__ == "__main__":
    main()

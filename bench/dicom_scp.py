"""Throughput of the DICOM Storage SCP: N objects over one association, each written and
fsync'ed and recorded before it is acknowledged.

    PYTHONPATH=src python bench/dicom_scp.py [N] [--series K]

Uses a temporary HUREN_HOME (SQLite unless DATABASE_URL is set) and the real CT phantom
file from ../shared/data/phantoms (HUREN_SHARED), re-identified per object (new SOP/series UIDs).
:func:`setup` and :func:`start_node` are the pieces other intake benches reuse (bench/iq_intake.py).
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CT = Path(os.environ.get("HUREN_SHARED", ROOT.parent / "shared")) / "data/phantoms/ct/CTP404_FOV150/CTP404_FOV150_001.dcm"


def setup(prefix: str = "huren-bench-") -> Path:
    """Django on a temporary HUREN_HOME (unless one is set), migrated; returns HUREN_HOME."""
    os.environ.setdefault("HUREN_HOME", tempfile.mkdtemp(prefix=prefix))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    return Path(os.environ["HUREN_HOME"])


def start_node(ae_title: str = "BENCH"):
    """The real Storage SCP on a free loopback port, in this process's threads: (server, port)."""
    from huren.dicomnode import scp

    server = scp.start("127.0.0.1", 0, ae_title)
    return server, server.server_address[1]


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200
    k = int(sys.argv[sys.argv.index("--series") + 1]) if "--series" in sys.argv else 4
    home = setup()
    import django
    import pydicom
    from pydicom.uid import generate_uid

    from huren.dicomnode.models import DicomObject
    from huren.synth.scu import associate, contexts_for, send_all

    base = pydicom.dcmread(CT)
    series = [generate_uid() for _ in range(k)]
    datasets = []
    for i in range(n):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = generate_uid()
        ds.SeriesInstanceUID = series[i % k]
        ds.InstanceNumber = i + 1
        datasets.append(ds)
    size = len(CT.read_bytes())
    server, port = start_node()
    assoc = associate(port, contexts_for(datasets[:1]), calling="BENCHSCU", called="BENCH")
    t0 = time.perf_counter()
    statuses, took = send_all(assoc, datasets)
    dt, worst = time.perf_counter() - t0, max(took)
    assert set(statuses) == {0}, sorted({hex(s) for s in statuses})
    assoc.release()
    server.shutdown()
    stored = DicomObject.objects.filter(status="stored").count()
    on_disk = sum(1 for p in Path(home, "dicom").rglob("*.dcm"))
    db = django.db.connection.vendor
    print(f"{n} CT objects ({size / 1024:.0f} KiB each) in {k} series over one association, {db}: "
          f"{dt:.2f} s = {n / dt:.0f} objects/s, {n * size / dt / 1e6:.1f} MB/s; slowest C-STORE {worst * 1000:.0f} ms; "
          f"stored and recorded: {stored}, files on disk: {on_disk}")


if __name__ == "__main__":
    main()

"""Throughput of the DICOM Storage SCP: N objects over one association, each written and
fsync'ed and recorded before it is acknowledged.

    PYTHONPATH=src python bench/dicom_scp.py [N] [--series K]

Uses a temporary HUREN_HOME (SQLite unless DATABASE_URL is set) and the real CT phantom
file from ../shared/data/phantoms, re-identified per object (new SOP/series UIDs).
"""

from __future__ import annotations

import copy
import os
import sys
import tempfile
import time
from pathlib import Path

N = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 200
K = int(sys.argv[sys.argv.index("--series") + 1]) if "--series" in sys.argv else 4
os.environ.setdefault("HUREN_HOME", tempfile.mkdtemp(prefix="huren-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "huren.site.settings")

import django  # noqa: E402

django.setup()

import pydicom  # noqa: E402
from django.core.management import call_command  # noqa: E402
from pydicom.uid import generate_uid  # noqa: E402
from pynetdicom import AE, sop_class  # noqa: E402

from huren.dicomnode import scp  # noqa: E402
from huren.dicomnode.models import DicomObject  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CT = Path(os.environ.get("HUREN_SHARED", ROOT.parent / "shared")) / "data/phantoms/ct/CTP404_FOV150/CTP404_FOV150_001.dcm"


def main() -> None:
    call_command("migrate", verbosity=0)
    base = pydicom.dcmread(CT)
    series = [generate_uid() for _ in range(K)]
    datasets = []
    for i in range(N):
        ds = copy.deepcopy(base)
        ds.SOPInstanceUID = generate_uid()
        ds.SeriesInstanceUID = series[i % K]
        ds.InstanceNumber = i + 1
        datasets.append(ds)
    size = len(CT.read_bytes())
    server = scp.start("127.0.0.1", 0, "BENCH")
    port = server.server_address[1]
    ae = AE(ae_title="BENCHSCU")
    ae.add_requested_context(sop_class.CTImageStorage, [base.file_meta.TransferSyntaxUID])
    assoc = ae.associate("127.0.0.1", port, ae_title="BENCH")
    assert assoc.is_established
    t0 = time.perf_counter()
    worst = 0.0
    for ds in datasets:
        t = time.perf_counter()
        st = assoc.send_c_store(ds)
        worst = max(worst, time.perf_counter() - t)
        assert st.Status == 0, hex(st.Status)
    dt = time.perf_counter() - t0
    assoc.release()
    server.shutdown()
    stored = DicomObject.objects.filter(status="stored").count()
    on_disk = sum(1 for p in Path(os.environ["HUREN_HOME"], "dicom").rglob("*.dcm"))
    db = django.db.connection.vendor
    print(f"{N} CT objects ({size / 1024:.0f} KiB each) in {K} series over one association, {db}: "
          f"{dt:.2f} s = {N / dt:.0f} objects/s, {N * size / dt / 1e6:.1f} MB/s; slowest C-STORE {worst * 1000:.0f} ms; "
          f"stored and recorded: {stored}, files on disk: {on_disk}")


if __name__ == "__main__":
    main()

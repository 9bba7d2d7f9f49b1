"""A Storage SCU (pynetdicom) that plays a modality console: sends datasets to huren's DICOM node
over a real association. For tests and benchmarks; huren itself never sends."""

from __future__ import annotations

import time

from pydicom.uid import UID, ExplicitVRLittleEndian, ImplicitVRLittleEndian
from pynetdicom import AE

TIMEOUT_S = 120  # a loaded machine may be slow to answer: wait as long as a real console would


def contexts_for(datasets) -> list[tuple[str, list[str]]]:
    """One presentation context per (SOP class, transfer syntax) of the datasets: compressed pixel
    data is offered only in its own syntax, so that it is sent as it is; uncompressed data in both
    little-endian syntaxes."""
    out: list[tuple[str, list[str]]] = []
    for ds in datasets:
        meta = getattr(ds, "file_meta", None)
        ts = UID(str(meta.TransferSyntaxUID) if meta is not None and "TransferSyntaxUID" in meta else ExplicitVRLittleEndian)
        cx = (str(ds.SOPClassUID), [ts] if ts.is_compressed else [ExplicitVRLittleEndian, ImplicitVRLittleEndian])
        if cx not in out:
            out.append(cx)
    return out


def associate(port: int, contexts, *, host: str = "127.0.0.1", calling: str = "CT_CONSOLE", called: str = "HUREN_TEST"):
    """An established association to the node; ``contexts``: [(SOP class UID, [transfer syntaxes])]."""
    ae = AE(ae_title=calling)
    ae.acse_timeout = ae.dimse_timeout = ae.network_timeout = TIMEOUT_S
    for sop, syntaxes in contexts:
        ae.add_requested_context(sop, syntaxes)
    assoc = ae.associate(host, port, ae_title=called)
    if not assoc.is_established:
        raise ConnectionError(f"no association with {host}:{port}")
    return assoc


def send_all(assoc, datasets) -> tuple[list[int], list[float]]:
    """C-STORE each dataset; the statuses and the seconds each C-STORE took, in order."""
    statuses, took = [], []
    for ds in datasets:
        t = time.perf_counter()
        st = assoc.send_c_store(ds)
        took.append(time.perf_counter() - t)
        statuses.append(int(st.Status) if st and "Status" in st else -1)
    return statuses, took


def send_study(port: int, datasets, **kw) -> list[int]:
    """Send one study over one association (as a console does), released afterwards."""
    assoc = associate(port, contexts_for(datasets), **kw)
    try:
        return send_all(assoc, datasets)[0]
    finally:
        assoc.release()

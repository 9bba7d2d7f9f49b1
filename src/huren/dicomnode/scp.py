"""The DICOM Storage SCP (pynetdicom): C-ECHO and C-STORE for CT, MR, DX, CR and their
enhanced forms, in every transfer syntax pynetdicom knows (compressed ones included, as
the bytes are stored as received and only decoded later by the analysis).

Each C-STORE is answered only after :func:`huren.dicomnode.storage.store` has the object
on disk (fsync) and recorded; a failure to store answers 0xA700 (out of resources) so
that the sender keeps the object and retries.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import close_old_connections, connections
from pynetdicom import AE, ALL_TRANSFER_SYNTAXES, evt, sop_class
from pynetdicom.transport import ThreadedAssociationServer

from .identify import STORAGE_SOP_CLASSES
from .models import DicomObject
from .storage import StorageError, store

log = logging.getLogger(__name__)

STATUS_SUCCESS = 0x0000
STATUS_OUT_OF_RESOURCES = 0xA700
STATUS_CANNOT_UNDERSTAND = 0xC000


def handle_store(event) -> int:
    """C-STORE: store durably, then answer."""
    close_old_connections()
    calling = event.assoc.requestor.ae_title
    if isinstance(calling, bytes):
        calling = calling.decode("ascii", "replace")
    try:
        raw = event.encoded_dataset()
    except Exception as e:  # pynetdicom could not even frame the dataset
        log.error("C-STORE from %s: cannot encode received dataset: %s", calling, e)
        return STATUS_CANNOT_UNDERSTAND
    try:
        stored = store(raw, source=DicomObject.Source.CSTORE, calling_ae=str(calling).strip())
    except StorageError as e:
        log.error("C-STORE from %s refused: %s", calling, e.reason_en)
        return STATUS_OUT_OF_RESOURCES
    finally:
        close_old_connections()
    if stored.obj.status == DicomObject.Status.INVALID:
        # Kept on disk and listed with the reason, but the sender is told it was not understood.
        return STATUS_CANNOT_UNDERSTAND
    return STATUS_SUCCESS


def handle_echo(event) -> int:
    return STATUS_SUCCESS


def handle_close(event) -> None:
    """An association ended: close this thread's database connections (each association
    runs in its own thread, and a connection left open would outlive it)."""
    connections.close_all()


def build_ae(ae_title: str | None = None) -> AE:
    ae = AE(ae_title=ae_title or settings.HUREN_DICOM_AE_TITLE)
    ae.maximum_pdu_size = 0  # no limit: large CT/MR objects in fewer PDUs
    ae.add_supported_context(sop_class.Verification)
    for name in STORAGE_SOP_CLASSES:
        uid = getattr(sop_class, name, None)
        if uid is not None:
            ae.add_supported_context(uid, ALL_TRANSFER_SYNTAXES)
    ae.require_called_aet = False  # modality consoles are often set up with a generic called AE
    return ae


def start(host: str = "0.0.0.0", port: int | None = None, ae_title: str | None = None) -> ThreadedAssociationServer:
    """Start the SCP in background threads; returns the server (``.shutdown()`` to stop)."""
    ae = build_ae(ae_title)
    port = settings.HUREN_DICOM_PORT if port is None else port
    handlers = [(evt.EVT_C_STORE, handle_store), (evt.EVT_C_ECHO, handle_echo), (evt.EVT_CONN_CLOSE, handle_close)]
    server = ae.start_server((host, port), block=False, evt_handlers=handlers)
    log.info("DICOM Storage SCP %s listening on %s:%s", ae.ae_title, host, server.server_address[1])
    return server

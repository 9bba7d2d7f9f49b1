"""The hostile corpus through C-STORE: each broken object gets a refusal status, what was
readable is stored, and the association and the node stay up (issue 12, broken files)."""

from __future__ import annotations

import sys
from pathlib import Path

import pydicom
import pytest
from pydicom.uid import ExplicitVRLittleEndian
from pynetdicom import AE, _config, sop_class

from huren.dicomnode import scp
from huren.dicomnode.models import DicomObject

sys.path.insert(0, str(Path(__file__).resolve().parent))
import hostile_corpus  # noqa: E402

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def node(tmp_path, settings):
    settings.DICOM_ROOT = tmp_path / "dicom"
    settings.HUREN_DICOM_SERIES_QUIET_SECONDS = 3600  # no analysis: this is about intake
    server = scp.start("127.0.0.1", 0, "HUREN_TEST")
    yield server.server_address[1]
    server.shutdown()


def test_each_case_is_refused_or_stored_and_the_node_stays_up(node, tmp_path, monkeypatch):
    monkeypatch.setattr(_config, "STORE_SEND_CHUNKED_DATASET", True)  # send the raw bytes, undecoded
    cases = [c for c in hostile_corpus.build(many=3) if c.has_meta and c.name.endswith(".dcm")]
    assert len(cases) >= 35
    files = []
    for c in cases:
        p = tmp_path / c.name
        p.write_bytes(c.data)
        meta = pydicom.filereader.read_file_meta_info(p)
        files.append((c, p, str(meta.MediaStorageSOPClassUID), str(meta.TransferSyntaxUID)))
    ae = AE(ae_title="FUZZER")
    pairs = {(sop, ts) for _, _, sop, ts in files} | {(str(sop_class.Verification), ExplicitVRLittleEndian)}
    for sop, ts in sorted(pairs):
        ae.add_requested_context(sop, [ts])
    assoc = ae.associate("127.0.0.1", node, ae_title="HUREN_TEST")
    assert assoc.is_established
    outcomes = {}
    for c, p, _, _ in files:
        st = assoc.send_c_store(p)
        assert st and "Status" in st, (c.name, "no answer")
        outcomes[c.name] = int(st.Status)
        assert assoc.is_established, (c.name, "association dropped")
    assert assoc.send_c_echo().Status == 0x0000
    assoc.release()
    bad = []
    for c, _, _, _ in files:
        if c.keeps:
            assert outcomes[c.name] == 0x0000, (c.name, hex(outcomes[c.name]))
        else:
            if outcomes[c.name] == 0x0000:
                bad.append(c.name)
    assert bad == [], bad
    # every object that reached the node was kept on disk, with its reason when unusable
    objs = DicomObject.objects.all()
    assert objs.count() == len(files)
    assert all(o.status != DicomObject.Status.INVALID or (o.error_zh and o.error_en) for o in objs)
    # the node still takes a new association
    ae2 = AE(ae_title="CONSOLE")
    ae2.add_requested_context(sop_class.Verification, [ExplicitVRLittleEndian])
    again = ae2.associate("127.0.0.1", node, ae_title="HUREN_TEST")
    assert again.is_established and again.send_c_echo().Status == 0x0000
    again.release()

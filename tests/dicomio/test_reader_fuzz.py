"""A fuzz run over the reader (hypothesis): whatever bytes arrive, ``read_dataset`` and
``load_images`` answer with a dataset or a :class:`DicomInputError` (for the images: an
error in the list), never another exception. Mutations of a valid file (flipped bytes,
cut-offs, spliced lengths) reach far deeper into pydicom's parser than random bytes."""

from __future__ import annotations

import io
import sys
import zipfile
from pathlib import Path

import pytest

from hypothesis import HealthCheck, given, settings, strategies as st  # a test extra (pyproject)

from huren.dicomio.reader import DicomInputError, _iter_zip, load_images, read_dataset

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "dicomnode"))
import hostile_corpus  # noqa: E402

GOOD = hostile_corpus.encode(hostile_corpus.good_dataset(n=16))
SEEDS = [c.data for c in hostile_corpus.build(many=2) if c.name.endswith(".dcm") and len(c.data) < 20000]

pytestmark = pytest.mark.slow


def _mutate(data: bytes, edits) -> bytes:
    b = bytearray(data)
    for pos, val, kind in edits:
        if not b:
            break
        i = pos % len(b)
        if kind == 0:
            b[i] = val
        elif kind == 1:
            del b[i:i + 1 + val % 8]
        elif kind == 2:
            b[i:i] = bytes([val]) * (1 + val % 4)
        else:
            b[i:i + 4] = (0xFFFFFFFF - val).to_bytes(4, "little")  # a huge length
    return bytes(b)


def _must_not_raise(name: str, data: bytes, tmp: Path) -> None:
    try:
        read_dataset(name, data)
    except DicomInputError as e:
        assert e.reason_zh and e.reason_en
    p = tmp / "f.dcm"
    p.write_bytes(data)
    images, errors = load_images([p], require_spacing=False)
    assert all(e.reason_zh and e.reason_en for e in errors)


edits = st.lists(st.tuples(st.integers(0, 1 << 20), st.integers(0, 255), st.integers(0, 3)), min_size=1, max_size=12)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.sampled_from([GOOD, *SEEDS]), edits=edits)
def test_mutated_files_never_raise_anything_but_an_input_error(tmp_path, seed, edits):
    _must_not_raise("m.dcm", _mutate(seed, edits), tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=2048))
def test_random_bytes_never_raise_anything_but_an_input_error(tmp_path, data):
    _must_not_raise("r.dcm", data, tmp_path)
    _must_not_raise("r.dcm", GOOD[:132] + data, tmp_path)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(edits=edits)
def test_mutated_zips_never_raise(tmp_path, edits):
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("a.dcm", GOOD)
        zf.writestr("b/c.dcm", GOOD)
    p = tmp_path / "z.zip"
    p.write_bytes(_mutate(buf.getvalue(), edits))
    for name, data in _iter_zip(p):
        if isinstance(data, DicomInputError):
            assert data.reason_zh and data.reason_en
        else:
            _must_not_raise(name, data, tmp_path)

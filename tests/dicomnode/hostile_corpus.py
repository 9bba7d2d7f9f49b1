"""A corpus of broken and hostile DICOM files and zip archives, generated at test time.

Run as a script to write it to a folder (``python tests/dicomnode/hostile_corpus.py OUT``);
the tests build it in a temporary folder (no binary is committed). Each :class:`Case` names
what is wrong, and whether the file carries a readable File Meta Information (only those can be
sent by C-STORE: the sender must know the SOP class and transfer syntax). Whatever is readable in
a case (``keeps`` images) must be kept by the node.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pydicom
from pydicom.dataset import FileMetaDataset
from pydicom.uid import (CTImageStorage, DeflatedExplicitVRLittleEndian, ExplicitVRBigEndian, ExplicitVRLittleEndian,
                         JPEG2000Lossless, JPEGBaseline8Bit, RLELossless, generate_uid)


@dataclass
class Case:
    name: str  # file name (ends .dcm or .zip)
    data: bytes
    what: str  # what is wrong
    has_meta: bool = False  # a readable file meta: can be sent by C-STORE as raw bytes
    keeps: int = 0  # images in it that are readable and must be kept (stored)


def good_dataset(n: int = 32, seed: int = 0, series: str | None = None) -> pydicom.Dataset:
    """A small, valid CT image (a water disc)."""
    ds = pydicom.Dataset()
    ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.SOPInstanceUID = generate_uid()
    ds.file_meta.MediaStorageSOPInstanceUID = ds.SOPInstanceUID
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage
    ds.Modality = "CT"
    ds.PatientName, ds.PatientID = "Hostile^Corpus", "HC1"
    ds.StudyInstanceUID = generate_uid()
    ds.SeriesInstanceUID = series or generate_uid()
    ds.SeriesDescription = "corpus"
    ds.Rows = ds.Columns = n
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.PixelSpacing, ds.SliceThickness = [0.5, 0.5], 5.0
    ds.ImagePositionPatient, ds.ImageOrientationPatient = [0, 0, float(seed)], [1, 0, 0, 0, 1, 0]
    ds.RescaleSlope, ds.RescaleIntercept = 1, -1024
    ds.InstanceNumber = seed + 1
    y, x = np.mgrid[:n, :n] - n / 2
    ds.PixelData = np.where(x * x + y * y < (n / 3) ** 2, 1024, 0).astype(np.uint16).tobytes()
    return ds


def encode(ds: pydicom.Dataset) -> bytes:
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def _meta(ts: str = ExplicitVRLittleEndian, sop: str = CTImageStorage) -> bytes:
    """Preamble, DICM and a File Meta Information group for ``ts``."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ts
    meta.ImplementationClassUID = generate_uid()
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_file_meta_info

    buf = DicomBytesIO()
    buf.write(b"\x00" * 128 + b"DICM")
    write_file_meta_info(buf, meta, enforce_standard=True)
    return buf.getvalue()


def _el(group: int, elem: int, vr: bytes, value: bytes) -> bytes:
    """One explicit VR little-endian element."""
    if vr in (b"OB", b"OW", b"SQ", b"UN", b"UT", b"OF", b"UC", b"UR"):
        return struct.pack("<HH2sHI", group, elem, vr, 0, len(value)) + value
    return struct.pack("<HH2sH", group, elem, vr, len(value)) + value


def _uid(u: str) -> bytes:
    b = u.encode()
    return b + (b"\x00" if len(b) % 2 else b"")


def _head(sop_uid: str | None = None) -> bytes:
    """The identity elements of a CT image (explicit VR LE), tags in order up to (0020,000E)."""
    return (_el(0x0008, 0x0016, b"UI", _uid(CTImageStorage)) + _el(0x0008, 0x0018, b"UI", _uid(sop_uid or generate_uid()))
            + _el(0x0008, 0x0060, b"CS", b"CT") + _el(0x0020, 0x000D, b"UI", _uid(generate_uid()))
            + _el(0x0020, 0x000E, b"UI", _uid(generate_uid())))


def nested_sequence(depth: int) -> bytes:
    """A dataset whose (0040,0275) sequence nests ``depth`` levels deep (undefined lengths)."""
    item_start = struct.pack("<HHI", 0xFFFE, 0xE000, 0xFFFFFFFF)
    item_end = struct.pack("<HHI", 0xFFFE, 0xE00D, 0)
    seq_start = struct.pack("<HH2sHI", 0x0040, 0x0275, b"SQ", 0, 0xFFFFFFFF)
    seq_end = struct.pack("<HHI", 0xFFFE, 0xE0DD, 0)
    body = (seq_start + item_start) * depth + (item_end + seq_end) * depth
    return _meta() + _head() + body


def _zip(members: list[tuple[str, bytes]], method=zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", method) as zf:
        for n, d in members:
            zf.writestr(n, d)
    return buf.getvalue()


def _patch_central(data: bytes, field_offset: int, fmt: str, value) -> bytes:
    """Overwrite a field of every central-directory entry (and local header: ``local_offset``)."""
    out = bytearray(data)
    i = 0
    while True:
        i = out.find(b"PK\x01\x02", i)
        if i < 0:
            break
        struct.pack_into(fmt, out, i + field_offset, value)
        i += 4
    return bytes(out)


def _patch_local(data: bytes, field_offset: int, fmt: str, value) -> bytes:
    out = bytearray(data)
    i = 0
    while True:
        i = out.find(b"PK\x03\x04", i)
        if i < 0:
            break
        struct.pack_into(fmt, out, i + field_offset, value)
        i += 4
    return bytes(out)


def build(many: int = 1500) -> list[Case]:
    """Every case of the corpus (``many``: the members of the big zip)."""
    good = encode(good_dataset())
    cases: list[Case] = []
    add = lambda *a, **k: cases.append(Case(*a, **k))  # noqa: E731

    # -- not DICOM at all, or a broken preamble
    add("empty.dcm", b"", "empty file")
    add("one-byte.dcm", b"\x00", "one byte")
    add("zeros.dcm", bytes(1024), "1 KiB of zeros")
    add("text.dcm", b"this is a text file, not DICOM\n" * 20, "a text file")
    add("png.dcm", b"\x89PNG\r\n\x1a\n" + bytes(200), "a PNG header")
    add("wrong-magic.dcm", good[:128] + b"DICN" + good[132:], "wrong magic after the preamble")
    add("no-preamble.dcm", good[132:], "no preamble, meta first", keeps=0)
    add("preamble-only.dcm", good[:132], "preamble and DICM only")
    add("meta-only.dcm", _meta(), "file meta and nothing else", has_meta=True)
    # -- truncated
    for frac in (0.05, 0.25, 0.5, 0.75, 0.99):
        add(f"truncated-{int(frac * 100)}.dcm", good[: int(len(good) * frac)], f"truncated at {frac:.0%}",
            has_meta=frac >= 0.25)
    # -- transfer syntaxes with garbage
    rng = np.random.default_rng(7)
    garbage = rng.integers(0, 256, 4096, dtype=np.uint8).tobytes()
    add("deflate-garbage.dcm", _meta(DeflatedExplicitVRLittleEndian) + garbage, "deflated TS with garbage data",
        has_meta=True)
    ok_deflated = zlib.compressobj(9, zlib.DEFLATED, -15)
    body = good[good.index(b"\x08\x00\x16\x00"):]
    deflated = ok_deflated.compress(body) + ok_deflated.flush()
    add("deflate-truncated.dcm", _meta(DeflatedExplicitVRLittleEndian) + deflated[: len(deflated) // 2],
        "deflated TS, stream cut in half", has_meta=True)
    add("deflate-bomb.dcm", _meta(DeflatedExplicitVRLittleEndian) + _deflate_bomb(), "deflated TS expanding to 200 MB of zeros",
        has_meta=True)
    add("bigendian-mislabelled.dcm", _meta(ExplicitVRBigEndian) + body, "little-endian data labelled big endian",
        has_meta=True)
    add("unknown-ts.dcm", _meta("1.2.3.4.5.6.7") + body, "an unknown transfer syntax UID", has_meta=False)
    for ts, label in ((JPEGBaseline8Bit, "jpeg"), (JPEG2000Lossless, "j2k"), (RLELossless, "rle")):
        ds = good_dataset()
        ds.file_meta.TransferSyntaxUID = ts
        ds.PixelData = pydicom.encaps.encapsulate([garbage[:1000]])
        ds["PixelData"].VR = "OB"
        add(f"{label}-garbage.dcm", encode(ds), f"{label} transfer syntax with garbage fragments", has_meta=True, keeps=1)
    # -- nesting
    for depth in (300, 3000, 100000):
        add(f"nested-{depth}.dcm", nested_sequence(depth), f"sequence nested {depth} deep", has_meta=True)
    # -- lengths
    add("huge-length-element.dcm", _meta() + _head() + struct.pack("<HH2sH", 0x0008, 0x103E, b"LO", 0xFFFF) + b"x" * 10,
        "a string element declaring 65535 bytes, 10 present", has_meta=True)
    add("huge-length-pixeldata.dcm", _meta() + _head() + struct.pack("<HH2sHI", 0x7FE0, 0x0010, b"OW", 0, 0xFFFFFFF0) + b"\x00" * 64,
        "pixel data declaring 4 GiB", has_meta=True)
    add("odd-undefined-length.dcm", _meta() + _head() + struct.pack("<HH2sHI", 0x0008, 0x2112, b"UN", 0, 0xFFFFFFFF) + garbage[:64],
        "an undefined-length UN element without a delimiter", has_meta=True)
    add("tags-out-of-order.dcm", _meta() + _el(0x0020, 0x000E, b"UI", _uid(generate_uid())) + _head(),
        "tags out of order", has_meta=True)
    add("bad-vr.dcm", _meta() + _head() + b"\x28\x00\x10\x00\xff\xfe\x02\x00\x00\x01", "an element with VR bytes 0xFF 0xFE",
        has_meta=True)
    # -- values that make no sense
    def variant(name, what, keeps=0, **changes):
        ds = good_dataset()
        for k, v in changes.items():
            if v is None:
                delattr(ds, k)
            elif isinstance(v, str) and k not in ("SeriesInstanceUID", "Modality", "SpecificCharacterSet",
                                                  "PhotometricInterpretation", "PatientName"):
                # a value pydicom would refuse to set: written as raw bytes, read back lazily
                from pydicom.datadict import dictionary_VR, tag_for_keyword
                from pydicom.dataelem import RawDataElement

                tag = tag_for_keyword(k)
                raw = v.encode("latin-1") + (b" " if len(v) % 2 else b"")
                ds[tag] = RawDataElement(pydicom.tag.Tag(tag), dictionary_VR(tag), len(raw), raw, 0, False, True)
            else:
                setattr(ds, k, v)
        add(name, encode(ds), what, has_meta=True, keeps=keeps)

    variant("rows-zero.dcm", "Rows 0", Rows=0)
    variant("rows-huge.dcm", "Rows and Columns 65535 with 2 KiB of pixels", Rows=65535, Columns=65535)
    variant("bits-zero.dcm", "Bits Allocated 0", BitsAllocated=0)
    variant("bits-seven.dcm", "Bits Allocated 7", BitsAllocated=7)
    variant("frames-text.dcm", "Number of Frames 'abc'", NumberOfFrames="abc")
    variant("frames-huge.dcm", "Number of Frames 100000", NumberOfFrames=100000)
    variant("spacing-text.dcm", "Pixel Spacing 'abc\\def'", keeps=1, PixelSpacing="abc\\def")
    variant("spacing-zero.dcm", "Pixel Spacing 0", keeps=1, PixelSpacing=[0, 0])
    variant("position-two.dcm", "Image Position with two values", keeps=1, ImagePositionPatient=[1, 2])
    variant("rgb.dcm", "Samples per Pixel 3 with a grey image's bytes", SamplesPerPixel=3, PhotometricInterpretation="RGB")
    variant("no-uids.dcm", "no SOP Instance UID, no Series Instance UID", keeps=0, SOPInstanceUID=None,
            SeriesInstanceUID=None)
    variant("uid-traversal.dcm", "a Series Instance UID of '../../etc/passwd'", keeps=1, SeriesInstanceUID="../../etc/passwd")
    variant("uid-long.dcm", "a 200-character Series Instance UID", keeps=1, SeriesInstanceUID="1." * 100)
    variant("charset-unknown.dcm", "an unknown Specific Character Set", keeps=1, SpecificCharacterSet="ISO_IR 999",
            PatientName="Ã©\u00ff")
    variant("modality-xx.dcm", "Modality 'XX'", keeps=1, Modality="XX")
    variant("no-pixels.dcm", "no pixel data", PixelData=None)
    variant("empty-pixels.dcm", "zero-length pixel data", PixelData=b"")
    variant("rescale-text.dcm", "Rescale Slope 'x'", keeps=1, RescaleSlope="x")
    from pydicom.filebase import DicomBytesIO
    from pydicom.filewriter import write_dataset

    body_buf = DicomBytesIO()
    body_buf.is_little_endian, body_buf.is_implicit_VR = True, True
    implicit = good_dataset()
    del implicit.file_meta
    write_dataset(body_buf, implicit)
    add("implicit-labelled-explicit.dcm", _meta() + body_buf.getvalue(), "implicit VR data labelled explicit (pydicom reads it: kept)",
        has_meta=True, keeps=1)
    add("meta-group-length-wrong.dcm", _patch_meta_length(good), "a wrong File Meta group length", has_meta=True, keeps=1)
    # -- zips
    add("empty.zip", _zip([]), "a zip with no member")
    add("not-a-zip.zip", b"PK\x03\x04" + garbage[:500], "a .zip that is not one")
    add("zip-truncated.zip", _zip([("a.dcm", good), ("b.dcm", encode(good_dataset(seed=1)))])[:300], "a truncated zip")
    crc = bytearray(_zip([("a.dcm", good)], zipfile.ZIP_STORED))
    crc[crc.index(b"PK\x03\x04") + 30 + len("a.dcm") + 200] ^= 0xFF
    add("zip-bad-crc.zip", bytes(crc), "a member with a bad CRC")
    two = _zip([("ok.dcm", encode(good_dataset(seed=2))), ("bad.dcm", b"x")])
    add("zip-one-good.zip", two, "one good member and one broken", keeps=1)
    lie_small = _patch_central(_zip([("a.dcm", good)]), 24, "<I", 100)  # uncompressed size says 100 bytes
    add("zip-size-lies-small.zip", lie_small, "a member whose declared size is smaller than its data")
    lie_big = _patch_central(_zip([("a.dcm", good)]), 24, "<I", 3_000_000_000)
    add("zip-size-lies-big.zip", lie_big, "a member declaring 3 GB")
    lie_comp = _patch_central(_zip([("a.dcm", good)]), 20, "<I", 10_000_000)  # compressed size past the end
    add("zip-compressed-size-lies.zip", lie_comp, "a member whose compressed size runs past the archive")
    add("zip-bomb.zip", _zip_bomb(), "a zip bomb: 2 GB of zeros in a few MB")
    add("zip-nested.zip", _zip([("inner.zip", _zip([("a.dcm", good)]))]), "a zip inside a zip")
    add("zip-traversal.zip", _zip([("../../evil.dcm", encode(good_dataset(seed=3)))]), "a member named ../../evil.dcm",
        keeps=1)
    enc = _patch_central(_patch_local(_zip([("a.dcm", good)]), 6, "<H", 1), 8, "<H", 1)
    add("zip-encrypted.zip", enc, "a member flagged as encrypted")
    method = _patch_central(_patch_local(_zip([("a.dcm", good)]), 8, "<H", 99), 10, "<H", 99)
    add("zip-unknown-method.zip", method, "a member compressed by an unknown method (99)")
    add("zip-garbage-member.zip", _zip([("g.dcm", garbage)]), "a member of random bytes")
    add("zip-dir-only.zip", _zip([("folder/", b"")]), "a zip holding only a folder")
    series = generate_uid()
    big = [(f"s/{i:05d}.dcm", encode(good_dataset(n=8, seed=i, series=series))) for i in range(many)]
    add("zip-1500-members.zip", _zip(big), f"a zip of {many} small images of one series", keeps=many)
    return cases


def _deflate_bomb(size: int = 200 * 1024 * 1024) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    chunk = bytes(1024 * 1024)
    return b"".join(c.compress(chunk) for _ in range(size // len(chunk))) + c.flush()


def _zip_bomb(size: int = 2 * 1024**3) -> bytes:
    """A size-honest bomb: one member declaring ``size`` zeros (deflate ≈ 1000:1), made by
    compressing one MiB once and repeating its compressed blocks (cheap to build)."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    mib = bytes(1024 * 1024)
    first = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)
    rest = c.compress(mib) + c.flush(zlib.Z_FULL_FLUSH)  # steady-state block for one MiB of zeros
    n = size // len(mib)
    stream = first + rest * (n - 1) + c.flush()
    crc = 0  # not computed (2 GB of work): a reader must refuse the member before it gets to the end
    name = b"zeros.dcm"
    local = struct.pack("<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(stream), size & 0xFFFFFFFF, len(name), 0)
    central = struct.pack("<4s6H3I5H2I", b"PK\x01\x02", 20, 20, 0, 8, 0, 0, crc, len(stream), size & 0xFFFFFFFF,
                          len(name), 0, 0, 0, 0, 0, 0)
    body = local + name + stream
    cd = central + name
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(cd), len(body), 0)
    return body + cd + end


def _patch_meta_length(good: bytes) -> bytes:
    out = bytearray(good)
    i = out.index(b"\x02\x00\x00\x00UL")
    struct.pack_into("<I", out, i + 8, 7)
    return bytes(out)


def write(folder: Path, many: int = 1500) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for c in build(many):
        p = folder / c.name
        p.write_bytes(c.data)
        out.append(p)
    return out


if __name__ == "__main__":
    paths = write(Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-corpus"))
    print(f"{len(paths)} cases written")

"""JPEG Lossless (Process 14, SV1): the transfer syntax most CT and DR modalities send
compressed. pydicom has no encoder for it, so the files are made with GDCM, and
decoded by huren's reader through the pylibjpeg plug-ins: the analysis must give
exactly what it gives on the uncompressed file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pydicom
import pytest

from huren.analysis import AnalyzeOptions, analyze_paths
from huren.dicomio import load_images
from tests.transcode import gdcm_transcode  # python-gdcm, a test extra, writes the JPEG Lossless files

JPEG_LOSSLESS_SV1 = "1.2.840.10008.1.2.4.70"


def to_jpeg_lossless(src: Path, dst: Path) -> Path:
    return gdcm_transcode(src, dst, "JPEGLosslessProcess14_1")


def _values(res):
    return {(m.item, m.metric, m.method, m.slice): m.value for m in res.measurements}


def test_real_catphan_slices_in_jpeg_lossless_give_identical_results(phantoms, tmp_path):
    srcs = sorted((phantoms / "ct" / "CTP404_FOV150").glob("*.dcm"))
    jl = [to_jpeg_lossless(s, tmp_path / s.name) for s in srcs]
    assert str(pydicom.dcmread(jl[0], stop_before_pixels=True).file_meta.TransferSyntaxUID) == JPEG_LOSSLESS_SV1
    plain, packed = analyze_paths(srcs), analyze_paths(jl)
    # the same modules are missing from this 3-slice set, and nothing else goes wrong
    assert [e.reason_en for e in packed.errors] == [e.reason_en for e in plain.errors]
    assert _values(packed) == _values(plain)
    assert packed.get("ct_number_teflon").value == pytest.approx(plain.get("ct_number_teflon").value)


def test_real_mr_slice_decodes_to_the_same_pixels(phantoms, tmp_path):
    src = sorted((phantoms / "mr" / "acr" / "GE").glob("*"))[0]
    dst = to_jpeg_lossless(src, tmp_path / "ge.dcm")
    (a,), _ = load_images([src])
    (b,), errs = load_images([dst])
    assert not errs
    assert np.array_equal(a.array, b.array) and a.spacing == b.spacing


def test_synthetic_dr_flat_field_in_jpeg_lossless_gives_the_same_uniformity(tmp_path):
    from huren.synth import dr

    det = dr.Detector(shape=(256, 256), pixel_mm=0.8, gain_cv_percent=3.0, seed=5)
    raw = dr.flat_field(det, 10.0).write(tmp_path / "flat.dcm")
    jl = to_jpeg_lossless(raw, tmp_path / "flat_jl.dcm")
    opts = AnalyzeOptions(test="uniformity")
    a, b = analyze_paths([raw], opts), analyze_paths([jl], opts)
    assert not b.errors
    assert b.get("uniformity_cv").value == a.get("uniformity_cv").value

"""Compressed copies of DICOM files made with GDCM (python-gdcm, a test extra): pydicom has no
encoder for JPEG baseline, JPEG lossless or (without pyjpegls) JPEG-LS."""

from __future__ import annotations

from pathlib import Path

import gdcm


def gdcm_transcode(src: Path, dst: Path, syntax: str = "JPEGLosslessProcess14_1") -> Path:
    """``src`` written to ``dst`` in the transfer syntax ``gdcm.TransferSyntax.<syntax>``."""
    reader = gdcm.ImageReader()
    reader.SetFileName(str(src))
    assert reader.Read(), src
    change = gdcm.ImageChangeTransferSyntax()
    change.SetTransferSyntax(gdcm.TransferSyntax(getattr(gdcm.TransferSyntax, syntax)))
    change.SetInput(reader.GetImage())
    assert change.Change(), (src, syntax)
    writer = gdcm.ImageWriter()
    writer.SetFileName(str(dst))
    writer.SetFile(reader.GetFile())
    writer.SetImage(change.GetOutput())
    assert writer.Write(), dst
    return dst

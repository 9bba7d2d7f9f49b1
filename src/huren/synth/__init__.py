"""Synthetic phantoms with known ground truth, written as real DICOM, for tests, benchmarks and demos."""

from __future__ import annotations

from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import PYDICOM_ROOT_UID, ExplicitVRLittleEndian, generate_uid

# Synthetic objects take their UIDs under pydicom's root for generated UIDs.
UID_ROOT = PYDICOM_ROOT_UID


def new_dataset(sop_class_uid: str, *, filename: str | None = None) -> FileDataset:
    """An empty Part-10 dataset of ``sop_class_uid`` with its file meta and a fresh SOP Instance UID
    (Explicit VR Little Endian)."""
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = sop_class_uid
    meta.MediaStorageSOPInstanceUID = generate_uid(UID_ROOT)
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(filename, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.SOPClassUID = sop_class_uid
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    return ds

"""Headers of every image, pixel data of a few: what the checks work on.

A study is read header-only (``stop_before_pixels``); each :class:`Slice` keeps how to reach its
pixel data (the file, the zip member or the dataset in memory) and :func:`slice_pixels` reads them
only for the images a check samples.
"""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

import numpy as np
import pydicom
from pydicom.dataset import Dataset

from huren.dicomio import DicomInputError, Image, is_localiser, pixels
from huren.dicomio.reader import _frame_group, _iter_sources, read_dataset


@dataclass
class Slice(Image):
    """One image (a single-frame object or one frame of an enhanced object), header only: a
    :class:`huren.dicomio.Image` whose ``array`` is None until a check reads it through
    :class:`PixelCache`, with ``loader`` to reach the pixel data and the frame's functional groups."""

    loader: Callable[[], Dataset] | None = None
    fg: Dataset | None = None

    @property
    def thickness(self) -> float | None:
        return self.slice_thickness

    def text(self, keyword: str) -> str:
        """The attribute as text ("" when absent; multiple values joined by backslashes), cached."""
        cache = self.ds.__dict__.setdefault("_huren_text", {}) if self.fg is None else None
        if cache is not None and keyword in cache:
            return cache[keyword]
        v = self.header(keyword)
        if v is None:
            t = ""
        elif isinstance(v, (list, tuple, pydicom.multival.MultiValue)):
            t = "\\".join(str(x) for x in v)
        else:
            t = str(v)
        if cache is not None:
            cache[keyword] = t
        return t

    @property
    def study_instance_uid(self) -> str:
        return str(self.ds.get("StudyInstanceUID", "") or "")

    @property
    def is_localiser(self) -> bool:
        d = self.ds.__dict__
        if "_huren_localiser" not in d:
            d["_huren_localiser"] = is_localiser(self.ds)
        return d["_huren_localiser"]

    def image_type(self) -> list[str]:
        return [str(x).upper() for x in (self.ds.get("ImageType") or [])]


def plane_of(orientation) -> str | None:
    """axial, sagittal, coronal (normal within 30° of an axis) or oblique."""
    if orientation is None:
        return None
    n = np.cross(np.array(orientation[:3]), np.array(orientation[3:]))
    norm = np.linalg.norm(n)
    if norm == 0:
        return None
    n = np.abs(n / norm)
    k = int(np.argmax(n))
    if n[k] < np.cos(np.radians(30)):
        return "oblique"
    return ("sagittal", "coronal", "axial")[k]


def _float(v):
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def slices_of(ds: Dataset, path: str, loader: Callable[[], Dataset]) -> list[Slice]:
    """The images of one header (one per frame of an enhanced object)."""
    nframes = int(_float(ds.get("NumberOfFrames")) or 1)
    out = []
    for i in range(nframes):
        fg = _frame_group(ds, i) if nframes > 1 or "PerFrameFunctionalGroupsSequence" in ds else None
        pos, ori = ds.get("ImagePositionPatient"), ds.get("ImageOrientationPatient")
        ps, thick = ds.get("PixelSpacing") or ds.get("ImagerPixelSpacing"), _float(ds.get("SliceThickness"))
        if fg is not None:
            if "PlanePositionSequence" in fg:
                pos = fg.PlanePositionSequence[0].get("ImagePositionPatient", pos)
            if "PlaneOrientationSequence" in fg:
                ori = fg.PlaneOrientationSequence[0].get("ImageOrientationPatient", ori)
            if "PixelMeasuresSequence" in fg:
                pm = fg.PixelMeasuresSequence[0]
                ps = pm.get("PixelSpacing", ps)
                thick = _float(pm.get("SliceThickness")) if pm.get("SliceThickness") is not None else thick
        try:
            position = tuple(float(x) for x in pos) if pos is not None and len(pos) == 3 else None
        except (TypeError, ValueError):
            position = None
        try:
            orientation = tuple(float(x) for x in ori) if ori is not None and len(ori) == 6 else None
        except (TypeError, ValueError):
            orientation = None
        try:
            spacing = (float(ps[0]), float(ps[1])) if ps is not None and len(ps) == 2 else None
        except (TypeError, ValueError):
            spacing = None
        out.append(Slice(array=None, spacing=spacing, ds=ds, path=path, frame=i if nframes > 1 else None,
                         position=position, orientation=orientation, slice_thickness=thick, loader=loader, fg=fg))
    return out


def _header(ds: Dataset) -> Dataset:
    """The header of an in-memory dataset (pixel data dropped from the copy we keep)."""
    h = Dataset()
    for elem in ds:
        if elem.tag not in (0x7FE00010, 0x7FE00008, 0x7FE00009):
            h.add(elem)
    h.file_meta = getattr(ds, "file_meta", Dataset())
    return h


class _ZipLoader:
    def __init__(self, zpath: str, member: str):
        self.zpath, self.member = zpath, member

    def __call__(self) -> Dataset:
        with zipfile.ZipFile(self.zpath) as zf:
            return pydicom.dcmread(io.BytesIO(zf.read(self.member)))


class _FileLoader:
    def __init__(self, path: Path):
        self.path = path

    def __call__(self) -> Dataset:
        return pydicom.dcmread(self.path)


def read_headers(inputs: Iterable) -> tuple[list[Slice], list[dict]]:
    """Headers of every DICOM object in ``inputs`` (paths to files, folders or zips, or pydicom
    datasets); errors collected as ``{"path", "reason_zh", "reason_en"}``, never raised."""
    slices: list[Slice] = []
    errors: list[dict] = []
    paths = []
    for obj in inputs:
        if isinstance(obj, Dataset):
            h = _header(obj)
            name = str(getattr(obj, "filename", "") or obj.get("SOPInstanceUID", "dataset"))
            loader = (lambda o=obj: o)
            if "PixelData" not in obj and isinstance(getattr(obj, "filename", None), str) and Path(obj.filename).is_file():
                loader = _FileLoader(Path(obj.filename))  # a header read by intake: the pixels are in its file
            slices.extend(slices_of(h, name, loader))
        else:
            paths.append(obj)
    for name, src in _iter_sources(paths):
        if isinstance(src, DicomInputError):
            errors.append({"path": src.path, "reason_zh": src.reason_zh, "reason_en": src.reason_en})
            continue
        try:
            ds = read_dataset(name, src, stop_before_pixels=True)
        except DicomInputError as e:
            errors.append({"path": e.path, "reason_zh": e.reason_zh, "reason_en": e.reason_en})
            continue
        if isinstance(src, Path):
            loader = _FileLoader(src)
        else:
            zpath, _, member = name.partition("!")
            loader = _ZipLoader(zpath, member)
        slices.extend(slices_of(ds, name, loader))
    return slices, errors


def group(slices: list[Slice]) -> "OrderedDict[str, OrderedDict[str, list[Slice]]]":
    """Study UID → series UID → slices (in reading order)."""
    studies: OrderedDict[str, OrderedDict[str, list[Slice]]] = OrderedDict()
    for s in slices:
        studies.setdefault(s.study_instance_uid, OrderedDict()).setdefault(s.series_instance_uid, []).append(s)
    return studies


class PixelCache:
    """Decoded full datasets of multi-frame objects, shared by the frames of one evaluation."""

    def __init__(self):
        self._full: dict[int, Dataset] = {}
        self.read: set[str] = set()

    def array(self, s: Slice) -> np.ndarray:
        """The image's pixels (modality LUT applied); raises :class:`DicomInputError`."""
        if s.array is not None:
            return s.array
        key = id(s.ds)
        full = self._full.get(key)
        if full is None:
            try:
                full = s.loader()
            except Exception as e:  # unreadable on the second reading (file gone, truncated)
                raise DicomInputError(s.path, f"无法读取像素数据：{e}", f"cannot read the pixel data: {e}") from None
            if s.frame is not None:
                self._full[key] = full
        if s.frame is None:
            arr = pixels(full)
        else:
            if not hasattr(full, "_huren_frames"):
                full._huren_frames = pixels(full)
            frames = full._huren_frames
            arr = frames[s.frame] if frames.ndim == 3 else frames
            fg = _frame_group(full, s.frame)
            if fg is not None and "PixelValueTransformationSequence" in fg and full.get("RescaleSlope") is None:
                t = fg.PixelValueTransformationSequence[0]
                arr = arr * np.float32(_float(t.get("RescaleSlope")) or 1.0) + np.float32(_float(t.get("RescaleIntercept")) or 0.0)
        if arr.ndim != 2:
            raise DicomInputError(s.path, "像素数据不是二维灰度图像", "the pixel data are not a 2-D greyscale image")
        self.read.add(s.sop_instance_uid)
        return arr

    def clear(self):
        self._full.clear()

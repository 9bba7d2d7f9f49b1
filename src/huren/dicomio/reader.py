"""DICOM reading: files, folders and zip archives → datasets → :class:`Image` objects."""

from __future__ import annotations

import io
import zipfile
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
import pydicom
from pydicom.dataset import Dataset
from pydicom.errors import InvalidDicomError

from huren.result import DeviceInfo, InputError, InputRef

# Refuse archives that would unpack to more than this (zip bombs), and any one member larger
# than this however its header lies (the largest enhanced multi-frame objects are well below it).
MAX_ZIP_BYTES = 4 * 1024**3
MAX_MEMBER_BYTES = 1024**3


class DicomInputError(Exception):
    """An input that cannot be used, with the reason in Chinese and English."""

    def __init__(self, path: str, reason_zh: str, reason_en: str):
        super().__init__(f"{path}: {reason_en}")
        self.path = str(path)
        self.reason_zh = reason_zh
        self.reason_en = reason_en

    def as_error(self, test: str | None = None) -> InputError:
        return InputError(self.path, self.reason_zh, self.reason_en, test)


@dataclass
class LoadReport:
    """Datasets read from the inputs, and the errors met on the way."""

    datasets: list[Dataset] = field(default_factory=list)
    errors: list[InputError] = field(default_factory=list)
    notes: list[tuple[str, str]] = field(default_factory=list)  # (zh, en): e.g. SOP Instance UIDs that collide


def _iter_sources(paths: Iterable[str | Path]) -> Iterator[tuple[str, bytes | Path]]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            for f in sorted(x for x in p.rglob("*") if x.is_file()):
                if f.suffix.lower() == ".zip":
                    yield from _iter_zip(f)
                else:
                    yield str(f), f
        elif p.is_file() and p.suffix.lower() == ".zip":
            yield from _iter_zip(p)
        else:
            yield str(p), p


def _iter_zip(p: Path) -> Iterator[tuple[str, bytes | Path]]:
    """Each member of a zip as (name, bytes), or (name, :class:`DicomInputError`) for a member
    that cannot be read (bad CRC, a size that lies, encryption, an unknown method); one bad
    member does not stop the others. A member is read in chunks and refused once it grows past
    :data:`MAX_MEMBER_BYTES` whatever its header declares (a bomb that lies about its size)."""
    try:
        zf = zipfile.ZipFile(p)
        infos = zf.infolist()
    except Exception as e:  # BadZipFile, OSError, and the ValueErrors of a mangled directory
        yield str(p), DicomInputError(str(p), f"无法打开 zip 压缩包：{e}", f"cannot open zip archive: {e}")  # type: ignore[misc]
        return
    with zf:
        total = sum(i.file_size for i in infos)
        if total > MAX_ZIP_BYTES:
            yield str(p), DicomInputError(  # type: ignore[misc]
                str(p), "zip 压缩包解压后过大，已拒绝", f"zip archive would unpack to {total} bytes; refused"
            )
            return
        for info in sorted(infos, key=lambda i: i.filename):
            if info.is_dir() or info.filename.startswith("__MACOSX"):
                continue
            name = f"{p}!{info.filename}"
            try:
                yield name, _read_member(zf, info)
            except _MemberError as e:
                yield name, DicomInputError(name, e.zh, e.en)  # type: ignore[misc]


class _MemberError(Exception):
    def __init__(self, zh: str, en: str):
        super().__init__(en)
        self.zh, self.en = zh, en


def _read_member(zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> bytes:
    if info.file_size > MAX_MEMBER_BYTES:
        raise _MemberError(f"压缩包成员解压后为 {info.file_size} 字节，超过上限，已拒绝",
                           f"the member would unpack to {info.file_size} bytes, above the limit; refused")
    chunks, size = [], 0
    try:
        with zf.open(info) as fh:
            while True:
                chunk = fh.read(1 << 20)
                if not chunk:
                    break
                size += len(chunk)
                if size > MAX_MEMBER_BYTES or size > max(info.file_size, 0) + (1 << 20):
                    raise _MemberError("压缩包成员的实际大小与声明不符（可能是压缩炸弹），已拒绝",
                                       "the member unpacks to more than it declares (a zip bomb?); refused")
                chunks.append(chunk)
    except _MemberError:
        raise
    except RuntimeError as e:  # encrypted
        raise _MemberError(f"压缩包成员已加密，无法读取：{e}", f"the member is encrypted: {e}") from None
    except NotImplementedError as e:
        raise _MemberError(f"压缩包成员的压缩方法不受支持：{e}", f"the member's compression method is not supported: {e}") from None
    except Exception as e:  # BadZipFile (bad CRC, a size that lies), zlib.error, EOFError, OSError
        raise _MemberError(f"压缩包成员已损坏：{e}",
                           f"the member is damaged: {e}") from None
    data = b"".join(chunks)
    if len(data) != info.file_size:
        raise _MemberError(f"压缩包成员的大小与声明不符（{len(data)} / {info.file_size} 字节）",
                           f"the member's size does not match its header ({len(data)} of {info.file_size} bytes)")
    return data


DEFLATED_TS = b"1.2.840.10008.1.2.1.99"
# A deflated dataset may inflate to at most this many times its compressed size (plus a floor):
# real images deflate a few times; a "deflate bomb" of zeros 1000 times.
MAX_INFLATE_RATIO, MIN_INFLATE_BYTES = 100, 32 * 1024**2


def _check_deflated(name: str, head: bytes, whole) -> None:
    """Refuse a deflated-transfer-syntax file whose body would inflate absurdly (read from
    ``whole()`` only when the file meta names that syntax)."""
    if DEFLATED_TS not in head:
        return
    import zlib

    from pydicom.filereader import _read_file_meta_info, read_preamble

    raw = whole()
    fp = io.BytesIO(raw)
    try:
        read_preamble(fp, False)
        _read_file_meta_info(fp)
    except Exception:
        return  # pydicom names what is wrong with the meta
    body = raw[fp.tell():]
    cap = max(MIN_INFLATE_BYTES, MAX_INFLATE_RATIO * len(body))
    try:
        out = zlib.decompressobj(-zlib.MAX_WBITS).decompress(body, cap + 1)
    except zlib.error as e:
        raise DicomInputError(name, f"压缩（deflate）的数据已损坏：{e}", f"the deflated data is corrupt: {e}") from None
    if len(out) > cap:
        raise DicomInputError(name, f"压缩（deflate）的数据解压后超过 {cap} 字节（压缩炸弹？），已拒绝",
                              f"the deflated data inflates to more than {cap} bytes (a deflate bomb?); refused")


def read_dataset(name: str, src: bytes | Path, *, stop_before_pixels: bool = False) -> Dataset:
    """Read one DICOM file; raise :class:`DicomInputError` with the reason if it is not one.

    Never raises anything else on broken input: sequences nested deeper than :data:`MAX_DEPTH`,
    deflate bombs, undecodable values and any exception of pydicom's become the reason."""
    try:
        if isinstance(src, Path):
            if not src.exists():
                raise DicomInputError(name, "文件不存在", "file does not exist")
            with open(src, "rb") as fh:
                head = fh.read(4096)
            _check_deflated(name, head, src.read_bytes)
            ds = pydicom.dcmread(src, stop_before_pixels=stop_before_pixels)
        else:
            _check_deflated(name, src[:4096], lambda: src)
            ds = pydicom.dcmread(io.BytesIO(src), stop_before_pixels=stop_before_pixels)
    except DicomInputError:
        raise
    except InvalidDicomError:
        raise DicomInputError(name, "不是 DICOM 文件（缺少 DICM 前缀且无法按 DICOM 解析）", "not a DICOM file (no DICM preamble and not parseable as DICOM)") from None
    except RecursionError:
        raise DicomInputError(name, "DICOM 文件的序列嵌套过深，无法读取", "sequences nested too deep to read") from None
    except MemoryError:
        raise DicomInputError(name, "DICOM 文件声明的长度过大，无法读取", "the file declares lengths too large to read") from None
    except Exception as e:  # pydicom raises many kinds on broken input (ValueError, zlib.error, struct.error …)
        raise DicomInputError(name, f"DICOM 文件损坏或被截断：{str(e)[:300]}",
                              f"corrupt or truncated DICOM file: {str(e)[:300]}") from None
    try:
        _touch(ds)
    except RecursionError:
        raise DicomInputError(name, "DICOM 文件的序列嵌套过深，无法读取", "sequences nested too deep to read") from None
    except Exception as e:  # a value that cannot be decoded (bad VR, bad length): the file is not usable
        raise DicomInputError(name, f"DICOM 文件中有无法解码的数据元素：{str(e)[:300]}",
                              f"a data element cannot be decoded: {str(e)[:300]}") from None
    if "SOPClassUID" not in ds and "PixelData" not in ds and "Modality" not in ds:
        raise DicomInputError(name, "不是 DICOM 图像文件（缺少 SOP Class UID 与像素数据）", "not a DICOM image file (no SOP Class UID and no pixel data)")
    ds.filename = name  # keep the user's name (zip members included)
    return ds


MAX_DEPTH = 64  # sequences nested deeper than this are refused (real objects nest a handful deep)


def _touch(ds: Dataset, depth: int = 0) -> None:
    """Decode every element once (pydicom converts values lazily, so a broken one would
    otherwise raise later, anywhere) and refuse absurd sequence nesting."""
    if depth > MAX_DEPTH:
        raise RecursionError(f"sequence nesting deeper than {MAX_DEPTH}")
    for elem in ds:
        if elem.VR == "SQ":
            for item in elem.value or []:
                _touch(item, depth + 1)


def content_key(ds: Dataset) -> tuple:
    """What makes two datasets the same image: their pixel data (a digest of the Pixel Data
    element's bytes), their position (Image Position (Patient), else Slice Location), and their
    frame count. Two files with one SOP Instance UID are duplicates only when these agree as
    well (a byte-identical copy always does); otherwise they are distinct images whose UIDs collide."""
    import hashlib

    pix = None
    for kw in ("PixelData", "FloatPixelData", "DoubleFloatPixelData"):
        if kw in ds:
            v = ds[kw].value
            pix = hashlib.blake2b(v if isinstance(v, (bytes, bytearray)) else bytes(v), digest_size=16).hexdigest()
            break
    pos = ds.get("ImagePositionPatient")
    pos = tuple(round(float(x), 3) for x in pos) if pos is not None and len(pos) == 3 else str(ds.get("SliceLocation", ""))
    return (pix, pos, str(ds.get("NumberOfFrames", 1)))


def load(paths: Iterable[str | Path] | str | Path) -> LoadReport:
    """Read every DICOM file under ``paths`` (files, folders, zips). Never raises for bad input.

    A file is set aside as a duplicate only when an earlier one has the same SOP Instance UID
    *and* the same content (:func:`content_key`: pixel data, position, frames). Files that share a
    UID but differ in content (an anonymiser that gave every file one UID) are all kept; their
    collision is reported in ``notes`` and by :func:`uid_collisions`, and each image stays named
    by UID, file and frame (:attr:`Image.key`).
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    rep = LoadReport()
    seen: dict[str, list[tuple[str, tuple]]] = {}  # UID → (file, content key) of each kept dataset
    first: dict[str, Dataset] = {}  # UID → its first dataset, whose key is computed only on a collision
    for name, src in _iter_sources(paths):
        if isinstance(src, DicomInputError):
            rep.errors.append(src.as_error())
            continue
        try:
            ds = read_dataset(name, src)
        except DicomInputError as e:
            rep.errors.append(e.as_error())
            continue
        uid = str(ds.get("SOPInstanceUID", name))
        if uid in first:
            kept = seen.setdefault(uid, [])
            if not kept:
                kept.append((str(getattr(first[uid], "filename", "")), content_key(first[uid])))
            key = content_key(ds)
            twin = next((f for f, k in kept if k == key), None)
            if twin is not None:
                rep.errors.append(InputError(
                    name, f"重复的图像（与 {twin} 的 SOP Instance UID、像素数据和位置均相同），已忽略",
                    f"duplicate image (same SOP Instance UID, pixel data and position as {twin}); ignored"))
                continue
            kept.append((name, key))
        else:
            first[uid] = ds
        rep.datasets.append(ds)
    for uid, kept in seen.items():
        if len(kept) > 1:
            rep.notes.append(collision_note(uid, len(kept)))
    return rep


def collision_note(uid: str, n: int) -> tuple[str, str]:
    """The bilingual note for ``n`` distinct images sharing the SOP Instance UID ``uid``."""
    return (f"{n} 个内容不同的图像共用同一 SOP Instance UID {uid}（匿名化导出常见）：按不同图像分析，"
            f"以 UID + 文件 + 帧号区分",
            f"{n} images with different content share the SOP Instance UID {uid} (common in anonymised exports): "
            f"analysed as distinct images, told apart by UID + file + frame")


def uid_collisions(images: Sequence["Image"]) -> dict[str, int]:
    """SOP Instance UIDs (frame suffix included) that name more than one distinct image → how many."""
    files: dict[str, set] = {}
    for im in images:
        files.setdefault(im.sop_instance_uid, set()).add(im.path)
    return {uid: len(f) for uid, f in files.items() if len(f) > 1}


def _f(v, default=None):
    try:
        return float(v)
    except (TypeError, ValueError):
        return default


def pixels(ds: Dataset, frame: int | None = None) -> np.ndarray:
    """The stored pixels with the modality LUT (Rescale Slope/Intercept) applied, as float32.

    Handles signed/unsigned storage and compressed transfer syntaxes (through the
    pylibjpeg plug-ins). For a multi-frame dataset returns all frames (``frame`` None)
    or one. Raises :class:`DicomInputError` with the reason when decoding fails.
    """
    name = str(getattr(ds, "filename", "") or ds.get("SOPInstanceUID", "?"))
    if "PixelData" not in ds and "FloatPixelData" not in ds:
        raise DicomInputError(name, "文件中没有像素数据", "the file holds no pixel data")
    try:
        arr = ds.pixel_array
    except Exception as e:  # pydicom raises many kinds for truncated or undecodable data
        ts = ds.file_meta.get("TransferSyntaxUID", "?") if hasattr(ds, "file_meta") else "?"
        raise DicomInputError(
            name,
            f"像素数据无法解码（传输语法 {ts}）：{e}",
            f"pixel data cannot be decoded (transfer syntax {ts}): {e}",
        ) from None
    if ds.get("SamplesPerPixel", 1) != 1 or ds.get("PhotometricInterpretation", "MONOCHROME2") not in ("MONOCHROME1", "MONOCHROME2"):
        raise DicomInputError(
            name,
            f"彩色图像（{ds.get('PhotometricInterpretation')}），质控分析需要灰度图像",
            f"colour image ({ds.get('PhotometricInterpretation')}); QC analysis needs a greyscale image",
        )
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    arr = np.asarray(arr)
    if nframes > 1 and frame is not None:
        arr = arr[frame]
    out = arr.astype(np.float32)
    slope, intercept = _rescale(ds, frame)
    if slope != 1.0 or intercept != 0.0:
        out *= np.float32(slope)
        out += np.float32(intercept)
    return out


def _rescale(ds: Dataset, frame: int | None) -> tuple[float, float]:
    slope, intercept = _f(ds.get("RescaleSlope"), None), _f(ds.get("RescaleIntercept"), None)
    if slope is None and frame is not None:
        fg = _frame_group(ds, frame)
        if fg is not None and "PixelValueTransformationSequence" in fg:
            t = fg.PixelValueTransformationSequence[0]
            slope, intercept = _f(t.get("RescaleSlope"), 1.0), _f(t.get("RescaleIntercept"), 0.0)
    return (slope if slope is not None else 1.0, intercept if intercept is not None else 0.0)


def _frame_group(ds: Dataset, frame: int):
    """The merged per-frame and shared functional groups of one frame (enhanced objects)."""
    merged = Dataset()
    for seqname in ("SharedFunctionalGroupsSequence", "PerFrameFunctionalGroupsSequence"):
        seq = ds.get(seqname)
        if not seq:
            continue
        item = seq[0] if seqname.startswith("Shared") else (seq[frame] if frame < len(seq) else None)
        if item is None:
            continue
        for elem in item:
            merged[elem.tag] = elem
    return merged if len(merged) else None


@dataclass
class Image:
    """One 2-D image (a slice or a frame) with its geometry in mm and its header.

    ``array`` is float32 (rows, columns) in modality units (HU for CT).
    ``spacing`` is (row spacing, column spacing) in mm. ``position`` is the Image
    Position (Patient) of the first pixel, ``normal`` the slice normal, ``z`` the
    position along the normal (mm), used to sort a series.
    """

    array: np.ndarray
    spacing: tuple[float, float]
    ds: Dataset
    path: str
    frame: int | None = None
    position: tuple[float, float, float] | None = None
    orientation: tuple[float, ...] | None = None
    slice_thickness: float | None = None
    spacing_source: str = "PixelSpacing"

    def header(self, keyword: str, default=None):
        """A header attribute of this image: the top-level dataset first, then (for an
        enhanced multi-frame object) this frame's per-frame and the shared functional
        groups, one sequence deep (e.g. InPlanePhaseEncodingDirection inside
        MRFOVGeometrySequence, RepetitionTime inside MRTimingAndRelatedParametersSequence).
        """
        v = self.ds.get(keyword)
        if v not in (None, ""):
            return v
        if self.frame is None:
            return default
        fg = _frame_group(self.ds, self.frame)
        if fg is None:
            return default
        v = fg.get(keyword)
        if v not in (None, ""):
            return v
        for elem in fg:
            if elem.VR == "SQ" and elem.value:
                v = elem.value[0].get(keyword)
                if v not in (None, ""):
                    return v
        return default

    @property
    def sop_instance_uid(self) -> str:
        uid = str(self.ds.get("SOPInstanceUID", ""))
        return f"{uid}#{self.frame}" if self.frame is not None else uid

    @property
    def key(self) -> str:
        """A name that tells this image apart even when SOP Instance UIDs collide: UID, file, frame."""
        k = f"{self.ds.get('SOPInstanceUID', '')}|{self.path}"
        return f"{k}#{self.frame}" if self.frame is not None else k

    @property
    def series_instance_uid(self) -> str:
        return str(self.ds.get("SeriesInstanceUID", ""))

    @property
    def modality(self) -> str:
        return str(self.ds.get("Modality", ""))

    @property
    def instance_number(self) -> int | None:
        v = self.ds.get("InstanceNumber")
        try:
            return int(v) + (self.frame or 0) if v is not None else None
        except (TypeError, ValueError):
            return None

    @property
    def normal(self) -> np.ndarray | None:
        if self.orientation is None:
            return None
        r, c = np.array(self.orientation[:3]), np.array(self.orientation[3:])
        return np.cross(r, c)

    @property
    def z(self) -> float | None:
        """Position along the slice normal (mm); falls back to Slice Location."""
        n = self.normal
        if n is not None and self.position is not None:
            return float(np.dot(n, self.position))
        return _f(self.ds.get("SliceLocation"))

    @property
    def shape(self) -> tuple[int, int]:
        return self.array.shape  # type: ignore[return-value]

    def ref(self) -> InputRef:
        return InputRef(
            path=self.path,
            sop_instance_uid=self.sop_instance_uid,
            series_instance_uid=self.series_instance_uid,
            instance_number=self.instance_number,
            slice_position_mm=self.z,
        )

    def mm_to_px(self, x_mm: float, y_mm: float) -> tuple[float, float]:
        """Image-plane mm relative to the image centre (x right, y down) → (col, row) px."""
        rows, cols = self.array.shape
        return (cols - 1) / 2 + x_mm / self.spacing[1], (rows - 1) / 2 + y_mm / self.spacing[0]

    def px_to_mm(self, col: float, row: float) -> tuple[float, float]:
        rows, cols = self.array.shape
        return (col - (cols - 1) / 2) * self.spacing[1], (row - (rows - 1) / 2) * self.spacing[0]


def _spacing(ds: Dataset, fg: Dataset | None) -> tuple[tuple[float, float] | None, str]:
    ps = None
    if fg is not None and "PixelMeasuresSequence" in fg:
        ps = fg.PixelMeasuresSequence[0].get("PixelSpacing")
    if ps is None:
        ps = ds.get("PixelSpacing")
    pair = _pair(ps)
    if pair is not None:
        return pair, "PixelSpacing"
    pair = _pair(ds.get("ImagerPixelSpacing"))
    if pair is not None:
        return pair, "ImagerPixelSpacing"
    return None, ""


def _pair(v) -> tuple[float, float] | None:
    """Two positive finite numbers, or None (a spacing of "abc" or 0 is no spacing)."""
    try:
        if v is None or len(v) != 2:
            return None
        a, b = float(v[0]), float(v[1])
    except (TypeError, ValueError):
        return None
    return (a, b) if 0 < a < 1e4 and 0 < b < 1e4 else None


def images_from(ds: Dataset, *, require_spacing: bool = True) -> list[Image]:
    """Turn one dataset into its images (one per frame). Raises :class:`DicomInputError`."""
    name = str(getattr(ds, "filename", "") or ds.get("SOPInstanceUID", "?"))
    arr = pixels(ds)
    nframes = int(ds.get("NumberOfFrames", 1) or 1)
    frames = [arr] if nframes == 1 or arr.ndim == 2 else list(arr)
    out = []
    for i, a in enumerate(frames):
        fidx = i if nframes > 1 else None
        fg = _frame_group(ds, i) if nframes > 1 else None
        spacing, source = _spacing(ds, fg)
        if spacing is None:
            if require_spacing:
                raise DicomInputError(name, "缺少像素间距（Pixel Spacing / Imager Pixel Spacing），无法以毫米计量", "no pixel spacing (Pixel Spacing / Imager Pixel Spacing); cannot measure in mm")
            spacing, source = (1.0, 1.0), "assumed"
        pos = ds.get("ImagePositionPatient")
        ori = ds.get("ImageOrientationPatient")
        thick = _f(ds.get("SliceThickness"))
        if fg is not None:
            if "PlanePositionSequence" in fg:
                pos = fg.PlanePositionSequence[0].get("ImagePositionPatient", pos)
            if "PlaneOrientationSequence" in fg:
                ori = fg.PlaneOrientationSequence[0].get("ImageOrientationPatient", ori)
            if "PixelMeasuresSequence" in fg:
                thick = _f(fg.PixelMeasuresSequence[0].get("SliceThickness"), thick)
            if nframes > 1:
                slope, inter = _rescale(ds, i)
                if (slope, inter) != (1.0, 0.0) and ds.get("RescaleSlope") is None:
                    a = a * np.float32(slope) + np.float32(inter)
        out.append(
            Image(
                array=a,
                spacing=spacing,
                ds=ds,
                path=name,
                frame=fidx,
                position=tuple(float(x) for x in pos) if pos is not None and len(pos) == 3 else None,
                orientation=tuple(float(x) for x in ori) if ori is not None and len(ori) == 6 else None,
                slice_thickness=thick,
                spacing_source=source,
            )
        )
    return out


def release_pixels(ds: Dataset) -> None:
    """Drop a dataset's raw Pixel Data and pydicom's decoded copy; the header stays.

    Once an :class:`Image` holds the float array, the other two copies only cost
    memory (about two thirds of a long series' footprint).
    """
    if "PixelData" in ds:
        del ds.PixelData
    for cache in ("_pixel_array", "_pixel_id"):
        if getattr(ds, cache, None) is not None:
            object.__setattr__(ds, cache, None if cache == "_pixel_array" else {})


def load_images(
    paths: Iterable[str | Path] | str | Path, *, require_spacing: bool = True, keep_pixel_data: bool = False
) -> tuple[list[Image], list[InputError]]:
    """:func:`load` then :func:`images_from` on every dataset; errors are collected, never raised.

    Each dataset's raw pixel data is released once converted (see :func:`release_pixels`)
    unless ``keep_pixel_data`` is True.
    """
    rep = load(paths)
    images: list[Image] = []
    errors = list(rep.errors)
    while rep.datasets:
        ds = rep.datasets.pop(0)
        try:
            images.extend(images_from(ds, require_spacing=require_spacing))
        except DicomInputError as e:
            errors.append(e.as_error())
        except Exception as e:  # nonsense values (Pixel Spacing "abc", Rows 0): this file is not an image
            name = str(getattr(ds, "filename", "") or "?")
            errors.append(InputError(name, f"图像头信息无法使用：{str(e)[:300]}",
                                     f"the image header is not usable: {str(e)[:300]}"))
        if not keep_pixel_data:
            release_pixels(ds)
    return images, errors


def is_localiser(ds: Dataset) -> bool:
    """A localiser/scout/topogram (ImageType LOCALIZER, or a CT topogram by name)."""
    it = [str(x).upper() for x in (ds.get("ImageType") or [])]
    if "LOCALIZER" in it or "LOCALISER" in it or "SCOUT" in it:
        return True
    desc = " ".join(str(ds.get(k, "")) for k in ("SeriesDescription", "ProtocolName", "ImageComments")).lower()
    return any(w in desc for w in ("topogram", "scout", "localizer", "localiser", "surview", "scanogram", "定位"))


def group_series(images: Sequence[Image]) -> "OrderedDict[str, list[Image]]":
    """Images grouped by Series Instance UID, each group sorted along the slice normal."""
    groups: OrderedDict[str, list[Image]] = OrderedDict()
    for im in images:
        groups.setdefault(im.series_instance_uid, []).append(im)
    for uid, ims in groups.items():
        ims.sort(key=lambda m: (m.z if m.z is not None else float(m.instance_number or 0)))
    return groups


def device_info(ds: Dataset) -> DeviceInfo:
    """The device identity of a dataset's header."""

    def s(key):
        v = ds.get(key)
        return str(v).strip() if v not in (None, "") else None

    sw = ds.get("SoftwareVersions")
    if sw is not None and not isinstance(sw, str):
        sw = "\\".join(str(x) for x in sw) if hasattr(sw, "__iter__") else str(sw)
    return DeviceInfo(
        manufacturer=s("Manufacturer"),
        model=s("ManufacturerModelName"),
        serial=s("DeviceSerialNumber"),
        station=s("StationName"),
        field_strength_t=_f(ds.get("MagneticFieldStrength")),
        software=str(sw).strip() if sw else None,
    )


def as_image(obj) -> Image:
    """An :class:`Image` from an Image, a pydicom Dataset (its first frame) or a file path.

    Lets the library functions of the analyses take what a user has at hand
    (``response_uniformity(pydicom.dcmread(path))``). Raises :class:`DicomInputError`.
    """
    if isinstance(obj, Image):
        return obj
    if isinstance(obj, Dataset):
        return images_from(obj)[0]
    if isinstance(obj, (str, Path)):
        return images_from(read_dataset(str(obj), Path(obj)))[0]
    raise TypeError(f"expected an Image, a pydicom Dataset or a path, got {type(obj).__name__}")


def as_images(objs) -> list[Image]:
    """:func:`as_image` over a sequence (a single item is taken as a one-item sequence)."""
    if isinstance(objs, (Image, Dataset, str, Path)):
        objs = [objs]
    return [as_image(o) for o in objs]


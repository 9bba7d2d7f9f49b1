"""The one storage path for received DICOM: C-STORE and web upload both come here.

Order matters: the bytes are written to a generated path and fsync'ed, then the row is
recorded, and only then does the caller acknowledge (C-STORE success status, or the
upload page's message). A write failure raises :class:`StorageError`, which the SCP turns
into a C-STORE failure status so that the sender keeps the object and retries; nothing
is ever silently lost. Objects that cannot be read as DICOM are still kept and recorded,
with the reason, so that a person can look at them.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, OperationalError, transaction
from django.db.models import F
from django.utils import timezone

from huren.dicomio import DicomInputError
from huren.dicomio.reader import read_dataset

from .identify import PHANTOM_WORDS, Identity, identify, incomplete
from .models import DicomObject, DicomSeries

log = logging.getLogger(__name__)

_UID = re.compile(r"^[0-9.]{1,64}$")
RECORD_ATTEMPTS = 6  # ~1.6 s of back-off in all, on top of the database's own lock timeout


class StorageError(Exception):
    """The object could not be written to disk or recorded; it was not accepted."""

    def __init__(self, reason_zh: str, reason_en: str):
        super().__init__(reason_en)
        self.reason_zh = reason_zh
        self.reason_en = reason_en


@dataclass
class Stored:
    obj: DicomObject
    series: DicomSeries | None


def dicom_root() -> Path:
    return Path(settings.DICOM_ROOT)


def phantom_words_setting() -> tuple[str, ...]:
    return tuple(getattr(settings, "HUREN_DICOM_PHANTOM_WORDS", PHANTOM_WORDS))


def generated_path(ident: Identity, when) -> str:
    """``YYYY/MM/DD/<series>/<random>.dcm``, relative to the DICOM root.

    The series folder is the Series Instance UID when it is a well-formed UID, else a
    hash of it; the file name is random, so a sender's names or UIDs never become
    paths (no traversal, no collisions between re-sends).
    """
    series = ident.series_instance_uid
    if not _UID.match(series):
        series = "x" + hashlib.sha1(series.encode("utf-8", "replace")).hexdigest()[:16] if series else "unknown"
    local = timezone.localtime(when)
    return f"{local:%Y/%m/%d}/{series}/{uuid.uuid4().hex}.dcm"


def write_durably(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that it survives a crash once this returns.

    Written to a temporary name in the same folder, fsync'ed, renamed into place, and
    the folder fsync'ed so that the rename itself is on disk.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".part")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
    try:
        view = memoryview(data)
        while view:
            n = os.write(fd, view)
            view = view[n:]
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    dfd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dfd)
    finally:
        os.close(dfd)


def _parse(raw: bytes, name: str):
    """The header's identity, and the reason the object is not usable (or None)."""
    try:
        ds = read_dataset(name or "dataset", raw)
    except DicomInputError as e:
        return Identity(), e
    try:
        ident = identify(ds, phantom_words_setting())
        why = incomplete(ds)
    except Exception as e:  # a header whose values make no sense (Rows "abc"): kept, not usable
        return Identity(), DicomInputError(name, f"头信息无法使用：{str(e)[:200]}",
                                           f"the header is not usable: {str(e)[:200]}")
    return ident, (DicomInputError(name, *why) if why else None)


def store(raw: bytes, *, source: str, calling_ae: str = "", original_name: str = "", user=None, device=None,
          kerma_ugy: float | None = None) -> Stored:
    """Write one received object durably, record it, and file it under its series.

    ``device`` (uploads) files a new series under that device instead of matching the
    header's identity. Raises :class:`StorageError` when the object could not be kept
    (disk full, database down); the sender must then be told so (C-STORE failure status).
    """
    now = timezone.now()
    ident, err = _parse(raw, original_name)
    if device is not None and ident.series_instance_uid:
        owner = (DicomSeries.objects.filter(series_instance_uid=ident.series_instance_uid)
                 .values_list("device_id", flat=True).first())
        if owner is not None and owner != device.pk:
            # An upload may not add images to a series that belongs to another device.
            raise StorageError("该序列已属于另一台设备，未存储", "this series belongs to another device; not stored")
    rel = generated_path(ident, now)
    target = dicom_root() / rel
    try:
        write_durably(target, raw)
    except OSError as e:
        log.error("DICOM write failed for %s: %s", target, e)
        raise StorageError(f"无法写入存储：{e.strerror or e}", f"cannot write to storage: {e.strerror or e}") from e
    digest = hashlib.sha256(raw).hexdigest()
    for attempt in range(RECORD_ATTEMPTS):
        try:
            obj, series = _record(len(raw), digest, ident, err, rel, now, source, calling_ae, original_name, user, device,
                                  kerma_ugy)
            break
        except OperationalError as e:  # a locked database (SQLite under several senders): try again
            if attempt + 1 == RECORD_ATTEMPTS or transaction.get_connection().in_atomic_block:
                log.exception("DICOM record failed for %s", target)
                raise StorageError(f"已写入文件但无法登记：{e}", f"file written but could not be recorded: {e}") from e
            time.sleep(0.05 * 2 ** attempt)
        except Exception as e:  # the file is on disk; tell the sender we did not accept it
            log.exception("DICOM record failed for %s", target)
            raise StorageError(f"已写入文件但无法登记：{e}", f"file written but could not be recorded: {e}") from e
    return Stored(obj, series)


def _record(size, digest, ident, err, rel, now, source, calling_ae, original_name, user, device, kerma_ugy=None):
    """The database half of :func:`store`: one transaction, the object and its series."""
    with transaction.atomic():
        series, series_created = (_file_under_series(ident, calling_ae, now, device)
                                  if err is None and ident.series_instance_uid else (None, False))
        if err is not None:
            status = DicomObject.Status.INVALID
        elif ident.sop_instance_uid and DicomObject.objects.filter(
                sop_instance_uid=ident.sop_instance_uid, sha256=digest).exclude(status=DicomObject.Status.INVALID).exists():
            # only a byte-identical copy is a duplicate: files that share a UID but differ in
            # content are distinct images (an anonymiser that gave every file one UID)
            status = DicomObject.Status.DUPLICATE
        else:
            status = DicomObject.Status.STORED
        if series is not None:
            from huren.studies.intake import file_object

            study = file_object(ident, series, series_created=series_created, now=now,
                                new_image=status == DicomObject.Status.STORED)
            if study is not None and series.study_id != study.pk:
                series.study = study
                series.save(update_fields=["study"])
        obj = DicomObject.objects.create(
            series=series,
            **_sender_fields(ident, calling_ae),
            sop_instance_uid=ident.sop_instance_uid,
            sop_class_uid=ident.sop_class_uid,
            series_instance_uid=ident.series_instance_uid,
            transfer_syntax_uid=ident.transfer_syntax_uid[:64],
            source=source,
            original_name=(original_name or "")[-255:],
            uploaded_by=user if (user is not None and getattr(user, "pk", None)) else None,
            path=rel,
            size_bytes=size,
            sha256=digest,
            received_at=now,
            status=status,
            error_zh=err.reason_zh if err else "",
            error_en=err.reason_en if err else "",
            kerma_ugy=kerma_ugy,
            kerma_source="upload CSV" if kerma_ugy is not None else "",
        )
        if series is not None and not series.check_pending:
            # Only the first object of a burst schedules the completeness check; the
            # pending check reads the series' last arrival when it runs.
            from .tasks import schedule_series_check

            transaction.on_commit(lambda: schedule_series_check(series.pk))
    return obj, series


def _sender_fields(ident: Identity, calling_ae: str) -> dict:
    """What an object and its series both keep of who sent it and what it is."""
    return dict(study_instance_uid=ident.study_instance_uid, modality=ident.modality, station_name=ident.station_name,
                device_serial=ident.device_serial, calling_ae_title=(calling_ae or "")[:16])


def _file_under_series(ident: Identity, calling_ae: str, now, device=None) -> tuple[DicomSeries, bool]:
    defaults = dict(
        **_sender_fields(ident, calling_ae),
        description=ident.series_description,
        manufacturer=ident.manufacturer,
        model_name=ident.model_name,
        field_strength_t=ident.field_strength_t,
        first_received_at=now,
        last_received_at=now,
        phantom_hint=", ".join(ident.phantom_words)[:200],
        device=device,
    )
    try:
        with transaction.atomic():
            series, created = DicomSeries.objects.select_for_update().get_or_create(
                series_instance_uid=ident.series_instance_uid, defaults=defaults)
    except IntegrityError:  # another association created it at the same moment
        series, created = DicomSeries.objects.select_for_update().get(series_instance_uid=ident.series_instance_uid), False
    if created:
        from .matching import match_series_device

        match_series_device(series)
    elif device is not None and series.device_id is None:
        series.device = device  # an upload names the device of a series nobody had claimed
        series.save(update_fields=["device"])
    DicomSeries.objects.filter(pk=series.pk).update(object_count=F("object_count") + 1, last_received_at=now)
    series.refresh_from_db()
    return series, created


def quiet_period() -> timedelta:
    """How long a series must be silent before it is taken as complete."""
    return timedelta(seconds=float(getattr(settings, "HUREN_DICOM_SERIES_QUIET_SECONDS", 30)))


def series_files(series: DicomSeries) -> list[Path]:
    """The stored files of a series: every distinct image, one file per (SOP Instance UID,
    content) — the latest copy of a byte-identical re-send. Files that share a UID but differ
    in content are all returned (see :func:`uid_collisions`)."""
    latest: dict[tuple[str, str], DicomObject] = {}
    for o in series.dicom_objects.exclude(status=DicomObject.Status.INVALID).order_by("received_at", "id"):
        latest[(o.sop_instance_uid or o.path, o.sha256)] = o
    return [o.absolute_path for o in latest.values()]


def uid_collisions(series: DicomSeries) -> dict[str, int]:
    """SOP Instance UIDs that more than one distinct image of the series carries, with how many."""
    from django.db.models import Count

    rows = (series.dicom_objects.exclude(status=DicomObject.Status.INVALID).exclude(sop_instance_uid="")
            .values("sop_instance_uid").annotate(n=Count("sha256", distinct=True)).filter(n__gt=1))
    return {r["sop_instance_uid"]: r["n"] for r in rows}


def _unzipped_too_large(path: Path) -> tuple[str, str] | None:
    """Refuse an uploaded zip that would unpack to more than ``HUREN_MAX_UNZIPPED_BYTES``
    (each member is read into memory, so a small zip of zeros must not become gigabytes)."""
    import zipfile

    limit = int(getattr(settings, "HUREN_MAX_UNZIPPED_BYTES", 20 * settings.HUREN_MAX_UPLOAD_BYTES))
    try:
        with zipfile.ZipFile(path) as zf:
            total = sum(i.file_size for i in zf.infolist())
    except (zipfile.BadZipFile, OSError):
        return None  # the reader names the broken archive
    if total > limit:
        mb = lambda n: f"{n / 1024 / 1024:.0f} MB"  # noqa: E731
        return (f"zip 压缩包解压后为 {mb(total)}，超过上限 {mb(limit)}，已拒绝",
                f"the zip archive would unpack to {mb(total)}, above the {mb(limit)} limit; refused")
    return None


INLINE_MEMBERS = 200  # a zip with more members is stored in the background (HUREN_DICOM_UPLOAD_INLINE_MEMBERS)


def _zip_members(path: Path) -> int:
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            return sum(1 for i in zf.infolist() if not i.is_dir())
    except Exception:
        return 0


def store_upload(uploaded, *, user, device=None, allow_background: bool = False, kerma: dict | None = None):
    """Store an uploaded file (a DICOM file or a zip of them) through :func:`store`.

    Returns what was stored and, for files or members that could not be taken, (name, zh, en);
    one refused member does not stop the others. With ``allow_background``, a zip of more than
    ``HUREN_DICOM_UPLOAD_INLINE_MEMBERS`` members is kept on disk and stored by a background
    task (:class:`UploadBatch`, whose page shows the progress): the third value returned is
    then the batch (else None). ``kerma``: {file name: detector air kerma µGy} (the CLI's
    ``--kerma`` CSV, :func:`huren.analysis.read_kerma`), kept on each object it names.
    """
    name = os.path.basename(getattr(uploaded, "name", "") or "upload")
    stored: list[Stored] = []
    problems: list[tuple[str, str, str]] = []
    batch = None

    if name.lower().endswith(".zip"):
        tmp_dir = dicom_root() / "incoming"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = tmp_dir / f"{uuid.uuid4().hex}.zip"
        with open(tmp, "wb") as fh:
            for chunk in uploaded.chunks():
                fh.write(chunk)
        try:
            refused = _unzipped_too_large(tmp)
            if refused:
                problems.append((name, *refused))
                return _result(stored, problems, batch, allow_background)
            inline = int(getattr(settings, "HUREN_DICOM_UPLOAD_INLINE_MEMBERS", INLINE_MEMBERS))
            if allow_background and _zip_members(tmp) > inline:
                batch = _queue_batch(tmp, name, user, device)
                tmp = None  # the batch owns the file now
                return _result(stored, problems, batch, allow_background)
            _store_zip(tmp, name, user, device, stored.append, problems.append, kerma=kerma)
        finally:
            if tmp is not None:
                tmp.unlink(missing_ok=True)
    else:
        buf = io.BytesIO()
        for chunk in uploaded.chunks():
            buf.write(chunk)
        _take(buf.getvalue(), name, user, device, stored.append, problems.append, kerma)
    for s in stored:
        if s.obj.status == DicomObject.Status.INVALID:
            problems.append((s.obj.original_name, s.obj.error_zh, s.obj.error_en))
        elif s.series is None:
            problems.append((s.obj.original_name, "已存储，但缺少 Series Instance UID，未归入任何序列，不会被分析",
                             "stored, but it has no Series Instance UID: not filed under a series, not analysed"))
    if not stored and not problems:
        problems.append((name, "其中没有可存储的文件（空文件或空压缩包）", "nothing in it to store (an empty file or archive)"))
    return _result(stored, problems, batch, allow_background)


def _result(stored, problems, batch, allow_background):
    return (stored, problems, batch) if allow_background else (stored, problems)


def _take(data: bytes, member: str, user, device, on_stored, on_problem, kerma: dict | None = None) -> None:
    k = (kerma or {}).get(Path(member.split("!")[-1]).name)
    try:
        on_stored(store(data, source=DicomObject.Source.UPLOAD, original_name=member, user=user, device=device,
                        kerma_ugy=k))
    except StorageError as e:
        on_problem((member, e.reason_zh, e.reason_en))


def _store_zip(path: Path, name: str, user, device, on_stored, on_problem, progress=None, kerma=None) -> None:
    """Every member of the zip at ``path`` through :func:`store` (``name``: the user's file name)."""
    from huren.dicomio.reader import _iter_zip

    for i, (member, data) in enumerate(_iter_zip(path)):
        member = member.replace(str(path), name)
        if isinstance(data, DicomInputError):
            on_problem((member if "!" in member else name, data.reason_zh, data.reason_en))
        else:
            _take(data, member, user, device, on_stored, on_problem, kerma)
        if progress is not None:
            progress(i + 1)


def _queue_batch(tmp: Path, name: str, user, device):
    from .models import UploadBatch
    from .tasks import store_batch

    keep = dicom_root() / "uploads" / tmp.name
    keep.parent.mkdir(parents=True, exist_ok=True)
    os.replace(tmp, keep)
    batch = UploadBatch.objects.create(
        name=name[-255:], path=str(keep.relative_to(dicom_root())), device=device, total=_zip_members(keep),
        uploaded_by=user if (user is not None and getattr(user, "pk", None)) else None, created_at=timezone.now())
    transaction.on_commit(lambda: store_batch.enqueue(batch.pk))
    return batch


def run_batch(batch_id: int) -> str:
    """Store the members of an :class:`UploadBatch` (the background task's body), recording the
    progress every few members so that its page can show it."""
    from .models import UploadBatch

    batch = UploadBatch.objects.select_related("device", "uploaded_by").get(pk=batch_id)
    if batch.status == UploadBatch.Status.DONE:
        return batch.status
    UploadBatch.objects.filter(pk=batch.pk).update(status=UploadBatch.Status.RUNNING)
    path = dicom_root() / batch.path
    state = {"stored": 0, "series": set(), "problems": []}

    def on_stored(s: Stored):
        if s.obj.status == DicomObject.Status.INVALID:
            state["problems"].append([s.obj.original_name, s.obj.error_zh, s.obj.error_en])
        else:
            state["stored"] += 1
        if s.series is not None:
            state["series"].add(s.series.pk)

    def progress(done: int):
        if done % 25 == 0:
            UploadBatch.objects.filter(pk=batch.pk).update(done=done, stored=state["stored"])

    try:
        _store_zip(path, batch.name, batch.uploaded_by, batch.device, on_stored,
                   lambda p: state["problems"].append(list(p)), progress)
        status = UploadBatch.Status.DONE
    except Exception as e:  # keep what was stored, say why the rest was not
        log.exception("background upload %s failed", batch.pk)
        state["problems"].append([batch.name, f"存储中断：{type(e).__name__}: {e}", f"storing stopped: {type(e).__name__}: {e}"])
        status = UploadBatch.Status.FAILED
    UploadBatch.objects.filter(pk=batch.pk).update(
        status=status, done=batch.total if status == UploadBatch.Status.DONE else F("done"), stored=state["stored"],
        problems=state["problems"][:5000], series_ids=sorted(state["series"]), finished_at=timezone.now())
    return status

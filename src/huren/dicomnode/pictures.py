"""The analysed images with their ROIs drawn: the pictures of one analysis run.

The analysis draws them itself (``AnalyzeOptions(report_dir=…)``, what ``huren analyze
--report`` writes); this module runs it again on the stored images of the run's series and
keeps the PNGs, once per run, under ``HUREN_PICTURES_ROOT/run-<pk>/`` (``HUREN_HOME/pictures``
by default), with an ``index.json`` that says which pictures were drawn (or why none could
be). Both the series page and the QC report PDF of a run take them from here:

- :func:`request` queues the drawing in the background worker (after an analysis finished,
  and on the first view of a series whose pictures are missing); :func:`draw` is the work;
- :func:`for_page` is what the series page shows (the pictures, "being drawn", "the stored
  images are gone"); :func:`paths_for` is what the PDF embeds (drawn in the request if
  missing: a PDF is asked for explicitly);
- :func:`assign` puts each picture beside the figures it illustrates, by the names the
  analysis gives its PNGs (module or test, slice, figure number), and the rest in a gallery.

The table of figures always comes from the run's stored result; a picture only illustrates it.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.utils import timezone

log = logging.getLogger(__name__)

INDEX = "index.json"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,150}\.png$")
QUEUED_FOR = 600  # seconds a queued drawing is waited for before it is queued again


def root() -> Path:
    return Path(settings.HUREN_PICTURES_ROOT)


def folder(run) -> Path:
    return root() / f"run-{run.pk}"


def _marker(run) -> Path:
    return root() / f"run-{run.pk}.queued"


def drawable(run) -> bool:
    """Whether the run has figures a picture could illustrate."""
    return bool(run is not None and run.result and run.result.get("measurements"))


def redraw(run, into: Path) -> tuple[list[Path], int]:
    """Draw the pictures of ``run`` into ``into`` by running the same analysis again on the
    series' stored images (with the kerma given on the series page, as the run had it);
    returns the PNGs and the number of stored images that were gone."""
    from .kerma import kerma_map
    from .storage import series_files

    stored = series_files(run.series)
    files = [p for p in stored if p.exists()]
    if not files:
        return [], len(stored)
    from huren.analysis import AnalyzeOptions, analyze_paths

    analyze_paths([str(p) for p in files], AnalyzeOptions(report_dir=into, kerma_ugy=kerma_map(run.series)))
    return sorted(into.glob("*.png")), len(stored) - len(files)


def _identity(run) -> str:
    """What names the run beyond its number (a database made afresh under an old picture
    store numbers its runs from 1 again): its series and the time it was queued."""
    return f"{run.series.series_instance_uid}@{run.queued_at.isoformat()}"


def index(run) -> dict | None:
    """The run's index of drawn pictures, or None when none have been drawn for this run (or
    they were removed)."""
    try:
        data = json.loads((folder(run) / INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("identity") != _identity(run):
        return None
    names = [n for n in data.get("pictures", []) if isinstance(n, str) and NAME.match(n)]
    return dict(data, pictures=names)


def draw(run) -> dict:
    """Draw and keep the pictures of ``run`` (replacing any earlier drawing); returns the index.
    A drawing that fails is kept as an index without pictures and with the reason, so that it
    is not tried again on every view."""
    root().mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f"run-{run.pk}.", suffix=".drawing", dir=root()))
    data: dict = {"run": run.pk, "identity": _identity(run), "drawn_at": timezone.now().isoformat(), "pictures": [], "gone": 0}
    try:
        try:
            pngs, data["gone"] = redraw(run, tmp)
            data["pictures"] = [p.name for p in pngs if NAME.match(p.name)]
        except Exception as e:  # a drawing bug must not break the page or the worker: keep the reason
            log.exception("pictures of analysis run %s could not be drawn", run.pk)
            data["error_zh"] = f"图片绘制失败：{type(e).__name__}: {e}"[:500]
            data["error_en"] = f"the pictures could not be drawn: {type(e).__name__}: {e}"[:500]
        for p in tmp.iterdir():
            if p.suffix != ".png" or p.name not in data["pictures"]:
                p.unlink() if p.is_file() else shutil.rmtree(p, ignore_errors=True)
        (tmp / INDEX).write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        final = folder(run)
        old = final.with_name(final.name + f".old-{time.monotonic_ns()}")
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        _marker(run).unlink(missing_ok=True)
    return data


def request(run) -> bool:
    """Queue the drawing of the run's pictures in the background worker, unless it is already
    queued (within the last ``QUEUED_FOR`` seconds). True when it was queued now."""
    marker = _marker(run)
    try:
        if time.time() - marker.stat().st_mtime < QUEUED_FOR:
            return False
    except OSError:
        pass
    root().mkdir(parents=True, exist_ok=True)
    marker.write_text(timezone.now().isoformat(), "utf-8")
    from .tasks import draw_pictures

    try:
        draw_pictures.enqueue(run.pk)
    except Exception:  # no worker backend reachable: the next view asks again
        marker.unlink(missing_ok=True)
        log.exception("the drawing of the pictures of analysis run %s could not be queued", run.pk)
        return False
    return True


@dataclass
class Pictures:
    """What the series page shows of a run's pictures. ``state``: ``ready`` (``names``),
    ``drawing`` (queued in the worker), ``gone`` (the stored images are no longer on disk),
    ``failed`` (the drawing failed: ``reason_zh``/``reason_en``) or ``none`` (nothing drawn)."""

    run: object
    state: str
    names: list[str] = field(default_factory=list)
    gone: int = 0
    reason_zh: str = ""
    reason_en: str = ""


def _from_index(run, data: dict) -> Pictures:
    if data.get("error_zh"):
        return Pictures(run, "failed", reason_zh=data["error_zh"], reason_en=data.get("error_en", ""))
    if not data["pictures"]:
        return Pictures(run, "gone" if data.get("gone") else "none", gone=data.get("gone", 0))
    return Pictures(run, "ready", data["pictures"], gone=data.get("gone", 0))


def for_page(run) -> Pictures | None:
    """The run's pictures for its series page; the drawing is queued when they are missing
    (with a backend that runs at once, as in tests, they are there when this returns)."""
    if not drawable(run):
        return None
    data = index(run)
    if data is None:
        from .storage import series_files

        if not any(p.exists() for p in series_files(run.series)):
            return Pictures(run, "gone")
        request(run)
        data = index(run)
        if data is None:
            return Pictures(run, "drawing")
    return _from_index(run, data)


def paths_for(run) -> list[Path]:
    """The run's pictures as files (drawn now if missing), for the QC report PDF."""
    if not drawable(run):
        return []
    data = index(run)
    if data is None:
        data = draw(run)
    base = folder(run)
    return [base / n for n in data["pictures"] if (base / n).is_file()]


def picture_path(run, name: str) -> Path | None:
    """The file of one drawn picture of the run, or None when it is not (or no longer) there."""
    data = index(run)
    if data is None or name not in data["pictures"]:
        return None
    p = folder(run) / name
    return p if p.is_file() else None


PREVIEW_WIDTH = 480  # px: what the series page shows beside the figures; the full picture is a click away


def preview_path(run, name: str) -> Path | None:
    """A lighter copy of one picture for the page (JPEG, at most ``PREVIEW_WIDTH`` wide: a noisy
    MR picture's PNG is 150 kB, its preview about 25 kB), kept beside it once made; None when the
    picture is not there."""
    full = picture_path(run, name)
    if full is None:
        return None
    small = full.with_name(f".preview-{PREVIEW_WIDTH}-{full.stem}.jpg")
    if small.is_file():
        return small
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(full) as im:
            out = im.convert("RGB")
            if out.width > PREVIEW_WIDTH:
                out = out.resize((PREVIEW_WIDTH, max(1, round(out.height * PREVIEW_WIDTH / out.width))),
                                 Image.Resampling.LANCZOS)
    except (UnidentifiedImageError, OSError, ValueError):  # a damaged picture: the page shows it as it is
        log.warning("no preview of picture %s of analysis run %s (unreadable)", name, run.pk)
        return full
    tmp = small.with_name(small.name + f".{os.getpid()}.tmp")
    out.save(tmp, format="JPEG", quality=85)
    tmp.replace(small)  # whole or not at all, for a view running at the same time
    return small


# ----------------------------------------------------------------------------- beside the figures

_SAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _safe(s: str) -> str:
    """A name as the analysis writes it into a PNG's file name, lower case."""
    return _SAFE.sub("_", str(s)).lower()


def _keys(m: dict) -> list[str]:
    """The names the analysis may have given the picture of measurement ``m``, most specific
    first: its module (CT: ``CTP404``, ``ACR module 1``), then each part of its algorithm's
    name from the end (``huren.analysis.mr.geometry/1`` → ``geometry``; CT water noise →
    ``noise``, ``water``; DR ``uniformity``)."""
    alg = str((m.get("provenance") or {}).get("algorithm") or "").split("/")[0].split(".")
    if alg[:2] == ["huren", "analysis"]:
        alg = alg[3:]
    details = m.get("details") if isinstance(m.get("details"), dict) else {}
    keys = [details["module"]] if details.get("module") else []
    return list(dict.fromkeys(_safe(k) for k in [*keys, *reversed(alg)] if k))


def _image(m: dict) -> str | None:
    prov = m.get("provenance") or {}
    for k in ("sop_instance_uids", "files"):
        v = prov.get(k) or []
        if v:
            return str(v[0])
    return None


def _find(m: dict, rank: int, names: dict[str, str], key: str) -> str | None:
    """The picture named for ``key``: ``key_s<slice>`` (MR, per slice), ``key`` (one figure),
    ``key_<rank>`` (CT: the rank-th image of that module), ``dr-key[-rank]-<file>`` (DR)."""
    tries = ([f"{key}_s{m['slice']}"] if m.get("slice") else []) + [key, f"{key}_{rank}"]
    for t in tries:
        if t in names:
            return names[t]
    dr = re.compile(rf"^dr-{re.escape(key)}(?:-(\d+))?-")
    for low, name in names.items():
        hit = dr.match(low)
        if hit and int(hit.group(1) or 1) == rank:
            return name
    return None


@dataclass
class Group:
    """Consecutive rows of the figures table: the measurements one picture shows (``picture``
    None: figures no picture shows)."""

    picture: str | None
    rows: list = field(default_factory=list)


def assign(measurements: list[dict], pictures: list[str]) -> tuple[list[Group], list[str]]:
    """Group the measurements by the picture that shows them, in the order of their first
    figure; returns the groups and the pictures no figure matched (a gallery)."""
    names = {_safe(Path(p).stem): p for p in pictures}
    seen: dict[str, list[str | None]] = {}  # key -> the distinct images measured under it, in order
    for m in measurements:
        for k in _keys(m):
            imgs = seen.setdefault(k, [])
            if _image(m) not in imgs:
                imgs.append(_image(m))
    chosen: list[str | None] = []
    for m in measurements:
        pic = None
        for k in _keys(m):
            pic = _find(m, seen[k].index(_image(m)) + 1, names, k)
            if pic:
                break
        chosen.append(pic)
    # a figure measured in ROIs whose own picture there is not (CT low contrast on the water
    # slice) is shown beside a picture of the image it was measured on; a figure without an
    # ROI (a header's resonance frequency) has no picture
    by_image = {_image(m): p for m, p in zip(measurements, chosen) if p and _image(m)}
    chosen = [p or (by_image.get(_image(m)) if m.get("rois") else None) for m, p in zip(measurements, chosen)]
    groups: list[Group] = []
    placed: dict[str, Group] = {}
    for m, p in zip(measurements, chosen):
        if p is None:
            if not groups or groups[-1].picture is not None:
                groups.append(Group(None))
            groups[-1].rows.append(m)
        elif p in placed:
            placed[p].rows.append(m)
        else:
            placed[p] = Group(p, [m])
            groups.append(placed[p])
    return groups, [p for p in pictures if p not in placed]

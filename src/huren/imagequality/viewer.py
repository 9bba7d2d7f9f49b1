"""Key images of a series as PNG, rendered on the server: the middle image of each series (or a
chosen one, e.g. every DR image), windowed with a CT preset (window_presets.toml) or an automatic
percentile window (MR, DR, CT without a preset); MONOCHROME1 is inverted. Cached under
HUREN_HOME/cache/iq."""

from __future__ import annotations

import hashlib
import io
import tomllib
from functools import lru_cache
from pathlib import Path

import numpy as np
from django.conf import settings
from PIL import Image

from huren.dicomio.reader import pixels, read_dataset
from huren.dicomnode.storage import series_files


@lru_cache(maxsize=1)
def presets() -> dict:
    return tomllib.loads((Path(__file__).with_name("window_presets.toml")).read_text("utf-8"))


def window(arr: np.ndarray, level: float, width: float) -> np.ndarray:
    """Linear window (DICOM style, simplified): level − width/2 → 0, level + width/2 → 255, clipped."""
    lo = level - width / 2.0
    out = (np.asarray(arr, dtype=np.float64) - lo) / max(float(width), 1e-6) * 255.0
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def auto_window(arr: np.ndarray) -> tuple[float, float]:
    a = presets()["auto"]
    lo, hi = np.percentile(np.asarray(arr, dtype=np.float64), [a["low_percentile"], a["high_percentile"]])
    return (lo + hi) / 2.0, max(hi - lo, 1.0)


def _order_key(p: Path):
    ds = read_dataset(p.name, p, stop_before_pixels=True)
    return (int(ds.get("InstanceNumber", 0) or 0), str(ds.get("SOPInstanceUID", "")))


def series_images(series) -> list[Path]:
    files = [Path(p) for p in series_files(series)]
    return sorted(files, key=_order_key)


def render(ds, preset: str | None) -> bytes:
    arr = pixels(ds)
    if arr.ndim == 3:
        arr = arr[arr.shape[0] // 2]
    ct = presets()["ct"]
    if str(ds.get("Modality", "")) == "CT" and preset in ct:
        grey = window(arr, ct[preset]["level"], ct[preset]["width"])
    else:
        grey = window(arr, *auto_window(arr))
    if ds.get("PhotometricInterpretation") == "MONOCHROME1":
        grey = 255 - grey
    buf = io.BytesIO()
    Image.fromarray(grey, mode="L").save(buf, format="PNG")
    return buf.getvalue()


def key_image_png(series, preset: str | None = None, index: int | None = None) -> bytes:
    """PNG of image ``index`` of the series (default the middle one). Raises IndexError when the
    series has no such image, DicomInputError when it cannot be read."""
    files = series_images(series)
    if not files:
        raise IndexError("no stored image")
    i = len(files) // 2 if index is None else index
    if not 0 <= i < len(files):
        raise IndexError(i)
    path = files[i]
    key = hashlib.sha256(f"{path}|{path.stat().st_mtime_ns}|{preset}".encode()).hexdigest()[:32]
    cache = Path(settings.HUREN_HOME) / "cache" / "iq" / f"{key}.png"
    if cache.exists():
        return cache.read_bytes()
    data = render(read_dataset(path.name, path), preset)
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(cache)
    return data

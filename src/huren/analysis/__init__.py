"""Phantom QC analysis for CT (WS 519-2019), DR (WS 76-2020) and MR (WS/T 263, ACR).

Pure Python: numpy, scipy, scikit-image and pydicom; never Django. Each modality
module exposes ``analyze(images, options) -> Result`` (used by ``huren analyze`` and
the web service) and one public function per test for library use.

>>> from huren.analysis import analyze_paths, AnalyzeOptions
>>> result = analyze_paths(["phantom/"], AnalyzeOptions())     # doctest: +SKIP
>>> print(result.to_json())                                     # doctest: +SKIP
"""

from __future__ import annotations

import csv
import importlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

from huren.result import Measurement, Result, Roi
from huren.standard.catalog import baseline_key
from huren.dicomio import Image, collision_note, device_info, load_images, uid_collisions

MODALITY_MODULES = {"CT": "huren.analysis.ct", "DR": "huren.analysis.dr", "MR": "huren.analysis.mr"}
# DICOM modality codes that each analysis takes
MODALITY_ALIASES = {"CT": "CT", "DX": "DR", "CR": "DR", "DR": "DR", "RG": "DR", "MR": "MR"}


@dataclass
class AnalyzeOptions:
    """What a user may tell an analysis beyond the images themselves."""

    modality: str | None = None  # CT, DR or MR; read from the images when None
    phantom: str | None = None  # e.g. water, catphan504, acr-ct, acr, flood
    test: str | None = None  # DR: dark, ddi, stp, uniformity, ghost, artifact, distance, mtf, resolution
    test_type: str | None = None  # acceptance, status, stability
    kerma_ugy: dict[str, float] = field(default_factory=dict)  # DR: file name -> detector air kerma (µGy)
    second: list[Image] = field(default_factory=list)  # MR: the repeat acquisition for subtraction SNR
    baselines: dict[str, float] = field(default_factory=dict)  # metric or ITEM:metric -> baseline
    report_dir: Path | None = None  # write PNG figures here
    extra: dict = field(default_factory=dict)  # test-specific settings (e.g. stp model, maker's value)


def read_baselines(path: str | Path) -> dict[str, float]:
    """Baselines from a file: a ``huren.result/1`` JSON, a JSON mapping, or a CSV ``metric,value``.

    From a result file, each measurement's value becomes the baseline of its
    ``ITEM:metric`` (the first one wins where a metric repeats) and of its
    ``ITEM:metric:method#n`` key (:func:`baseline_key`), so that a set of several
    series (head and body water phantoms) is compared series by series.
    A file that holds no baseline value raises ``ValueError`` naming it.
    """
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except UnicodeDecodeError:
        raise ValueError(f"{p}: 不是文本文件 / not a text file (JSON or CSV expected)") from None
    out: dict[str, float] = {}
    try:
        if p.suffix.lower() == ".json" or text.lstrip().startswith("{"):
            data = json.loads(text)
            if isinstance(data, dict) and str(data.get("schema", "")).startswith("huren.result/"):
                seen: Counter = Counter()
                for m in data.get("measurements", []):
                    if isinstance(m.get("value"), (int, float)) and not isinstance(m.get("value"), bool):
                        out.setdefault(f"{m['item']}:{m['metric']}", float(m["value"]))
                        out[baseline_key(m["item"], m["metric"], m.get("method"), seen)] = float(m["value"])
            elif isinstance(data, dict):
                out = {str(k): float(v) for k, v in data.items()}
            else:
                raise ValueError("a baseline JSON must be an object of metric → value")
        else:
            for r in csv.reader(text.splitlines()):
                if len(r) < 2 or r[0].strip().lower() in ("metric", "item"):
                    continue
                out[r[0].strip()] = float(r[1])
    except (ValueError, TypeError, KeyError) as e:
        raise ValueError(f"{p}: 基线文件格式错误 / malformed baseline file: {e}") from None
    if not out:
        raise ValueError(f"{p}: 文件中没有基线值（需要 huren 结果 JSON、JSON 对象或 CSV metric,value） / "
                         "no baseline value in the file (a huren result JSON, a JSON object or a CSV metric,value)")
    return out


def read_kerma(path: str | Path) -> dict[str, float]:
    """A CSV with header ``file,kerma_ugy``: each image's measured detector air kerma in µGy."""
    p = Path(path)
    out: dict[str, float] = {}
    with p.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "file" not in reader.fieldnames or "kerma_ugy" not in reader.fieldnames:
            raise ValueError(f"{p}: the kerma CSV needs the header 'file,kerma_ugy' / 比释动能文件需要表头 file,kerma_ugy")
        for n, row in enumerate(reader, start=2):
            name, value = (row.get("file") or "").strip(), (row.get("kerma_ugy") or "").strip()
            try:
                kerma = float(value)
            except ValueError:
                kerma = float("nan")
            if not name or not kerma > 0 or kerma == float("inf"):
                raise ValueError(f"{p}: 第 {n} 行需要文件名和正的比释动能（µGy），得到 {name!r}, {value!r} / "
                                 f"line {n} needs a file name and a positive kerma in µGy, got {name!r}, {value!r}")
            out[Path(name).name] = kerma
    return out


def detect_modality(images: Sequence[Image]) -> str | None:
    counts = Counter(MODALITY_ALIASES.get(im.modality, im.modality) for im in images)
    if not counts:
        return None
    return counts.most_common(1)[0][0]


def analyze_images(images: Sequence[Image], options: AnalyzeOptions | None = None) -> Result:
    """Run the analysis of the images' modality; judge every measurement by the catalog."""
    from huren.standard import judge

    options = options or AnalyzeOptions()
    modality = (options.modality or detect_modality(images) or "").upper()
    modality = MODALITY_ALIASES.get(modality, modality)
    if modality not in MODALITY_MODULES:
        res = Result(modality=modality or "?")
        res.error(
            images[0].path if images else "",
            f"不支持的成像设备类型 {modality or '（未知）'}：仅支持 CT、DR、MR 体模图像",
            f"unsupported modality {modality or '(unknown)'}: only CT, DR and MR phantom images are analysed",
        )
        return res
    module = importlib.import_module(MODALITY_MODULES[modality])
    res: Result = module.analyze(list(images), options)
    # files sharing a SOP Instance UID but not their content are distinct images: say so once
    for uid, n in reversed(list(uid_collisions(images).items())):
        zh, en = collision_note(uid, n)
        if {"zh": zh, "en": en} not in res.notes:
            res.notes.insert(0, {"zh": zh, "en": en})
    if images and res.device.manufacturer is None and res.device.model is None:
        res.device = device_info(images[0].ds)
    judge(res, test_type=options.test_type, baselines=options.baselines)
    return res


def analyze_paths(paths: Sequence[str | Path], options: AnalyzeOptions | None = None) -> Result:
    """Read files, folders or zips, analyse them and return the judged result."""
    images, errors = load_images(paths, require_spacing=False)
    return analyze_loaded(images, errors, paths, options)


def analyze_loaded(images: Sequence[Image], errors: list, paths: Sequence[str | Path],
                   options: AnalyzeOptions | None = None) -> Result:
    """Like :func:`analyze_paths` for images already read (``errors``: the reader's errors)."""
    options = options or AnalyzeOptions()
    if not images:
        res = Result(modality=(options.modality or "?").upper())
        res.errors.extend(errors)
        if not errors:
            res.error(", ".join(map(str, paths)), "未找到 DICOM 图像", "no DICOM images found")
        return res
    res = analyze_images(images, options)
    res.errors[:0] = errors
    return res


def modality_groups(images: Sequence[Image]) -> dict[str, list[Image]]:
    """The images by analysed modality (DX/CR count as DR), the most frequent first;
    images of a modality huren does not analyse are grouped under their own name."""
    groups: dict[str, list[Image]] = {}
    for im in images:
        groups.setdefault(MODALITY_ALIASES.get(im.modality, im.modality or "?"), []).append(im)
    return dict(sorted(groups.items(), key=lambda kv: -len(kv[1])))


SCREEN_IMAGES = 3  # the middle slice and its neighbours: enough to tell, cheap on a 500-slice series


def screening_images(images: Sequence[Image], n: int = SCREEN_IMAGES) -> list[Image]:
    """At most ``n`` images around the middle of a series (sorted by position, then instance number)."""
    ims = sorted(images, key=lambda m: (m.z if m.z is not None else 0.0, m.instance_number or 0))
    if len(ims) <= n:
        return ims
    start = max(0, len(ims) // 2 - n // 2)
    return ims[start:start + n]


def looks_like_phantom(images: Sequence[Image]) -> tuple[bool, str, str]:
    """Whether images show a QC phantom (or a DR QC exposure), by content alone.

    A cheap screen for the DICOM node, which must not analyse patient series: the
    modality's finder is run on the images given (pass a few, e.g. :func:`screening_images`).
    CT: a Catphan or ACR module, a round water phantom or a wire (:func:`huren.analysis.ct.find.looks_like_phantom`);
    MR: the ACR phantom or a round uniform flood (:func:`huren.analysis.mr.looks_like_phantom`);
    DR: a flat, dark, edge or block image (:func:`huren.analysis.dr.looks_like_phantom`).
    Returns (decision, reason in Chinese, reason in English).
    """
    if not images:
        return False, "没有可判断的图像", "no image to judge"
    modality = detect_modality(images) or ""
    ims = [im for im in images if MODALITY_ALIASES.get(im.modality, im.modality) == modality]
    if modality == "CT":
        from huren.analysis.ct.find import looks_like_phantom as screen
    elif modality == "MR":
        from huren.analysis.mr import looks_like_phantom as screen
    elif modality == "DR":
        from huren.analysis.dr import looks_like_phantom as screen
    else:
        return False, f"不分析的成像设备类型 {modality or '（未知）'}", f"modality {modality or '(unknown)'} is not analysed"
    return screen(ims)


__all__ = [
    "AnalyzeOptions",
    "looks_like_phantom",
    "screening_images",
    "Measurement",
    "Result",
    "Roi",
    "analyze_images",
    "analyze_loaded",
    "modality_groups",
    "analyze_paths",
    "detect_modality",
    "baseline_key",
    "read_baselines",
    "read_kerma",
]

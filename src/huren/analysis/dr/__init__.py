"""DR detector quality control (WS 76-2020, DR part) from the technologist's DICOM images.

One function per test, each returning a :class:`~huren.result.Result` whose items are the
catalog's (DR-QC-*, DR-EQ-PERF):

>>> from huren.dicomio import load_images                       # doctest: +SKIP
>>> from huren.analysis import dr                               # doctest: +SKIP
>>> images, errors = load_images(["flat_10uGy.dcm"])            # doctest: +SKIP
>>> dr.response_uniformity(images[0]).get("uniformity_cv").value  # doctest: +SKIP

=====================  ======================================  ==========================
function               test                                    item: metric
=====================  ======================================  ==========================
dark_noise             暗噪声 dark noise                        DR-QC-DARK: dark_mean, dark_sd, artifact_count
ddi                    探测器剂量指示 DDI                        DR-EQ-PERF: exposure_index, ddi_deviation
signal_transfer        信号传递特性 STP                          DR-QC-STP: stp_r2
response_uniformity    响应均匀性 uniformity                     DR-QC-UNIF: uniformity_cv
ghost                  残影 ghost                               DR-QC-GHOST: ghost_percent
artifacts              伪影 artifacts                           DR-QC-ARTIFACT: artifact_count
distance               测距误差 distance error                   DR-EQ-PERF: distance_error
edge_mtf               刃边 MTF                                 DR-EQ-PERF: mtf50, mtf10
bar_resolution         极限空间分辨力 limiting resolution         DR-EQ-PERF: limiting_resolution
=====================  ======================================  ==========================

:func:`analyze` (behind ``huren analyze``) recognises which test each image belongs to
where the set-up allows, or runs ``options.test`` on all of them. It reads
``options.kerma_ugy`` (file name → measured detector kerma, µGy), ``options.baselines``
and ``options.extra`` (``--set``): ``stp_model`` (linear, log, power), ``maker_lp_mm``,
``maker_at_45``, ``bar_frequencies``, ``ruler_graduation_mm``, ``focus_ruler_mm``,
``sid_mm``, ``measured_mm`` and ``true_mm`` (typed distance), ``mtf_linearise``,
``stp_params`` (with ``stp_model``: a known STP, e.g. from the acceptance test, to
linearise with when the batch holds no STP set).
See docs/dr.md.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage

from huren.dicomio import DicomInputError, Image, device_info
from huren.result import Result

from . import report
from .base import TEST_ZH, check, new_result
from .dose import aec_chamber_consistency, aec_kv_consistency, aec_sensitivity, ddi, low_contrast_details
from .flat import artifacts, dark_noise, response_uniformity, screen_artifacts
from .ghost import ghost, locate_block
from .header import acquisition_key, dose_indicators, intent, linear_values, stored_range
from .resolution import bar_resolution, distance, distance_typed, edge_mtf
from .stp import StpFit, fit_stp, kerma_for, signal_transfer

TESTS = ("dark", "ddi", "stp", "uniformity", "ghost", "artifact", "distance", "mtf", "resolution")
ALIASES = {
    "dark_noise": "dark", "dark-noise": "dark", "ei": "ddi", "dose": "ddi", "signal_transfer": "stp",
    "unif": "uniformity", "response_uniformity": "uniformity", "lag": "ghost", "artifacts": "artifact",
    "artefact": "artifact", "artefacts": "artifact", "ruler": "distance", "distance_error": "distance",
    "edge": "mtf", "edge_mtf": "mtf", "bar": "resolution", "bars": "resolution", "bar_pattern": "resolution",
    "limiting_resolution": "resolution",
}
PLATE_MIN_MM = 70.0  # a compact attenuator at least this wide is an edge plate, not the 4 cm ghost block


def _extra(options, key, default=None):
    return (getattr(options, "extra", None) or {}).get(key, default)


# ---------------------------------------------------------------- recognising the set-up
def _structure(sub: np.ndarray, pixel_mm: float) -> str | None:
    """``block``, ``edge`` or ``unknown`` for a structured image, None for a uniform one.

    ``sub`` is a percentile-clipped subsample, ``pixel_mm`` its pixel pitch. Attenuated
    regions that touch the border but not the central fifth are collimator shadows and
    are left out, so a collimated flat field stays a flat field.
    """
    from skimage.filters import threshold_otsu

    try:
        t = threshold_otsu(sub)
    except ValueError:
        return None
    low = sub <= t
    lab, n = ndimage.label(low)
    rows, cols = sub.shape
    edge_labels = set(np.unique(np.concatenate([lab[0], lab[-1], lab[:, 0], lab[:, -1]]))) - {0}
    central = set(np.unique(lab[int(rows * 0.4): int(rows * 0.6) + 1, int(cols * 0.4): int(cols * 0.6) + 1])) - {0}
    collimated = np.isin(lab, sorted(edge_labels - central))
    keep = ~collimated
    lo, hi = sub[keep & low], sub[keep & ~low]
    if lo.size < 0.002 * keep.sum() or hi.size == 0:
        return None
    m0, m1 = lo.mean(), hi.mean()
    pooled = np.sqrt((lo.var() * lo.size + hi.var() * hi.size) / (lo.size + hi.size)) + 1e-9
    if not (m1 > 0 and (m1 - m0) / abs(m1) > 0.2 and (m1 - m0) / pooled > 10):
        return None
    f0 = lo.size / keep.sum()
    if f0 < 0.05:
        try:
            r0, r1, c0, c1 = locate_block(np.where(collimated, m1, sub))
        except ValueError:
            return "unknown"
        if (r1 - r0) <= 2 * (c1 - c0) and (c1 - c0) <= 2 * (r1 - r0):
            # the ghost test's block is 4 cm; an MTF test plate is 10 cm or more
            return "edge" if max(r1 - r0, c1 - c0) * pixel_mm >= PLATE_MIN_MM else "block"
        return "unknown"
    return "edge" if 0.15 <= f0 <= 0.85 else "unknown"


def image_kind(image: Image, options=None, *, batch_max: float | None = None) -> str:
    """``dark``, ``flat``, ``block`` (ghost image 2), ``edge`` or ``unknown`` for one image.

    Structured images are told apart by an Otsu split of a subsample (collimator shadows
    left out): two classes far apart (> 20 % contrast, > 10 pooled SDs) are a block (a
    compact low region < 5 % of the exposed area, under 7 cm wide), or an edge (such a
    region 7 cm or wider — a test plate — or a low class 15–85 % of the area). Uniform
    images are dark when the header's EI is below 5 (< 0.05 µGy), the user's kerma is ≈ 0,
    or, without either, the signal is under 2 % of the stored range or 5 % of the batch's
    brightest flat.
    """
    s = max(1, int(max(image.shape) // 256))
    sub = linear_values(image, s).values.astype(np.float64)
    # a few defective pixels or a dead line must not make a flat field look structured
    sub = np.clip(sub, *np.percentile(sub, [0.5, 99.5]))
    kind = _structure(sub, max(image.spacing) * s)
    if kind is not None:
        return kind
    med = float(np.median(sub))
    ind = dose_indicators(image.ds)
    k = kerma_for(image, getattr(options, "kerma_ugy", None) or {}) if options is not None else None
    if k is not None:
        return "dark" if k < 0.05 else "flat"
    if "exposure_index" in ind:
        return "dark" if ind["exposure_index"] < 5 else "flat"
    lo_r, hi_r = stored_range(image.ds)
    if med - lo_r < 0.02 * (hi_r - lo_r):
        return "dark"
    if batch_max is not None and med < 0.05 * batch_max:
        return "dark"
    return "flat"


def plan(images: Sequence[Image], options=None) -> tuple[dict[str, list], list[tuple[str, str]]]:
    """Which images each test takes, recognised from the set-up; and notes for what was not recognised."""
    seq = sorted(images, key=acquisition_key)
    notes = []
    if any(intent(im.ds) == "processing" for im in seq):
        # modalities often send both the raw and the processed copy: the raw one is measured
        for im in seq:
            if intent(im.ds) == "presentation":
                notes.append((f"{im.path}：批次中有“用于处理”的原始图像，此“用于显示”的处理后图像未使用",
                              f"{im.path}: raw 'for processing' images are present; this 'for presentation' copy is not used"))
        seq = [im for im in seq if intent(im.ds) != "presentation"]
    meds = [float(np.median(linear_values(im, 16).values)) for im in seq]
    kinds = [image_kind(im, options, batch_max=max(meds) if meds else None) for im in seq]
    out: dict[str, list] = {t: [] for t in TESTS}
    used = set()
    for i, k in enumerate(kinds):
        if k == "block":
            if 0 < i < len(seq) - 1 and kinds[i - 1] == "dark" and kinds[i + 1] == "dark":
                out["ghost"].append([seq[i - 1], seq[i], seq[i + 1]])
                used |= {i - 1, i, i + 1}
            else:
                notes.append((f"{seq[i].path}：铅块图像前后缺少空白曝光，无法进行残影检测",
                              f"{seq[i].path}: lead-block image without a blank exposure before and after it; no ghost test"))
                used.add(i)
    for i, k in enumerate(kinds):
        if i in used:
            continue
        if k == "dark":
            out["dark"].append(seq[i])
        elif k == "edge":
            out["mtf"].append(seq[i])
        elif k == "unknown":
            notes.append((f"{seq[i].path}：无法识别检测项目（如铅尺、线对卡），请用 --test 指定",
                          f"{seq[i].path}: test not recognised (e.g. ruler, bar pattern); name it with --test"))
    flats = [seq[i] for i, k in enumerate(kinds) if k == "flat" and i not in used]
    kerma = getattr(options, "kerma_ugy", None) or {}
    with_k = [(im, kerma_for(im, kerma)) for im in flats]
    with_k = [(im, k) for im, k in with_k if k is not None]
    if len({k for _, k in with_k}) >= 3:
        out["stp"] = [im for im, _ in with_k]
    if flats:
        if with_k:
            unif = min(with_k, key=lambda p: abs(np.log(max(p[1], 1e-6) / 10)))[0]
            near = [im for im, k in with_k if 7.0 <= k <= 13.0] or [unif]
        else:
            eis = [(im, dose_indicators(im.ds).get("exposure_index")) for im in flats]
            if all(e is not None for _, e in eis):
                unif = min(eis, key=lambda p: abs(np.log(max(p[1], 1e-6) / 1000)))[0]
                e0 = dose_indicators(unif.ds)["exposure_index"]
                near = [im for im, e in eis if abs(e - e0) <= 0.3 * e0]
            else:
                order = sorted(flats, key=lambda im: float(np.median(linear_values(im, 16).values)))
                unif = order[len(order) // 2]
                near = [unif]
        out["uniformity"] = [unif]
        out["artifact"] = [unif]
        out["ddi"] = [near]
        taken = {id(im) for im in out["stp"] + out["uniformity"] + near}
        for im in flats:
            if id(im) not in taken:
                notes.append((f"{im.path}：平场图像未用于任何检测（未提供比释动能？）",
                              f"{im.path}: flat field not used by any test (no kerma given?)"))
    return out, notes


# ---------------------------------------------------------------- the whole set
def _run(test: str, arg, options, stp: StpFit | None) -> tuple[Result, StpFit | None]:
    if test == "dark":
        return dark_noise(arg, options), None
    if test == "ddi":
        return ddi(arg, options), None
    if test == "stp":
        return signal_transfer(arg, getattr(options, "kerma_ugy", None) or {}, model=_extra(options, "stp_model"),
                               options=options)
    if test == "uniformity":
        return response_uniformity(arg, stp, options), None
    if test == "ghost":
        return ghost(arg, options), None
    if test == "artifact":
        return artifacts(arg, options), None
    if test == "distance":
        return distance(arg, options), None
    if test == "mtf":
        return edge_mtf(arg, options, stp=stp if _extra(options, "mtf_linearise", True) not in (False, "0", "no") else None), None
    if test == "resolution":
        return bar_resolution(arg, None, options), None
    raise ValueError(test)


def _guarded(test: str, arg, options, stp):
    """:func:`_run`, with any failure inside a test turned into a bilingual error naming the files."""
    try:
        return _run(test, arg, options, stp)
    except Exception as e:  # a test must never take the batch down with a traceback
        ims = arg if isinstance(arg, (list, tuple)) else [arg]
        res = new_result(ims)
        res.error(", ".join(im.path for im in ims) or "-", f"{TEST_ZH.get(test, test)}分析失败：{e}",
                  f"the {test} analysis failed: {e}", test)
        return res, None


def _given_stp(options, res: Result) -> StpFit | None:
    """An STP fit stated by the user (e.g. from the acceptance test): ``stp_model`` and ``stp_params`` "p,q".

    The parameters are those of :class:`StpFit` (linear: a, b; log: A, B; power: c, n).
    """
    model = str(_extra(options, "stp_model", "linear")).strip().lower()
    try:
        p, q = (float(x) for x in str(_extra(options, "stp_params")).replace(";", ",").split(","))
        if model not in ("linear", "log", "power") or (q == 0 and model != "linear") or (p == 0 and model != "log"):
            raise ValueError(model)
    except ValueError:
        res.error("--set stp_params", "信号传递函数参数无效：需要 stp_model=linear|log|power 与 stp_params=两个数",
                  "invalid signal transfer parameters: give stp_model=linear|log|power and stp_params=two numbers", "stp")
        return None
    res.note(f"按给定的信号传递函数线性化：{model} {p:g}, {q:g}", f"linearised with the given signal transfer function: {model} {p:g}, {q:g}")
    return StpFit(model, (p, q), float("nan"))


def normalise_test(name: str | None) -> str | None:
    if not name:
        return None
    n = name.strip().lower()
    return ALIASES.get(n, n)


def analyze(images: Sequence[Image], options=None) -> Result:
    """All DR detector tests the images allow (or ``options.test`` on all of them).

    Images that are not DR/CR are refused with a reason; a bad image never stops the
    rest of the batch. The STP fit, when made, linearises the uniformity and edge-MTF
    images. ``options.report_dir`` receives one PNG per test.
    """
    from huren.analysis import AnalyzeOptions

    options = options or AnalyzeOptions()
    res = new_result(images)
    test = normalise_test(getattr(options, "test", None))
    ok = []
    for im in images:
        try:
            # recognising the set-up places ROIs in mm; a named DDI test can do without
            check(im, "dr", need_spacing=test != "ddi")
            ok.append(im)
        except DicomInputError as e:
            res.errors.append(e.as_error(test))
    if ok:
        res.device = device_info(ok[0].ds)
    if test is not None and test not in TESTS:
        res.error(", ".join(im.path for im in images) or "-", f"未知的 DR 检测项目 {test!r}；可选：{'、'.join(TEST_ZH.values())}",
                  f"unknown DR test {test!r}; choose one of {', '.join(TESTS)}")
        return res
    if test is None and not ok:
        return res
    if test is None:
        todo, notes = plan(ok, options)
        for zh, en in notes:
            res.note(zh, en)
    else:
        todo = {t: [] for t in TESTS}
        if test in ("ghost", "ddi"):
            todo[test] = [ok] if ok else []
        elif test == "stp":
            todo["stp"] = ok
        else:
            todo[test] = list(ok)
            kerma = getattr(options, "kerma_ugy", None) or {}
            if test in ("uniformity", "mtf") and len({kerma_for(im, kerma) for im in ok} - {None}) >= 3:
                todo["stp"] = [im for im in ok if kerma_for(im, kerma) is not None]
        if test == "distance" and _extra(options, "measured_mm") is not None and _extra(options, "true_mm") is not None:
            todo["distance"] = []
            sub = distance_typed(float(_extra(options, "measured_mm")), float(_extra(options, "true_mm")),
                                 focus_ruler_mm=_extra(options, "focus_ruler_mm"), sid_mm=_extra(options, "sid_mm"))
            _collect(res, sub, None)
    stp = None
    report_dir = getattr(options, "report_dir", None)
    # figure data holds pixel arrays: keep it only when figures are wanted
    figures: list[tuple[str, dict]] | None = [] if report_dir else None
    if todo.get("stp"):
        sub, stp = _guarded("stp", todo["stp"], options, None)
        _collect(res, sub, figures)
    if stp is None and _extra(options, "stp_params") is not None:
        stp = _given_stp(options, res)
    for t in TESTS:
        if t == "stp":
            continue
        for arg in todo.get(t, []):
            sub, _ = _guarded(t, arg, options, stp)
            _collect(res, sub, figures)
    if figures is not None:
        try:
            for path in report.write(figures, report_dir):
                res.note(f"图已写入 {path}", f"figure written to {path}")
        except OSError as e:
            res.error(str(report_dir), f"无法写入图像报告：{e}", f"cannot write the figures: {e}")
    return res


def _collect(res: Result, sub: Result, figures: list | None) -> None:
    res.measurements += sub.measurements
    res.errors += sub.errors
    res.notes += [n for n in sub.notes if n not in res.notes]
    if figures is not None:
        figures.extend(sub.figures.items())


__all__ = [
    "ALIASES", "TESTS", "StpFit", "aec_chamber_consistency", "aec_kv_consistency", "aec_sensitivity", "analyze",
    "artifacts", "bar_resolution", "dark_noise", "ddi", "distance", "distance_typed", "edge_mtf", "fit_stp", "ghost",
    "image_kind", "linear_values", "locate_block", "low_contrast_details", "plan", "response_uniformity",
    "screen_artifacts", "signal_transfer",
]


_KIND_NAMES = {"flat": ("平场（均匀曝光）图像", "a flat-field exposure"), "dark": ("暗场图像", "a dark image"),
               "edge": ("刃边/测试板图像", "an edge or test-plate image"), "block": ("残影测试铅块图像", "a ghost-test block image")}


def _plain(image: Image) -> bool:
    """Whether the central 60 % of an image has no large-scale structure: its 5 mm-smoothed
    2nd–98th percentile spread is under 30 % of the median signal above the stored minimum
    (heel effect and gain variation of a flat field stay well under; lungs beside the
    mediastinum differ several-fold), or under 2 % of the stored range for an unexposed image."""
    s = max(1, int(max(image.shape) // 256))
    sub = linear_values(image, s).values.astype(np.float64)
    rows, cols = sub.shape
    sm = ndimage.gaussian_filter(sub, max(5.0 / (max(image.spacing) * s), 0.5))
    core = sm[int(rows * 0.2): int(rows * 0.8) + 1, int(cols * 0.2): int(cols * 0.8) + 1]
    lo, hi = np.percentile(core, [2, 98])
    lo_r, hi_r = stored_range(image.ds)
    level = float(np.median(core)) - lo_r
    return bool(hi - lo < max(0.3 * level, 0.02 * (hi_r - lo_r)))


def looks_like_phantom(images: Sequence[Image]) -> tuple[bool, str, str]:
    """Whether DR images are QC exposures, by content (:func:`image_kind`): a flat field,
    a dark image, an edge or test plate, or the ghost test's block. A patient radiograph
    has graded anatomy that is neither uniform nor two far-apart classes: ``unknown``."""
    kinds = []
    for im in images:
        k = image_kind(im)
        if k in ("flat", "dark") and not _plain(im):
            # image_kind calls every image without two far-apart classes flat or dark (it is told
            # what the images are); graded anatomy is neither
            k = "unknown"
        if k in _KIND_NAMES:
            zh, en = _KIND_NAMES[k]
            return True, f"图像内容为{zh}", f"the image is {en}"
        kinds.append(k)
    return False, f"图像内容不像质控图像（{', '.join(kinds) or '无图像'}）", \
        f"the image does not look like a QC exposure ({', '.join(kinds) or 'no image'})"

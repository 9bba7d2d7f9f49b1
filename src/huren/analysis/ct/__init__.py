"""CT quality control from phantom series (WS 519-2019): water phantom, Catphan, ACR CT, wire.

Library use — one function per phantom, each returning a :class:`~huren.result.Result`::

    from huren.analysis import ct
    images, errors = ct.load_series(["catphan/"])   # or huren.dicomio.load_images
    result = ct.catphan(images)          # or ct.water_phantom(images), ct.acr_ct(images), ct.wire(images)
    print(result.get("slice_thickness").value)

``analyze(images, options)`` finds the phantom and each module's slice by content and
runs every test that the images allow; ``huren analyze PATH`` calls it. Per-test
functions live in the submodules (``water.water_tests``, ``catphan.ctp404``,
``catphan.ctp528``, ``catphan.ctp515``, ``acr.module1``…``module4``,
``lcd.statistical_lcd``, ``resolution.point_mtf``, ``ramps.ramp_thickness``), and
:func:`table_positioning` turns a typed-in table positioning error into a measurement.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np
from scipy import ndimage as ndi

from huren.dicomio import Image, device_info
from huren.result import Measurement, Result, Roi

from . import acr as _acr
from . import catphan as _catphan
from . import lcd, resolution
from .common import load_series, measurement, mtf_measurements, prepare
from .models import CATPHAN_MODELS, MODULE_HALF_LENGTH_MM
from .find import SliceKind, classify, exact, lcd_score, normalise_phantom
from .water import water_geometry, water_tests

__all__ = ["analyze", "water_phantom", "catphan", "acr_ct", "wire", "table_positioning", "statistical_lcd", "load_series"]


def _options(options):
    from huren.analysis import AnalyzeOptions

    return options or AnalyzeOptions()


def _new_result(images: Sequence[Image], phantom: str | None) -> Result:
    res = Result(modality="CT", phantom=phantom)
    if images:
        res.device = device_info(images[0].ds)
    return res


def _use(res: Result, images: Sequence[Image]) -> None:
    seen = {(i.sop_instance_uid, i.path) for i in res.inputs}
    for im in images:
        if (im.sop_instance_uid, im.path) not in seen:
            res.inputs.append(im.ref())
            seen.add((im.sop_instance_uid, im.path))


def _problems(res: Result, image: Image, problems, test: str) -> None:
    for zh, en in problems:
        res.error(image.path, zh, en, test)


def _middle(kinds: list[SliceKind]) -> SliceKind:
    ks = sorted(kinds, key=lambda k: (k.image.z if k.image.z is not None else 0.0))
    return ks[len(ks) // 2]


SCREEN_STEP_MM = 8.0  # modules are 20–50 mm long: one look every 8 mm sees each at least twice


def _per_slice(series: list[Image]) -> list[SliceKind]:
    """Classify the slices of a series. A long series is screened every ~8 mm; the slices
    between are left out, except next to CTP404 slices, whose ramp-centred slice is chosen
    by content (see :func:`_catphan_series`)."""
    n = len(series)
    zs = [im.z for im in series]
    if n <= 12 or any(z is None for z in zs):
        return [classify(im) for im in series]
    step = float(np.median(np.abs(np.diff(zs)))) or SCREEN_STEP_MM
    stride = max(int(SCREEN_STEP_MM // step), 1)
    kinds = {i: classify(series[i]) for i in range(0, n, stride)}
    hits = [i for i, k in kinds.items() if k.kind == "catphan.ctp404"]
    if hits:
        best = min(hits, key=lambda i: _offcentre(kinds[i]))
        for j in range(max(best - stride + 1, 0), min(best + stride, n)):
            kinds.setdefault(j, classify(series[j]))
    return [kinds[i] for i in sorted(kinds)]


def _offcentre(k: SliceKind) -> float:
    """The CTP404 slice's ramp offset from mid-ramp (mm), computed once per slice."""
    if "ramp_offcentre_mm" not in k.features:
        k.features["ramp_offcentre_mm"] = _catphan.ramp_offcentre_mm(k.image, k.disc)
    return k.features["ramp_offcentre_mm"]


def _hu_slice(cands: Sequence[SliceKind], k: SliceKind) -> Image:
    """The CTP404 HU slice: the middle of the unbroken run of slices, round ``k`` (the ramp-centred
    slice), that screen as CTP404 (they show the inserts, which run the module's length) — the
    convention of pylinac's HU slice. Of two middle slices, the one nearer ``k``."""
    zs = sorted({round(c.image.z, 3) for c in cands if c.image.z is not None and c.image.shape == k.image.shape})
    if k.image.z is None or len(zs) < 2:
        return k.image
    steps = np.diff(zs)
    step = float(np.median(steps))
    z0 = round(k.image.z, 3)
    i = j = zs.index(z0)
    while i > 0 and zs[i] - zs[i - 1] <= 1.5 * step:
        i -= 1
    while j < len(zs) - 1 and zs[j + 1] - zs[j] <= 1.5 * step:
        j += 1
    mid = (zs[i] + zs[j]) / 2
    best = min(zs[i:j + 1], key=lambda z: (abs(z - mid), abs(z - z0)))
    return next(c.image for c in cands if c.image.z is not None and round(c.image.z, 3) == best)


def _start(images: Sequence[Image], phantom: str | None):
    """A new result holding the errors and notes of :func:`prepare`, and the prepared series."""
    prep = prepare(images)
    res = _new_result(images, phantom)
    res.errors += prep.errors
    for zh, en in prep.notes:
        res.note(zh, en)
    return res, prep


def _run(images: Sequence[Image], options, phantom: str, per_series) -> Result:
    """Prepare the images, then run ``per_series(res, series, kinds, options)`` on every series."""
    options = _options(options)
    res, prep = _start(images, phantom)
    for series in prep.series:
        per_series(res, series, _per_slice(series), options)
    return res


# ----------------------------------------------------------------------------- water
def water_phantom(images: Sequence[Image], options=None) -> Result:
    """WS 519 water tests (CT number, noise, uniformity) and the statistical low-contrast figure.

    Measured on the middle slice of each water series (per-slice CT number and noise
    of every slice in details).
    """
    return _run(images, options, "water", _water_series)


def _water_series(res: Result, series: list[Image], kinds: list[SliceKind], options) -> None:
    usable = [k for k in kinds if k.disc is not None and k.kind == "uniform"]
    if not usable:
        res.error(series[0].path, "序列中没有均匀水模层面", "no uniform water-phantom slice in the series", "water")
        return
    _water_on(res, usable, options, label=str(series[0].ds.get("SeriesDescription", "water")).strip() or "water")


def _water_on(res: Result, usable: list[SliceKind], options, *, label: str, with_water_number: bool = True,
              method_suffix: str = "", figure: str = "water") -> None:
    mid = exact(_middle(usable))
    ms, problems = water_tests(mid.image, water_geometry(mid.image, mid.disc), label=label)
    per = []
    for k in usable:
        if k is mid:
            continue
        g = water_geometry(k.image, exact(k).disc)
        if g is None:
            continue
        o, _p = water_tests(k.image, g, label=label)
        per.append({"z_mm": k.image.z, **{m.metric: m.value for m in o if m.metric in ("ct_number_water", "noise_sd")}})
    for m in ms:
        if not with_water_number and m.metric == "ct_number_water":
            continue
        if method_suffix:
            m.method = m.method + method_suffix
        if per and m.metric in ("ct_number_water", "noise_sd"):
            m.details["other_slices"] = per
        if figure != "water":  # a module of a phantom (CTP486, ACR module 3): named as the others are
            m.details.setdefault("module", figure)
        res.add(m)
    _problems(res, mid.image, problems, "water")
    _use(res, [mid.image])
    # (b) statistical low-contrast detectability on the same uniform slice
    g = water_geometry(mid.image, mid.disc)
    if g is not None:
        m = statistical_lcd(mid.image, g.centre_px, 0.7 * g.radius_mm, k=float(options.extra.get("lcd_k", lcd.K_DEFAULT)))
        if m is not None:
            if figure != "water":
                m.details.setdefault("module", figure)
            res.add(m)
    res.figures.setdefault(figure, []).append({"kind": "water", "image": mid.image, "measurements": ms})


def statistical_lcd(image: Image, centre_px: tuple[float, float], radius_mm: float, *, k: float = lcd.K_DEFAULT) -> Measurement | None:
    """Method (b) of :mod:`huren.analysis.ct.lcd` in a central disc of ``radius_mm`` of a uniform slice."""
    px = image.spacing[1]
    rows, cols = np.ogrid[: image.shape[0], : image.shape[1]]
    region = np.hypot(cols - centre_px[0], rows - centre_px[1]) * px < radius_mm
    out = lcd.statistical_lcd(image.array, region, px, k=k)
    if out["figure_mm"] is None:
        return None
    return measurement("CT-QC-LCR", "low_contrast_diameter", out["figure_mm"], "mm", test="lcd.statistical", images=[image],
                       method="statistical", rois=[Roi("circle", image.px_to_mm(*centre_px), radius_mm=round(radius_mm, 2), label="uniform region")],
                       details={"k": k, "smallest_mm": lcd.by_contrast(out["smallest_mm"]), "by_size": out["by_size"],
                                "reference": "Chao et al. 2000; AAPM TG-233 statistical method"})


# ----------------------------------------------------------------------------- wire
def wire(images: Sequence[Image], options=None) -> Result:
    """MTF50 and MTF10 (lp/cm) from a wire seen end-on (one point per slice), averaged over slices."""
    return _run(images, options, "wire", _wire_series)


def _wire_series(res: Result, series: list[Image], kinds: list[SliceKind], options) -> None:
    # asked for a wire: any slice whose brightest point stands clear of the noise will do
    pts = [k for k in kinds if k.kind == "points" or _has_point(k.image)]
    if not pts:
        res.error(series[0].path, "序列中未找到金属丝（点源）", "no wire (point source) found in the series", "wire")
        return
    _wire_on(res, pts, options)


def _has_point(image: Image) -> bool:
    """Whether the slice shows a point source: the brightest point of the (lightly smoothed) slice
    exceeds the median by 10 noise SDs, and is small."""
    sm = ndi.gaussian_filter(image.array, 1.0)
    med = float(np.median(image.array))
    noise = 1.4826 * float(np.median(np.abs(image.array - med)))
    peak = float(sm.max())
    if peak - med <= max(10 * noise, 20.0):
        return False
    # a point, not an edge or a ring: what lies above half its height is compact (< 5 mm²)
    return float((sm > med + (peak - med) / 2).sum()) * image.spacing[0] * image.spacing[1] < 5.0


def _wire_on(res: Result, kinds: list[SliceKind], options) -> None:
    ims = [k.image for k in kinds]
    px = ims[0].spacing[1]
    centres = [resolution.find_point(im.array) for im in ims]
    dia = float(options.extra.get("wire_diameter_mm", 0.0))
    curve, per = resolution.point_mtf([im.array for im in ims], centres, px, wire_diameter_mm=dia)
    rois = [Roi("circle", im.px_to_mm(*c), radius_mm=6.0, centre_px=(round(c[0], 2), round(c[1], 2)), label="wire") for im, c in zip(ims, centres)]
    for m in mtf_measurements(curve, test="resolution.wire", images=ims, method="wire", rois=rois,
                              details={"per_slice": per, "wire_diameter_mm": dia, "pixel_mm": px,
                                       "kernel": str(ims[0].ds.get("ConvolutionKernel", ""))}):
        res.add(m)
    _use(res, ims)
    res.figures.setdefault("wire", []).append({"kind": "wire", "image": ims[len(ims) // 2], "curve": curve,
                                               "centre": centres[len(ims) // 2]})


# ----------------------------------------------------------------------------- Catphan
def catphan(images: Sequence[Image], options=None) -> Result:
    """Catphan 503/504/600/604: CTP404, CTP528, CTP515, CTP486 on the slices that show them."""
    return _run(images, options, "catphan", _catphan_series)


def _catphan_series(res: Result, series: list[Image], kinds: list[SliceKind], options) -> None:
    by = {m: [k for k in kinds if k.kind == f"catphan.{m}"] for m in ("ctp404", "ctp528")}
    uniform = [k for k in kinds if k.kind == "uniform" and k.disc is not None]
    roll = None
    used = []
    layout404 = None
    if by["ctp404"]:
        # the module's centre slice: where the ramp images sit mid-ramp
        k = exact(min(by["ctp404"], key=_offcentre))
        hu = _hu_slice(by["ctp404"], k)
        slab = _catphan.ct_number_slab(series, hu, k.disc)
        out = _catphan.ctp404(k.image, k.disc, slab, hu_image=hu)
        roll, layout404 = out["roll_deg"], out.get("layout")
        if 1 < len(by["ctp404"]) <= 5:  # a short series: every slice's figures, for comparison
            others = [(c.image.z, {m.metric: m.value for m in _catphan.ctp404(c.image, exact(c).disc)["measurements"]})
                      for c in by["ctp404"] if c is not k]
            for m in out["measurements"]:
                m.details["other_slices"] = [{"z_mm": z, "value": v.get(m.metric)} for z, v in others]
        _add_module(res, k, out, "CTP404")
        _use(res, [hu])
        if hu is not k.image:
            res.note(f"CTP404 材料 CT 值取自 HU 层面（显示插件的各层面的中间层，位置 {hu.z:g} mm）；层厚、几何距离取自斜线居中层面",
                     f"CTP404 material CT numbers are read on the HU slice (the middle of the slices that show the "
                     f"inserts, at {hu.z:g} mm); slice thickness and geometry on the ramp-centred slice")
        if slab:
            res.note(f"CTP404 层面噪声较高：另给出 {len(slab) + 1} 个层面（±{_catphan.SLAB_HALF_MM:g} mm）的平均 CT 值作为参考"
                     f"（details.slab_mean_hu），主结果仍为单一 HU 层面上的 ROI 均值",
                     f"the CTP404 slice is noisy: the mean over {len(slab) + 1} slices (±{_catphan.SLAB_HALF_MM:g} mm) "
                     f"is given as a secondary figure (details.slab_mean_hu); the headline stays the ROI mean on the HU slice")
        used.append(k)
    else:
        res.error(series[0].path, "未找到 CTP404 模块（CT 值线性、层厚、几何距离未测）",
                  "no CTP404 module found (CT-number linearity, slice thickness and geometric distance not measured)", "catphan")
    bead = float(options.extra.get("bead_diameter_mm", 0.0))
    out528 = _module(res, series, by["ctp528"], used, "CTP528",
                     lambda k: _catphan.ctp528(k.image, k.disc, roll, wire_diameter_mm=bead),
                     ("未找到 CTP528 模块（高对比分辨力未测）", "no CTP528 module found (high-contrast resolution not measured)"))
    if roll is None and out528:
        roll = out528["figure"]["roll"]  # the bar layout's roll is the phantom's roll
    # CTP591 (Catphan 600): bead ramps on a slice that screens as uniform or as points
    beads = [k for k in kinds if k.disc is not None and k.kind in ("uniform", "points")
             and _catphan.has_bead_ramps(k.image, k.disc, roll or 0.0)]
    if beads:
        k = exact(max(beads, key=lambda c: _catphan.ctp591_bead_peak(c.image, c.disc)))
        k.kind = "catphan.ctp591"
        _add_module(res, k, _catphan.ctp591(k.image, k.disc, roll, wire_diameter_mm=bead), "CTP591")
        used.append(k)
        uniform = [u for u in uniform if all(u is not b for b in beads)]
    found_515 = False
    if uniform:
        spots = [(-87.4 + (roll or 0.0) + s, 50.0, d / 2 * 0.8) for s, d in zip((0.0, 18.3, 34.7), (15.0, 9.0, 8.0))]
        scores = [(lcd_score(k.image, k.disc, spots), k) for k in uniform]
        best_score, best = max(scores, key=lambda t: t[0])
        # the uniformity module shows no low-contrast targets at all
        rest = [k for s, k in scores if s < 3.0]
        if best_score < 3.0 and roll is None:
            # no CTP404 to give the roll: align the disc layout on each candidate first
            rolled = [(lcd_score(k.image, k.disc, [(a + r, d, rad) for a, d, rad in spots]), k, r)
                      for k in uniform for r in [_catphan.ctp515_roll(k.image, k.disc)]]
            best_score, best, roll = max(rolled, key=lambda t: t[0])
            rest = [k for s_, k, _r in rolled if s_ < 3.0]
        if best_score >= 3.0:
            best.kind = "catphan.ctp515"
            out = _catphan.ctp515(best.image, exact(best).disc, roll or 0.0, k=float(options.extra.get("lcd_k", lcd.K_DEFAULT)))
            _add_module(res, best, out, "CTP515")
            used.append(best)
            found_515 = True
    else:
        rest = []
    model, how, sign = _catphan_model(series, used, options, layout404, kinds)
    if model:
        res.phantom = model
        res.note(f"Catphan 型号：{model}（{how[0]}）", f"Catphan model: {model} ({how[1]})")
    z404 = next((k.image.z for k in used if k.kind == "catphan.ctp404"), None)
    if not found_515 and uniform and sign and z404 is not None:
        # CTP515's targets may drown in a cone-beam CT's noise: with the model known, the uniform
        # slice nearest the table's CTP515 position is the module, measured as it stands
        off = CATPHAN_MODELS.get(model or "", {}).get("modules", {}).get("ctp515")
        near = [k for k in uniform if off is not None and k.image.z is not None and all(k is not u for u in used)
                and abs(k.image.z - z404 - sign * off) <= MODULE_HALF_LENGTH_MM["ctp515"] / 2]
        if near:
            best = min(near, key=lambda k: abs(k.image.z - z404 - sign * off))
            best.kind = "catphan.ctp515"
            out = _catphan.ctp515(best.image, exact(best).disc, roll or 0.0, k=float(options.extra.get("lcd_k", lcd.K_DEFAULT)))
            _add_module(res, best, out, "CTP515")
            used.append(best)
            rest = [k for k in rest if k is not best]
            found_515 = True
            res.note("CTP515 的低对比目标按图像内容不可见：按型号表的位置选取层面并照常测量",
                     "CTP515's low-contrast targets are not visible by content: its slice is the one at the model "
                     "table's position, measured as it stands")
    if rest:
        # CTP486 shows only the body, as does any gap between modules: with the model known, prefer
        # the uniform slices where its table puts CTP486
        off = CATPHAN_MODELS.get(model or "", {}).get("modules", {}).get("ctp486")
        if off is not None and z404 is not None and sign:
            near = [k for k in rest if k.image.z is not None
                    and abs(k.image.z - z404 - sign * off) <= MODULE_HALF_LENGTH_MM["ctp486"]]
            rest = near or rest
        k = _middle(rest)
        k.kind = "catphan.ctp486"
        _water_on(res, [k], options, label="Catphan CTP486", with_water_number=False, method_suffix="-ctp486",
                  figure="CTP486")
        used.append(k)
    if not found_515 and model != "catphan503":
        res.error(series[0].path, "未找到 CTP515 低对比模块", "no CTP515 low-contrast module found", "catphan")
    for k in used:
        res.note(f"{k.kind}：层面 {k.image.instance_number}（位置 {k.image.z} mm）",
                 f"{k.kind}: slice {k.image.instance_number} (position {k.image.z} mm)")


def _catphan_model(series: list[Image], used: list[SliceKind], options, layout: str | None,
                   kinds: list[SliceKind] = ()):
    """The Catphan model: given (``--phantom catphan600``…) or the one of
    :data:`models.CATPHAN_MODELS` whose module offsets from CTP404 best match the modules
    found by content (either scan direction; a module the model has but the scanned z range
    should show and which was not found costs 30 mm, a found module the model lacks 50 mm, an
    insert layout of the other kind 100 mm). None when no CTP404 was found or two models fit
    equally well. Returns (model, (zh, en) reason, scan direction ±1 or None).
    CTP486 is not among the modules scored (it is chosen afterwards, with the model's help). The
    phantom's own length is: a slice that shows the phantom's body (a ≈ 20 cm disc) more than 5 mm
    beyond the ends of a model's modules costs that model 50 mm, as a found module it lacks does (a Catphan 503 ends at CTP404 on the
    side away from CTP528; a 504 goes on to CTP515 and CTP486 there)."""
    given = str(options.phantom or "").lower().replace(" ", "").replace("_", "")
    z = {k.kind.split(".")[1]: k.image.z for k in used if k.kind.startswith("catphan.") and k.image.z is not None}
    scores = []  # (cost, model, sign)
    body_z = [k.image.z for k in kinds if k.disc is not None and k.image.z is not None and k.kind != "empty"
              and 150.0 <= k.features.get("diameter_mm", 0.0) <= 250.0]
    if "ctp404" in z:
        zs = [im.z for im in series if im.z is not None]
        lo, hi = min(zs) - 5.0, max(zs) + 5.0
        for name, spec in CATPHAN_MODELS.items():
            for sign in (1.0, -1.0):
                cost = 0.0
                for mod, zf in z.items():
                    off = spec["modules"].get(mod)
                    cost += 50.0 if off is None else abs(zf - z["ctp404"] - sign * off)
                for mod, off in spec["modules"].items():
                    if mod not in z and mod != "ctp486" and lo <= z["ctp404"] + sign * off <= hi:
                        cost += 30.0
                if layout and (layout == "catphan604") != ("bone50" in spec["inserts"]):
                    cost += 100.0
                ends = [sign * o + s_ * MODULE_HALF_LENGTH_MM[m] for m, o in spec["modules"].items() for s_ in (-1, 1)]
                lo_m, hi_m = z["ctp404"] + min(ends) - 5.0, z["ctp404"] + max(ends) + 5.0
                if any(not lo_m <= b <= hi_m for b in body_z):
                    cost += 50.0
                scores.append((cost, name, sign))
    scores.sort()
    if given in CATPHAN_MODELS:
        # the scan direction: the sign that fits the given model best (none if only CTP404 was found)
        mine = [t for t in scores if t[1] == given]
        sign = mine[0][2] if len(z) > 1 and mine else None
        how = ("由 --phantom 指定", "given with --phantom")
        if len(z) > 1 and scores and scores[0][1] != given and mine[0][0] - scores[0][0] > 20.0:
            how = (f"由 --phantom 指定；但找到的模块间距更符合 {scores[0][1]}",
                   f"given with --phantom; the module spacings found fit {scores[0][1]} better")
        return given, how, sign
    if not scores:
        return None, None, None
    best = scores[0]
    runner = next((c for c, n, _s in scores if n != best[1]), float("inf"))
    if runner - best[0] < 5.0:
        return None, None, None
    found = ", ".join(f"{m} {z[m] - z['ctp404']:+.1f} mm" for m in sorted(z) if m != "ctp404")
    return best[1], (f"按模块间距识别：{found}", f"from the module spacings found: {found}"), best[2]


def _module(res: Result, series: list[Image], kinds: list[SliceKind], used: list, name: str, run, missing) -> dict | None:
    """Run ``run`` on the middle slice of ``kinds`` and add its results, or record the module as missing."""
    if not kinds:
        res.error(series[0].path, missing[0], missing[1], name)
        return None
    k = exact(_middle(kinds))
    out = run(k)
    _add_module(res, k, out, name)
    used.append(k)
    return out


def _add_module(res: Result, k: SliceKind, out: dict, module: str) -> None:
    for m in out["measurements"]:
        m.details.setdefault("module", module)
        res.add(m)
    _problems(res, k.image, out["problems"], module)
    _use(res, [k.image])
    res.figures.setdefault(module, []).append(out["figure"])


# ----------------------------------------------------------------------------- ACR
def acr_ct(images: Sequence[Image], options=None) -> Result:
    """ACR CT phantom (Gammex 464) modules 1–4 on the slices that show them."""
    return _run(images, options, "acr-ct", _acr_series)


def _acr_series(res: Result, series: list[Image], kinds: list[SliceKind], options) -> None:
    roll = None
    m1 = [k for k in kinds if k.kind == "acr.m1"]
    m4 = [k for k in kinds if k.kind == "acr.m4"]
    used = []
    factor = float(options.extra.get("acr_ramp_factor", _acr.RAMP_FACTOR))
    out = _module(res, series, m1, used, "ACR module 1", lambda k: _acr.module1(k.image, k.disc, ramp_factor=factor),
                  ("未找到 ACR 模块 1（CT 值、层厚未测）", "no ACR module 1 found (CT numbers and slice thickness not measured)"))
    if out:
        roll = out["roll_deg"]
    out = _module(res, series, m4, used, "ACR module 4", lambda k: _acr.module4(k.image, k.disc, roll),
                  ("未找到 ACR 模块 4（高对比分辨力未测）", "no ACR module 4 found (high-contrast resolution not measured)"))
    roll = roll if roll is not None else (out["roll_deg"] if out else 0.0)
    pts = [k for k in kinds if k.kind == "points" and k.disc is not None and k.disc.diameter_mm > 150]
    uniform = [k for k in kinds if k.kind == "uniform" and k.disc is not None]
    if uniform:
        spots = [(-90.0 + roll, 60.0, 8.0)]
        scores = [(lcd_score(k.image, k.disc, spots), k) for k in uniform]
        best_score, best = max(scores, key=lambda t: t[0])
        if best_score >= 3.0:
            best.kind = "acr.m2"
            _add_module(res, best, _acr.module2(best.image, exact(best).disc, roll, k=float(options.extra.get("lcd_k", lcd.K_DEFAULT))), "ACR module 2")
            used.append(best)
        else:
            res.error(series[0].path, "未找到 ACR 模块 2（低对比）", "no ACR module 2 (low contrast) found", "acr")
    m3 = pts or [k for k in uniform if all(k is not u for u in used)]
    if m3:
        k = _middle(m3)
        k.kind = "acr.m3"
        _water_on(res, [k], options, label="ACR module 3", method_suffix="-acr-module3", figure="ACR module 3")
        for m in _acr.module3_distance(k.image, k.disc, k.features.get("points", [])):
            m.details.setdefault("module", "ACR module 3")
            res.add(m)
        used.append(k)
    for k in used:
        res.note(f"{k.kind}：层面 {k.image.instance_number}（位置 {k.image.z} mm）",
                 f"{k.kind}: slice {k.image.instance_number} (position {k.image.z} mm)")


# ----------------------------------------------------------------------------- dispatch
def analyze(images: Sequence[Image], options=None) -> Result:
    """Find the phantom(s) in the images and run every WS 519 test they allow.

    ``options.phantom`` forces the phantom (water, catphan…, acr-ct, wire);
    otherwise each series is recognised by content. ``options.report_dir`` writes a
    PNG per module (ROIs, MTF curves, ramp profiles).
    """
    options = _options(options)
    res, prep = _start(images, None)
    forced = normalise_phantom(options.phantom)
    if forced and forced not in ("water", "catphan", "acr-ct", "wire"):
        res.error(options.phantom, f"未知体模 {options.phantom}（可选 water、catphan503/504/600/604、acr-ct、wire）",
                  f"unknown phantom {options.phantom} (choose water, catphan503/504/600/604, acr-ct, wire)")
        return res
    found = []
    for series in prep.series:
        kinds = _per_slice(series)
        name = forced or _recognise(kinds)
        desc = str(series[0].ds.get("SeriesDescription", "")).strip()
        coverage = _coverage(series, kinds, forced)
        if name is None:
            for zh, en in coverage:
                res.note(zh, en)
            res.error(series[0].path, f"序列“{desc}”中未识别出 CT 体模（水模、Catphan、ACR 或金属丝）；可能是患者图像",
                      f"no CT phantom (water, Catphan, ACR or wire) recognised in series '{desc}'; a patient series?")
            continue
        per_series = {"water": _water_series, "catphan": _catphan_series, "acr-ct": _acr_series, "wire": _wire_series}[name]
        part = _new_result(series, name)
        per_series(part, series, kinds, options)
        res.note(f"序列“{desc}”：识别为 {part.phantom or name}", f"series '{desc}': recognised as {part.phantom or name}")
        for zh, en in coverage:
            res.note(zh, en)
        figs, part.figures = part.figures, {}
        res.merge(part)
        for key, lst in figs.items():
            res.figures.setdefault(key, []).extend(lst)
        found.append(part.phantom or name)
    res.phantom = "+".join(dict.fromkeys(found)) or None
    if options.report_dir is not None and res.figures:
        from .report import write_report

        try:
            write_report(res, options.report_dir)
        except OSError as e:
            res.error(str(options.report_dir), f"无法写入报告图：{e}", f"cannot write report figures: {e}")
    return res


def _coverage(series: list[Image], kinds: list[SliceKind], forced: str | None) -> list[tuple[str, str]]:
    """Notes on how many images the phantom decision rests on: the slices screened out of those
    read, and — when the headers say the series holds more (Images in Acquisition, or distinct
    Instance Numbers running past the count) — how many are missing from what was received."""
    out = []
    n, k = len(series), len(kinds)
    what = ("体模由 --phantom 指定" if forced else "体模与模块的判定", "the phantom was given with --phantom" if forced
            else "the phantom and module decision")
    if k < n:
        out.append((f"{what[0]}依据所读 {n} 幅图像中的 {k} 幅（约每 {SCREEN_STEP_MM:g} mm 一幅，CTP404 附近逐幅）",
                    f"{what[1]} rests on {k} of the {n} images read (one every ~{SCREEN_STEP_MM:g} mm, every one near CTP404)"))
    numbers = [im.instance_number for im in series if im.instance_number is not None]
    held = []
    try:
        held.append(int(series[0].ds.get("ImagesInAcquisition") or 0))
    except (TypeError, ValueError):
        pass
    if len(set(numbers)) == len(numbers) == n and numbers:
        held.append(max(numbers) - min(numbers) + 1)
    m = max(held, default=0)
    if m > n:
        out.append((f"序列头信息表明应有 {m} 幅图像，只收到 {n} 幅：{what[0]}依据的图像少于序列所含，结果可能不完整或有误",
                    f"the headers say the series holds {m} images but only {n} were received: {what[1]} rests on "
                    f"fewer images than the series holds and may be incomplete or wrong"))
    return out


def _recognise(kinds: list[SliceKind]) -> str | None:
    ks = {k.kind for k in kinds}
    if any(k.startswith("acr.") for k in ks):
        return "acr-ct"
    if any(k.startswith("catphan.") for k in ks):
        return "catphan"
    if "points" in ks and not any(k.kind == "points" and k.disc is not None and k.disc.diameter_mm > 150 and k.features.get("n_points", 0) >= 2 for k in kinds):
        return "wire"
    water = [k for k in kinds if k.kind == "uniform" and k.disc is not None and 150 <= k.features["diameter_mm"] <= 360
             and abs(k.features["body_hu"]) < 100]
    if water:
        return "water"
    return None


def table_positioning(error_mm: float, *, direction: str | None = None, note: str | None = None) -> Measurement:
    """A typed-in table positioning error (mm; WS 519-2019: |end − start| − travel, in and out) as a measurement."""
    v = float(error_mm)
    return Measurement(item="CT-QC-TABLE", metric="table_positioning_error", value=round(v, 3), unit="mm", method="typed",
                       details={k: x for k, x in (("direction", direction), ("note", note)) if x},
                       provenance={"algorithm": "huren.analysis.ct.table_positioning/1", "sop_instance_uids": []})
